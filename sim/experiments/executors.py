"""Executors: a batch of runs (a scenario and a seed each) through one ``concurrent.futures`` interface.

Jobs go out in chunks: in-process for one worker, a process pool for several (never more workers
than the CPUs this process may use), or a Dask cluster (``client.get_executor()``). Each task
unpickles its scenario once, runs its chunk and sends back only the KPI summaries and the few daily
series asked for. A failed run is recorded with its seed and error; the rest complete. A worker
that dies (killed, out of memory) loses only the runs it held: the finished ones are kept, the lost
ones are run once more on fresh workers and recorded as failed if they are lost again. A broken
conservation identity is a defect of the model, not a failed run: it stops the batch, naming the
replication and its seed. Outcomes come back in job order, so the tables built from them are
identical bit for bit whatever the executor, the number of workers or the chunking.

Pool workers end with the command: on Ctrl-C or SIGTERM the pool's workers are killed before the
command exits, and a worker whose parent has gone (killed with SIGKILL) exits by itself.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from sim.model.checks import ConservationError
from sim.scenario.errors import COMMAND_LINE, Problem, ScenarioError
from sim.scenario.schema import Scenario

# A Dask worker's housekeeping (a stack profiler every 10 ms, event-loop ticks every 20 ms, a
# memory check every 100 ms) takes the GIL from the simulating thread, and on a small machine
# the cores too, so each replication costs more CPU than in a process pool. The local cluster we
# start has no dashboard to feed, so it samples rarely; a remote cluster keeps its own settings
# (see the README). Dask also starts workers with MALLOC_TRIM_THRESHOLD_=65536, which fixes
# glibc's threshold for serving big blocks from mmap, so that every array of a supplier-sized column
# would be mapped and unmapped afresh; unset, the allocator keeps them as a pool does.
# What each costs: benchmarks/overheads.py, and its results in benchmarks/README.md.
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
MAX_RUNS = 100_000  # runs in one batch: each keeps its KPIs and daily series in memory until the batch is written
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
    """How a batch ran (for provenance); ``rerun``: runs lost with a worker that died and run again."""

    executor: str
    workers: int
    chunk_size: int
    compute_s: float
    rerun: int = 0


class AllRunsFailed(RuntimeError):
    """Every run of a batch failed, so there is nothing to summarise or write. ``user_error``: each failed on the
    scenario's own values (a drawn value out of range), rather than on a defect of the program."""

    def __init__(self, message: str, user_error: bool) -> None:
        super().__init__(message)
        self.user_error = user_error


def check_batch_size(runs: int, option: str) -> None:
    """Refuse a batch of more than MAX_RUNS runs before a seed is spawned or a point built (``option``: what to
    change), as every run's results are held in memory until the batch is written."""
    if runs > MAX_RUNS:
        raise ScenarioError(
            COMMAND_LINE,
            [
                Problem(
                    option,
                    f"{runs:,} runs in one batch, over the limit of {MAX_RUNS:,} "
                    "(each keeps its KPIs and daily series in memory until all "
                    "are written); split it into several commands",
                )
            ],
        )


def require_a_success(outcomes: Sequence[Outcome], source: str) -> None:
    """Raise :class:`AllRunsFailed`, naming the first failure, when no run of a batch succeeded."""
    if not outcomes or any(o.error is None for o in outcomes):
        return
    first = outcomes[0]
    user = all(str(o.error).startswith("ScenarioError:") for o in outcomes)
    raise AllRunsFailed(
        f"every one of the {len(outcomes)} runs of {source} failed, so nothing was written; the first, at "
        f"seed {first.label}: {first.error}",
        user,
    )


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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
                cluster = LocalCluster(
                    n_workers=dask_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0" if dashboard else None,
                    silence_logs=logging.ERROR,
                )
            client = Client(cluster)
        if dashboard:
            _announce_dashboard(client)
    except (OSError, ValueError, TypeError) as exc:  # unreachable, or an address Dask cannot read
        if cluster is not None:
            cluster.close()
        raise ScenarioError(COMMAND_LINE, [Problem(option, f"cannot reach the Dask cluster: {exc}")]) from None
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


def _worker_started() -> None:
    """Set up a pool worker: it dies at once on SIGTERM (whatever handler it inherited from the command), and
    exits by itself if its parent (the command, or the fork server that started it and ends with the command)
    goes without ending it, e.g. killed with SIGKILL."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), name="orphan watch", daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Drop the queued chunks and end the pool's workers now, running chunks and all (Ctrl-C, SIGTERM, or a
    model error that stops the batch). Before Python 3.14 the pool offers no public way to end its workers
    but through its ``_processes``."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)


@contextmanager
def open_executor(
    workers: int | None, scheduler: str | None, dask_workers: int | None, tasks: int, isolated: bool = False
) -> Iterator[tuple[Executor, str, int]]:
    """The executor for a batch of ``tasks`` jobs: (executor, kind, number of workers). A local pool or Dask
    cluster has at most :func:`usable_cpus` workers; ``isolated``: a worker process even for one worker (a
    run that kills its process then kills that worker, not this one)."""
    if scheduler or dask_workers:
        local = None if scheduler else min(dask_workers or 1, usable_cpus())
        with _dask_executor(scheduler, local) as (dask, n):
            yield dask, "dask", n
        return
    n = max(1, min(workers or usable_cpus(), usable_cpus(), tasks))
    if n == 1 and not isolated:
        yield InlineExecutor(), "serial", 1
        return
    pool = ProcessPoolExecutor(n, mp_context=_mp_context(), initializer=_worker_started)
    try:
        yield pool, "process_pool", n
    except BaseException:  # Ctrl-C, SIGTERM, a model error: do not wait for the chunks in flight
        _kill_workers(pool)
        raise
    pool.shutdown(wait=True)


def chunk_size(jobs: int, workers: int) -> int:
    """Runs per task: about CHUNKS_PER_WORKER tasks per worker, at most MAX_CHUNK runs each."""
    return max(1, min(MAX_CHUNK, math.ceil(jobs / (CHUNKS_PER_WORKER * workers))))


def run_chunk(
    scenarios: dict[int, tuple[bytes, str]], jobs: list[Job], series: tuple[str, ...], check_daily: bool
) -> list[Outcome]:
    """Run ``jobs`` (in a worker); each scenario arrives pickled, once per task."""
    loaded = {i: (pickle.loads(blob), source) for i, (blob, source) in scenarios.items()}
    with _without_cycle_collection():
        return [_run_job(loaded, job, series, check_daily) for job in jobs]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a task's runs simulate. A run's worlds are
    freed by reference counting and one young-generation sweep afterwards; left on, the collector
    keeps re-walking every long-lived object of the process hosting the task, and a Dask worker
    holds tens of thousands of its own objects and logs (the cost: benchmarks/overheads.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def describe(job: Job, source: str) -> str:
    """A run as a person would find it again: the replication and seed, and the scenario (or sweep point)."""
    root, _, index = job.label.partition("/")
    if index:
        return (
            f"replication {index} of {source} (seed {root}; reproduce with --seed {root} --replications "
            f"{int(index) + 1} --check-daily)"
        )
    return f"the run of {source} at seed {root}"


def _run_job(loaded: dict[int, tuple[Scenario, str]], job: Job, series: tuple[str, ...], check_daily: bool) -> Outcome:
    """One run of a task: its outcome, or its error. A broken conservation identity is raised, not recorded:
    it is a defect of the model, and a batch that hid it among failed runs would report wrong results."""
    from sim.simulation import simulate

    scenario, source = loaded[job.scenario]
    try:
        result = simulate(scenario, job.seed, check_daily=check_daily, source=source)
    except ConservationError as exc:
        raise ConservationError(f"in {describe(job, source)}: {exc}") from None
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


def execute(
    scenarios: Sequence[tuple[Scenario, str]],
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    progress: bool = False,
    check_daily: bool = False,
    series: tuple[str, ...] = (),
    label: str = "simulating",
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Outcome], Execution]:
    """Run every job (scenario index, seed) and return the outcomes in job order; ``on_progress(done, total)``
    is called (in this thread) each time a chunk of runs comes back.

    A worker that dies takes the runs in flight with it (on a local pool, all of them). They, and the runs
    not started yet, are run again on fresh workers, one per task; a run lost twice is run once more alone,
    in a worker of its own (on a local pool), and recorded as failed if it is lost then too. So a run that
    kills its worker every time fails alone, and every other run completes. ``Execution.rerun`` counts the
    runs run again after the first loss. A :class:`ConservationError` stops the batch.
    """
    started = time.perf_counter()
    batch = _Batch(
        [(pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL), source) for s, source in scenarios],
        jobs,
        [None] * len(jobs),
        series,
        check_daily,
    )
    local = not (scheduler or dask_workers)
    losses: dict[int, int] = {}
    batch.on_progress = on_progress
    with _progress(progress, len(jobs), label) as advance:
        batch.advance = advance
        kind, n, size, lost, todo = batch.run(list(range(len(jobs))), workers, scheduler, dask_workers)
        rerun = len(lost) + len(todo)
        while lost or todo:
            for i, why in lost.items():
                losses[i] = losses.get(i, 0) + 1
                if losses[i] < 2:
                    todo.append(i)
                elif not local or batch.run([i], 1, None, None, size=1, isolated=True)[3]:
                    batch.results[i] = Outcome(jobs[i].label, f"lost with the worker running it, every time it ran: {why}", {}, {})
                    advance(1)
            lost, todo = batch.run(sorted(todo), workers, scheduler, dask_workers, size=1)[3:] if todo else ({}, [])
    outcomes = [r for r in batch.results if r is not None]
    if len(outcomes) != len(jobs):
        raise RuntimeError(f"{len(jobs) - len(outcomes)} of {len(jobs)} runs came back without an outcome")
    return outcomes, Execution(kind, n, size, time.perf_counter() - started, rerun)


@dataclass
class _Batch:
    """The runs of one :func:`execute` call: pickled scenarios, jobs, the outcomes so far, and what each run returns."""

    blobs: list[tuple[bytes, str]]
    jobs: Sequence[Job]
    results: list[Outcome | None]
    series: tuple[str, ...]
    check_daily: bool
    advance: Callable[[int], None] = lambda n: None
    on_progress: Callable[[int, int], None] | None = None

    def run(
        self,
        todo: list[int],
        workers: int | None,
        scheduler: str | None,
        dask_workers: int | None,
        size: int | None = None,
        isolated: bool = False,
    ) -> tuple[str, int, int, dict[int, str], list[int]]:
        """Run the jobs ``todo`` (indices into ``jobs``) on one executor, filling ``results``: (executor kind,
        workers, chunk size, {job: why} for the jobs lost with a worker that died, the jobs not started after)."""
        lost: dict[int, str] = {}
        with open_executor(workers, scheduler, dask_workers, len(todo), isolated) as (executor, kind, n):
            size = size or chunk_size(len(todo), n)
            chunks = [todo[first : first + size] for first in range(0, len(todo), size)][::-1]  # popped from the end
            pending: dict[Future[list[Outcome]], list[int]] = {}

            def submit_next() -> None:
                if chunks and not lost:  # a broken executor gets no more work
                    idx = chunks.pop()
                    chunk = [self.jobs[i] for i in idx]
                    needed = {j.scenario: self.blobs[j.scenario] for j in chunk}
                    pending[executor.submit(run_chunk, needed, chunk, self.series, self.check_daily)] = idx

            for _ in range(2 * n):  # keep every worker busy, without queueing the whole batch
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    idx = pending.pop(future)
                    try:
                        outcomes = future.result()
                    except ConservationError:
                        raise
                    except Exception as exc:  # the worker died (BrokenProcessPool, Dask's KilledWorker...)
                        lost.update(dict.fromkeys(idx, f"{type(exc).__name__}: {exc}"))
                        continue
                    for i, outcome in zip(idx, outcomes, strict=True):
                        self.results[i] = outcome
                    self.advance(len(idx))
                    if self.on_progress is not None:
                        self.on_progress(sum(r is not None for r in self.results), len(self.jobs))
                    submit_next()
        return kind, n, size, lost, [i for idx in chunks for i in idx]
