"""Figures (PNG) and a self-contained ``report.html`` written next to a run, and the HTML kit every report uses.

The report is one file a browser opens anywhere: KPI tables, the figures embedded as base64
data URIs and inline CSS, with no external script, font or image. The reports of replications,
comparisons, sweeps and sensitivity analyses are in :mod:`sim.report.experiment_reports`;
:func:`sim.report.redraw.redraw` rebuilds figures and report from a saved results folder.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.report import plots
from sim.report.context import FigureContext
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
"""


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
    rows = "".join("<tr>" + "".join(_cell(str(f.get(k, "")), k == "replication") for k in keys) + "</tr>"
                   for f in failures)
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


def suppliers_table(suppliers: pd.DataFrame, rows: int = 15) -> str:
    """The suppliers that ran out of cash first, then those with the fewest days of cash at the outage start."""
    if suppliers is None or suppliers.empty or "min_cash_gbp" not in suppliers:
        return "<p class='note'>No supplier table in this run.</p>"
    states = suppliers["state"].value_counts()
    counts = ", ".join(f"{int(n):,} {html.escape(str(s))}" for s, n in states.items())
    worst = suppliers.sort_values(["cash_ran_out_date", "time_to_survive_days", "min_cash_gbp"], kind="stable",
                                  na_position="last").head(rows)
    head = ("<tr><th>supplier</th><th>tier</th><th>part family</th><th>days of cash and credit at the outage "
            "start (no OEM income)</th><th>lowest cash</th><th>cash below zero from</th><th>insolvent</th>"
            "<th>state</th></tr>")
    body = []
    for r in worst.to_dict("records"):
        body.append("<tr>" + _cell(str(r["supplier"]), False) + _cell(str(r["tier"]))
                    + _cell(str(r["part_family"]), False)
                    + _cell(kpi_value("time_to_survive_days", r["time_to_survive_days"]))
                    + _cell(kpi_value("min_cash_gbp", r["min_cash_gbp"]))
                    + _cell(_when(r["cash_ran_out_date"])) + _cell(_when(r["insolvent_date"]))
                    + _cell(str(r["state"]), False) + "</tr>")
    return (f"<p class='note'>{len(suppliers):,} suppliers at the end of the run: {counts}. "
            f"The {len(worst)} whose cash ran out first, then those with the fewest days of cash and credit:</p>"
            f"<table>{head}{''.join(body)}</table>")


def _when(value: Any) -> str:
    return "–" if plots.as_timestamp(value) is None else kpi_value("date", value)


# ---------------------------------------------------------------- files


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG (the figure is not registered with pyplot, so dropping it frees it)."""
    fig.savefig(path, dpi=plots.DPI, metadata={"Software": f"supplysim {__version__}"},
                pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return path


def img_html(path: Path, alt: str, caption: str) -> str:
    """A figure with its caption, the PNG embedded as a data URI."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def write_html(path: Path, title: str, note: str, sections: Sequence[tuple[str, str]]) -> Path:
    """A self-contained HTML page: inline CSS, images as data URIs, nothing fetched from elsewhere."""
    body = "".join(f"<h2>{html.escape(heading)}</h2>{content}" for heading, content in sections)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>"
            f'<p class="note">{html.escape(note)}</p>{body}</body></html>\n')
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


def write_run_figures(folder: Path, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any],
                      suppliers: pd.DataFrame, context: FigureContext | str) -> list[Path]:
    """Write invoice_backlog.png, parts_backlog.png, production_recovery.png, cash.png and report.html."""
    written = [draw_run_figure(folder, name, daily, events, summary, context) for name in RUN_FIGURES]
    return [*written, write_run_report(folder, summary, suppliers, context)]


def draw_run_figure(folder: Path, name: str, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any],
                    context: FigureContext | str) -> Path:
    """Write one of the :data:`RUN_FIGURES` as ``<name>.png``; the note names the seed in the folder's run.json."""
    folder = Path(folder)
    context = as_context(context)
    options: dict[str, Any] = {"title": context.title, "note": run_note(folder, context.name or context.title)}
    if name in context.systems:
        options["systems"] = context.systems[name]
    if name == "cash":
        options["cash_floor_gbp"] = context.cash_floor_gbp
    return save_figure(RUN_FIGURES[name](daily, events, summary, **options), folder / f"{name}.png")


def write_run_report(folder: Path, summary: Mapping[str, Any], suppliers: pd.DataFrame,
                     context: FigureContext | str) -> Path:
    """Write report.html around the run's figures (already in ``folder``), its KPIs and its weakest suppliers."""
    folder = Path(folder)
    context = as_context(context)
    figures = "".join(img_html(folder / f"{name}.png", name.replace("_", " "), CAPTIONS[name]) for name in RUN_FIGURES)
    sections = [("Key results", kpi_table(summary)), ("Figures", figures),
                ("Suppliers closest to running out of cash", suppliers_table(suppliers))]
    from sim.report.economics import html_section  # what the incident cost, and who bore it (economics.parquet)
    sections.insert(1, ("What the incident cost, and who bore it", html_section(folder)))
    return write_html(folder / "report.html", f"supplysim report: {context.title}",
                      run_note(folder, context.name or context.title), sections)


__all__ = ["CAPTIONS", "RUN_FIGURES", "as_context", "draw_run_figure", "img_html", "kpi_label", "kpi_table", "kpi_value",
           "run_note", "save_figure", "write_html", "write_run_figures", "write_run_report"]


