"""Executors: a batch of runs (a scenario and a seed each) through one ``concurrent.futures`` interface.

Jobs go out in chunks: in-process for one worker, a process pool for several, or a Dask cluster
(``client.get_executor()``). Each task unpickles its scenario once, runs its chunk and sends back
only the KPI summaries and the few daily series asked for. A failed run is recorded with its seed
and error; the rest complete. Outcomes come back in job order, so the tables built from them are
identical bit for bit whatever the executor, the number of workers or the chunking.
"""

from __future__ import annotations

import gc
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
from typing import Any, TypeVar

import numpy as np

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Scenario

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
        ctx.set_forkserver_preload(["sim.experiments.executors", "sim.simulation"])
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
    import dask

    dashboard = bool(dask.config.get("supplysim.dashboard", False))  # set by the command line's --dashboard
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            with dask.config.set(LOCAL_WORKER_CONFIG):  # handed by each nanny to its worker
                cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0" if dashboard else None, silence_logs=logging.ERROR)
            client = Client(cluster)
        if dashboard:
            _announce_dashboard(client)
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


def _announce_dashboard(client: Any) -> None:
    """Log the Dask dashboard's address (logger ``sim.experiments.executors``, level INFO)."""
    import importlib.util

    log = logging.getLogger(__name__)
    if importlib.util.find_spec("bokeh") is None:
        log.warning("Dask's dashboard needs bokeh: pip install 'supplysim[dashboard]'")
    else:
        log.info("Dask dashboard: %s", client.dashboard_link)


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


def auto_progress() -> bool:
    """Whether to show progress when not told: in a terminal or a Jupyter kernel, not in a log file or CI."""
    if os.environ.get("CI"):
        return False
    return sys.stderr.isatty() or in_jupyter()


def in_jupyter() -> bool:
    """True inside a running Jupyter kernel (importing ipykernel, as a test runner may, is not enough)."""
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    return getattr(shell, "kernel", None) is not None


@contextmanager
def _progress(show: bool | None, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar of ``total`` runs (tqdm: a widget in Jupyter, text on standard error elsewhere); ``show``
    None decides by :func:`auto_progress`."""
    if not (auto_progress() if show is None else show):
        yield lambda n: None
        return
    import importlib.util

    if in_jupyter() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:  # tqdm.auto would warn that Jupyter's widgets are missing; text is the same progress
        from tqdm.std import tqdm

    with tqdm(total=total, desc=label, unit="run", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update


def execute(scenarios: Sequence[tuple[Scenario, str]], jobs: Sequence[Job], *, workers: int | None = None,
            scheduler: str | None = None, dask_workers: int | None = None, progress: bool = False,
            check_daily: bool = False, series: tuple[str, ...] = (), label: str = "simulating",
            on_progress: Callable[[int, int], None] | None = None) -> tuple[list[Outcome], Execution]:
    """Run every job (scenario index, seed) and return the outcomes in job order; ``on_progress(done, total)``
    is called (in this thread) each time a chunk of runs comes back."""
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
                    if on_progress is not None:
                        on_progress(sum(r is not None for r in results), len(jobs))
                    submit_next()
    outcomes = [r for r in results if r is not None]
    if len(outcomes) != len(jobs):
        raise RuntimeError(f"{len(jobs) - len(outcomes)} of {len(jobs)} runs came back without an outcome")
    return outcomes, Execution(kind, n, size, time.perf_counter() - started)


