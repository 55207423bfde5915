"""Monte Carlo replications and parameter sweeps, run through one executor interface.

A batch is a list of jobs (a scenario and a seed each). Jobs go out in chunks through a standard
``concurrent.futures.Executor``: in-process for one worker, a process pool for several, or a
Dask cluster (``client.get_executor()``). Each task unpickles its scenario once, runs its chunk
and sends back only the KPI summaries and the few daily series needed for bands. A failed run
is recorded with its seed and error; the rest complete. Replication i always runs at child i of
``SeedSequence(seed)``, and results are ordered by job, so the tables are identical bit for bit
whatever the executor, the number of workers or the chunking.
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import math
import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import yaml

from sim.runner import atomic_folder, jsonable, provenance, write_json, write_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import apply_overrides, validate_data
from sim.scenario.schema import Scenario
from sim.scenario.streams import replication_seeds

_KEY_SERIES = ("production_total", "invoice_backlog_gbp", "parts_backlog_orders", "oem_cash_gbp",
               "suppliers_under_7_days_cash")
BAND_SERIES = _KEY_SERIES + tuple(f"baseline_{s}" for s in _KEY_SERIES)  # the baseline's, for reference
RUN_COLUMNS = ("replication", "seed", "status", "error")
BAND_COLUMNS = ("date", "series", "p05", "p50", "p95")
# A Dask worker's housekeeping (a stack profiler every 10 ms, event-loop ticks every 20 ms, a
# memory check every 100 ms) takes the GIL from the simulating thread, and on a small machine
# the cores too: measured, each replication cost 15-25% more CPU than in a process pool. The
# local cluster we start has no dashboard to feed, so it samples rarely; a remote cluster keeps
# its own settings (see the README). Dask also starts workers with MALLOC_TRIM_THRESHOLD_=65536,
# which fixes glibc's threshold for serving big blocks from mmap: every array of a supplier-sized
# column was then mapped and unmapped afresh, tripling the workers' system time and costing ~8% of
# the wall time (measured over 200 replications); unset, the allocator keeps them as a pool does.
LOCAL_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.worker.profile.interval": "1s",
    "distributed.worker.profile.cycle": "10s",
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "2s",
}
MAX_CHUNK = 8  # runs per task: enough to amortise task overhead, few enough to balance the tail
CHUNKS_PER_WORKER = 8
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """One ``simulate`` call: the scenario (an index into the batch's list) and its seed."""

    scenario: int
    seed: np.random.SeedSequence
    label: str  # "seed/replication", as written in the tables


@dataclass
class Outcome:
    """What a job sends back: its KPIs and bands series, or the error that stopped it."""

    label: str
    error: str | None
    summary: dict[str, Any]
    series: dict[str, np.ndarray]


@dataclass
class Execution:
    """How a batch ran (for provenance)."""

    executor: str
    workers: int
    chunk_size: int
    compute_s: float


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


# ----------------------------------------------------------------------------------------- executors


class InlineExecutor(Executor):
    """Runs each task at once in this process (the one-worker case of the same interface)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: B036 -- delivered through the future, as a pool would
            future.set_exception(exc)
        return future


def _mp_context() -> Any:
    """``fork`` while this process has one thread (fast; scripts need no ``__main__`` guard);
    ``forkserver`` with the engine preloaded once threads exist (e.g. after Dask), where fork is unsafe."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.experiments.replications", "sim.simulation"])
        return ctx
    return None


@contextmanager
def _dask_executor(scheduler: str | None, dask_workers: int | None) -> Iterator[tuple[Executor, int]]:
    option = "--scheduler" if scheduler else "--dask-local"
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError("(command line)", [Problem(option, "Dask is not installed; pip install 'supplysim[dask]'")]) from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            import dask

            with dask.config.set(LOCAL_WORKER_CONFIG):  # handed by each nanny to its worker
                cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ScenarioError("(command line)", [Problem(option, f"cannot reach the Dask cluster: {exc}")]) from None
    try:
        yield client.get_executor(), max(1, sum(client.nthreads().values()))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def open_executor(workers: int | None, scheduler: str | None, dask_workers: int | None,
                  tasks: int) -> Iterator[tuple[Executor, str, int]]:
    """The executor for a batch of ``tasks`` jobs: (executor, kind, number of workers)."""
    if scheduler or dask_workers:
        with _dask_executor(scheduler, dask_workers) as (dask, n):
            yield dask, "dask", n
        return
    n = max(1, min(workers or os.cpu_count() or 1, tasks))
    if n == 1:
        yield InlineExecutor(), "serial", 1
        return
    pool = ProcessPoolExecutor(n, mp_context=_mp_context())
    try:
        yield pool, "process_pool", n
    except BaseException:  # e.g. Ctrl-C: drop the queued chunks rather than wait for them
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def chunk_size(jobs: int, workers: int) -> int:
    """Runs per task: about CHUNKS_PER_WORKER tasks per worker, at most MAX_CHUNK runs each."""
    return max(1, min(MAX_CHUNK, math.ceil(jobs / (CHUNKS_PER_WORKER * workers))))


def run_chunk(scenarios: dict[int, tuple[bytes, str]], jobs: list[Job], series: tuple[str, ...],
              check_daily: bool) -> list[Outcome]:
    """Run ``jobs`` (in a worker); each scenario arrives pickled, once per task."""
    loaded = {i: (pickle.loads(blob), source) for i, (blob, source) in scenarios.items()}
    with _without_cycle_collection():
        return [_run_job(loaded, job, series, check_daily) for job in jobs]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a task's runs simulate. A run's worlds are
    freed by reference counting and one young-generation sweep afterwards; left on, the collector
    keeps re-walking every long-lived object of the process hosting the task. In a Dask worker
    (tens of thousands of its own objects and logs) that cost each replication ~45% more CPU
    (0.48 s against 0.33 s, measured over 304 flagship replications)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_job(loaded: dict[int, tuple[Scenario, str]], job: Job, series: tuple[str, ...], check_daily: bool) -> Outcome:
    """One run of a task: its outcome, or its error."""
    from sim.simulation import simulate

    scenario, source = loaded[job.scenario]
    try:
        result = simulate(scenario, job.seed, check_daily=check_daily, source=source)
    except Exception as exc:  # one failed run is recorded; the batch goes on
        return Outcome(job.label, f"{type(exc).__name__}: {exc}", {}, {})
    arrays = {name: result.daily[name].to_numpy(copy=True) for name in series}
    return Outcome(job.label, None, result.summary, arrays)


@contextmanager
def _progress(show: bool, total: int, label: str) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda n: None
        return
    import click

    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def execute(scenarios: Sequence[tuple[Scenario, str]], jobs: Sequence[Job], *, workers: int | None = None,
            scheduler: str | None = None, dask_workers: int | None = None, progress: bool = False,
            check_daily: bool = False, series: tuple[str, ...] = (),
            label: str = "simulating") -> tuple[list[Outcome], Execution]:
    """Run every job (scenario index, seed) and return the outcomes in job order."""
    started = time.perf_counter()
    blobs = [(pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL), source) for s, source in scenarios]
    results: list[Outcome | None] = [None] * len(jobs)
    with open_executor(workers, scheduler, dask_workers, len(jobs)) as (executor, kind, n):
        size = chunk_size(len(jobs), n)
        chunks = iter(range(0, len(jobs), size))
        pending: dict[Future[list[Outcome]], range] = {}

        def submit_next() -> None:
            first = next(chunks, None)
            if first is None:
                return
            idx = range(first, min(first + size, len(jobs)))
            chunk = [jobs[i] for i in idx]
            needed = {j.scenario: blobs[j.scenario] for j in chunk}
            pending[executor.submit(run_chunk, needed, chunk, series, check_daily)] = idx

        with _progress(progress, len(jobs), label) as advance:
            for _ in range(2 * n):  # keep every worker busy, without queueing the whole batch
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    idx = pending.pop(future)
                    for i, outcome in zip(idx, future.result(), strict=True):
                        results[i] = outcome
                    advance(len(idx))
                    submit_next()
    outcomes = [r for r in results if r is not None]
    if len(outcomes) != len(jobs):
        raise RuntimeError(f"{len(jobs) - len(outcomes)} of {len(jobs)} runs came back without an outcome")
    return outcomes, Execution(kind, n, size, time.perf_counter() - started)


# -------------------------------------------------------------------------------------------- tables


def _column(values: list[Any]) -> Any:
    """A table column with a fixed type: nullable integers, floats with NaN, or objects (dates)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values])
    return pd.Series(values, dtype=object)


def outcome_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """seed, status, error, then every KPI (in the engine's order); failed runs have empty KPIs."""
    kpis: dict[str, None] = {}
    for o in outcomes:
        kpis.update(dict.fromkeys(o.summary))
    columns: dict[str, Any] = {
        "seed": pd.Series([o.label for o in outcomes], dtype=object),
        "status": pd.Series(["ok" if o.error is None else "failed" for o in outcomes], dtype=object),
        "error": pd.Series([o.error for o in outcomes], dtype=object),
    }
    for name in kpis:
        columns[name] = _column([o.summary.get(name) for o in outcomes])
    return pd.DataFrame(columns)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _stats(x: np.ndarray) -> list[float]:
    return [float(np.mean(x)), *map(float, np.percentile(x, [5, 50, 95]))]


def kpi_summary(table: pd.DataFrame, exclude: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """KPI -> mean, p05, p50, p95 over the ok runs (dates as ISO strings), and n: runs with a value."""
    ok = table[table["status"] == "ok"]
    out: dict[str, dict[str, Any]] = {}
    for name in table.columns:
        if name in RUN_COLUMNS or name in exclude:
            continue
        values = [v for v in ok[name].tolist() if not _missing(v)]
        keys = ("mean", "p05", "p50", "p95")
        if not values:
            out[name] = {**dict.fromkeys(keys), "n": 0}
        elif all(isinstance(v, date) for v in values):
            stats = _stats(np.array([v.toordinal() for v in values], dtype=float))
            out[name] = {**{k: date.fromordinal(round(s)).isoformat() for k, s in zip(keys, stats, strict=True)},
                         "n": len(values)}
        elif all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
            out[name] = {**dict(zip(keys, _stats(np.array(values, dtype=float)), strict=True)), "n": len(values)}
    return out


def bands_frame(dates: np.ndarray, outcomes: Sequence[Outcome], series: Sequence[str]) -> pd.DataFrame:
    """Long table: date, series, p05, p50, p95 across the ok runs (fixed columns, even when empty)."""
    ok = [o for o in outcomes if o.error is None]
    if not ok:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[s]"), "series": pd.Series(dtype=object),
                             **{c: pd.Series(dtype=float) for c in BAND_COLUMNS[2:]}})
    parts = []
    for name in series:
        p = np.percentile(np.vstack([o.series[name] for o in ok]).astype(float), [5, 50, 95], axis=0)
        parts.append(pd.DataFrame({"date": dates, "series": name, "p05": p[0], "p50": p[1], "p95": p[2]}))
    return pd.concat(parts, ignore_index=True)


def failures_of(table: pd.DataFrame) -> list[dict[str, Any]]:
    failed = table[table["status"] == "failed"]
    return [{"replication": int(r), "seed": s, "error": e}
            for r, s, e in zip(failed["replication"], failed["seed"], failed["error"], strict=True)]


# ------------------------------------------------------------------------------------- replications


def run_replications(scenario: Scenario, seed: int | None, replications: int, workers: int | None = None,
                     scheduler: str | None = None, dask_workers: int | None = None, progress: bool = False,
                     check_daily: bool = False) -> ReplicationSet:
    """Run ``replications`` Monte Carlo replications; replication i runs at child i of ``SeedSequence(seed)``."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    root = scenario.seed if seed is None else int(seed)
    jobs = [Job(0, child, f"{root}/{i}") for i, child in enumerate(replication_seeds(root, replications))]
    outcomes, info = execute([(scenario, scenario.name)], jobs, workers=workers, scheduler=scheduler,
                             dask_workers=dask_workers, progress=progress, check_daily=check_daily,
                             series=BAND_SERIES, label=f"{scenario.name}: {replications} replications")
    table = outcome_table(outcomes)
    table.insert(0, "replication", np.arange(replications, dtype=np.int64))
    dates = np.datetime64(scenario.start_date, "D") + np.arange(scenario.horizon_days)
    return ReplicationSet(scenario, scenario.name, root, replications, table, kpi_summary(table),
                          bands_frame(dates, outcomes, BAND_SERIES), failures_of(table),
                          info.executor, info.workers, info.chunk_size, info.compute_s)


def write_replications(out: Path, reps: ReplicationSet, wall_s: float, force: bool = False,
                       figures: Callable[[Path], None] | None = None) -> Path:
    """Write the replication table, KPI summary, daily bands, scenario and provenance into ``out``."""
    extra = {"scenario": reps.scenario_name, "replications": reps.replications,
             "replications_failed": len(reps.failures), "executor": reps.executor, "workers": reps.workers,
             "chunk_size": reps.chunk_size, "compute_s": round(reps.compute_s, 4), "failures": reps.failures}
    with atomic_folder(Path(out), force) as tmp:
        reps.table.to_parquet(tmp / "replications.parquet", index=False)
        write_json(tmp / "summary.json", reps.summary)
        reps.bands.to_parquet(tmp / "daily_bands.parquet", index=False)
        write_scenario(tmp / "scenario.yaml", reps.scenario)
        write_json(tmp / "run.json", provenance(reps.seed, wall_s, extra))
        if figures is not None:
            figures(tmp)
    return Path(out)


# -------------------------------------------------------------------------------------------- sweeps


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
        try:
            values = yaml.safe_load(f"[{raw}]")
        except yaml.YAMLError:
            values = None
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


def sweep_points(data: dict[str, Any], source: str, grid: dict[str, list[Any]],
                 lines: dict[Any, int] | None = None) -> list[tuple[dict[str, Any], Scenario, str]]:
    """Every grid point (overrides, validated scenario, source label); a bad value raises before any run."""
    paths = list(grid)
    points = []
    for values in itertools.product(*(grid[p] for p in paths)):
        overrides = dict(zip(paths, values, strict=True))
        where = f"{source} (sweep point {', '.join(f'{k}={_shown(v)}' for k, v in overrides.items())})"
        scenario = validate_data(apply_overrides(data, overrides, where), where, lines)
        points.append((overrides, scenario, where))
    return points


def run_sweep(data: dict[str, Any], source: str, grid: dict[str, list[Any]], replications: int = 1,
              seed: int | None = None, workers: int | None = None, scheduler: str | None = None,
              dask_workers: int | None = None, progress: bool = False,
              lines: dict[Any, int] | None = None) -> pd.DataFrame:
    """Every grid point x ``replications``, with common random numbers: one row per (point, replication).

    Replication i runs at child i of ``SeedSequence(seed)`` at every point, so differences between
    points come from the parameters, not from the draws.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    points = sweep_points(data, source, grid, lines)
    jobs = []
    for p, (_, scenario, _) in enumerate(points):
        root = scenario.seed if seed is None else int(seed)
        jobs += [Job(p, child, f"{root}/{i}") for i, child in enumerate(replication_seeds(root, replications))]
    outcomes, info = execute([(s, where) for _, s, where in points], jobs, workers=workers, scheduler=scheduler,
                             dask_workers=dask_workers, progress=progress,
                             label=f"sweep: {len(points)} points x {replications} replications")
    lead: dict[str, Any] = {"point": np.repeat(np.arange(len(points), dtype=np.int64), replications)}
    for path in grid:
        lead[path] = _column([_shown(overrides[path]) for overrides, _, _ in points for _ in range(replications)])
    lead["replication"] = np.tile(np.arange(replications, dtype=np.int64), len(points))
    table = pd.concat([pd.DataFrame(lead), outcome_table(outcomes)], axis=1)
    failed = int((table["status"] == "failed").sum())
    table.attrs.update(jsonable({
        "seed": sorted({int(j.label.split("/")[0]) for j in jobs}), "grid": grid, "points": len(points),
        "replications": replications, "runs": len(jobs), "runs_failed": failed, "executor": info.executor,
        "workers": info.workers, "chunk_size": info.chunk_size, "compute_s": round(info.compute_s, 4),
        "source": source,
    }))
    return table


def sweep_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per grid point: the grid values, ok runs, and the mean of every numeric KPI (dates: mean date)."""
    grid = [c for c in table.columns[1: list(table.columns).index("replication")]]
    rows = []
    for point, group in table.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **{c: group[c].iloc[0] for c in grid}}
        row["runs_ok"] = int((group["status"] == "ok").sum())
        for kpi, stats in kpi_summary(group, exclude=("point", *grid)).items():
            row[kpi] = stats["mean"]
        rows.append(row)
    return pd.DataFrame(rows)


def write_sweep(out: Path, table: pd.DataFrame, wall_s: float, force: bool = False) -> Path:
    """Write sweep.parquet, sweep.csv (one row per point and replication), sweep_summary.csv and run.json."""
    info = {str(k): v for k, v in table.attrs.items()}
    plain = table.copy()
    plain.attrs = {}
    with atomic_folder(Path(out), force) as tmp:
        plain.to_parquet(tmp / "sweep.parquet", index=False)
        plain.to_csv(tmp / "sweep.csv", index=False)
        sweep_summary(plain).to_csv(tmp / "sweep_summary.csv", index=False)
        write_json(tmp / "run.json", provenance(info.pop("seed", None), wall_s, info))
    return Path(out)
