"""Global sensitivity analysis: which parameters move which KPIs most (SALib Morris or Sobol).

Each parameter is a dotted scenario path with a range ``LOW:HIGH`` (numbers, or dates, which
are sampled as whole-day offsets from LOW). SALib lays out the sample; every sample point is
validated before any run starts, then run once at the same seed (common random numbers), so
the differences between points come from the parameters alone. The result is a ranking per
KPI: Morris ``mu_star`` or Sobol total-order ``ST`` as the importance, with the method's
other indices beside it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.executors import Job, auto_progress, check_batch_size, execute, require_a_success
from sim.experiments.sweeps import scalar
from sim.results.kpis import SENSITIVITY_DEFAULTS
from sim.runner import Destination, atomic_folder, jsonable, provenance, write_json
from sim.scenario.errors import COMMAND_LINE, Problem, ScenarioError, shown
from sim.scenario.loader import apply_overrides, validate_data, value_at
from sim.scenario.yaml_input import parse_value

Bounds = tuple[float, float] | tuple[date, date]
DEFAULT_KPIS = SENSITIVITY_DEFAULTS
INDICES = {"morris": ("mu", "mu_star", "sigma", "mu_star_conf"), "sobol": ("S1", "S1_conf", "ST", "ST_conf")}
RANKING_COLUMNS = ("kpi", "parameter", "method", "importance", "rank", *INDICES["morris"], *INDICES["sobol"])
MORRIS_LEVELS = 4


def parse_params(params: tuple[str, ...]) -> dict[str, Bounds]:
    """``PATH=LOW:HIGH`` options into {path: (low, high)}: two numbers or two dates, low < high."""
    out: dict[str, Bounds] = {}
    usage = "expected PATH=LOW:HIGH (two numbers, or two dates such as 2025-09-05:2025-10-05)"
    for text in params:
        path, sep, raw = text.partition("=")
        path = path.strip()
        low_text, colon, high_text = raw.partition(":")
        if not sep or not path or not colon:
            raise ScenarioError("(command line)", [Problem(text, usage)])
        low, high = (scalar(parse_value(t, COMMAND_LINE, f"--param {path}")) for t in (low_text, high_text))
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
        dates = all(isinstance(v, date) for v in (low, high))
        if not (numbers or dates):
            raise ScenarioError(COMMAND_LINE, [Problem(path, f"{usage}, got {shown(raw)}")])
        if numbers and not all(math.isfinite(v) for v in (low, high)):
            raise ScenarioError(COMMAND_LINE, [Problem(path, f"LOW and HIGH must be finite numbers, got {low} and {high}")])
        if not low < high:
            raise ScenarioError("(command line)", [Problem(path, f"LOW must be below HIGH, got {low} and {high}")])
        if path in out:
            raise ScenarioError("(command line)", [Problem(path, "given twice")])
        out[path] = (low, high) if dates else (float(low), float(high))
    if not out:
        raise ScenarioError("(command line)", [Problem("--param", "give at least one PATH=LOW:HIGH")])
    return out


def _original(data: Any, path: str) -> Any:
    return value_at(data, tuple(path.split(".")))


def _value(bounds: Bounds, x: float, original: Any) -> Any:
    """The scenario value of a sample coordinate: a date LOW + x days, or a number (whole if the file's is)."""
    low = bounds[0]
    if isinstance(low, date):
        return low + timedelta(days=round(x))
    if isinstance(original, int) and not isinstance(original, bool):
        return round(x)
    return float(x)


def _shown(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _numeric(value: Any, start: date) -> float:
    """A KPI as a number for the analysis: dates as days from the scenario start; missing as NaN."""
    if value is None:
        return float("nan")
    if isinstance(value, date):
        return float((value - start).days)
    return float(value)


def _salib(method: str) -> tuple[Any, Any]:
    try:
        if method == "morris":
            from SALib.analyze import morris as analyze
            from SALib.sample import morris as sample
        else:
            from SALib.analyze import sobol as analyze
            from SALib.sample import sobol as sample
    except ImportError:
        raise ScenarioError(
            "(command line)", [Problem("--method", "SALib is not installed; pip install 'supplysim[sensitivity]'")]
        ) from None
    return sample, analyze


def _usable_groups(outcomes: list[Any], size: int, what: str) -> tuple[np.ndarray, list[bool | None]]:
    """Which runs the analysis can use: whole groups of ``size`` consecutive runs (a Morris trajectory, or a Sobol
    base sample with its variations), left out when any of their runs failed or finished with a baseline that is
    not steady. Returns the mask of runs kept and each run's steadiness (None: failed)."""
    steady: list[bool | None] = [None if o.error is not None else bool(o.summary.get("baseline_steady", True)) for o in outcomes]
    good = np.array([flag is True for flag in steady])
    groups = good.reshape(-1, size).all(axis=1)
    if not groups.any():
        raise ScenarioError(
            "(command line)",
            [
                Problem(
                    "--param",
                    f"no sample of {what} can be analysed: every group of "
                    "runs has one that failed or whose baseline is not steady; "
                    "narrow the ranges",
                )
            ],
        )
    return np.repeat(groups, size), steady


def run_sensitivity(
    data: dict[str, Any],
    source: str,
    params: dict[str, Bounds],
    method: str = "morris",
    samples: int = 16,
    kpis: list[str] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    lines: Mapping[Any, Any] | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Rank ``params`` by their effect on each KPI; every sample point runs at the same seed.

    Morris lays out ``samples`` trajectories (samples x (k + 1) runs for k parameters); Sobol
    ``samples`` x (k + 2) runs (first and total order, no second order). ``progress``: show a progress bar (None:
    in a terminal or Jupyter, not in CI or a log file).
    """
    if method not in INDICES:
        raise ScenarioError("(command line)", [Problem("--method", f"must be morris or sobol, got {method!r}")])
    if samples < 2:
        raise ScenarioError("(command line)", [Problem("--samples", f"must be >= 2, got {samples}")])
    if not params:
        raise ScenarioError("(command line)", [Problem("--param", "give at least one PATH=LOW:HIGH")])
    check_batch_size(samples * (len(params) + (1 if method == "morris" else 2)), "--samples")
    base = validate_data(data, source, lines)
    apply_overrides(data, {p: b[0] for p, b in params.items()}, source, lines)  # every path names what exists
    root = base.seed if seed is None else int(seed)
    names = list(params)
    span = [(0.0, float((b[1] - b[0]).days)) if isinstance(b[0], date) else (float(b[0]), float(b[1])) for b in params.values()]
    problem = {"num_vars": len(names), "names": names, "bounds": [list(s) for s in span]}
    sample, analyze = _salib(method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Sobol's "N should be a power of 2" advice
        if method == "morris":
            x = sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=root)
        else:
            x = sample.sample(problem, samples, calc_second_order=False, seed=root)
    originals = {p: _original(data, p) for p in names}
    scenarios, design = [], []
    for i, point in enumerate(x):
        overrides = {p: _value(params[p], float(v), originals[p]) for p, v in zip(names, point, strict=True)}
        where = f"{source} (sample {i}: {', '.join(f'{k}={_shown(v)}' for k, v in overrides.items())})"
        scenarios.append((validate_data(apply_overrides(data, overrides, where, lines), where, lines), where))
        design.append({"sample": i, **overrides})
    jobs = [Job(i, np.random.SeedSequence(root), str(root)) for i in range(len(scenarios))]
    outcomes, info = execute(
        scenarios,
        jobs,
        workers=workers,
        label=f"{method}: {len(jobs)} runs",
        progress=auto_progress() if progress is None else progress,
    )
    require_a_success(outcomes, f"the {method} analysis of {source}")
    known = next((list(o.summary) for o in outcomes if o.error is None), [])
    chosen = list(kpis) if kpis else [k for k in DEFAULT_KPIS if k in known or not known]
    unknown = [k for k in chosen if known and k not in known]
    if unknown:
        raise ScenarioError("(command line)", [Problem("--kpi", f"unknown KPI {k!r} (known: {', '.join(known)})") for k in unknown])
    kept, steady = _usable_groups(outcomes, len(names) + (1 if method == "morris" else 2), f"the {method} analysis of {source}")
    for d, flag in zip(design, steady, strict=True):
        d["baseline_steady"] = flag
    rows = []
    for kpi in chosen:
        y = np.array([_numeric(o.summary.get(kpi), base.start_date) for o in outcomes])
        for d, v in zip(design, y, strict=True):
            d[kpi] = v
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a KPI that never varies has no variance to split
            if method == "morris":
                res = analyze.analyze(problem, x[kept], y[kept], num_levels=MORRIS_LEVELS, seed=root, print_to_console=False)
            else:
                res = analyze.analyze(problem, y[kept], calc_second_order=False, seed=root, print_to_console=False)
        importance = "mu_star" if method == "morris" else "ST"
        for j, name in enumerate(names):
            row: dict[str, Any] = {"kpi": kpi, "parameter": name, "method": method, "importance": float(res[importance][j])}
            row.update(
                {k: float(res[k][j]) if k in INDICES[method] else float("nan") for k in (*INDICES["morris"], *INDICES["sobol"])}
            )
            rows.append(row)
    ranking = pd.DataFrame(rows, columns=[c for c in RANKING_COLUMNS if c != "rank"])
    ranking["rank"] = (
        ranking.groupby("kpi", sort=False)["importance"].rank(ascending=False, method="min", na_option="bottom").astype("int64")
    )
    ranking = ranking[list(RANKING_COLUMNS)]
    ranking["kpi"] = pd.Categorical(ranking["kpi"], categories=chosen)
    ranking = ranking.sort_values(["kpi", "rank", "parameter"], kind="stable").reset_index(drop=True)
    ranking["kpi"] = ranking["kpi"].astype(object)
    failed = [{"sample": i, "error": o.error} for i, o in enumerate(outcomes) if o.error is not None]
    ranking.attrs.update(
        jsonable(
            {
                "seed": root,
                "method": method,
                "samples": samples,
                "runs": len(jobs),
                "failures": failed,
                "runs_unsteady": sum(flag is False for flag in steady),
                "runs_left_out": len(jobs) - int(kept.sum()),
                "params": {p: list(b) for p, b in params.items()},
                "executor": info.executor,
                "workers": info.workers,
                "compute_s": round(info.compute_s, 4),
                "runs_rerun": info.rerun,
                "source": source,
                "design": design,
            }
        )
    )
    return ranking


def write_sensitivity(
    out: Path | Destination,
    ranking: pd.DataFrame,
    wall_s: float,
    force: bool = False,
    figures: Callable[[Path], object] | None = None,
) -> Path:
    """Write ranking.parquet, ranking.csv, design.csv (each sample's values and KPIs) and run.json, and
    ``figures(folder)`` (figures and report) into the same folder before it appears."""
    info = {str(k): v for k, v in ranking.attrs.items()}
    design = pd.DataFrame(info.pop("design", []))
    plain = ranking.copy()
    plain.attrs = {}
    with atomic_folder(out, force) as tmp:
        plain.to_parquet(tmp / "ranking.parquet", index=False)
        plain.to_csv(tmp / "ranking.csv", index=False)
        design.to_csv(tmp / "design.csv", index=False)
        write_json(tmp / "run.json", provenance(info.pop("seed", None), wall_s, info))
        if figures is not None:
            figures(tmp)
    return out.path if isinstance(out, Destination) else Path(out)
