"""Figures (PNG) and a self-contained ``report.html`` written next to a run, replications or a comparison.

The report is one file a browser opens anywhere: KPI tables, the figures embedded as base64
data URIs and inline CSS, with no external script, font or image. :func:`redraw` rebuilds
figures and report from a saved results folder without running the simulation again.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from matplotlib.figure import Figure

from sim import __version__
from sim.report import plots
from sim.results.kpis import as_number
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
    "invoice_backlog": "Suppliers' invoices waiting to be processed, in value and count, against the no-outage "
                       "baseline, and the processing capacity that clears them.",
    "parts_backlog": "Retailers' orders waiting at the parts logistics centre against the no-outage baseline.",
    "production_recovery": "Vehicles built per day (trailing 7-day means) per plant and in total, and the "
                           "cumulative vehicles lost against the baseline.",
    "cash": "OEM cash and credit drawn, suppliers' cash, and suppliers short of cash or insolvent.",
}
# replication series: file stem, title, y label (unit appended for money), days of smoothing
FAN_SERIES: dict[str, tuple[str, str, int]] = {
    "production_total": ("Vehicles built per day", "vehicles/day", 7),
    "invoice_backlog_gbp": ("Invoice backlog", "backlog value", 1),
    "invoice_backlog_count": ("Invoice backlog", "backlog (invoices)", 1),
    "parts_backlog_orders": ("Parts-centre order backlog", "backlog (orders)", 1),
    "oem_cash_gbp": ("OEM cash", "OEM cash", 1),
    "supplier_cash_gbp": ("Suppliers' cash", "supplier cash", 1),
    "suppliers_under_7_days_cash": ("Suppliers with under 7 days of cash", "suppliers", 1),
    "suppliers_insolvent": ("Suppliers insolvent", "suppliers", 1),
    "vehicles_lost_cum": ("Vehicles lost (cumulative)", "vehicles", 1),
}
COMPARISON_SERIES: dict[str, tuple[str, str, int]] = {
    "invoice_backlog_gbp": ("Invoice backlog", "backlog value", 1),
    "production_total": ("Vehicles built per day", "vehicles/day", 7),
    "oem_cash_gbp": ("OEM cash", "OEM cash", 1),
    "parts_backlog_orders": ("Parts-centre order backlog", "backlog (orders)", 1),
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


class Replications(Protocol):
    """What :func:`write_replication_figures` reads from a replications result."""

    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str


@dataclass
class SavedReplications:
    """Replications read back from a results folder (for :func:`redraw`)."""

    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str
    replications: int | None = None
    seed: Any = None


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
    """The comparison KPI table (kpi, one column per run, difference) with units."""
    columns = [c for c in table.columns if c != "kpi"]
    head = "<tr><th>KPI</th>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in columns) + "<th>key</th></tr>"
    rows = []
    for record in table.to_dict("records"):
        key = str(record["kpi"])
        cells = []
        for c in columns:
            value = as_number(record[c])
            if c != "difference":
                text = kpi_value(key, value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
                text = kpi_value(key.replace("_date", "_days"), value)
                text = text if text.startswith("-") or value == 0 else "+" + text
            else:
                text = "–" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            cells.append(_cell(text))
        rows.append(_row(key, "".join(cells)))
    return "<table>" + head + "".join(rows) + "</table>"


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


def _img(path: Path, alt: str, caption: str) -> str:
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


def run_note(folder: Path, title: str) -> str:
    """``supplysim 0.1.0, scenario X, seed N``: the seed from run.json when the folder has one."""
    seed = _read_json(folder / "run.json").get("seed")
    note = f"supplysim {__version__}, scenario {title}"
    return note + (f", seed {seed}" if seed is not None else "")


def write_run_figures(folder: Path, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any],
                      suppliers: pd.DataFrame, title: str) -> list[Path]:
    """Write invoice_backlog.png, parts_backlog.png, production_recovery.png, cash.png and report.html."""
    written = [draw_run_figure(folder, name, daily, events, summary, title) for name in RUN_FIGURES]
    return [*written, write_run_report(folder, summary, suppliers, title)]


def draw_run_figure(folder: Path, name: str, daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any],
                    title: str) -> Path:
    """Write one of the :data:`RUN_FIGURES` as ``<name>.png``; the note names the seed in the folder's run.json."""
    folder = Path(folder)
    figure = RUN_FIGURES[name](daily, events, summary, title=title, note=run_note(folder, title))
    return save_figure(figure, folder / f"{name}.png")


def write_run_report(folder: Path, summary: Mapping[str, Any], suppliers: pd.DataFrame, title: str) -> Path:
    """Write report.html around the run's figures (already in ``folder``), its KPIs and its weakest suppliers."""
    folder = Path(folder)
    figures = "".join(_img(folder / f"{name}.png", name.replace("_", " "), CAPTIONS[name]) for name in RUN_FIGURES)
    sections = [("Key results", kpi_table(summary)), ("Figures", figures),
                ("Suppliers closest to running out of cash", suppliers_table(suppliers))]
    return write_html(folder / "report.html", f"supplysim report: {title}", run_note(folder, title), sections)


def _series_spec(series: str, table: Mapping[str, tuple[str, str, int]]) -> tuple[str, str, int]:
    if series in table:
        return table[series]
    words = series.removesuffix("_gbp").replace("_", " ")
    return words[:1].upper() + words[1:], words, 1


def write_replication_figures(folder: Path, reps: Replications) -> list[Path]:
    """Write one fan chart per series in ``reps.bands`` (fan_<series>.png) and report.html (KPI percentiles)."""
    folder = Path(folder)
    bands = reps.bands
    present = [str(s) for s in bands["series"].unique() if not str(s).startswith("baseline_")]
    ordered = [s for s in FAN_SERIES if s in present] + sorted(s for s in present if s not in FAN_SERIES)
    count = getattr(reps, "replications", None)
    seed = getattr(reps, "seed", None)
    note = f"supplysim {__version__}, scenario {reps.scenario_name}" + (f", {count} replications" if count else "") \
        + (f", seed {seed}" if seed is not None else "")
    written = []
    for series in ordered:
        heading, ylabel, days = _series_spec(series, FAN_SERIES)
        fig = plots.fan_chart(bands, series, f"{heading}: {reps.scenario_name}", ylabel, note=note, smooth_days=days)
        written.append(save_figure(fig, folder / f"fan_{series}.png"))
    figures = "".join(_img(p, p.stem, "Median (line) and 5–95% range (band) over replications.") for p in written)
    failures = getattr(reps, "failures", None)
    extra = [("Failed replications", failures_table(failures))] if failures else []
    sections = [("Key results over replications", replication_table(reps.summary)), ("Figures", figures), *extra]
    written.append(write_html(folder / "report.html", f"supplysim replications: {reps.scenario_name}", note, sections))
    return written


def _outage_starts(events: Mapping[str, pd.DataFrame]) -> dict[str, pd.Timestamp | None]:
    out: dict[str, pd.Timestamp | None] = {}
    for name, frame in events.items():
        if frame is None or frame.empty:
            out[name] = None
            continue
        dates = frame.loc[frame["kind"] == "outage", "date"]
        out[name] = pd.Timestamp(dates.min()) if len(dates) else None
    return out


def write_comparison_figures(folder: Path, dailies: Mapping[str, pd.DataFrame], events: Mapping[str, pd.DataFrame],
                             table: pd.DataFrame) -> list[Path]:
    """Write overlays (compare_<series>.png) of the runs in ``dailies`` and report.html with the KPI ``table``."""
    folder = Path(folder)
    names = list(dailies)
    note = f"supplysim {__version__}, compared at common random numbers: {' vs '.join(names)}"
    outages = _outage_starts(events)
    written = []
    for series, (heading, ylabel, days) in COMPARISON_SERIES.items():
        if not all(series in d for d in dailies.values()):
            continue
        fig = plots.comparison(dailies, series, f"{heading}: {' vs '.join(names)}", ylabel, note=note,
                               smooth_days=days, outages=outages)
        written.append(save_figure(fig, folder / f"compare_{series}.png"))
    figures = "".join(_img(p, p.stem, f"{p.stem.removeprefix('compare_').replace('_', ' ')} in each run.")
                      for p in written)
    sections = [("Key results side by side", comparison_table(table)), ("Figures", figures)]
    written.append(write_html(folder / "report.html", f"supplysim comparison: {' vs '.join(names)}", note, sections))
    return written


# ---------------------------------------------------------------- redraw


def _stem(name: str) -> str:
    """The daily_<stem>.parquet name the CLI gives a compared run."""
    return Path(name).stem.replace(":", "_")


def redraw(folder: Path) -> list[Path]:
    """Redraw the figures and report of a saved results folder (run, replications or comparison)."""
    folder = Path(folder)
    run_info = _read_json(folder / "run.json")
    if (folder / "comparison.csv").is_file() and list(folder.glob("daily_*.parquet")):
        table = pd.read_csv(folder / "comparison.csv", dtype=object, keep_default_na=False, na_values=[""])
        table = table.astype(object).where(table.notna(), None)
        files = {p.stem.removeprefix("daily_"): p for p in sorted(folder.glob("daily_*.parquet"))}
        names = [c for c in table.columns if c not in ("kpi", "difference")]
        if not all(_stem(n) in files for n in names):
            names = list(files)
        dailies = {n: pd.read_parquet(files[_stem(n)] if _stem(n) in files else files[n]) for n in names}
        summaries = _read_json(folder / "summary.json")
        events = {n: pd.DataFrame({"date": [pd.Timestamp(s)], "kind": ["outage"]})
                  for n in names if (s := (summaries.get(n) or {}).get("outage_start_date"))}
        return write_comparison_figures(folder, dailies, events, table)
    if (folder / "daily_bands.parquet").is_file() and (folder / "summary.json").is_file():
        reps = SavedReplications(pd.read_parquet(folder / "daily_bands.parquet"), _read_json(folder / "summary.json"),
                                 str(run_info.get("scenario") or folder.name), run_info.get("replications"),
                                 run_info.get("seed"))
        return write_replication_figures(folder, reps)
    if all((folder / f).is_file() for f in ("daily.parquet", "events.parquet", "summary.json")):
        suppliers = pd.read_parquet(folder / "suppliers.parquet") if (folder / "suppliers.parquet").is_file() \
            else pd.DataFrame()
        return write_run_figures(folder, pd.read_parquet(folder / "daily.parquet"),
                                 pd.read_parquet(folder / "events.parquet"), _read_json(folder / "summary.json"),
                                 suppliers, str(run_info.get("scenario") or folder.name))
    raise FileNotFoundError(
        f"{folder} is not a supplysim results folder: expected daily.parquet, events.parquet and summary.json "
        "(a run), daily_bands.parquet and summary.json (replications), or comparison.csv and daily_*.parquet "
        "(a comparison)")


__all__ = ["write_run_figures", "draw_run_figure", "write_run_report", "write_replication_figures",
           "write_comparison_figures", "redraw", "Replications", "SavedReplications", "kpi_value", "kpi_label"]
