"""Figures and ``report.html`` of replications, comparisons, sweeps and sensitivity analyses."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim import __version__
from sim.experiments.tables import grid_columns, ranking_table, sweep_kpis, sweep_points_table
from sim.report import experiment_plots as plots
from sim.report.context import scenario_title
from sim.report.html import comparison_table, failures_table, img_html, replication_table, save_figure, write_html
from sim.report.series import spec, split_compared
from sim.results.kpis import DISTRIBUTIONS, label


class Replications(Protocol):
    """What :func:`write_replication_figures` reads from a replications result (other attributes are optional:
    ``table``, ``paths``, ``shares``, ``failures``, ``replications``, ``seed``, ``title``)."""

    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str


@dataclass
class SavedReplications:
    """Replications read back from a results folder (for :func:`sim.report.redraw.redraw`)."""

    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str
    replications: int | None = None
    seed: Any = None
    table: pd.DataFrame | None = None
    paths: pd.DataFrame | None = None
    shares: pd.DataFrame | None = None
    failures: list[dict[str, Any]] | None = None
    title: str | None = None


def _frame(value: Any) -> pd.DataFrame | None:
    return value if isinstance(value, pd.DataFrame) and not value.empty else None


def table_html(frame: pd.DataFrame) -> str:
    """A DataFrame of text (e.g. :func:`sim.kpi_table`) as an HTML table, its index as the first column."""
    head = f"<tr><th>{html.escape(str(frame.index.name or ''))}</th>"
    head += "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns) + "</tr>"
    rows = "".join(
        f"<tr><td>{html.escape(str(i))}</td>" + "".join(f'<td class="num">{html.escape(str(v))}</td>' for v in row) + "</tr>"
        for i, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    return f"<table>{head}{rows}</table>"


# ---------------------------------------------------------------- replications


def write_replication_figures(folder: Path, reps: Replications) -> list[Path]:
    """Write the replications' figures and report.html: a sample of runs' production with the share of runs
    stopped (runs_production_total.png), fan charts of the other series (fan_<series>.png), histograms of the
    KPIs whose spread has two humps (distributions.png), and the KPI percentiles."""
    folder = Path(folder)
    bands, table = reps.bands, _frame(getattr(reps, "table", None))
    paths, shares = _frame(getattr(reps, "paths", None)), _frame(getattr(reps, "shares", None))
    count, seed = getattr(reps, "replications", None), getattr(reps, "seed", None)
    scenario = getattr(reps, "scenario", None)
    title = getattr(reps, "title", None) or (
        scenario_title(scenario.description, reps.scenario_name) if scenario else reps.scenario_name
    )
    note = (
        f"supplysim {__version__}, scenario {reps.scenario_name}"
        + (f", {count} replications" if count else "")
        + (f", seed {seed}" if seed is not None else "")
    )
    shown: list[tuple[Path, str]] = []
    runs_drawn = paths is not None and shares is not None and "production_total" in set(bands["series"])
    if runs_drawn:
        assert paths is not None and shares is not None
        sample = paths["replication"].nunique()
        fig = plots.runs_chart(paths, shares, bands, f"Vehicles built per day, {sample} replications: {title}", note=note)
        shown.append(
            (
                save_figure(fig, folder / "runs_production_total.png"),
                f"Vehicles built per day in {sample} replications (thin lines) and the median of all (top): each "
                "replication either stops again or does not, so a median or a band would hide it. Bottom: the "
                "share of all replications whose production over the last 7 days is under half of a normal "
                "year's, day by day: the chance that the lines are stopped on that date.",
            )
        )
    present = [str(s) for s in bands["series"].unique() if not str(s).startswith("baseline_")]
    ordered = [s for s in plots_order() if s in present] + sorted(s for s in present if s not in plots_order())
    for series in ordered:
        if runs_drawn and series == "production_total":
            continue
        heading, ylabel, days = spec(series)
        fig = plots.fan_chart(bands, series, f"{heading}: {title}", ylabel, note=note, smooth_days=days)
        shown.append(
            (
                save_figure(fig, folder / f"fan_{series}.png"),
                f"{heading}: the median over replications (line) and the range 5% to 95% of them fall in "
                "(band), day by day, against a normal year (dashed).",
            )
        )
    chance = ""
    if table is not None:
        kpis = [k for k in DISTRIBUTIONS if k in table]
        if kpis:
            fig = plots.kpi_histograms(table, kpis, f"Spread over replications: {title}", note=note)
            shown.append(
                (
                    save_figure(fig, folder / "distributions.png"),
                    "How often each outcome occurs over the replications; the vertical lines are the median "
                    "and the mean. Two humps mean two kinds of outcome (e.g. no supplier fails, or one does and "
                    "stops the lines again): quote both rather than the mean.",
                )
            )
        share = plots.at_least_one(table, "suppliers_insolvent")
        if share is not None:
            ok = int((table["status"] == "ok").sum()) if "status" in table else len(table)
            chance = (
                f"<p>Chance of at least one supplier insolvency: <b>{share:.0%}</b> "
                f"({round(share * ok):,} of {ok:,} replications).</p>"
            )
    figures = "".join(img_html(path, path.stem, caption) for path, caption in shown)
    written = [path for path, _ in shown]
    failures = getattr(reps, "failures", None)
    extra = [("Failed replications", failures_table(failures))] if failures else []
    sections = [("Key results over replications", chance + replication_table(reps.summary)), ("Figures", figures), *extra]
    written.append(write_html(folder / "report.html", f"supplysim replications: {title}", note, sections))
    return written


def plots_order() -> list[str]:
    from sim.report.series import SERIES

    return list(SERIES)


# ---------------------------------------------------------------- comparisons


def _outage_starts(events: Mapping[str, pd.DataFrame]) -> dict[str, pd.Timestamp | None]:
    out: dict[str, pd.Timestamp | None] = {}
    for name, frame in events.items():
        if frame is None or frame.empty:
            out[name] = None
            continue
        dates = frame.loc[frame["kind"] == "outage", "date"]
        out[name] = pd.Timestamp(dates.min()) if len(dates) else None
    return out


def identical_text(identical: Sequence[str], runs: int) -> str:
    """``Identical in both runs: ...`` (series headings in words), or "" when none is."""
    if not identical:
        return ""
    where = "both runs" if runs == 2 else f"all {runs} runs"
    headings = [spec(s)[0] for s in identical]
    return f"Identical in {where}: " + "; ".join(h if h[:2].isupper() else h[:1].lower() + h[1:] for h in headings) + "."


def write_comparison_figures(
    folder: Path,
    dailies: Mapping[str, pd.DataFrame],
    events: Mapping[str, pd.DataFrame],
    table: pd.DataFrame,
    titles: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write a figure for each series that differs between the runs (compare_<series>.png: the runs overlaid and
    their difference) and report.html with the KPI ``table``, naming the series identical in every run."""
    folder = Path(folder)
    names = list(dailies)
    note = f"supplysim {__version__}, compared at common random numbers: {' vs '.join(names)}"
    outages = _outage_starts(events)
    differ, identical = split_compared(dailies)
    shown = []
    for series in differ:
        heading, ylabel, days = spec(series)
        fig = plots.comparison(
            dailies, series, f"{heading}: {' vs '.join(names)}", ylabel, note=note, smooth_days=days, outages=outages
        )
        caption = (
            f"{heading} in each run (top) and {', '.join(names[1:])} minus {names[0]} (bottom), over the dates where they differ."
        )
        shown.append((save_figure(fig, folder / f"compare_{series}.png"), caption))
    same = identical_text(identical, len(names))
    figures = "".join(img_html(p, p.stem, c) for p, c in shown) + (f"<p class='note'>{html.escape(same)}</p>" if same else "")
    if not differ:
        figures = "<p>No compared series differs between the runs.</p>" + figures
    runs = "".join(f"<li><b>{html.escape(n)}</b>: {html.escape((titles or {}).get(n, n))}</li>" for n in names)
    sections = [("Runs", f"<ul>{runs}</ul>"), ("Key results side by side", comparison_table(table)), ("Figures", figures)]
    heading = " vs ".join((titles or {}).get(n, n) for n in names)
    written = [p for p, _ in shown]
    written.append(write_html(folder / "report.html", f"supplysim comparison: {heading}", note, sections))
    return written


# ---------------------------------------------------------------- sweeps and sensitivity


def write_sweep_figures(folder: Path, table: pd.DataFrame, info: Mapping[str, Any]) -> list[Path]:
    """Write sweep.png (KPIs against the grid's parameters) and report.html (a table per point) for a sweep table
    (one row per point and replication); ``info`` is the sweep's run.json."""
    folder = Path(folder)
    grid = grid_columns(table)
    runs = int((table["status"] == "ok").sum()) if "status" in table else len(table)
    note = (
        f"supplysim {__version__}, sweep of {info.get('source', 'a scenario')}: {table['point'].nunique()} points x "
        f"{info.get('replications', '?')} replications ({runs} runs ok), seed {info.get('seed')}"
    )
    kpis = sweep_kpis(table)
    title = "KPIs across the sweep"
    if len(grid) > 2:
        title += f" (first two of {len(grid)} axes)"
    fig = plots.sweep_chart(table, grid, kpis, title, note=note)
    figure = save_figure(fig, folder / "sweep.png")
    how = (
        "a line per KPI, with the 5–95% range of replications where there are several"
        if len(grid) == 1
        else "a heatmap per KPI, each cell the mean over replications"
    )
    sections = [
        ("Results per point (mean over replications)", table_html(sweep_points_table(table))),
        ("Figure", img_html(figure, "sweep", f"KPIs against {', '.join(grid)}: {how}.")),
    ]
    return [figure, write_html(folder / "report.html", "supplysim sweep", note, sections)]


def write_sensitivity_figures(folder: Path, ranking: pd.DataFrame, info: Mapping[str, Any]) -> list[Path]:
    """Write sensitivity.png (Morris mu*/sigma or Sobol indices per KPI) and report.html (the ranking) for a
    sensitivity ranking; ``info`` is the analysis's run.json."""
    folder = Path(folder)
    method = str(ranking["method"].iloc[0]) if len(ranking) else str(info.get("method", "morris"))
    note = (
        f"supplysim {__version__}, {method} sensitivity of {info.get('source', 'a scenario')}: {info.get('runs', '?')} "
        f"runs, seed {info.get('seed')}"
    )
    fig = plots.sensitivity_chart(ranking, f"Which parameters move which KPIs ({method.capitalize()})", note=note)
    figure = save_figure(fig, folder / "sensitivity.png")
    caption = (
        "Each dot is a parameter: further right, the more it moves the KPI on average (mu*, in the KPI's "
        "unit); higher, the more its effect depends on the other parameters (sigma). Above the dotted "
        "diagonal the effect is mostly interaction."
        if method == "morris"
        else "Each parameter's share of the KPI's variance: alone (S1) and with its interactions (ST)."
    )
    kpis = ", ".join(label(str(k)) for k in dict.fromkeys(ranking["kpi"]))
    sections = [
        ("Ranking", f"<p class='note'>KPIs: {html.escape(kpis)}</p>" + table_html(ranking_table(ranking).set_index("KPI"))),
        ("Figure", img_html(figure, "sensitivity", caption)),
    ]
    return [figure, write_html(folder / "report.html", f"supplysim sensitivity ({method})", note, sections)]
