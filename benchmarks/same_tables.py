"""Are two versions of the engine bit for bit the same? Dump every table, then compare two dumps.

    .venv/bin/python benchmarks/same_tables.py dump DIR            # every table of this checkout into DIR
    .venv/bin/python benchmarks/same_tables.py compare OLD NEW     # exit 1 and name what differs

What is dumped: the daily, supplier and event tables and the KPI summary of every shipped scenario
(``scenarios/*.yaml``) and every test scenario (``tests/scenarios/*.yaml``) at its own seed, and the
replication table, bands and summary of six flagship replications. A refactor must leave all of them
identical: same columns in the same order, same dtypes, same values (NaN equal to NaN).
Run ``dump`` with the old code (a ``git worktree`` of the old commit) and with the new, then ``compare``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "jlr_2025.yaml"
REPLICATIONS = 6


def _scenarios() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))


def _json(value: object) -> str:
    from sim.runner import jsonable

    return json.dumps(jsonable(value), indent=1, sort_keys=False)


def dump(out: Path) -> None:
    """Write every table and summary of this checkout into ``out`` (one sub-folder per run)."""
    from sim import load_scenario, simulate
    from sim.experiments import run_replications

    out.mkdir(parents=True, exist_ok=False)
    for path in _scenarios():
        result = simulate(load_scenario(path))
        folder = out / f"{path.parent.name}__{path.stem}"
        folder.mkdir()
        result.daily.to_pickle(folder / "daily.pkl")
        result.suppliers.to_pickle(folder / "suppliers.pkl")
        result.events.to_pickle(folder / "events.pkl")
        (folder / "summary.json").write_text(_json(result.summary))
        print(f"dumped {folder.name}", flush=True)
    reps = run_replications(load_scenario(FLAGSHIP), None, REPLICATIONS, workers=1)
    folder = out / "flagship_replications"
    folder.mkdir()
    reps.table.to_pickle(folder / "replications.pkl")
    reps.bands.to_pickle(folder / "bands.pkl")
    (folder / "summary.json").write_text(_json(reps.summary))
    print(f"dumped {folder.name}", flush=True)


def _frame_difference(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    if list(a.columns) != list(b.columns):
        return (
            f"columns differ: only old {sorted(set(a.columns) - set(b.columns))}, only new "
            f"{sorted(set(b.columns) - set(a.columns))}, order same: {sorted(a.columns) == sorted(b.columns)}"
        )
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        return str(exc).splitlines()[0] + " " + " ".join(str(exc).splitlines()[1:4])
    return None


def compare(old: Path, new: Path) -> int:
    """Name every file that differs between two dumps; 0 when none does."""
    differences = 0
    names = sorted(
        {p.relative_to(old) for p in old.rglob("*") if p.is_file()} | {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    )
    for name in names:
        a, b = old / name, new / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'new' if not a.exists() else 'old'}")
            differences += 1
            continue
        if name.suffix == ".pkl":
            problem = _frame_difference(pd.read_pickle(a), pd.read_pickle(b))
        else:
            problem = None if a.read_bytes() == b.read_bytes() else "contents differ"
        if problem:
            print(f"{name}: {problem}")
            differences += 1
    print(f"{len(names)} files compared, {differences} differ")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dump").add_argument("out", type=Path)
    cmp = sub.add_parser("compare")
    cmp.add_argument("old", type=Path)
    cmp.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out)
    else:
        sys.exit(compare(args.old, args.new))


if __name__ == "__main__":
    main()
