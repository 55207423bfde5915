"""Monte Carlo replications of one scenario: replication i always runs at child i of
``SeedSequence(seed)``; a row of KPIs per replication, KPI quantiles and daily bands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.executors import Job, Outcome, auto_progress, check_batch_size, execute, require_a_success
from sim.experiments.tables import kpi_summary, outcome_table
from sim.runner import Destination, atomic_folder, provenance, write_json, write_scenario
from sim.scenario.schema import Scenario
from sim.scenario.streams import replication_seeds

_KEY_SERIES = ("production_total", "invoice_backlog_gbp", "parts_backlog_orders", "oem_cash_gbp", "suppliers_under_7_days_cash")
BAND_SERIES = _KEY_SERIES + tuple(f"baseline_{s}" for s in _KEY_SERIES)  # the baseline's, for reference
BAND_COLUMNS = ("date", "series", "p05", "p50", "p95")
PATH_SERIES = ("production_total",)  # kept day by day for a sample of replications
PATH_RUNS = 20  # the sample: the first successful replications
PATH_COLUMNS = ("date", "replication", "series", "value")
SHARE_COLUMNS = ("date", "series", "share")
STOPPED_SHARE = 0.5  # production "stopped": under this share of the baseline's over the trailing STOPPED_DAYS
STOPPED_DAYS = 7


@dataclass
class ReplicationSet:
    """Monte Carlo replications of one scenario: a row per replication, KPI quantiles, daily bands."""

    scenario: Scenario
    scenario_name: str
    seed: int
    replications: int
    table: pd.DataFrame
    summary: dict[str, Any]
    bands: pd.DataFrame
    failures: list[dict[str, Any]]
    executor: str = "serial"
    workers: int = 1
    chunk_size: int = 1
    compute_s: float = 0.0
    paths: pd.DataFrame = field(default_factory=lambda: empty_frame(PATH_COLUMNS))
    shares: pd.DataFrame = field(default_factory=lambda: empty_frame(SHARE_COLUMNS))
    rerun: int = 0  # replications lost with a worker that died and run again


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """A table with these columns and no rows (dates as dates, series as text, the rest as numbers)."""
    dtypes: dict[str, Any] = {"date": "datetime64[s]", "series": object, "replication": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, float)) for c in columns})


def paths_frame(dates: np.ndarray, outcomes: Sequence[Outcome], series: Sequence[str], runs: int) -> pd.DataFrame:
    """Long table (date, replication, series, value) of ``series`` in the first ``runs`` successful replications."""
    sample = [(i, o) for i, o in enumerate(outcomes) if o.error is None][:runs]
    parts = [
        pd.DataFrame({"date": dates, "replication": i, "series": name, "value": o.series[name].astype(float)})
        for name in series
        for i, o in sample
    ]
    return pd.concat(parts, ignore_index=True) if parts else empty_frame(PATH_COLUMNS)


def shares_frame(dates: np.ndarray, outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Per date, the share of successful replications whose vehicles built over the trailing 7 days are under half
    of their baseline's (series ``production_total_below_half``); 0 on days the baseline builds nothing."""
    ok = [o for o in outcomes if o.error is None]
    if not ok:
        return empty_frame(SHARE_COLUMNS)

    def trailing(values: np.ndarray) -> np.ndarray:
        sums = np.cumsum(values.astype(float), axis=1)
        sums[:, STOPPED_DAYS:] = sums[:, STOPPED_DAYS:] - sums[:, :-STOPPED_DAYS]
        return sums

    built = trailing(np.vstack([o.series["production_total"] for o in ok]))
    normal = trailing(np.vstack([o.series["baseline_production_total"] for o in ok]))
    stopped = (built < STOPPED_SHARE * normal) & (normal > 0)
    return pd.DataFrame({"date": dates, "series": "production_total_below_half", "share": stopped.mean(axis=0)})


def bands_frame(dates: np.ndarray, outcomes: Sequence[Outcome], series: Sequence[str]) -> pd.DataFrame:
    """Long table: date, series, p05, p50, p95 across the ok runs (fixed columns, even when empty)."""
    ok = [o for o in outcomes if o.error is None]
    if not ok:
        return pd.DataFrame(
            {
                "date": pd.Series(dtype="datetime64[s]"),
                "series": pd.Series(dtype=object),
                **{c: pd.Series(dtype=float) for c in BAND_COLUMNS[2:]},
            }
        )
    parts = []
    for name in series:
        p = np.percentile(np.vstack([o.series[name] for o in ok]).astype(float), [5, 50, 95], axis=0)
        parts.append(pd.DataFrame({"date": dates, "series": name, "p05": p[0], "p50": p[1], "p95": p[2]}))
    return pd.concat(parts, ignore_index=True)


def failures_of(table: pd.DataFrame) -> list[dict[str, Any]]:
    failed = table[table["status"] == "failed"]
    return [
        {"replication": int(r), "seed": s, "error": e}
        for r, s, e in zip(failed["replication"], failed["seed"], failed["error"], strict=True)
    ]


# ------------------------------------------------------------------------------------- replications


def run_replications(
    scenario: Scenario,
    seed: int | None,
    replications: int,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    progress: bool | None = None,
    check_daily: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplicationSet:
    """Run ``replications`` Monte Carlo replications; replication i runs at child i of ``SeedSequence(seed)``.

    ``progress``: show a progress bar (None: in a terminal or Jupyter, not in CI or a log file).
    ``on_progress(done, total)`` hears of each chunk of replications as it finishes (e.g. a page's own bar).
    A replication that fails is recorded as failed; :class:`AllRunsFailed` if every one does."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    check_batch_size(replications, "--replications")
    root = scenario.seed if seed is None else int(seed)
    jobs = [Job(0, child, f"{root}/{i}") for i, child in enumerate(replication_seeds(root, replications))]
    outcomes, info = execute(
        [(scenario, scenario.name)],
        jobs,
        workers=workers,
        scheduler=scheduler,
        dask_workers=dask_workers,
        check_daily=check_daily,
        progress=auto_progress() if progress is None else progress,
        series=BAND_SERIES,
        label=f"{scenario.name}: {replications} replications",
        on_progress=on_progress,
    )
    require_a_success(outcomes, scenario.name)
    table = outcome_table(outcomes)
    table.insert(0, "replication", np.arange(replications, dtype=np.int64))
    dates = np.datetime64(scenario.start_date, "D") + np.arange(scenario.horizon_days)
    return ReplicationSet(
        scenario,
        scenario.name,
        root,
        replications,
        table,
        kpi_summary(table),
        bands_frame(dates, outcomes, BAND_SERIES),
        failures_of(table),
        info.executor,
        info.workers,
        info.chunk_size,
        info.compute_s,
        paths_frame(dates, outcomes, PATH_SERIES, PATH_RUNS),
        shares_frame(dates, outcomes),
        info.rerun,
    )


def write_replications(
    out: Path | Destination, reps: ReplicationSet, wall_s: float, force: bool = False, figures: Callable[[Path], None] | None = None
) -> Path:
    """Write the replication table, KPI summary, daily bands, a sample of runs' production and the share of runs
    stopped (daily_paths.parquet, daily_shares.parquet), scenario and provenance into ``out``."""
    extra = {
        "scenario": reps.scenario_name,
        "replications": reps.replications,
        "replications_failed": len(reps.failures),
        "executor": reps.executor,
        "workers": reps.workers,
        "chunk_size": reps.chunk_size,
        "compute_s": round(reps.compute_s, 4),
        "failures": reps.failures,
        "replications_rerun": reps.rerun,
    }
    with atomic_folder(out, force) as tmp:
        reps.table.to_parquet(tmp / "replications.parquet", index=False)
        write_json(tmp / "summary.json", reps.summary)
        reps.bands.to_parquet(tmp / "daily_bands.parquet", index=False)
        reps.paths.to_parquet(tmp / "daily_paths.parquet", index=False)
        reps.shares.to_parquet(tmp / "daily_shares.parquet", index=False)
        write_scenario(tmp / "scenario.yaml", reps.scenario)
        write_json(tmp / "run.json", provenance(reps.seed, wall_s, extra))
        if figures is not None:
            figures(tmp)
    return out.path if isinstance(out, Destination) else Path(out)
