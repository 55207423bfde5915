"""A run's figures drawn in a worker process while the parent loads, simulates and writes the run.

Drawing and saving the four figures of a run takes as long as the rest of the run, most of it text
layout and PNG encoding inside matplotlib. Where a process can be forked (POSIX, and only while this
process has one thread), ``supplysim run`` forks a figure worker as it starts. The worker loads
matplotlib, Bokeh and the figure code while the parent loads the scenario and simulates; when the run's
tables arrive, it forks a helper that draws the production figure and builds the report's interactive
charts (handed over in a hidden file) while it draws the other figures (everything is loaded once, and
both shares of the work are done at once on two cores), both into the run's temporary folder while the
parent writes the tables. The worker then writes report.html around the four PNGs and those charts.
The files are byte for byte those drawn in one process.

A worker or helper that fails or dies fails the run, so the temporary folder is discarded and no
results folder appears. The worker ignores Ctrl-C: the parent stops and ends the worker, which ends
its helper; the parent waits for both to be gone before the folder is discarded.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.report.context import FigureContext

# the figures the worker draws, and those its helper draws at the same time: about the same work each, as the
# helper also builds the report's interactive charts (about as long as the production figure) and the worker
# writes the report once both are done
SHARES = (("invoice_backlog", "cash", "parts_backlog"), ("production_recovery",))


class FigureError(RuntimeError):
    """A figure worker failed or died, so the run's figures are incomplete."""


def can_fork() -> bool:
    """True where a worker can be forked safely: ``fork`` exists and this process has one thread
    (forking a process with other threads can deadlock the child)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class FigureWorker:
    """A forked process that loads the figure code at once and draws a run's figures when asked.

    Use as a context manager around simulating and writing the run; leaving it ends the worker.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.handover: threading.Thread | None = None
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=serve, args=(theirs, self.connection), daemon=True, name="supplysim figure worker")
        # SIGTERM blocked across the fork, and unblocked by the worker once it has its handler: Python forgets a
        # signal that reaches a child before it has set itself up, so ending a worker at once (a scenario refused
        # a millisecond after the fork) could otherwise leave it waiting for a run forever, and this process with it
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        theirs.close()  # so that the worker dying is seen as the end of the pipe

    def __enter__(self) -> FigureWorker:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_: object) -> None:
        self.stop(at_once=failed is not None)

    def stop(self, at_once: bool = True) -> None:
        """End the worker. An idle worker leaves when the pipe closes; ``at_once`` ends it at any point, and
        returns once every process holding the worker's end of the pipe (the worker, its helper) is gone."""
        if at_once:
            self.process.terminate()
            try:
                while True:
                    self.connection.recv_bytes()
            except (EOFError, OSError):
                pass
        if self.handover is not None:
            self.handover.join()  # done or failed, now that the worker has read the run or is gone
        self.connection.close()
        self.process.join()

    @contextmanager
    def run_figures(
        self,
        folder: Path,
        daily: pd.DataFrame,
        events: pd.DataFrame,
        summary: Mapping[str, Any],
        suppliers: pd.DataFrame,
        context: FigureContext | str,
    ) -> Iterator[None]:
        """Draw a run's figures and report.html into ``folder`` while the block runs; wait for them at its end.

        ``folder`` must already hold the run's run.json (the figures' note names its seed).
        """
        run = (folder, daily, events, summary, suppliers, context)
        # handed over from a thread: the worker may still be loading matplotlib, and the tables need not wait
        handover = threading.Thread(target=hand_over, args=(self.connection, run), name="figure handover")
        try:
            handover.start()
            self.handover = handover
            yield
            try:
                failure = self.connection.recv()
            except EOFError:
                self.process.join()
                failure = f"the figure worker stopped ({exit_text(self.process.exitcode)})"
            if failure is not None:
                raise FigureError(f"the figures could not be drawn, so no results were written: {failure}")
        except BaseException:
            self.stop()  # before the caller discards the folder the worker is writing into
            raise


def hand_over(connection: Connection, run: tuple[Any, ...]) -> None:
    """Send the worker a run to draw; if the worker is gone, its missing answer tells the parent so."""
    try:
        connection.send(run)
    except OSError:
        pass


def exit_text(code: int | None) -> str:
    """``exit code 1``, or ``killed by SIGKILL`` for a process ended by a signal."""
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def describe(exc: BaseException) -> str:
    """A failure in one line: ``cash.png: ValueError: ...`` (a :class:`FigureError` names its figure)."""
    return str(exc) if isinstance(exc, FigureError) else f"{type(exc).__name__}: {exc}"


def serve(connection: Connection, parent_end: Connection) -> None:
    """The worker's life: load the figure code, then draw each run the parent sends until it hangs up."""
    parent_end.close()  # the pipe then ends when the parent does, even if it is killed
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which then ends the worker
    signal.signal(signal.SIGTERM, end_worker)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked by the parent across the fork
    from sim.report import html as report  # loads matplotlib while the parent simulates

    if report.has_bokeh():
        from sim.report import interactive  # noqa: F401 - and Bokeh, for the report's charts (~0.7 s)

    while True:
        try:
            run = connection.recv()
        except EOFError:
            return
        try:
            draw_with_helper(*run)
        except Exception as exc:
            connection.send(describe(exc))
        else:
            connection.send(None)


HELPERS: list[int] = []  # in the worker: its helper, while one is drawing


def end_worker(signum: int, frame: FrameType | None) -> None:
    """SIGTERM, sent by the parent when the run stops early: end the helper, if any, and leave at once."""
    for pid in HELPERS:
        os.kill(pid, signal.SIGKILL)
    os._exit(128 + signum)


def draw_with_helper(
    folder: Path,
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    suppliers: pd.DataFrame,
    context: FigureContext | str,
) -> None:
    """Draw a run's figures, half here and half (with the report's interactive charts) in a forked helper at the
    same time, then report.html."""
    from sim.report import html as report

    def draw(names: tuple[str, ...]) -> None:
        for name in names:
            try:
                report.draw_run_figure(folder, name, daily, events, summary, context)
            except Exception as exc:
                raise FigureError(f"{name}.png: {type(exc).__name__}: {exc}") from exc

    def draw_and_build_charts() -> None:
        draw(helpers)
        try:
            report.save_run_charts(folder, daily, events, summary, context)
        except Exception as exc:
            raise FigureError(f"report.html's charts: {type(exc).__name__}: {exc}") from exc

    own, helpers = SHARES
    reader, writer = os.pipe()
    helper = fork_helper(draw_and_build_charts, reader, writer)
    try:
        draw(own)
    except BaseException:
        os.kill(helper, signal.SIGKILL)
        raise
    finally:
        with os.fdopen(reader, "rb") as pipe:
            failure = pipe.read().decode()  # read to the end: until the helper is gone
        HELPERS.remove(helper)
        _, status = os.waitpid(helper, 0)
    if status != 0:
        code = os.waitstatus_to_exitcode(status)
        names = " and ".join(f"{name}.png" for name in helpers)
        raise FigureError(failure or f"the helper process drawing {names} stopped ({exit_text(code)})")
    report.write_run_report(folder, daily, events, summary, suppliers, context, report.take_run_charts(folder))


def fork_helper(draw: Callable[[], None], reader: int, writer: int) -> int:
    """Fork a helper process that calls ``draw`` and leaves, describing a failure on the pipe ``writer``.

    The helper also keeps the worker's end of the parent's pipe open until it is gone, so that the
    parent never discards the folder while the helper may still write into it.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # no ending the worker before it knows its helper
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        os.close(reader)
        status = 1
        try:
            draw()
            status = 0
        except BaseException as exc:
            os.write(writer, describe(exc).encode())
        finally:
            os._exit(status)
    HELPERS.append(pid)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    os.close(writer)
    return pid


@contextmanager
def drawn_here(
    folder: Path,
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    suppliers: pd.DataFrame,
    context: FigureContext | str,
) -> Iterator[None]:
    """Draw a run's figures and report.html into ``folder`` in this process, once the block is done."""
    yield
    from sim.report import html as report

    report.write_run_figures(folder, daily, events, summary, suppliers, context)
