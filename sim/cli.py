"""The ``supplysim`` command line: run, validate, schema, compare, plot, sweep, sensitivity.

Heavy libraries are imported inside each command so that ``supplysim --help`` answers at once.
A user's mistake (a bad scenario, an existing output folder) exits 2 with a one-paragraph
message and no traceback; a broken conservation identity (a model defect) exits 3; a figure worker
that fails or dies exits 4 (and, like every failed run, leaves no results folder).
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib.util
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import click

USER_ERROR = 2
MODEL_ERROR = 3
FIGURE_ERROR = 4


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user mistakes into a clear message and exit code instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            known = explain(exc)
            if known is None:
                raise
            click.echo(known[1], err=True)
            sys.exit(known[0])

    return wrapper


def explain(exc: Exception) -> tuple[int, str] | None:
    """The exit code and message for an error the user should see without a traceback (None for others).

    The error classes are imported only here, so that a command starts without loading them.
    """
    from sim.model.checks import ConservationError
    from sim.report.figure_workers import FigureError
    from sim.runner import OutputExistsError
    from sim.scenario.errors import ScenarioError

    if isinstance(exc, (ScenarioError, OutputExistsError)):
        return USER_ERROR, f"error: {exc}"
    if isinstance(exc, ConservationError):
        return MODEL_ERROR, f"model error (please report): {exc}"
    if isinstance(exc, FigureError):
        return FIGURE_ERROR, f"error: {exc}"
    return None


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


def parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    from sim.scenario.loader import parse_override

    return dict(parse_override(v) for v in values)


def load(path: str, sets: tuple[str, ...] = ()) -> Any:
    from sim.scenario.loader import load_scenario

    return load_scenario(path, parse_sets(sets) if sets else None)


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
@friendly
def run(scenario: str, out: str, seed: int | None, sets: tuple[str, ...], replications: int, workers: int | None,
        scheduler: str | None, dask_local: int | None, force: bool, check_daily: bool, no_figures: bool) -> None:
    """Run SCENARIO (a YAML file) and write tables, KPIs, figures and a report into --out."""
    from sim.report.figure_workers import FigureWorker, can_fork, drawn_here

    started = time.perf_counter()
    single = replications == 1 and not scheduler and not dask_local
    draw = not no_figures and importlib.util.find_spec("matplotlib") is not None
    # a figure worker starts first, to load matplotlib while this process loads and simulates the run
    with FigureWorker() if single and draw and can_fork() else nullcontext() as worker:
        from sim.runner import atomic_folder, write_run

        spec = load(scenario, sets)
        if Path(out).exists() and not force:
            with atomic_folder(Path(out), force):
                pass
        if not single:
            from sim.experiments import run_replications, write_replications

            reps = run_replications(spec, seed=seed, replications=replications, workers=workers, scheduler=scheduler,
                                    dask_workers=dask_local, progress=sys.stderr.isatty(), check_daily=check_daily)
            write_replications(Path(out), reps, time.perf_counter() - started, force=force,
                               figures=None if no_figures else figures_writer("write_replication_figures", reps))
            click.echo(f"{spec.name}: {replications} replications ({len(reps.failures)} failed) -> {out}")
            print_kpis({k: v for k, v in reps.summary.items() if isinstance(v, dict)})
            return
        from sim.simulation import simulate

        result = simulate(spec, seed, check_daily=check_daily, source=scenario)

        def figures(folder: Path) -> AbstractContextManager[object]:
            drawer = worker.run_figures if worker else drawn_here
            return drawer(folder, result.daily, result.events, result.summary, result.suppliers, spec.name)

        write_run(Path(out), result, time.perf_counter() - started, force=force, figures=figures if draw else None)
    click.echo(f"{spec.name} (seed {result.seed}) -> {out}")
    print_kpis(result.summary)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@friendly
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES against the schema and the cross-reference rules."""
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import load_scenario

    failed = 0
    for f in files:
        try:
            load_scenario(f)
            click.echo(f"ok: {f}")
        except ScenarioError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
    if failed:
        sys.exit(USER_ERROR)


@main.command()
@click.option("--out", type=click.Path(), default=None, help="Write to this file instead of standard output.")
def schema(out: str | None) -> None:
    """Print the scenario JSON Schema (for editor autocompletion)."""
    from sim.scenario.schema_export import schema_json

    text = schema_json()
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("first", type=click.Path())
@click.argument("second", type=click.Path())
@click.option("--out", required=True, type=click.Path())
@click.option("--seed", type=int, default=None, help="Common seed (default: the first scenario's).")
@click.option("--force", is_flag=True)
@click.option("--no-figures", is_flag=True)
@friendly
def compare(first: str, second: str, out: str, seed: int | None, force: bool, no_figures: bool) -> None:
    """Run FIRST and SECOND with common random numbers; write and print KPIs side by side."""
    from sim.experiments.comparison import compare as run_compare
    from sim.runner import atomic_folder, provenance, write_json

    started = time.perf_counter()
    a, b = load(first), load(second)
    names = {Path(first).stem: a, Path(second).stem: b}
    if len(names) < 2:
        names = {f"A:{Path(first).stem}": a, f"B:{Path(second).stem}": b}
    results, table = run_compare(names, seed)
    with atomic_folder(Path(out), force) as tmp:
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
    from sim.results.kpis import HEADLINE

    shown = table[table["kpi"].isin(HEADLINE)]
    click.echo(shown.to_string(index=False))
    click.echo(f"-> {out}")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@friendly
def plot(folder: str) -> None:
    """Redraw the figures and report of a saved run FOLDER without re-running it."""
    from sim.report import html as report

    written = report.redraw(Path(folder))
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
@friendly
def sweep(scenario: str, sets: tuple[str, ...], out: str, replications: int, seed: int | None, workers: int | None,
          scheduler: str | None, dask_local: int | None, force: bool) -> None:
    """Run a grid over scenario parameters, each point with replications and common random numbers."""
    from sim.experiments import parse_grid, run_sweep, write_sweep
    from sim.scenario.loader import read_yaml

    started = time.perf_counter()
    data, lines = read_yaml(scenario)
    grid = parse_grid(sets)
    table = run_sweep(data, scenario, grid, replications=replications, seed=seed, workers=workers,
                      scheduler=scheduler, dask_workers=dask_local, progress=sys.stderr.isatty(), lines=lines)
    write_sweep(Path(out), table, time.perf_counter() - started, force=force)
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
@friendly
def sensitivity(scenario: str, params: tuple[str, ...], method: str, samples: int, kpis: tuple[str, ...], out: str,
                seed: int | None, workers: int | None, force: bool) -> None:
    """Global sensitivity (SALib Morris or Sobol) of KPIs to chosen parameters; writes a ranking."""
    from sim.experiments.sensitivity import parse_params, run_sensitivity, write_sensitivity
    from sim.scenario.loader import read_yaml

    started = time.perf_counter()
    data, lines = read_yaml(scenario)
    ranking = run_sensitivity(data, scenario, parse_params(params), method=method, samples=samples,
                              kpis=list(kpis) or None, seed=seed, workers=workers, lines=lines)
    write_sensitivity(Path(out), ranking, time.perf_counter() - started, force=force)
    click.echo(ranking.to_string(index=False))
