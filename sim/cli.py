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
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import FrameType
from typing import Any

import click

log = logging.getLogger("sim.cli")
USER_ERROR = 2
MODEL_ERROR = 3
FIGURE_ERROR = 4
TERMINATED = 128 + signal.SIGTERM
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
        already = len(_written())
        try:
            return fn(*args, **kwargs)
        except Terminated:
            written = _written()[already:]
            if written:  # stopped after its results were published: they are whole
                click.echo(f"stopped by SIGTERM after its results were written whole to {written[-1]}.", err=True)
            else:
                click.echo("stopped by SIGTERM; nothing was written.", err=True)
            sys.exit(TERMINATED)
        except Exception as exc:
            known = explain(exc)
            if known is None and os.environ.get(TRACEBACK_VARIABLE):
                raise
            code, message = known or (
                MODEL_ERROR,
                f"internal error (please report it with the command and the "
                f"scenario): {type(exc).__name__}: {_first_line(exc)}; set "
                f"{TRACEBACK_VARIABLE}=1 to see where it happened",
            )
            click.echo(message, err=True)
            sys.exit(code)

    return wrapper


def _written() -> list[Path]:
    """The result folders this process has published (none if it has not loaded the writer)."""
    runner = sys.modules.get("sim.runner")
    return list(getattr(runner, "WRITTEN", []))


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
    if value is None:  # one per core, decided where the work runs
        return None
    from sim.experiments.executors import usable_cpus

    cpus = usable_cpus()
    if value is not None and value > cpus:
        click.echo(f"warning: {option} {value} is more than the {cpus} CPUs this command may use; using {cpus}.", err=True)
        return cpus
    return value


def left_out(count: int, what: str, where: str) -> None:
    """Say how many runs were left out of the statistics because their baseline was not steady."""
    if count:
        click.echo(
            f"{count} {what} left out of the statistics: their no-outage baseline was not steady (flagged in "
            f"{where}, column baseline_steady)"
        )


def refuse_unsteady(source: str, problems: list[str]) -> None:
    """Refuse a scenario whose no-outage baseline is not a business running normally: every loss would be
    measured against it (exit 2, naming what fails and from which parameters)."""
    if problems:
        from sim.scenario.errors import Problem, ScenarioError

        raise ScenarioError(
            source,
            [Problem("", "its no-outage baseline is not steady, so losses against it would mean nothing: " + "; ".join(problems))],
        )


def print_kpis(summary: dict[str, Any], names: tuple[str, ...] | None = None) -> None:
    """The headline KPIs (or ``names``) with their labels and units; a replication summary shows each
    KPI's median and its 5th-95th percentile range."""
    from sim.results.kpis import HEADLINE, label, text

    shown = [k for k in (HEADLINE if names is None else names) if k in summary]
    width = max((len(label(k)) for k in shown), default=0)
    for key in shown:
        value = summary[key]
        if isinstance(value, dict):
            line = f"{text(key, value.get('p50'))} (p05 {text(key, value.get('p05'))}, p95 {text(key, value.get('p95'))})"
        else:
            line = text(key, value)
        click.echo(f"  {label(key):<{width}}  {line}")


def print_table(frame: Any) -> None:
    """A DataFrame of text, its index first, aligned in columns."""
    click.echo(frame.to_string())


STATIC_REPORT = " (static figures: Bokeh is not installed; pip install 'supplysim[report]' adds interactive charts)"


def print_after(out: str, sets: tuple[str, ...], report: bool, charts: bool = False) -> None:
    """The overrides applied and where the report is, after a command's results; ``charts``: a run's report, which
    has interactive charts where Bokeh is installed (and says it has static figures otherwise)."""
    if sets:
        click.echo(f"  overrides applied: {', '.join(sets)}")
    if report and (Path(out) / "report.html").is_file():
        static = charts and importlib.util.find_spec("bokeh") is None
        click.echo(f"  report: {Path(out) / 'report.html'}{STATIC_REPORT if static else ''}")


def excel_ready(excel: bool) -> None:
    """Stop before any work when --excel is asked for but openpyxl is missing."""
    if excel and importlib.util.find_spec("openpyxl") is None:
        from sim.report.excel import MISSING
        from sim.scenario.errors import Problem, ScenarioError

        raise ScenarioError("(command line)", [Problem("--excel", MISSING)])


def set_up_logging(verbose: int, quiet: bool) -> None:
    """Messages of the ``sim`` loggers on standard error: warnings by default, -v info, -vv debug, -q errors only."""
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("sim").setLevel(level)


@contextmanager
def dashboard_asked(dashboard: bool) -> Iterator[None]:
    """With --dashboard, a Dask cluster serves its dashboard and its address is printed (on standard error)."""
    if not dashboard:
        yield
        return
    import dask

    logging.getLogger("sim.experiments.executors").setLevel(logging.INFO)
    with dask.config.set({"supplysim.dashboard": True}):
        yield


def parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    from sim.scenario.loader import parse_override

    return dict(parse_override(v) for v in values)


def load(path: str, sets: tuple[str, ...] = (), allow_base_outside: bool = False) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, parse_sets(sets) if sets else None, allow_base_outside=allow_base_outside)


allow_base_outside_option = click.option(
    "--allow-base-outside",
    is_flag=True,
    show_default="off",
    help="Let a scenario's base: file lie outside the scenario's folder (refused by default).",
)


def figures_writer(kind: str, *args: Any) -> Callable[[Path], None] | None:
    """A callback drawing figures and the report into a folder (None if plotting is unavailable)."""
    try:
        from sim.report import experiment_reports as report
    except ImportError:
        return None
    return lambda folder: getattr(report, kind)(folder, *args)


OFF = "off"  # shown as the default of a flag
PROGRESS_HELP = "Show a progress bar (default: only in a terminal, not in CI or a log file)."
DASHBOARD_HELP = "Serve Dask's dashboard and print its address (with --scheduler or --dask-local)."


def executor_options(runs: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--workers, --scheduler and --dask-local: where a command's ``runs`` (e.g. replications) are run."""
    of = f" for {runs}" if runs else ""
    on = f"Run {runs} on" if runs else "Run on"
    options = [
        click.option(
            "--workers", type=click.IntRange(1), default=None, show_default="one per core", help=f"Local worker processes{of}."
        ),
        click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", show_default="none", help=f"{on} this Dask cluster."),
        click.option(
            "--dask-local",
            type=click.IntRange(1),
            default=None,
            metavar="W",
            show_default="none",
            help="Start a local Dask cluster of W workers.",
        ),
    ]

    def add(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):  # listed in --help in the order above
            fn = option(fn)
        return fn

    return add


def progress_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--progress/--no-progress", default=None, show_default="in a terminal", help=PROGRESS_HELP)(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="supplysim")
@click.option("-v", "--verbose", count=True, help="Say more about what is happening (-vv: debugging detail).")
@click.option("-q", "--quiet", is_flag=True, show_default=OFF, help="Print only errors and the results.")
def main(verbose: int, quiet: bool) -> None:
    """Simulate a manufacturer's IT outage or supplier failure: production, cash, invoices, suppliers.

    \b
    Example:
      supplysim run scenarios/jlr_2025.yaml --out results/jlr_2025
    """
    set_up_logging(verbose, quiet)
    handle_sigterm()
    # at exit, Python would examine every object still alive (pandas and matplotlib alone make a noticeable
    # pause: benchmarks/README.md) before the operating system frees them all anyway; frozen objects are left alone
    atexit.register(gc.freeze)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=True))
@click.option("--out", "out", required=True, type=click.Path(), help="Folder to write results into (must not exist).")
@click.option("--seed", type=int, default=None, show_default="the scenario's seed", help="Random seed.")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    show_default="none",
    help="Override a scenario field (dotted path); repeat for several.",
)
@click.option("--replications", type=click.IntRange(1), default=1, help="Monte Carlo replications.")
@executor_options("replications")
@click.option("--force", is_flag=True, show_default=OFF, help="Replace the output folder if it exists.")
@click.option("--check-daily", is_flag=True, show_default=OFF, help="Check every conservation identity on every simulated day.")
@click.option("--no-figures", is_flag=True, show_default=OFF, help="Skip figures and report.html.")
@click.option(
    "--excel",
    is_flag=True,
    show_default=OFF,
    help="Also write results.xlsx: the summary, quarters (when the run has them) and suppliers.",
)
@progress_option
@click.option("--dashboard", is_flag=True, show_default=OFF, help=DASHBOARD_HELP)
@allow_base_outside_option
@friendly
def run(
    scenario: str,
    out: str,
    seed: int | None,
    sets: tuple[str, ...],
    replications: int,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    force: bool,
    check_daily: bool,
    no_figures: bool,
    excel: bool,
    progress: bool | None,
    dashboard: bool,
    allow_base_outside: bool,
) -> None:
    """Run SCENARIO (a YAML file) and write tables, KPIs, figures and a report into --out.

    \b
    Examples:
      supplysim run scenarios/jlr_2025.yaml --out results/jlr_2025
      supplysim run scenarios/jlr_2025.yaml --out results/mc --replications 200 --workers 2
    """
    from sim.report.figure_workers import FigureWorker, can_fork, drawn_here

    started = time.perf_counter()
    check_options(seed, scheduler)
    workers, dask_local = capped(workers, "--workers"), capped(dask_local, "--dask-local")
    single = replications == 1 and not scheduler and not dask_local
    draw = not no_figures and importlib.util.find_spec("matplotlib") is not None
    excel_ready(excel)
    # a figure worker starts first, to load matplotlib while this process loads and simulates the run
    with FigureWorker() if single and draw and can_fork() else nullcontext() as worker:
        from sim.runner import claim, write_run

        spec = load(scenario, sets, allow_base_outside)
        log.info("loaded %s (%s)", scenario, spec.name)
        with claim(out, force) as destination:  # before simulating: a folder that cannot be written fails now
            if not single:
                run_replications_into(
                    destination,
                    out,
                    spec,
                    seed,
                    replications,
                    workers,
                    scheduler,
                    dask_local,
                    check_daily,
                    no_figures,
                    excel,
                    progress,
                    dashboard,
                    sets,
                    scenario,
                    started,
                )
                return
            from sim.simulation import simulate

            result = simulate(spec, seed, check_daily=check_daily, source=scenario)
            refuse_unsteady(scenario, result.baseline_problems)
            log.info("simulated %d days in %.2f s", len(result.daily), time.perf_counter() - started)

            def figures(folder: Path) -> AbstractContextManager[object]:
                from sim.report.context import figure_context
                from sim.scenario.loader import scenario_to_data

                drawer = worker.run_figures if worker else drawn_here
                context = figure_context(scenario_to_data(spec), spec.name, result.draws)
                return drawer(folder, result.daily, result.events, result.summary, result.suppliers, context)

            write_run(destination, result, time.perf_counter() - started, figures=figures if draw else None, overrides=sets)
    if excel:
        from sim.report.excel import run_sheets, write_workbook

        write_workbook(Path(out) / "results.xlsx", run_sheets(result.summary, result.suppliers, getattr(result, "quarters", None)))
    click.echo(f"{spec.name} (seed {result.seed}) -> {out}")
    print_kpis(result.summary)
    print_after(out, sets, draw, charts=True)


def run_replications_into(
    destination: Any,
    out: str,
    spec: Any,
    seed: int | None,
    replications: int,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    check_daily: bool,
    no_figures: bool,
    excel: bool,
    progress: bool | None,
    dashboard: bool,
    sets: tuple[str, ...],
    source: str,
    started: float,
) -> None:
    """``supplysim run --replications``: the scenario's baseline must be steady at its seed; run them, write the
    folder, and say how many failed or were run again."""
    from sim.experiments import run_replications, write_replications
    from sim.experiments.tables import unsteady
    from sim.simulation import baseline_problems

    refuse_unsteady(source, baseline_problems(spec, seed))
    with dashboard_asked(dashboard):
        reps = run_replications(
            spec,
            seed=seed,
            replications=replications,
            workers=workers,
            scheduler=scheduler,
            dask_workers=dask_local,
            progress=progress,
            check_daily=check_daily,
        )
    write_replications(
        destination,
        reps,
        time.perf_counter() - started,
        figures=None if no_figures else figures_writer("write_replication_figures", reps),
    )
    if excel:
        from sim.report.excel import replication_sheets, write_workbook

        write_workbook(Path(out) / "results.xlsx", replication_sheets(reps.summary, reps.table))
    if reps.rerun:
        lost = sum(1 for f in reps.failures if str(f["error"]).startswith("lost"))
        click.echo(
            f"warning: a worker process died; the {reps.rerun} replications not yet finished then were run "
            f"on fresh workers ({lost} lost again and recorded as failed). The finished ones were kept.",
            err=True,
        )
    click.echo(f"{spec.name}: {replications} replications ({len(reps.failures)} failed) -> {out}")
    left_out(int(unsteady(reps.table).sum()), "replications", "replications.parquet")
    print_kpis({k: v for k, v in reps.summary.items() if isinstance(v, dict)})
    print_after(out, sets, not no_figures)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@allow_base_outside_option
@friendly
def validate(files: tuple[str, ...], allow_base_outside: bool) -> None:
    """Check scenario FILES against the schema and the cross-reference rules, and that each one's no-outage
    baseline (at its seed) is a business running normally.

    \b
    Example:
      supplysim validate scenarios/*.yaml
    """
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario
    from sim.simulation import baseline_problems

    failed = 0
    for f in files:
        try:
            spec = load_scenario(f, allow_base_outside=allow_base_outside)
            refuse_unsteady(f, baseline_problems(spec))
            click.echo(f"ok: {f}")
        except ScenarioError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    if failed:
        sys.exit(USER_ERROR)


@main.command()
@click.option(
    "--out", type=click.Path(), default=None, show_default="standard output", help="Write to this file instead of standard output."
)
@click.option("--force", is_flag=True, show_default=OFF, help="Replace the file if it exists.")
@friendly
def schema(out: str | None, force: bool) -> None:
    """Print the scenario JSON Schema (for editor autocompletion).

    \b
    Example:
      supplysim schema --out my.schema.json
    """
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
@click.option("--out", required=True, type=click.Path(), help="Folder to write the comparison into (must not exist).")
@click.option("--seed", type=int, default=None, show_default="the first scenario's seed", help="Common seed.")
@click.option("--force", is_flag=True, show_default=OFF, help="Replace the output folder if it exists.")
@click.option("--no-figures", is_flag=True, show_default=OFF, help="Skip figures and report.html.")
@allow_base_outside_option
@friendly
def compare(first: str, second: str, out: str, seed: int | None, force: bool, no_figures: bool, allow_base_outside: bool) -> None:
    """Run FIRST and SECOND with common random numbers; write and print KPIs side by side.

    \b
    Example:
      supplysim compare scenarios/jlr_2025.yaml scenarios/jlr_2025_no_support.yaml --out results/support
    """
    from sim.experiments.comparison import compare as run_compare
    from sim.report.context import scenario_title
    from sim.runner import atomic_folder, claim, provenance, write_json

    started = time.perf_counter()
    check_options(seed)
    a, b = load(first, allow_base_outside=allow_base_outside), load(second, allow_base_outside=allow_base_outside)
    names = {Path(first).stem: a, Path(second).stem: b}
    if len(names) < 2:
        names = {f"A:{Path(first).stem}": a, f"B:{Path(second).stem}": b}
    titles = {n: scenario_title(s.description, s.name) for n, s in names.items()}
    with claim(out, force) as destination:
        results, table = run_compare(names, seed)
        for result, source in zip(results.values(), (first, second), strict=True):
            refuse_unsteady(source, result.baseline_problems)
        with atomic_folder(destination) as tmp:
            table.to_csv(tmp / "comparison.csv", index=False)
            for name, r in results.items():
                r.daily.to_parquet(tmp / f"daily_{Path(name).stem.replace(':', '_')}.parquet", index=False)
            write_json(tmp / "summary.json", {n: r.summary for n, r in results.items()})
            write_json(
                tmp / "run.json",
                provenance(
                    next(iter(results.values())).seed,
                    time.perf_counter() - started,
                    {"scenarios": [first, second], "titles": titles},
                ),
            )
            if not no_figures:
                writer = figures_writer(
                    "write_comparison_figures",
                    {n: r.daily for n, r in results.items()},
                    {n: r.events for n, r in results.items()},
                    table,
                    titles,
                )
                if writer:
                    writer(tmp)
    from sim.report.experiment_reports import identical_text
    from sim.report.series import split_compared
    from sim.results.kpis import HEADLINE, kpi_table

    shown = kpi_table({n: r.summary for n, r in results.items()}, HEADLINE)
    shown["difference"] = [_difference(table, k) for k in HEADLINE]
    print_table(shown)
    same = identical_text(split_compared({n: r.daily for n, r in results.items()})[1], len(results))
    if same:
        click.echo(same)
    click.echo(f"-> {out}")
    print_after(out, (), not no_figures)


def _difference(table: Any, key: str) -> str:
    """The difference column of a comparison table for ``key``, as text with its unit."""
    import pandas as pd

    from sim.results.kpis import difference_text, unit_of

    rows = table[table["kpi"] == key]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    gap = row["difference_days"] if unit_of(key) == "date" else row["difference"]
    return difference_text(key, None if pd.isna(gap) else gap)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@friendly
def plot(folder: str) -> None:
    """Redraw the figures and report of a saved results FOLDER (a run, replications, a comparison, a sweep or a
    sensitivity analysis) without re-running it.

    \b
    Example:
      supplysim plot results/jlr_2025
    """
    from sim.report.figure_workers import FigureError
    from sim.report.redraw import NotAResultsFolder, redraw
    from sim.runner import OutputError, redraw_in_place

    try:
        written = redraw_in_place(Path(folder), redraw)
    except NotAResultsFolder as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(USER_ERROR)
    except (OutputError, FigureError):
        raise
    except Exception as exc:  # drawing failed: the folder is as it was
        raise FigureError(
            f"the figures could not be redrawn, so {folder} was left as it was: {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    click.echo(f"redrew {len(written)} files in {folder}")
    print_after(folder, (), True, charts=(Path(folder) / "daily.parquet").is_file())


@main.command()
@click.argument("scenario", type=click.Path())
@click.option(
    "--set",
    "sets",
    multiple=True,
    required=True,
    metavar="PATH=V1,V2,...",
    help="A grid axis: a dotted scenario path and its values; repeat for a second axis.",
)
@click.option("--out", required=True, type=click.Path(), help="Folder to write the sweep into (must not exist).")
@click.option("--replications", type=click.IntRange(1), default=1, help="Replications at every grid point.")
@click.option("--seed", type=int, default=None, show_default="the scenario's seed", help="Random seed.")
@executor_options()
@click.option("--force", is_flag=True, show_default=OFF, help="Replace the output folder if it exists.")
@click.option("--no-figures", is_flag=True, show_default=OFF, help="Skip sweep.png and report.html.")
@progress_option
@click.option("--dashboard", is_flag=True, show_default=OFF, help=DASHBOARD_HELP)
@allow_base_outside_option
@friendly
def sweep(
    scenario: str,
    sets: tuple[str, ...],
    out: str,
    replications: int,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
    force: bool,
    no_figures: bool,
    progress: bool | None,
    dashboard: bool,
    allow_base_outside: bool,
) -> None:
    """Run a grid over scenario parameters, each point with replications and common random numbers.

    \b
    Example:
      supplysim sweep scenarios/jlr_2025.yaml --set interventions.supplier_finance.budget_gbp=0,250e6,500e6 \\
        --replications 10 --out results/sweep
    """
    from sim.experiments import parse_grid, run_sweep, write_sweep
    from sim.experiments.tables import sweep_points_table
    from sim.runner import claim
    from sim.scenario.loader import read_scenario_data

    started = time.perf_counter()
    check_options(seed, scheduler)
    workers, dask_local = capped(workers, "--workers"), capped(dask_local, "--dask-local")
    data, where = read_scenario_data(scenario, allow_base_outside)
    grid = parse_grid(sets)
    with claim(out, force) as destination:
        with dashboard_asked(dashboard):
            table = run_sweep(
                data,
                scenario,
                grid,
                replications=replications,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                dask_workers=dask_local,
                progress=progress,
                lines=where,
            )
        figures = None if no_figures else figures_writer("write_sweep_figures", table, dict(table.attrs))
        write_sweep(destination, table, time.perf_counter() - started, figures=figures)
    if table.attrs.get("runs_rerun"):
        click.echo(
            f"warning: a worker process died; the {table.attrs['runs_rerun']} runs not yet finished then were run "
            "on fresh workers. The finished ones were kept.",
            err=True,
        )
    click.echo(f"{table['point'].nunique()} points x {replications} replications -> {out} (mean over replications per point)")
    left_out(int(table.attrs.get("runs_unsteady", 0)), "runs", "sweep.csv")
    points = sweep_points_table(table)
    width = max(len(str(k)) for k in points.index)
    for name in points.columns:  # one table per point: its grid values, then each KPI
        click.echo(f"\n{name}")
        for kpi, value in points[name].items():
            click.echo(f"  {kpi:<{width}}  {value}")
    print_after(out, (), not no_figures)


@main.command()
@click.argument("scenario", type=click.Path())
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="A parameter and its range (numbers, or dates); repeat for each parameter.",
)
@click.option("--method", type=click.Choice(["morris", "sobol"]), default="morris", help="The SALib method.")
@click.option("--samples", type=click.IntRange(2), default=16, help="Base sample size N (Morris: trajectories).")
@click.option(
    "--kpi",
    "kpis",
    multiple=True,
    show_default="vehicles lost, invoice backlog peak, OEM cash trough, insolvencies",
    help="A KPI to rank (its summary key); repeat for several.",
)
@click.option("--out", required=True, type=click.Path(), help="Folder to write the analysis into (must not exist).")
@click.option("--seed", type=int, default=None, show_default="the scenario's seed", help="Random seed.")
@click.option("--workers", type=click.IntRange(1), default=None, show_default="one per core", help="Local worker processes.")
@click.option("--force", is_flag=True, show_default=OFF, help="Replace the output folder if it exists.")
@click.option("--no-figures", is_flag=True, show_default=OFF, help="Skip sensitivity.png and report.html.")
@progress_option
@allow_base_outside_option
@friendly
def sensitivity(
    scenario: str,
    params: tuple[str, ...],
    method: str,
    samples: int,
    kpis: tuple[str, ...],
    out: str,
    seed: int | None,
    workers: int | None,
    force: bool,
    no_figures: bool,
    progress: bool | None,
    allow_base_outside: bool,
) -> None:
    """Global sensitivity (SALib Morris or Sobol) of KPIs to chosen parameters; writes a ranking.

    \b
    Example:
      supplysim sensitivity scenarios/jlr_2025.yaml --param payables.automated_invoices_per_day=2000:10000 \\
        --method morris --out results/sens
    """
    from sim.experiments.sensitivity import parse_params, run_sensitivity, write_sensitivity
    from sim.experiments.tables import ranking_table
    from sim.runner import claim
    from sim.scenario.loader import read_scenario_data

    started = time.perf_counter()
    check_options(seed)
    workers = capped(workers, "--workers")
    data, where = read_scenario_data(scenario, allow_base_outside)
    bounds = parse_params(params)
    with claim(out, force) as destination:
        ranking = run_sensitivity(
            data,
            scenario,
            bounds,
            method=method,
            samples=samples,
            kpis=list(kpis) or None,
            seed=seed,
            workers=workers,
            lines=where,
            progress=progress,
        )
        figures = None if no_figures else figures_writer("write_sensitivity_figures", ranking, dict(ranking.attrs))
        write_sensitivity(destination, ranking, time.perf_counter() - started, figures=figures)
    click.echo(f"{method} sensitivity, {ranking.attrs.get('runs')} runs -> {out}")
    if ranking.attrs.get("runs_left_out"):
        click.echo(
            f"{ranking.attrs['runs_left_out']} runs left out of the analysis ({ranking.attrs['runs_unsteady']} "
            f"with a baseline that is not steady, the others failed, and the rest of each one's "
            f"{'trajectory' if method == 'morris' else 'sample group'}); see design.csv (baseline_steady)"
        )
    print_table(ranking_table(ranking).set_index("KPI"))
    print_after(out, (), not no_figures)


@main.command()
@click.argument("scenario", required=False, default="scenarios/jlr_2025.yaml", type=click.Path())
@click.option(
    "--port", type=click.IntRange(0, 65535), default=5006, show_default=True, help="Port to listen on (0: any free port)."
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 lets other machines open the page."
)
@click.option("--open", "open_browser", is_flag=True, show_default=OFF, help="Open the page in the default browser.")
@friendly
def serve(scenario: str, port: int, host: str, open_browser: bool) -> None:
    """Explore SCENARIO (default: the flagship) in the browser: change its outage, restore dates, teams and
    interventions and watch its KPIs and charts answer. Needs the extra: pip install 'supplysim[serve]'.

    \b
    Example:
      supplysim serve scenarios/jlr_2025.yaml      # then open http://127.0.0.1:5006/
    """
    if importlib.util.find_spec("panel") is None:
        click.echo("error: the explorer needs the serve extra: pip install 'supplysim[serve]'", err=True)
        sys.exit(USER_ERROR)
    from sim.explorer.server import serve as serve_explorer

    log.info("loading and running %s (the reference every page starts from)", scenario)
    serve_explorer(scenario, port, host, open_browser, ready=lambda url: click.echo(f"supplysim explorer: {url} (Ctrl-C to stop)"))
