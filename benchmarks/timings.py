"""Wall times the README quotes: each notebook executed top to bottom, and a Monte Carlo batch from the command line.

    .venv/bin/python benchmarks/timings.py --notebooks                     # each notebook, full size
    .venv/bin/python benchmarks/timings.py --replications 200 --workers 2  # supplysim run ... --replications 200
    .venv/bin/python benchmarks/timings.py --simulate 10                   # one simulate() of the flagship, CPU

Prints one line per measurement with the date, the commit and the command, ready for the README.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()


def time_notebooks() -> None:
    import nbclient
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        nbclient.NotebookClient(
            notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        print(
            f"{date.today()} {commit()} notebook {path.name}: {time.perf_counter() - started:.0f} s "
            f"(benchmarks/timings.py --notebooks)",
            flush=True,
        )


def time_replications(replications: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            str(ROOT / ".venv" / "bin" / "supplysim"),
            "run",
            "scenarios/jlr_2025.yaml",
            "--replications",
            str(replications),
            "--workers",
            str(workers),
            "--out",
            str(Path(tmp) / "mc"),
            "--no-progress",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        shown = " ".join(["supplysim", *command[1:-3], "--out", "results/mc"])
        print(f"{date.today()} {commit()} `{shown}`: {time.perf_counter() - started:.0f} s", flush=True)


def time_simulate(repeats: int) -> None:
    """CPU and wall time of ``simulate()`` on the flagship, after one warm-up call (numba's loading, caches)."""
    import statistics

    from sim import load_scenario, simulate

    scenario = load_scenario(ROOT / "scenarios" / "jlr_2025.yaml")
    simulate(scenario)
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        simulate(scenario)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    print(
        f"{date.today()} {commit()} simulate(jlr_2025) x{repeats}: CPU best {min(cpu):.3f} s, median "
        f"{statistics.median(cpu):.3f} s; wall best {min(wall):.3f} s, median {statistics.median(wall):.3f} s "
        f"(benchmarks/timings.py --simulate {repeats})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", action="store_true", help="time each notebook, full size")
    parser.add_argument("--replications", type=int, default=0, help="time a Monte Carlo batch of this many")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the batch")
    parser.add_argument("--simulate", type=int, default=0, help="time simulate() of the flagship this many times")
    args = parser.parse_args()
    if args.notebooks:
        time_notebooks()
    if args.replications:
        time_replications(args.replications, args.workers)
    if args.simulate:
        time_simulate(args.simulate)
    if not (args.notebooks or args.replications or args.simulate):
        parser.print_help(sys.stderr)


if __name__ == "__main__":
    main()
