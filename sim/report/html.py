"""Figures (PNG) and a self-contained ``report.html`` written next to a run, and the HTML kit every report uses.

The report is one file a browser opens anywhere, with nothing fetched from elsewhere: inline CSS and scripts,
figures embedded as data URIs. A run's report has its KPIs; interactive charts (hover and zoom, drawn by
BokehJS written into the page; where Bokeh is not installed, the PNG figures in their place); every supplier
in a table sorted and filtered in the page; and the scenario and assumptions behind the run. Its sections are
the list in :func:`write_run_report`. The reports of replications, comparisons, sweeps and sensitivity
analyses are in :mod:`sim.report.experiment_reports`; :func:`sim.report.redraw.redraw` rebuilds figures and
report from a saved results folder.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from sim.report.interactive import InteractiveCharts

from sim import __version__
from sim.report import plots
from sim.report.assumptions import assumptions_html
from sim.report.context import FigureContext
from sim.report.economics import html_section
from sim.report.supplier_table import supplier_table_html
from sim.results.kpis import COMPARISON_COLUMNS, as_number, difference_text, unit_of
from sim.results.kpis import label as kpi_label
from sim.results.kpis import text as kpi_value

PNG_COMPRESS_LEVEL = 1  # zlib level 1: files ~5% larger than the default 6, encoded several times faster
RUN_FIGURES: dict[str, Callable[..., Figure]] = {
    "invoice_backlog": plots.invoice_backlog,
    "parts_backlog": plots.parts_backlog,
    "production_recovery": plots.production_recovery,
    "cash": plots.cash,
}
CAPTIONS = {
    "invoice_backlog": "How long suppliers wait to be paid. Top: the value of suppliers' invoices waiting to be "
    "processed (blue) against a normal year (dashed), with the part already past its due date; "
    "middle: the same in invoices; bottom: the processing capacity that clears them, with "
    "invoices received and processed. Numbered lines are the events listed under the figure.",
    "parts_backlog": "Retailers' orders waiting at the parts logistics centre against a normal year (top), and "
    "orders received and dispatched per day (bottom): the backlog clears once dispatch runs above "
    "the orders coming in.",
    "production_recovery": "Top: vehicles built per day (trailing 7-day means) per plant and in total in the weeks "
    "around the outage, against a normal year. Bottom: vehicles lost against a normal year "
    "over the whole run, ending at the headline figure; later steps are stoppages after the "
    "restart (e.g. a sole-source supplier failing).",
    "cash": "Top: the OEM's cash against a normal year, its cash floor and the credit it draws below it. Middle: how "
    "long suppliers' cash lasts at their current burn (percentiles of active suppliers), or their total "
    "cash in tables without those columns. Bottom: suppliers short of cash, insolvent and replaced.",
}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;
padding:1.2rem 1.5rem 3rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.note{color:#555;font-size:.9rem;margin:.2rem 0}
table{border-collapse:collapse;font-size:.9rem;margin:.4rem 0}
th,td{padding:.25rem .7rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td code,th code{font-size:.8rem;color:#666}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.9rem;margin-top:.3rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}nav{font-size:.9rem;margin:.6rem 0}nav a{margin-right:1rem}
details summary{cursor:pointer;color:#1f5fa8;margin:.4rem 0}td.nowrap{white-space:nowrap}
"""
STATIC_NOTE = (
    "<p class='note'>Static figures: Bokeh is not installed, so this report has no interactive charts "
    "(<code>pip install 'supplysim[report]'</code> adds hover and zoom).</p>"
)


# ---------------------------------------------------------------- formatting


def _cell(text: str, numeric: bool = True) -> str:
    return f'<td class="num">{html.escape(text)}</td>' if numeric else f"<td>{html.escape(text)}</td>"


def _row(key: str, cells: str) -> str:
    """A table row: the KPI's reader's label, its value cells, and its key as in summary.json."""
    return f"<tr><td>{html.escape(kpi_label(key))}</td>{cells}<td><code>{html.escape(key)}</code></td></tr>"


def kpi_table(summary: Mapping[str, Any]) -> str:
    """An HTML table of one run's KPIs (reader's label, value with unit, key)."""
    rows = [_row(k, _cell(kpi_value(k, v))) for k, v in summary.items() if not isinstance(v, (dict, list))]
    return "<table><tr><th>KPI</th><th>value</th><th>key</th></tr>" + "".join(rows) + "</table>"


def replication_table(summary: Mapping[str, Any]) -> str:
    """KPIs over replications: mean, 5th, 50th and 95th percentiles (and the runs with a value, ``n``);
    other entries listed after."""
    stats = ("mean", "p05", "p50", "p95")
    with_n = any(isinstance(v, dict) and "n" in v for v in summary.values())
    head = "<tr><th>KPI</th>" + "".join(f"<th>{s}</th>" for s in stats) + ("<th>runs</th>" if with_n else "")
    head += "<th>key</th></tr>"
    rows, others = [], []
    for key, value in summary.items():
        if isinstance(value, dict):
            cells = "".join(_cell(kpi_value(key, value.get(s))) for s in stats)
            cells += _cell(kpi_value("n", value.get("n"))) if with_n else ""
            rows.append(_row(key, cells))
        else:
            others.append(_row(key, _cell(kpi_value(key, value))))
    out = "<table>" + head + "".join(rows) + "</table>"
    if others:
        out += "<h2>Other results</h2><table><tr><th>item</th><th>value</th><th>key</th></tr>" + "".join(others)
        out += "</table>"
    return out


def failures_table(failures: Sequence[Mapping[str, Any]]) -> str:
    """Failed replications: which, at which seed, and the error."""
    keys = ("replication", "seed", "error")
    rows = "".join("<tr>" + "".join(_cell(str(f.get(k, "")), k == "replication") for k in keys) + "</tr>" for f in failures)
    head = "<tr>" + "".join(f"<th>{k}</th>" for k in keys) + "</tr>"
    return f"<p class='note'>{len(failures)} failed.</p><table>{head}{rows}</table>"


def comparison_table(table: pd.DataFrame) -> str:
    """The comparison KPI table (one column per run, then the difference) with units; ``table`` as
    :func:`sim.experiments.comparison.kpi_table` makes it (or as read back from comparison.csv)."""
    runs = [c for c in table.columns if c not in COMPARISON_COLUMNS]
    head = "<tr><th>KPI</th>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in runs)
    head += "<th>difference</th><th>key</th></tr>"
    rows = []
    for record in table.to_dict("records"):
        key = str(record["kpi"])
        cells = [_cell(kpi_value(key, record[c])) for c in runs]
        days = as_number(record.get("difference_days"))
        gap = days if unit_of(key) == "date" else record.get("difference")
        cells.append(_cell(difference_text(key, None if _missing(gap) else gap)))
        rows.append(_row(key, "".join(cells)))
    return "<table>" + head + "".join(rows) + "</table>"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- files


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG (the figure is not registered with pyplot, so dropping it frees it)."""
    fig.savefig(
        path, dpi=plots.DPI, metadata={"Software": f"supplysim {__version__}"}, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL}
    )
    return path


def img_html(path: Path, alt: str, caption: str) -> str:
    """A figure with its caption, the PNG embedded as a data URI."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def anchor(heading: str) -> str:
    """A section's id in the page: ``Scenario and assumptions`` -> ``scenario-and-assumptions``."""
    return "-".join(re.findall(r"[a-z0-9]+", heading.lower()))


def write_html(path: Path, title: str, note: str, sections: Sequence[tuple[str, str]], scripts: str = "") -> Path:
    """A self-contained HTML page: inline CSS, images as data URIs, nothing fetched from elsewhere; with more than
    two sections, links to each under the title. ``scripts`` (inline ``<script>`` elements) end the page."""
    body = "".join(f'<h2 id="{anchor(heading)}">{html.escape(heading)}</h2>{content}' for heading, content in sections)
    links = "".join(f'<a href="#{anchor(heading)}">{html.escape(heading)}</a>' for heading, _ in sections)
    nav = f"<nav>{links}</nav>" if len(sections) > 2 else ""
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>"
        f'<p class="note">{html.escape(note)}</p>{nav}{body}{scripts}</body></html>\n'
    )
    path.write_text(page, encoding="utf-8")
    return path


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def run_note(folder: Path, name: str) -> str:
    """``supplysim 0.1.0, scenario X, seed N``: the seed from run.json when the folder has one."""
    seed = _read_json(folder / "run.json").get("seed")
    note = f"supplysim {__version__}, scenario {name}"
    return note + (f", seed {seed}" if seed is not None else "")


def as_context(context: FigureContext | str) -> FigureContext:
    """A figure context (a bare string is a title, and the scenario's name)."""
    return context if isinstance(context, FigureContext) else FigureContext(context, name=context)


def write_run_figures(
    folder: Path,
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    suppliers: pd.DataFrame,
    context: FigureContext | str,
) -> list[Path]:
    """Write invoice_backlog.png, parts_backlog.png, production_recovery.png, cash.png and report.html."""
    written = [draw_run_figure(folder, name, daily, events, summary, context) for name in RUN_FIGURES]
    return [*written, write_run_report(folder, daily, events, summary, suppliers, context)]


def draw_run_figure(
    folder: Path, name: str, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], context: FigureContext | str
) -> Path:
    """Write one of the :data:`RUN_FIGURES` as ``<name>.png``; the note names the seed in the folder's run.json."""
    folder = Path(folder)
    context = as_context(context)
    options: dict[str, Any] = {"title": context.title, "note": run_note(folder, context.name or context.title)}
    if name in context.systems:
        options["systems"] = context.systems[name]
    if name == "cash":
        options["cash_floor_gbp"] = context.cash_floor_gbp
    return save_figure(RUN_FIGURES[name](daily, events, summary, **options), folder / f"{name}.png")


def has_bokeh() -> bool:
    """Whether Bokeh is installed, so a run's report has interactive charts."""
    return importlib.util.find_spec("bokeh") is not None


def run_charts(
    daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], context: FigureContext
) -> InteractiveCharts | None:
    """The run's interactive charts, or None where Bokeh is not installed."""
    if not has_bokeh():
        return None
    from sim.report.interactive import interactive_charts

    plants = [
        name
        for name, plant in (context.scenario.get("plants") or {}).items()
        if isinstance(plant, Mapping) and plant.get("kind", "vehicle") == "vehicle"
    ]
    return interactive_charts(daily, summary, plants, events, context.systems)


CHARTS_PART = ".report-charts.partial.json"  # charts built by a figure worker's helper, until the report takes them


def save_run_charts(
    folder: Path, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], context: FigureContext | str
) -> None:
    """Build the run's interactive charts (None without Bokeh) into a hidden file of ``folder``, for
    :func:`take_run_charts` (a figure worker's helper builds them while the worker draws)."""
    charts = run_charts(daily, events, summary, as_context(context))
    part = {"html": charts.html, "scripts": charts.scripts} if charts is not None else None
    (Path(folder) / CHARTS_PART).write_text(json.dumps(part), encoding="utf-8")


def take_run_charts(folder: Path) -> InteractiveCharts | None:
    """The charts :func:`save_run_charts` built, removing their hidden file."""
    path = Path(folder) / CHARTS_PART
    part = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    if part is None:
        return None
    from sim.report.interactive import InteractiveCharts

    return InteractiveCharts(part["html"], part["scripts"])


def write_run_report(
    folder: Path,
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    suppliers: pd.DataFrame,
    context: FigureContext | str,
    charts: InteractiveCharts | None | Literal["build"] = "build",
) -> Path:
    """Write report.html around the run's figures (already in ``folder``, with its run.json): the sections below.

    ``charts``: the run's interactive charts already built (by a figure worker's helper), None for the static
    figures, or "build" to build them here (where Bokeh is installed)."""
    folder = Path(folder)
    context = as_context(context)
    figures = "".join(img_html(folder / f"{name}.png", name.replace("_", " "), CAPTIONS[name]) for name in RUN_FIGURES)
    charts = run_charts(daily, events, summary, context) if charts == "build" else charts
    slides = f"<details><summary>The four figures as PNG files beside this report (for slides)</summary>{figures}</details>"
    assumptions = assumptions_html(context.scenario, context.draws, _read_json(folder / "run.json"), events, daily, summary)
    sections = [
        ("Key results", kpi_table(summary)),
        ("What the incident cost, and who bore it", html_section(folder)),  # economics.parquet, written before
        ("Charts", charts.html + slides if charts else STATIC_NOTE + figures),
        ("Suppliers", supplier_table_html(suppliers)),
        ("Scenario and assumptions", assumptions),
    ]
    return write_html(
        folder / "report.html",
        f"supplysim report: {context.title}",
        run_note(folder, context.name or context.title),
        sections,
        charts.scripts if charts else "",
    )


__all__ = [
    "CAPTIONS",
    "RUN_FIGURES",
    "as_context",
    "draw_run_figure",
    "img_html",
    "kpi_label",
    "kpi_table",
    "kpi_value",
    "run_note",
    "save_figure",
    "save_run_charts",
    "take_run_charts",
    "write_html",
    "write_run_figures",
    "write_run_report",
]
