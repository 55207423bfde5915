"""The ``supplysim`` command line: run, validate, schema, compare, plot, sweep, sensitivity.

Heavy libraries are imported inside each command so that ``supplysim --help`` answers at once.
A user's mistake (a bad scenario or option, an output folder that exists or cannot be written) exits 2
with a one-paragraph message and no traceback; a defect of the model (a broken conservation identity,
or any error the program did not foresee) exits 3; a figure worker that fails or dies exits 4. A
failed run leaves no results folder and nothing half written. SIGTERM is handled like Ctrl-C: the
command stops its workers, removes what it was writing and exits 143.
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib.util
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import FrameType
from typing import Any

import click

USER_ERROR = 2
MODEL_ERROR = 3
FIGURE_ERROR = 4
TERMINATED = 128 + signal.SIGTERM
HEADLINE = (
    "vehicles_lost", "revenue_lost_gbp", "production_recovered_date", "invoice_backlog_peak_gbp",
    "invoice_backlog_peak_date", "invoice_backlog_cleared_date", "parts_backlog_peak_orders",
    "parts_backlog_cleared_date", "oem_cash_trough_gbp", "oem_cash_trough_date", "suppliers_insolvent",
    "supplier_jobs_lost", "suppliers_under_7_days_cash_peak", "oem_facility_drawn_gbp", "government_loan_drawn_gbp",
)
SCHEDULER = re.compile(r"^(tcp|tls|ucx|ws|wss)://[^\s/:]+:(\d{1,5})$")
TRACEBACK_VARIABLE = "SUPPLYSIM_TRACEBACK"


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the command's main thread so that it stops the way Ctrl-C stops it, ending its
    workers and removing what it was writing on the way out."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _on_sigterm.pid:  # type: ignore[attr-defined]  # a forked child that kept this handler
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the clean-up it starts is not cut short by another
    raise Terminated


def handle_sigterm() -> None:
    """Make SIGTERM stop the command like Ctrl-C (only from the main thread, where Python runs handlers)."""
    if threading.current_thread() is threading.main_thread():
        _on_sigterm.pid = os.getpid()  # type: ignore[attr-defined]
        signal.signal(signal.SIGTERM, _on_sigterm)


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into a one-paragraph message and an exit code instead of a traceback (set
    SUPPLYSIM_TRACEBACK=1 to see the traceback of an unforeseen error)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Terminated:
            click.echo("stopped by SIGTERM; nothing was written.", err=True)
            sys.exit(TERMINATED)
        except Exception as exc:
            known = explain(exc)
            if known is None and os.environ.get(TRACEBACK_VARIABLE):
                raise
            code, message = known or (MODEL_ERROR, f"internal error (please report it with the command and the "
                                                   f"scenario): {type(exc).__name__}: {_first_line(exc)}; set "
                                                   f"{TRACEBACK_VARIABLE}=1 to see where it happened")
            click.echo(message, err=True)
            sys.exit(code)

    return wrapper


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def explain(exc: Exception) -> tuple[int, str] | None:
    """The exit code and message for an error the user should see without a traceback (None for others).

    The error classes are imported only here, so that a command starts without loading them.
    """
    from sim.experiments.executors import AllRunsFailed
    from sim.model.checks import ConservationError
    from sim.report.figure_workers import FigureError
    from sim.runner import OutputError
    from sim.scenario.errors import ScenarioError

    if isinstance(exc, (ScenarioError, OutputError)):
        return USER_ERROR, f"error: {exc}"
    if isinstance(exc, AllRunsFailed):
        return (USER_ERROR, f"error: {exc}") if exc.user_error else (MODEL_ERROR, f"model error (please report): {exc}")
    if isinstance(exc, ConservationError):
        return MODEL_ERROR, f"model error (please report): {exc}"
    if isinstance(exc, FigureError):
        return FIGURE_ERROR, f"error: {exc}"
    return None


def command_line_error(option: str, message: str) -> Exception:
    from sim.scenario.errors import COMMAND_LINE, Problem, ScenarioError

    return ScenarioError(COMMAND_LINE, [Problem(option, message)])


def check_options(seed: int | None = None, scheduler: str | None = None) -> None:
    """Refuse a negative seed or a scheduler address Dask cannot read, before anything starts."""
    if seed is not None and seed < 0:
        raise command_line_error("--seed", f"must be a whole number >= 0, got {seed}")
    match = SCHEDULER.match(scheduler) if scheduler is not None else None
    if scheduler is not None and (match is None or not 0 < int(match.group(2)) < 65536):
        raise command_line_error("--scheduler", f"must be an address such as tcp://HOST:8786, got {scheduler!r}")


def capped(value: int | None, option: str) -> int | None:
    """``value`` of a worker count, at most the CPUs this command may use (with a warning when it was more)."""
    from sim.experiments.executors import usable_cpus

    cpus = usable_cpus()
    if value is not None and value > cpus:
        click.echo(f"warning: {option} {value} is more than the {cpus} CPUs this command may use; using {cpus}.", err=True)
        return cpus
    return value


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.1f}m"
        return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return " ".join(f"{k}={fmt(v)}" for k, v in value.items())
    return "-" if value is None else str(value)


def print_kpis(summary: dict[str, Any], keys: tuple[str, ...] = HEADLINE) -> None:
    width = max(len(k) for k in keys)
    for key in keys:
        if key in summary:
            click.echo(f"  {key:<{width}}  {fmt(summary[key])}")


def parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    from sim.scenario.loader import parse_override

    return dict(parse_override(v) for v in values)


def load(path: str, sets: tuple[str, ...] = (), allow_base_outside: bool = False) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, parse_sets(sets) if sets else None, allow_base_outside=allow_base_outside)


allow_base_outside_option = click.option(
    "--allow-base-outside", is_flag=True,
    help="Let a scenario's base: file lie outside the scenario's folder (refused by default).")


def figures_writer(kind: str, *args: Any) -> Callable[[Path], None] | None:
    """A callback drawing figures and the report into a folder (None if plotting is unavailable)."""
    try:
        from sim.report import html as report
    except ImportError:
        return None
    return lambda folder: getattr(report, kind)(folder, *args)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supplysim")
def main() -> None:
    """Simulate a manufacturer's IT outage or supplier failure: production, cash, invoices, suppliers."""
    # at exit, Python would examine every object still alive (pandas and matplotlib alone: ~0.2 s) before the
    # operating system frees them all anyway; frozen objects are left alone
    atexit.register(gc.freeze)
    handle_sigterm()


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=True))
@click.option("--out", "out", required=True, type=click.Path(), help="Folder to write results into (must not exist).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's seed).")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a scenario field (dotted path).")
@click.option("--replications", type=click.IntRange(1), default=1, show_default=True, help="Monte Carlo replications.")
@click.option("--workers", type=click.IntRange(1), default=None, help="Local worker processes for replications.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run replications on this Dask cluster.")
@click.option("--dask-local", type=click.IntRange(1), default=None, metavar="W", help="Start a local Dask cluster of W workers.")
@click.option("--force", is_flag=True, help="Replace the output folder if it exists.")
@click.option("--check-daily", is_flag=True, help="Check every conservation identity on every simulated day.")
@click.option("--no-figures", is_flag=True, help="Skip figures and report.html.")
@allow_base_outside_option
@friendly
def run(scenario: str, out: str, seed: int | None, sets: tuple[str, ...], replications: int, workers: int | None,
        scheduler: str | None, dask_local: int | None, force: bool, check_daily: bool, no_figures: bool,
        allow_base_outside: bool) -> None:
    """Run SCENARIO (a YAML file) and write tables, KPIs, figures and a report into --out."""
    from sim.report.figure_workers import FigureWorker, can_fork, drawn_here

    started = time.perf_counter()
    check_options(seed, scheduler)
    workers, dask_local = capped(workers, "--workers"), capped(dask_local, "--dask-local")
    single = replications == 1 and not scheduler and not dask_local
    draw = not no_figures and importlib.util.find_spec("matplotlib") is not None
    # a figure worker starts first, to load matplotlib while this process loads and simulates the run
    with FigureWorker() if single and draw and can_fork() else nullcontext() as worker:
        from sim.runner import claim, write_run

        spec = load(scenario, sets, allow_base_outside)
        with claim(out, force) as destination:  # before simulating: a folder that cannot be written fails now
            if not single:
                run_replications_into(destination, out, spec, seed, replications, workers, scheduler, dask_local,
                                      check_daily, no_figures, started)
                return
            from sim.simulation import simulate

            result = simulate(spec, seed, check_daily=check_daily, source=scenario)

            def figures(folder: Path) -> AbstractContextManager[object]:
                drawer = worker.run_figures if worker else drawn_here
                return drawer(folder, result.daily, result.events, result.summary, result.suppliers, spec.name)

            write_run(destination, result, time.perf_counter() - started, figures=figures if draw else None)
    click.echo(f"{spec.name} (seed {result.seed}) -> {out}")
    print_kpis(result.summary)


def run_replications_into(destination: Any, out: str, spec: Any, seed: int | None, replications: int, workers: int | None,
                          scheduler: str | None, dask_local: int | None, check_daily: bool, no_figures: bool,
                          started: float) -> None:
    """``supplysim run --replications``: run them, write the folder, and say how many failed or were run again."""
    from sim.experiments import run_replications, write_replications

    reps = run_replications(spec, seed=seed, replications=replications, workers=workers, scheduler=scheduler,
                            dask_workers=dask_local, progress=sys.stderr.isatty(), check_daily=check_daily)
    write_replications(destination, reps, time.perf_counter() - started,
                       figures=None if no_figures else figures_writer("write_replication_figures", reps))
    if reps.rerun:
        lost = sum(1 for f in reps.failures if str(f["error"]).startswith("lost twice"))
        click.echo(f"warning: a worker process died; the {reps.rerun} replications not yet finished then were run "
                   f"on fresh workers ({lost} lost again and recorded as failed). The finished ones were kept.", err=True)
    click.echo(f"{spec.name}: {replications} replications ({len(reps.failures)} failed) -> {out}")
    print_kpis({k: v for k, v in reps.summary.items() if isinstance(v, dict)}, tuple(k for k in HEADLINE if k in reps.summary))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@allow_base_outside_option
@friendly
def validate(files: tuple[str, ...], allow_base_outside: bool) -> None:
    """Check scenario FILES against the schema and the cross-reference rules."""
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    failed = 0
    for f in files:
        try:
            load_scenario(f, allow_base_outside=allow_base_outside)
            click.echo(f"ok: {f}")
        except ScenarioError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    if failed:
        sys.exit(USER_ERROR)


@main.command()
@click.option("--out", type=click.Path(), default=None, help="Write to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@friendly
def schema(out: str | None, force: bool) -> None:
    """Print the scenario JSON Schema (for editor autocompletion)."""
    from sim.runner import write_file
    from sim.scenario.schema_export import schema_json

    text = schema_json()
    if out:
        write_file(Path(out), text, force)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("first", type=click.Path())
@click.argument("second", type=click.Path())
@click.option("--out", required=True, type=click.Path())
@click.option("--seed", type=int, default=None, help="Common seed (default: the first scenario's).")
@click.option("--force", is_flag=True)
@click.option("--no-figures", is_flag=True)
@allow_base_outside_option
@friendly
def compare(first: str, second: str, out: str, seed: int | None, force: bool, no_figures: bool,
            allow_base_outside: bool) -> None:
    """Run FIRST and SECOND with common random numbers; write and print KPIs side by side."""
    from sim.experiments.comparison import compare as run_compare
    from sim.runner import atomic_folder, claim, provenance, write_json

    started = time.perf_counter()
    check_options(seed)
    a, b = load(first, allow_base_outside=allow_base_outside), load(second, allow_base_outside=allow_base_outside)
    names = {Path(first).stem: a, Path(second).stem: b}
    if len(names) < 2:
        names = {f"A:{Path(first).stem}": a, f"B:{Path(second).stem}": b}
    with claim(out, force) as destination:
        results, table = run_compare(names, seed)
        with atomic_folder(destination) as tmp:
            table.to_csv(tmp / "comparison.csv", index=False)
            for name, r in results.items():
                r.daily.to_parquet(tmp / f"daily_{Path(name).stem.replace(':', '_')}.parquet", index=False)
            write_json(tmp / "summary.json", {n: r.summary for n, r in results.items()})
            write_json(tmp / "run.json", provenance(next(iter(results.values())).seed, time.perf_counter() - started,
                                                    {"scenarios": [first, second]}))
            if not no_figures:
                writer = figures_writer("write_comparison_figures", {n: r.daily for n, r in results.items()},
                                        {n: r.events for n, r in results.items()}, table)
                if writer:
                    writer(tmp)
    shown = table[table["kpi"].isin(HEADLINE)]
    click.echo(shown.to_string(index=False))
    click.echo(f"-> {out}")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@friendly
def plot(folder: str) -> None:
    """Redraw the figures and report of a saved run FOLDER without re-running it."""
    from sim.report import html as report
    from sim.report.figure_workers import FigureError
    from sim.runner import OutputError, redraw_in_place

    try:
        written = redraw_in_place(Path(folder), report.redraw)
    except (OutputError, FigureError):
        raise
    except Exception as exc:  # drawing failed: the folder is as it was
        raise FigureError(f"the figures could not be redrawn, so {folder} was left as it was: {type(exc).__name__}: "
                          f"{_first_line(exc)}") from exc
    click.echo(f"redrew {len(written)} files in {folder}")


@main.command()
@click.argument("scenario", type=click.Path())
@click.option("--set", "sets", multiple=True, required=True, metavar="PATH=V1,V2,...",
              help="A grid axis: a dotted scenario path and its values.")
@click.option("--out", required=True, type=click.Path())
@click.option("--replications", type=click.IntRange(1), default=1, show_default=True)
@click.option("--seed", type=int, default=None)
@click.option("--workers", type=click.IntRange(1), default=None)
@click.option("--scheduler", default=None)
@click.option("--dask-local", type=click.IntRange(1), default=None)
@click.option("--force", is_flag=True)
@allow_base_outside_option
@friendly
def sweep(scenario: str, sets: tuple[str, ...], out: str, replications: int, seed: int | None, workers: int | None,
          scheduler: str | None, dask_local: int | None, force: bool, allow_base_outside: bool) -> None:
    """Run a grid over scenario parameters, each point with replications and common random numbers."""
    from sim.experiments import parse_grid, run_sweep, write_sweep
    from sim.runner import claim
    from sim.scenario.loader import read_scenario_data

    started = time.perf_counter()
    check_options(seed, scheduler)
    workers, dask_local = capped(workers, "--workers"), capped(dask_local, "--dask-local")
    data, where = read_scenario_data(scenario, allow_base_outside)
    grid = parse_grid(sets)
    with claim(out, force) as destination:
        table = run_sweep(data, scenario, grid, replications=replications, seed=seed, workers=workers,
                          scheduler=scheduler, dask_workers=dask_local, progress=sys.stderr.isatty(), lines=where)
        write_sweep(destination, table, time.perf_counter() - started)
    if table.attrs.get("runs_rerun"):
        click.echo(f"warning: a worker process died; the {table.attrs['runs_rerun']} runs not yet finished then were run "
                   "on fresh workers. The finished ones were kept.", err=True)
    click.echo(f"{len(table)} rows -> {out}")


@main.command()
@click.argument("scenario", type=click.Path())
@click.option("--param", "params", multiple=True, required=True, metavar="PATH=LOW:HIGH")
@click.option("--method", type=click.Choice(["morris", "sobol"]), default="morris", show_default=True)
@click.option("--samples", type=click.IntRange(2), default=16, show_default=True, help="Base sample size N.")
@click.option("--kpi", "kpis", multiple=True, help="KPIs to rank (default: a standard set).")
@click.option("--out", required=True, type=click.Path())
@click.option("--seed", type=int, default=None)
@click.option("--workers", type=click.IntRange(1), default=None)
@click.option("--force", is_flag=True)
@allow_base_outside_option
@friendly
def sensitivity(scenario: str, params: tuple[str, ...], method: str, samples: int, kpis: tuple[str, ...], out: str,
                seed: int | None, workers: int | None, force: bool, allow_base_outside: bool) -> None:
    """Global sensitivity (SALib Morris or Sobol) of KPIs to chosen parameters; writes a ranking."""
    from sim.experiments.sensitivity import parse_params, run_sensitivity, write_sensitivity
    from sim.runner import claim
    from sim.scenario.loader import read_scenario_data

    started = time.perf_counter()
    check_options(seed)
    workers = capped(workers, "--workers")
    data, where = read_scenario_data(scenario, allow_base_outside)
    bounds = parse_params(params)
    with claim(out, force) as destination:
        ranking = run_sensitivity(data, scenario, bounds, method=method, samples=samples,
                                  kpis=list(kpis) or None, seed=seed, workers=workers, lines=where)
        write_sensitivity(destination, ranking, time.perf_counter() - started)
    click.echo(ranking.to_string(index=False))
