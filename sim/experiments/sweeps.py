"""Parameter sweeps: every point of a grid over dotted scenario paths, each with replications at common
random numbers, so that differences between points come from the parameters, not from the draws."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.executors import Job, auto_progress, check_batch_size, execute, require_a_success
from sim.experiments.tables import analysed, kpi_summary, outcome_table, typed_column, unsteady
from sim.runner import Destination, atomic_folder, jsonable, provenance, write_json
from sim.scenario.errors import COMMAND_LINE, Problem, ScenarioError
from sim.scenario.loader import apply_overrides, validate_data
from sim.scenario.schema import Scenario
from sim.scenario.streams import replication_seeds
from sim.scenario.yaml_input import parse_value


def scalar(value: Any) -> Any:
    """A YAML-parsed command-line value, with ``250e6``-style numbers (a string to PyYAML) made floats."""
    if isinstance(value, str) and any(c.isdigit() for c in value):
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value


def parse_grid(sets: tuple[str, ...]) -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` options into {path: values}; values are YAML scalars (numbers, dates)."""
    grid: dict[str, list[Any]] = {}
    usage = "expected PATH=V1,V2,... (a dotted scenario path, then comma-separated values)"
    for text in sets:
        path, sep, raw = text.partition("=")
        path = path.strip()
        if not sep or not path or not raw.strip():
            raise ScenarioError("(command line)", [Problem(text, usage)])
        if path in grid:
            raise ScenarioError("(command line)", [Problem(path, "given twice; put all its values in one --set")])
        values = parse_value(f"[{raw}]", COMMAND_LINE, f"--set {path}")
        if not isinstance(values, list) or not values or any(v is None for v in values):
            raise ScenarioError("(command line)", [Problem(path, f"{usage}; could not read the values {raw!r}")])
        grid[path] = [scalar(v) for v in values]
    if not grid:
        raise ScenarioError("(command line)", [Problem("--set", "a sweep needs at least one PATH=V1,V2,... axis")])
    return grid


def _shown(value: Any) -> Any:
    """A grid value as a table cell: numbers and dates as they are, anything else as JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def sweep_points(
    data: dict[str, Any], source: str, grid: dict[str, list[Any]], lines: Mapping[Any, Any] | None = None
) -> list[tuple[dict[str, Any], Scenario, str]]:
    """Every grid point (overrides, validated scenario, source label); a bad value raises before any run."""
    paths = list(grid)
    points = []
    for values in itertools.product(*(grid[p] for p in paths)):
        overrides = dict(zip(paths, values, strict=True))
        where = f"{source} (sweep point {', '.join(f'{k}={_shown(v)}' for k, v in overrides.items())})"
        scenario = validate_data(apply_overrides(data, overrides, where, lines), where, lines)
        points.append((overrides, scenario, where))
    return points


def run_sweep(
    data: dict[str, Any],
    source: str,
    grid: dict[str, list[Any]],
    replications: int = 1,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    progress: bool | None = None,
    lines: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """Every grid point x ``replications``, with common random numbers: one row per (point, replication).

    Replication i runs at child i of ``SeedSequence(seed)`` at every point, so differences between
    points come from the parameters, not from the draws. ``progress``: show a progress bar (None: in a terminal or
    Jupyter, not in CI or a log file).
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    check_batch_size(math.prod(len(v) for v in grid.values()) * replications, "--set")
    points = sweep_points(data, source, grid, lines)
    jobs = []
    for p, (_, scenario, _) in enumerate(points):
        root = scenario.seed if seed is None else int(seed)
        jobs += [Job(p, child, f"{root}/{i}") for i, child in enumerate(replication_seeds(root, replications))]
    outcomes, info = execute(
        [(s, where) for _, s, where in points],
        jobs,
        workers=workers,
        scheduler=scheduler,
        dask_workers=dask_workers,
        progress=auto_progress() if progress is None else progress,
        label=f"sweep: {len(points)} points x {replications} replications",
    )
    require_a_success(outcomes, f"the sweep of {source}")
    lead: dict[str, Any] = {"point": np.repeat(np.arange(len(points), dtype=np.int64), replications)}
    for path in grid:
        lead[path] = typed_column([_shown(overrides[path]) for overrides, _, _ in points for _ in range(replications)])
    lead["replication"] = np.tile(np.arange(replications, dtype=np.int64), len(points))
    table = pd.concat([pd.DataFrame(lead), outcome_table(outcomes)], axis=1)
    failed = int((table["status"] == "failed").sum())
    table.attrs.update(
        jsonable(
            {
                "seed": sorted({int(j.label.split("/")[0]) for j in jobs}),
                "grid": grid,
                "points": len(points),
                "replications": replications,
                "runs": len(jobs),
                "runs_failed": failed,
                "runs_unsteady": int(unsteady(table).sum()),
                "runs_rerun": info.rerun,
                "executor": info.executor,
                "workers": info.workers,
                "chunk_size": info.chunk_size,
                "compute_s": round(info.compute_s, 4),
                "source": source,
            }
        )
    )
    return table


def sweep_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per grid point: the grid values, its runs that finished with a steady baseline (``runs_ok``), those
    left out because their baseline was not steady (``runs_unsteady``), and the mean of every numeric KPI over
    the first (dates: mean date)."""
    grid = [c for c in table.columns[1 : list(table.columns).index("replication")]]
    rows = []
    for point, group in table.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **{c: group[c].iloc[0] for c in grid}}
        row["runs_ok"] = len(analysed(group))
        row["runs_unsteady"] = int(unsteady(group).sum())
        for kpi, stats in kpi_summary(group, exclude=("point", *grid)).items():
            row[kpi] = stats["mean"]
        rows.append(row)
    return pd.DataFrame(rows)


def write_sweep(
    out: Path | Destination,
    table: pd.DataFrame,
    wall_s: float,
    force: bool = False,
    figures: Callable[[Path], object] | None = None,
) -> Path:
    """Write sweep.parquet, sweep.csv (one row per point and replication), sweep_summary.csv and run.json, and
    ``figures(folder)`` (figures and report) into the same folder before it appears."""
    info = {str(k): v for k, v in table.attrs.items()}
    plain = table.copy()
    plain.attrs = {}
    with atomic_folder(out, force) as tmp:
        plain.to_parquet(tmp / "sweep.parquet", index=False)
        plain.to_csv(tmp / "sweep.csv", index=False)
        sweep_summary(plain).to_csv(tmp / "sweep_summary.csv", index=False)
        write_json(tmp / "run.json", provenance(info.pop("seed", None), wall_s, info))
        if figures is not None:
            figures(tmp)
    return out.path if isinstance(out, Destination) else Path(out)
