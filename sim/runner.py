"""Runs to files: a result folder written atomically, never overwriting an earlier run unless asked.

The folder holds the tables (parquet), the KPI summary (JSON), the resolved scenario (YAML),
the provenance (seed, versions, wall time) and the figures and report. It is assembled in a
temporary sibling folder and renamed into place only when complete.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.loader import scenario_to_data
from sim.scenario.schema import Scenario


class OutputExistsError(FileExistsError):
    """The output folder exists and overwriting was not asked for."""


def jsonable(value: Any) -> Any:
    """Dates to ISO strings, numpy scalars to Python, infinities and NaN to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("supplysim", "simpy", "numpy", "numba", "llvmlite", "pandas", "pyarrow", "pydantic", "PyYAML", "matplotlib",
                 "click"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@contextmanager
def atomic_folder(out: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``out`` only if the block completes."""
    out = Path(out)
    if out.exists() and not force:
        raise OutputExistsError(f"Output folder {out} already exists; choose another --out or pass --force to replace it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(jsonable(data), indent=2) + "\n", encoding="utf-8")


def write_scenario(path: Path, scenario: Scenario) -> None:
    path.write_text(yaml.safe_dump(scenario_to_data(scenario), sort_keys=False, allow_unicode=True), encoding="utf-8")


def provenance(seed: Any, wall_s: float, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "seed": seed,
        "command": " ".join(sys.argv),
        "wall_time_s": round(wall_s, 4),
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "versions": versions(),
    }
    info.update(extra or {})
    return info


def write_run(out: Path, result: Any, wall_s: float, force: bool = False,
              figures: Callable[[Path], AbstractContextManager[object]] | None = None) -> Path:
    """Write one run's tables, summary, scenario, provenance and figures into ``out``.

    ``figures(folder)`` is a context manager that draws the figures and report into the folder by the
    time it exits; the tables are written inside it (figures may be drawn in other processes meanwhile).
    """
    with atomic_folder(out, force) as tmp:  # run.json first: the figures' note names the run's seed
        write_json(tmp / "run.json", provenance(result.seed, wall_s, {"work": result.work, "scenario": result.scenario.name}))
        with figures(tmp) if figures is not None else nullcontext():
            result.daily.to_parquet(tmp / "daily.parquet", index=False)
            result.suppliers.to_parquet(tmp / "suppliers.parquet", index=False)
            result.events.to_parquet(tmp / "events.parquet", index=False)
            result.quarters.to_parquet(tmp / "quarters.parquet", index=False)
            write_json(tmp / "summary.json", result.summary)
            write_scenario(tmp / "scenario.yaml", result.scenario)
            write_json(tmp / "draws.json", result.draws)
    return out
