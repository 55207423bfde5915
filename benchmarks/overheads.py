"""What the engine's process settings and install steps save: CPU per replication on Dask workers, start-up and exit.

    .venv/bin/python benchmarks/overheads.py --replications 100

Runs the same flagship replications on a running 2-worker local Dask cluster under each setting below and
prints the workers' own CPU time per replication (user and system, read inside each worker before and after,
after a warm-up batch), and the same for a 2-process pool:

    as shipped       sim.experiments.LOCAL_WORKER_CONFIG, the cyclic collector paused while a task runs
    collector on     the same, but the cyclic garbage collector left running during a task
    malloc trim      the same, with the MALLOC_TRIM_THRESHOLD_=65536 Dask gives its workers by default
    dask defaults    Dask's own housekeeping (profiler, event-loop ticks, memory monitor); malloc trim unset
    process pool     run_replications(workers=2), for comparison (its workers' CPU, start-up included)

Then, best of ``--repeats`` each:

- the wall time of a Python process that imports pandas and matplotlib and exits, with and without
  ``gc.freeze`` at exit (what ``supplysim`` registers);
- the time to compile from source the ``sim`` modules ``supplysim --help`` imports, and all of ``sim`` (what
  a run imports is in between), which a command pays when their bytecode is not cached (``make``'s install
  step caches it with ``compileall``);
- the flagship simulated in a fresh process with an empty numba cache and with a warm one, as ``make``'s
  install step does: the difference is compiling the daily loops it uses.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sim.experiments import LOCAL_WORKER_CONFIG, run_replications
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
WARM_UP = 4  # replications before measuring: imports, the compiled loops loaded, the scenario unpickled


def _worker_cpu() -> tuple[float, float]:
    t = os.times()
    return t.user, t.system


def _malloc_trim() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def _collector_left_on() -> None:
    import sim.experiments.executors as executors

    executors._without_cycle_collection = contextlib.nullcontext  # type: ignore[assignment]


def on_dask(
    scenario: Scenario, replications: int, settings: dict[str, Any], collector_on: bool
) -> tuple[float, float, set[str | None]]:
    """Workers' user and system CPU seconds per replication on a fresh 2-worker local cluster, and the
    MALLOC_TRIM_THRESHOLD_ its workers see."""
    from dask import config
    from distributed import Client, LocalCluster

    had = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    with config.set(settings):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
    with cluster, Client(cluster) as client:
        if collector_on:
            client.run(_collector_left_on)
        run_replications(scenario, 1, WARM_UP, scheduler=cluster.scheduler_address, progress=False)
        before = client.run(_worker_cpu)
        run_replications(scenario, 2, replications, scheduler=cluster.scheduler_address, progress=False)
        after = client.run(_worker_cpu)
        trim = set(client.run(_malloc_trim).values())
    # a local cluster's nannies run in this process and put their pre-spawn environment into its own, where
    # every later cluster's workers would inherit it: put it back
    os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    if had is not None:
        os.environ["MALLOC_TRIM_THRESHOLD_"] = had
    user = sum(after[w][0] - before[w][0] for w in after)
    system = sum(after[w][1] - before[w][1] for w in after)
    return user / replications, system / replications, trim


def on_pool(scenario: Scenario, replications: int) -> tuple[float, float, set[str | None]]:
    """Pool workers' user and system CPU seconds per replication (start-up included)."""
    before = os.times()
    run_replications(scenario, 2, replications, workers=2, progress=False)
    after = os.times()
    return (
        (after.children_user - before.children_user) / replications,
        (after.children_system - before.children_system) / replications,
        {os.environ.get("MALLOC_TRIM_THRESHOLD_")},
    )


def best_process_s(code: str, repeats: int, env: dict[str, str] | None = None) -> float:
    """Best wall time of a Python process running ``code``."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, **(env or {})})
        best = min(best, time.perf_counter() - started)
    return best


def exit_s(freeze: bool, repeats: int) -> float:
    """Best wall time of a process importing pandas and matplotlib, then exiting."""
    return best_process_s(
        "import pandas, matplotlib.pyplot" + ("; import atexit, gc; atexit.register(gc.freeze)" if freeze else ""), repeats
    )


HELP_IMPORTS = "import sys, sim.cli; print(*[m.__file__ for n, m in list(sys.modules.items()) if n.split('.')[0] == 'sim'])"


def compile_s(files: list[Path], repeats: int) -> float:
    """Best time to compile ``files`` from source."""
    sources = [path.read_text() for path in files]
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for source in sources:
            compile(source, "<sim>", "exec")
        best = min(best, time.perf_counter() - started)
    return best


def help_modules() -> list[Path]:
    """The files of the ``sim`` modules ``supplysim --help`` imports (in a fresh process)."""
    done = subprocess.run([sys.executable, "-c", HELP_IMPORTS], check=True, cwd=ROOT, capture_output=True, text=True)
    return [Path(f) for f in done.stdout.split()]


def numba_compile_s(repeats: int) -> tuple[float, float]:
    """Best wall time of the install step's run of the flagship in a fresh process with an empty numba cache
    (a new one each time), and with a warm one."""
    code = "from sim import load_scenario, simulate; simulate(load_scenario('scenarios/jlr_2025.yaml'))"
    cold = float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as empty:
            cold = min(cold, best_process_s(code, 1, {"NUMBA_CACHE_DIR": empty}))
    with tempfile.TemporaryDirectory() as cache:
        best_process_s(code, 1, {"NUMBA_CACHE_DIR": cache})
        warm = best_process_s(code, repeats, {"NUMBA_CACHE_DIR": cache})
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "jlr_2025.yaml")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    r = args.replications
    print(
        f"{scenario.name}: {r} replications per setting, 2 workers, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    rows = [  # the pool first: while this process has one thread its workers are its own children (forked)
        ("process pool", lambda: on_pool(scenario, r)),
        ("as shipped", lambda: on_dask(scenario, r, LOCAL_WORKER_CONFIG, False)),
        ("collector on", lambda: on_dask(scenario, r, LOCAL_WORKER_CONFIG, True)),
        ("malloc trim", lambda: on_dask(scenario, r, {**LOCAL_WORKER_CONFIG, MALLOC_TRIM: 65536}, False)),
        ("dask defaults", lambda: on_dask(scenario, r, {MALLOC_TRIM: None}, False)),
    ]
    for label, measure in rows:
        user, system, trim = measure()
        print(
            f"  {label:<14} {user + system:6.3f} s CPU per replication ({user:.3f} user, {system:.3f} system)  "
            f"MALLOC_TRIM_THRESHOLD_ {'/'.join(map(str, trim))}  (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    n = args.repeats
    plain, frozen = exit_s(False, n), exit_s(True, n)
    print(f"  import pandas and matplotlib, exit: {plain:.3f} s; with gc.freeze at exit {frozen:.3f} s (best of {n})")
    needed, every = help_modules(), sorted((ROOT / "sim").rglob("*.py"))
    print(
        f"  compiling from source the {len(needed)} sim modules `supplysim --help` imports: {compile_s(needed, n):.3f} s; "
        f"all {len(every)} of sim: {compile_s(every, n):.3f} s (best of {n})"
    )
    cold, warm = numba_compile_s(n)
    print(f"  flagship in a fresh process: {cold:.2f} s with an empty numba cache, {warm:.2f} s with a warm one (best of {n})")


if __name__ == "__main__":
    main()
