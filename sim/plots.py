"""Figures of a run, of replications and of a comparison, as matplotlib ``Figure`` objects.

Every function takes DataFrames and returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing touches global state: figures can be drawn in threads or worker processes
and are freed when dropped. Nothing is shown; the caller saves. Money is drawn in pounds scaled
to £k, £m or £bn (the axis label says which); dates are real calendar dates.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

DPI = 100
WIDTH_IN = 11.0
ACTUAL = "#1f4e79"
BASELINE = "#7f7f7f"
ACCENT = "#c8553d"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728")
Dash = Literal["-", "--", ":", "-."]
EVENT_STYLE: dict[str, tuple[str, Dash]] = {  # kind -> (colour, line style)
    "outage": ("#d62728", "-"),
    "restore": ("#2ca02c", "-"),
    "manual_team_start": ("#9467bd", "--"),
    "scheme_start": ("#ff7f0e", "--"),
    "facility_available": ("#8c564b", ":"),
    "facility_draw": ("#8c564b", "--"),
}
MAX_EVENT_KEYS = 14
# fixed layout, in inches
LEFT_IN, RIGHT_IN, TOP_IN, STRIP_IN, AXIS_IN, NOTE_IN, KEY_ROW_IN = 0.85, 2.75, 0.45, 0.45, 0.45, 0.28, 0.175
STRIP_LEVELS = 3  # rows of event numbers above the first panel
LEGEND_CHARS = 34  # characters per line of a legend label that fit in the right margin
SMOOTH_DAYS = 7
STOP_DAYS = 3  # a plant idle this many of its normal working days after the outage start has stopped


# ---------------------------------------------------------------- small helpers


def as_timestamp(value: Any) -> pd.Timestamp | None:
    """A date from a ``datetime.date``, an ISO string (as in summary.json) or a Timestamp; None if missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (str, date, datetime, np.datetime64, pd.Timestamp)):
        try:
            ts = pd.Timestamp(value)
        except ValueError:
            return None
        return None if pd.isna(ts) else ts
    return None


def day_text(ts: pd.Timestamp, year: bool = True) -> str:
    """``3 Feb 2025`` (no platform-specific strftime flags)."""
    return f"{ts.day} {ts:%b %Y}" if year else f"{ts.day} {ts:%b}"


def money_scale(*values: Iterable[float]) -> tuple[float, str]:
    """Divisor and unit (£, £k, £m or £bn) that keep the largest absolute value readable."""
    arrays = [np.asarray(v, dtype=float) for v in values]
    biggest = max((float(np.nanmax(np.abs(a))) for a in arrays if a.size), default=0.0)
    for divisor, unit in ((1e9, "£bn"), (1e6, "£m"), (1e3, "£k")):
        if biggest >= 2 * divisor:
            return divisor, unit
    return 1.0, "£"


def money_text(value: float) -> str:
    """Pounds as ``£14.0k``, ``£1,234.5m`` or ``£2.01bn``."""
    sign, v = ("-" if value < 0 else ""), abs(value)
    if v >= 1e9:
        return f"{sign}£{v / 1e9:,.2f}bn"
    if v >= 1e6:
        return f"{sign}£{v / 1e6:,.1f}m"
    if v >= 1e3:
        return f"{sign}£{v / 1e3:,.1f}k"
    return f"{sign}£{v:,.0f}"


def smooth(values: pd.Series, days: int = SMOOTH_DAYS) -> pd.Series:
    """Trailing mean over ``days`` (the day and the days before it), to read through weekends; blank until the
    window is full. Trailing, so that nothing appears built before it was."""
    return values.rolling(days, min_periods=days).mean() if days > 1 else values


def key_rows(entries: int) -> int:
    """Text rows the event key needs (a title row, then one or two columns)."""
    if not entries:
        return 0
    shown = min(entries, MAX_EVENT_KEYS + 1)
    return 1 + (math.ceil(shown / 2) if shown > 3 else shown)


def new_figure(ratios: list[float], title: str, note: str, panels_in: float, key_entries: int = 0
               ) -> tuple[Figure, list[Axes]]:
    """Panels sharing a date axis, a title, room on the right for legends and below for the event key.

    The layout is computed here in inches rather than by a layout engine: a layout engine
    draws the figure twice and makes saving three times slower.
    """
    key_in = KEY_ROW_IN * key_rows(key_entries)
    top_in = TOP_IN + (STRIP_IN if key_entries else 0.0)
    height = panels_in + top_in + AXIS_IN + key_in + NOTE_IN
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    gridspec = {"height_ratios": ratios, "left": LEFT_IN / WIDTH_IN, "right": 1 - RIGHT_IN / WIDTH_IN,
                "top": 1 - top_in / height, "bottom": (AXIS_IN + key_in + NOTE_IN) / height, "hspace": 0.12}
    grid = fig.subplots(len(ratios), 1, sharex=True, squeeze=False, gridspec_kw=gridspec)
    axes: list[Axes] = [grid[i, 0] for i in range(len(ratios))]
    fig.text(0.1 / WIDTH_IN, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", va="top")
    if note:
        fig.text(0.1 / WIDTH_IN, 0.06 / height, note, fontsize=8, color="#555555", va="bottom")
    for ax in axes:
        ax.grid(True, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=9)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        locator, offset_formats=["", "%Y", "%Y", "%Y", "%Y-%b-%d", "%Y-%b-%d %H:%M"]))
    return fig, axes


def thousands(ax: Axes, integer: bool = False) -> None:
    """Y tick labels with thousands separators (and only whole numbers for counts)."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"))


def panel_legend(ax: Axes) -> None:
    """Series legend to the right of its panel, so it never hides data (long labels wrapped to fit)."""
    handles, labels = ax.get_legend_handles_labels()
    wrapped = [textwrap.fill(label, LEGEND_CHARS) for label in labels]
    ax.legend(handles, wrapped, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              borderaxespad=0.0)


def annotate(ax: Axes, x: Any, y: float, text: str, below: bool = True) -> None:
    """A labelled arrow to a point, on the side with room, in a white box so it reads over grid lines."""
    lo, hi = ax.get_xlim()
    right = (mdates.date2num(pd.Timestamp(x)) - lo) / max(hi - lo, 1e-9) > 0.6
    ax.annotate(text, (x, y), xytext=(-30 if right else 30, -28 if below else 22), textcoords="offset points",
                fontsize=8.5, ha="right" if right else "left", va="top" if below else "bottom",
                arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999", "lw": 0.6})


def mark_date(axes: list[Axes], ts: pd.Timestamp | None, color: str = "#222222") -> None:
    """A dotted vertical line across every panel (a clearance or recovery date)."""
    if ts is None:
        return
    for ax in axes:
        ax.axvline(mdates.date2num(ts), color=color, linestyle=(0, (1, 2)), linewidth=1.3)


# ---------------------------------------------------------------- events


def _names(entities: Iterable[str], limit: int = 2) -> str:
    items = list(entities)
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit} more" if len(items) > limit else "")


def describe_events(kind: str, rows: pd.DataFrame) -> str:
    """One line for the events of one kind on one date, e.g. ``restored: invoicing (50%), gplc_wms``."""
    entities = [str(e) for e in rows["entity"]]
    values = [float(v) for v in rows["value"]]
    details = [str(d) for d in rows["detail"]]
    if kind == "outage":
        return f"outage '{details[0]}': {len(entities)} systems down ({_names(entities)})" if len(entities) > 1 \
            else f"outage '{details[0]}': {entities[0]} down"
    if kind == "restore":
        parts = [e if v >= 1 else f"{e} {v:.0%}" for e, v in zip(entities, values, strict=True)]
        return "back: " + _names(parts)
    if kind == "manual_team_start":
        return "; ".join(f"manual team {e} starts ({v:,.0f} staff)" for e, v in zip(entities, values, strict=True))
    if kind == "scheme_start":
        out = []
        for e, v, d in zip(entities, values, details, strict=True):
            size = money_text(v) if d.endswith("gbp") else f"{v:.0%}" if d == "share" else f"{v:g}"
            out.append(f"{e.replace('_', ' ')} scheme starts ({size})")
        return "; ".join(out)
    if kind == "facility_available":
        return "; ".join(f"{e} facility available ({money_text(v)})" for e, v in zip(entities, values, strict=True))
    if kind == "facility_draw":
        return "; ".join(f"{e} drawn ({money_text(v)})" for e, v in zip(entities, values, strict=True))
    return f"{kind.replace('_', ' ')}: {_names(entities)}"


def event_groups(events: pd.DataFrame | None, kinds: tuple[str, ...]) -> list[tuple[pd.Timestamp, str, str]]:
    """(date, kind, description) for the chosen kinds, one per date and kind, in date order."""
    if events is None or events.empty:
        return []
    chosen = events[events["kind"].isin(kinds)]
    groups = []
    for (day, kind), rows in chosen.groupby(["date", "kind"], sort=False):
        groups.append((pd.Timestamp(str(day)), str(kind), describe_events(str(kind), rows)))
    return sorted(groups, key=lambda g: (g[0], kinds.index(g[1])))


def mark_events(fig: Figure, axes: list[Axes], groups: list[tuple[pd.Timestamp, str, str]]) -> None:
    """Numbered vertical lines for event groups, with their key (plain text, fast to draw) under the figure."""
    if not groups:
        return
    lo, hi = axes[0].get_xlim()
    span = max(hi - lo, 1.0)
    other: tuple[str, Dash] = ("#555555", "-.")
    styles = [EVENT_STYLE.get(kind, other) for _, kind, _ in groups]
    xs = [mdates.date2num(ts) for ts, _, _ in groups]
    for ax in axes:  # one collection per panel and line style rather than one line per event
        for style in sorted({ls for _, ls in styles}):
            chosen = [(x, c) for x, (c, ls) in zip(xs, styles, strict=True) if ls == style]
            ax.vlines([x for x, _ in chosen], 0, 1, transform=ax.get_xaxis_transform(), colors=[c for _, c in chosen],
                      linestyles=style, linewidth=1.0, alpha=0.8)
    last_x = [-np.inf] * STRIP_LEVELS  # rightmost number on each row of the strip
    for number, (x, (color, _)) in enumerate(zip(xs, styles, strict=True), start=1):
        free = [i for i in range(STRIP_LEVELS) if x - last_x[i] >= 0.025 * span]  # rows with room
        level = free[0] if free else int(np.argmin(last_x))
        last_x[level] = x
        axes[0].annotate(str(number), (x, 1.0), xycoords=("data", "axes fraction"),
                         xytext=(0, 8 + 13 * level), textcoords="offset points", ha="center",
                         va="center", annotation_clip=False, fontsize=7.5, color="white", fontweight="bold",
                         bbox={"boxstyle": "circle,pad=0.2", "fc": color, "ec": "none"})
    lines = [textwrap.shorten(f"{n}   {day_text(ts, year=False)}: {text}", 72, placeholder="…")
             for n, (ts, _, text) in enumerate(groups[:MAX_EVENT_KEYS], start=1)]
    if len(groups) > MAX_EVENT_KEYS:
        lines.append(f"… and {len(groups) - MAX_EVENT_KEYS} more events")
    height = fig.get_figheight()
    top = (NOTE_IN + KEY_ROW_IN * key_rows(len(groups))) / height
    fig.text(0.1 / WIDTH_IN, top, "Events", fontsize=8.5, fontweight="bold", va="top")
    columns = [lines] if len(lines) <= 3 else [lines[: math.ceil(len(lines) / 2)], lines[math.ceil(len(lines) / 2):]]
    for i, column in enumerate(columns):
        fig.text((0.1 + i * (WIDTH_IN - 0.2) / 2) / WIDTH_IN, top - KEY_ROW_IN / height, "\n".join(column),
                 fontsize=8, va="top", linespacing=1.5)


Window = tuple[pd.Timestamp, pd.Timestamp]


def focus(daily: pd.DataFrame, summary: Mapping[str, Any], ends: Iterable[Any] = (), before_days: int = 21,
          after_days: int = 28) -> Window:
    """Dates to show: from three weeks before the outage to four weeks after the latest of ``ends``
    (a clearance or recovery date), within the run; the whole run if there is no outage or an end is missing."""
    first, last = pd.Timestamp(daily["date"].iloc[0]), pd.Timestamp(daily["date"].iloc[-1])
    start = as_timestamp(summary.get("outage_start_date"))
    end_dates = [as_timestamp(e) for e in ends]
    if start is None or not end_dates or any(e is None for e in end_dates):
        return first, last
    lo = max(first, start - pd.Timedelta(days=before_days))
    hi = min(last, max(e for e in end_dates if e is not None) + pd.Timedelta(days=after_days))
    hi = max(hi, min(last, lo + pd.Timedelta(days=56)))
    return (first, last) if hi - lo >= 0.9 * (last - first) else (lo, hi)  # nothing gained by a small trim


def window_note(note: str, daily: pd.DataFrame, window: Window) -> str:
    """The source note, saying which part of the run is shown when it is not all of it."""
    first, last = pd.Timestamp(daily["date"].iloc[0]), pd.Timestamp(daily["date"].iloc[-1])
    if window == (first, last):
        return note
    shown = f"showing {day_text(window[0])} to {day_text(window[1])} (run: {day_text(first)} to {day_text(last)})"
    return f"{note}; {shown}" if note else shown


def in_window(groups: list[tuple[pd.Timestamp, str, str]], window: Window) -> list[tuple[pd.Timestamp, str, str]]:
    return [g for g in groups if window[0] <= g[0] <= window[1]]


def set_window(axes: list[Axes], window: Window) -> None:
    """Fix the shared date axis to ``window`` (event lines outside must not stretch it)."""
    axes[0].set_xlim(mdates.date2num(window[0]), mdates.date2num(window[1]))


# ---------------------------------------------------------------- backlog figures


def _peak_and_clearance(axes: list[Axes], x: pd.Series, values: pd.Series, peak_date: Any, cleared: Any,
                        start: Any, peak_text: str, scale: float = 1.0) -> None:
    """Annotate the peak with its date and the clearance date (a dotted line), or say there was none."""
    peak = as_timestamp(peak_date)
    if peak is None or values.max() <= 0:
        axes[0].text(0.01, 0.92, "no backlog in this run", transform=axes[0].transAxes, fontsize=9, va="top")
        return
    at = int(np.argmin(np.abs((x - peak).dt.days.to_numpy())))
    clear, began = as_timestamp(cleared), as_timestamp(start)
    if clear is None:
        second = f"not cleared by the end of the run ({day_text(pd.Timestamp(x.iloc[-1]))})"
    else:
        after = f", {(clear - began).days} days after the outage began" if began is not None else ""
        second = f"cleared {day_text(clear)}{after}"
        mark_date(axes, clear)
    annotate(axes[0], x.iloc[at], float(values.iloc[at]) / scale, f"peak {peak_text} on {day_text(peak)}\n{second}")


def invoice_backlog(daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], *, title: str = "",
                    note: str = "") -> Figure:
    """Invoice backlog clearance: value (£) and count of unprocessed invoices against the baseline,
    the processing capacity (invoices/day), and the outage, restores, manual teams and schemes."""
    x = daily["date"]
    window = focus(daily, summary, [summary.get("invoice_backlog_cleared_date")])
    groups = in_window(event_groups(events, ("outage", "restore", "manual_team_start", "scheme_start")), window)
    fig, axes = new_figure([3.0, 2.0, 1.4], f"Invoice backlog{': ' + title if title else ''}",
                           window_note(note, daily, window), 6.2, len(groups))
    set_window(axes, window)
    value, overdue = daily["invoice_backlog_gbp"], daily["invoice_overdue_gbp"]
    base = daily["baseline_invoice_backlog_gbp"]
    div, unit = money_scale(value, overdue, base)
    ax = axes[0]
    ax.plot(x, base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)",
            drawstyle="steps-post")
    ax.fill_between(x, 0, value / div, color=ACTUAL, alpha=0.12, linewidth=0, step="post")
    ax.plot(x, value / div, color=ACTUAL, linewidth=2.0, label="backlog (invoices not yet processed)",
            drawstyle="steps-post")
    ax.plot(x, overdue / div, color=ACCENT, linewidth=1.3, label="of which overdue", drawstyle="steps-post")
    ax.set_ylabel(f"backlog value ({unit})")
    ax.set_ylim(0, max(float(value.max()), float(base.max())) / div * 1.15 or 1.0)
    thousands(ax)
    count, base_count = daily["invoice_backlog_count"], daily["baseline_invoice_backlog_count"]
    ax = axes[1]
    ax.plot(x, base_count, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)",
            drawstyle="steps-post")
    ax.plot(x, count, color=ACTUAL, linewidth=2.0, label="backlog", drawstyle="steps-post")
    ax.set_ylabel("backlog (invoices)")
    ax.set_ylim(0, max(float(count.max()), float(base_count.max())) * 1.15 or 1.0)
    thousands(ax, integer=True)
    if count.max() > 0:
        at = int(count.to_numpy().argmax())
        annotate(ax, x.iloc[at], float(count.iloc[at]), f"peak {int(count.iloc[at]):,} invoices")
    ax = axes[2]
    ax.step(x, daily["invoice_capacity"], where="post", color="#2ca02c", linewidth=1.5, label="processing capacity")
    ax.plot(x, smooth(daily["invoices_received"].astype(float)), color="#555555", linewidth=1.0,
            label="received (7-day mean)", drawstyle="steps-post")
    ax.plot(x, smooth(daily["invoices_processed"].astype(float)), color=ACTUAL, linewidth=1.0,
            label="processed (7-day mean)", drawstyle="steps-post")
    ax.set_ylabel("invoices/day")
    ax.set_ylim(bottom=0)
    thousands(ax)
    for a in axes:
        panel_legend(a)
    peak = summary.get("invoice_backlog_peak_gbp")
    _peak_and_clearance(axes, x, value, summary.get("invoice_backlog_peak_date"),
                        summary.get("invoice_backlog_cleared_date"), summary.get("outage_start_date"),
                        money_text(float(peak)) if peak is not None else "", div)
    mark_events(fig, axes, groups)
    return fig


def parts_backlog(daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], *, title: str = "",
                  note: str = "") -> Figure:
    """Parts-centre backlog: retailer orders waiting (orders) against the baseline, orders lost,
    and orders received and dispatched per day, with outage and restore dates."""
    x = daily["date"]
    window = focus(daily, summary, [summary.get("parts_backlog_cleared_date")])
    groups = in_window(event_groups(events, ("outage", "restore")), window)
    fig, axes = new_figure([3.0, 1.6], f"Parts-centre order backlog{': ' + title if title else ''}",
                           window_note(note, daily, window), 4.6, len(groups))
    set_window(axes, window)
    ax = axes[0]
    ax.plot(x, daily["baseline_parts_backlog_orders"], color=BASELINE, linestyle="--", linewidth=1.2,
            label="baseline (no outage)", drawstyle="steps-post")
    backlog = daily["parts_backlog_orders"]
    ax.fill_between(x, 0, backlog, color=ACTUAL, alpha=0.12, linewidth=0, step="post")
    ax.plot(x, backlog, color=ACTUAL, linewidth=2.0, label="orders waiting", drawstyle="steps-post")
    if daily["parts_orders_lost_cum"].max() > 0:
        ax.plot(x, daily["parts_orders_lost_cum"], color=ACCENT, linewidth=1.3, label="orders lost (cumulative)",
                drawstyle="steps-post")
    ax.set_ylabel("backlog (orders)")
    ax.set_ylim(0, max(float(backlog.max()), float(daily["parts_orders_lost_cum"].max())) * 1.15 or 1.0)
    thousands(ax, integer=True)
    ax = axes[1]
    ax.plot(x, daily["parts_orders"], color="#555555", linewidth=1.0, label="orders received", drawstyle="steps-post")
    ax.plot(x, daily["parts_dispatched"], color=ACTUAL, linewidth=1.3, label="orders dispatched",
            drawstyle="steps-post")
    ax.set_ylabel("orders/day")
    ax.set_ylim(bottom=0)
    thousands(ax)
    for a in axes:
        panel_legend(a)
    peak = summary.get("parts_backlog_peak_orders")
    _peak_and_clearance(axes, x, backlog.astype(float), summary.get("parts_backlog_peak_date"),
                        summary.get("parts_backlog_cleared_date"), summary.get("outage_start_date"),
                        f"{int(peak):,} orders" if peak is not None else "")
    mark_events(fig, axes, groups)
    return fig


# ---------------------------------------------------------------- production


def plant_names(daily: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(vehicle plants, engine plants): vehicle plants are those whose production adds up to
    production_total, in the run and in its baseline (the daily table does not say which is which)."""
    plants = [c.removeprefix("production_") for c in daily.columns
              if c.startswith("production_") and c != "production_total"]
    arrays = {c: daily[c].to_numpy(float) for c in daily.columns if "production_" in c}

    def adds_up(names: list[str], prefix: str) -> bool:
        cols = [f"{prefix}production_{p}" for p in names]
        if not all(c in arrays for c in cols):
            return False
        total = np.sum([arrays[c] for c in cols], axis=0) if cols else 0.0
        return bool(np.allclose(total, arrays[f"{prefix}production_total"]))

    for k in range(len(plants) + 1):
        for combo in itertools.combinations(plants, k):
            rest = [p for p in plants if p not in combo]
            if adds_up(rest, "") and ("baseline_production_total" not in arrays or adds_up(rest, "baseline_")):
                return rest, list(combo)
    return plants, []


def restart_date(daily: pd.DataFrame, plant: str, start: pd.Timestamp | None) -> pd.Timestamp | None:
    """First day a plant builds again after at least STOP_DAYS of its normal working days lost to the outage."""
    if start is None:
        return None
    col, base_col = f"production_{plant}", f"baseline_production_{plant}"
    after = daily[daily["date"] >= start]
    built = after[col].to_numpy()
    normal = after[base_col].to_numpy() if base_col in after else np.ones(len(after))
    stopped = (built == 0) & (normal > 0)
    if not stopped.any():
        return None
    first_stop = int(stopped.argmax())
    running = np.flatnonzero(built[first_stop:] > 0)
    if not len(running):
        return None
    back = first_stop + int(running[0])
    if stopped[first_stop:back].sum() < STOP_DAYS:
        return None
    return pd.Timestamp(after["date"].iloc[back])


def production_recovery(daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], *,
                        title: str = "", note: str = "") -> Figure:
    """Vehicles built per day (trailing 7-day means) per vehicle plant and in total against the
    baseline, engines built, each plant's restart, and cumulative vehicles lost (vehicles)."""
    x = daily["date"]
    window = focus(daily, summary, [summary.get("production_recovered_date")])
    groups = in_window(event_groups(events, ("outage",)), window)
    fig, axes = new_figure([3.0, 1.6], f"Production recovery{': ' + title if title else ''}",
                           window_note(note, daily, window), 5.0, len(groups))
    set_window(axes, window)
    vehicle, engine = plant_names(daily)
    start = as_timestamp(summary.get("outage_start_date"))
    ax = axes[0]
    ax.plot(x, smooth(daily["baseline_production_total"].astype(float)), color=BASELINE, linestyle="--",
            linewidth=1.3, label="baseline total (no outage)", drawstyle="steps-post")
    total = smooth(daily["production_total"].astype(float))
    ax.plot(x, total, color=ACTUAL, linewidth=2.4, label="all vehicle plants", drawstyle="steps-post")
    for i, plant in enumerate(vehicle if len(vehicle) > 1 else []):
        series = smooth(daily[f"production_{plant}"].astype(float))
        color = PALETTE[i % len(PALETTE)]
        restart = restart_date(daily, plant, start)
        label = plant + (f" (restart {day_text(restart, year=False)})" if restart is not None else "")
        ax.plot(x, series, color=color, linewidth=1.3, label=label, drawstyle="steps-post")
        if restart is not None:
            ax.plot([mdates.date2num(restart)], [0], marker="^", markersize=9, color=color, markeredgecolor="white",
                    clip_on=False, zorder=5)
    for plant in engine:
        restart = restart_date(daily, plant, start)
        label = f"{plant} (engines/day" + (f", restart {day_text(restart, year=False)})" if restart else ")")
        ax.plot(x, smooth(daily[f"production_{plant}"].astype(float)), color="#555555", linestyle=":",
                linewidth=1.6, label=label, zorder=3, drawstyle="steps-post")
    if len(vehicle) == 1:
        restart = restart_date(daily, vehicle[0], start)
        if restart is not None:
            ax.plot([mdates.date2num(restart)], [0], marker="^", markersize=9, color=ACTUAL, markeredgecolor="white",
                    clip_on=False, zorder=5, linestyle="none",
                    label=f"{vehicle[0]} restarts {day_text(restart, year=False)}")
    ax.set_ylabel("vehicles/day (trailing 7-day mean)")
    ax.set_ylim(bottom=0)
    thousands(ax)
    recovered = as_timestamp(summary.get("production_recovered_date"))
    mark_date(axes, recovered, color="#2ca02c")
    if recovered is not None:
        ax.plot([], [], color="#2ca02c", linestyle=(0, (1, 2)), label=f"back to 95% of baseline {day_text(recovered)}")
    if recovered is None and start is not None:
        ax.text(0.99, 0.04, "not back to 95% of baseline by the end of the run", transform=ax.transAxes,
                ha="right", fontsize=9, color=ACCENT, fontweight="bold")
    ax = axes[1]
    lost = daily["vehicles_lost_cum"].astype(float)
    ax.fill_between(x, 0, lost, color=ACCENT, alpha=0.25, linewidth=0, step="post")
    ax.plot(x, lost, color=ACCENT, linewidth=1.8, label="vehicles lost (cumulative)", drawstyle="steps-post")
    ax.set_ylabel("vehicles lost vs baseline")
    thousands(ax)
    if lost.iloc[-1] > 0:
        ax.annotate(f"{int(lost.iloc[-1]):,} vehicles", (x.iloc[-1], lost.iloc[-1]), xytext=(-6, -4),
                    textcoords="offset points", ha="right", va="top", fontsize=9, fontweight="bold", color=ACCENT)
    for a in axes:
        panel_legend(a)
    mark_events(fig, axes, groups)
    return fig


# ---------------------------------------------------------------- cash


def cash(daily: pd.DataFrame, events: pd.DataFrame, summary: Mapping[str, Any], *, title: str = "",
         note: str = "") -> Figure:
    """OEM cash (£) against the baseline with facility and government-backed loan drawn; total
    supplier cash (£); suppliers under 7 days of cash, insolvent and replaced (suppliers)."""
    x = daily["date"]
    groups = event_groups(events, ("outage", "facility_available", "facility_draw", "scheme_start"))
    fig, axes = new_figure([2.6, 1.8, 1.6], f"Cash{': ' + title if title else ''}", note, 6.4, len(groups))
    set_window(axes, (pd.Timestamp(x.iloc[0]), pd.Timestamp(x.iloc[-1])))
    ax = axes[0]
    oem, base = daily["oem_cash_gbp"], daily["baseline_oem_cash_gbp"]
    drawn, gov = daily["facility_drawn_gbp"], daily["government_loan_drawn_gbp"]
    div, unit = money_scale(oem, base, drawn, gov)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.plot(x, base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)")
    ax.plot(x, oem / div, color=ACTUAL, linewidth=2.0, label="OEM cash")
    if drawn.any():
        ax.step(x, drawn / div, where="post", color="#8c564b", linewidth=1.3, label="facilities drawn")
    if gov.any():
        ax.step(x, gov / div, where="post", color="#9467bd", linewidth=1.3, label="of which government-backed loan")
    ax.set_ylabel(f"OEM cash ({unit})")
    thousands(ax)
    trough = as_timestamp(summary.get("oem_cash_trough_date"))
    if trough is not None and summary.get("oem_cash_trough_gbp") is not None:
        at = int(np.argmin(np.abs((x - trough).dt.days.to_numpy())))
        annotate(ax, x.iloc[at], float(oem.iloc[at]) / div,
                 f"trough {money_text(float(summary['oem_cash_trough_gbp']))} on {day_text(trough)}", below=False)
    ax = axes[1]
    sup, sup_base = daily["supplier_cash_gbp"], daily["baseline_supplier_cash_gbp"]
    short = daily["supplier_cash_shortfall_gbp"]
    div, unit = money_scale(sup, sup_base, short)
    ax.plot(x, sup_base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)")
    ax.plot(x, sup / div, color=ACTUAL, linewidth=2.0, label="all suppliers' cash")
    if short.max() >= 1:
        ax.plot(x, short / div, color=ACCENT, linewidth=1.3,
                label=f"cash below zero, all suppliers (peak {money_text(float(short.max()))})")
    ax.set_ylabel(f"supplier cash ({unit})")
    thousands(ax)
    ax = axes[2]
    ax.plot(x, daily["baseline_suppliers_under_7_days_cash"], color=BASELINE, linestyle="--", linewidth=1.2,
            label="under 7 days of cash: baseline", drawstyle="steps-post")
    ax.plot(x, daily["suppliers_under_7_days_cash"], color="#ff7f0e", linewidth=1.8, label="under 7 days of cash",
            drawstyle="steps-post")
    ax.plot(x, daily["suppliers_insolvent"], color="#d62728", linewidth=1.8, label="insolvent (not yet replaced)",
            drawstyle="steps-post")
    if daily["suppliers_replaced"].any():
        ax.plot(x, daily["suppliers_replaced"], color="#2ca02c", linewidth=1.3, label="replaced",
                drawstyle="steps-post")
    ax.set_ylabel("suppliers")
    ax.set_ylim(bottom=0)
    thousands(ax, integer=True)
    for a in axes:
        panel_legend(a)
    mark_events(fig, axes, groups)
    return fig


# ---------------------------------------------------------------- replications and comparisons


def changed_window(dates: pd.Series, changed: np.ndarray, before_days: int = 21, after_days: int = 28) -> Window:
    """From three weeks before the first changed date to four weeks after the last (at least eight
    weeks, within ``dates``); all of ``dates`` if nothing changed."""
    first, last = pd.Timestamp(dates.iloc[0]), pd.Timestamp(dates.iloc[-1])
    hits = np.flatnonzero(changed)
    if not len(hits):
        return first, last
    lo = max(first, pd.Timestamp(dates.iloc[hits[0]]) - pd.Timedelta(days=before_days))
    hi = min(last, pd.Timestamp(dates.iloc[hits[-1]]) + pd.Timedelta(days=after_days))
    hi = max(hi, min(last, lo + pd.Timedelta(days=56)))
    return (first, last) if hi - lo >= 0.9 * (last - first) else (lo, hi)


def fan_chart(bands: pd.DataFrame, series: str, title: str, ylabel: str, *, note: str = "",
              smooth_days: int = 1) -> Figure:
    """Median and 5–95% band of one series over replications (``bands``: date, series, p05, p50, p95).

    ``ylabel`` names the quantity with its unit; for a money series (``*_gbp``) the unit is
    chosen here (£k/£m/£bn) and appended. ``smooth_days`` > 1 draws trailing means of the daily
    percentiles (and says so). The dates shown are those where the replications differ from
    each other or from the baseline (``baseline_<series>`` in ``bands``, else the first value),
    with three weeks before and four after.
    """
    rows = bands[bands["series"] == series].sort_values("date").reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"fan_chart: series {series!r} is not in bands (has {sorted(bands['series'].unique())})")
    x = rows["date"]
    lo, mid, hi = (smooth(rows[c].astype(float), smooth_days) for c in ("p05", "p50", "p95"))
    base = bands[bands["series"] == f"baseline_{series}"].sort_values("date")
    reference = rows[["date"]].merge(base[["date", "p50"]], on="date", how="left")["p50"].astype(float)
    if base.empty:  # no baseline: compare with the first value
        reference = pd.Series(mid.iloc[smooth_days - 1], index=mid.index)
    else:
        reference = smooth(reference, smooth_days)
    scale = max(float(np.nanmax(np.abs(hi.to_numpy()))), 1.0)
    changed = ((hi - lo).to_numpy() > 1e-9 * scale) | (np.abs((mid - reference).to_numpy()) > 1e-9 * scale)
    window = changed_window(x, np.nan_to_num(changed, nan=0.0).astype(bool))
    fig, axes = new_figure([1.0], title, window_note(note, rows, window), 4.0)
    ax = axes[0]
    set_window(axes, window)
    div, unit = money_scale(rows["p05"], rows["p95"]) if series.endswith("_gbp") else (1.0, "")
    suffix = f", {smooth_days}-day mean" if smooth_days > 1 else ""
    if not base.empty:
        ax.plot(base["date"], smooth(base["p50"].astype(float), smooth_days) / div, color=BASELINE, linestyle="--",
                linewidth=1.2, label="baseline median (no outage)")
    ax.fill_between(x, lo / div, hi / div, color=ACTUAL, alpha=0.22, linewidth=0,
                    label=f"5–95% of replications{suffix}")
    ax.plot(x, mid / div, color=ACTUAL, linewidth=2.0, label=f"median{suffix}")
    ax.set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    thousands(ax)
    panel_legend(ax)
    return fig


def comparison(dailies: Mapping[str, pd.DataFrame], series: str, title: str, ylabel: str, *, note: str = "",
               smooth_days: int = 1, outages: Mapping[str, pd.Timestamp | None] | None = None) -> Figure:
    """One series from several runs overlaid (with each run's baseline, dashed, where it differs).

    Units as in :func:`fan_chart`; ``outages`` maps a run to its outage start, drawn as a line.
    """
    if not dailies:
        raise ValueError("comparison: dailies is empty; give at least one run")
    fig, axes = new_figure([1.0], title, note, 4.0)
    ax = axes[0]
    frames = list(dailies.items())
    div, unit = money_scale(*(d[series] for _, d in frames)) if series.endswith("_gbp") else (1.0, "")
    suffix = f" ({smooth_days}-day mean)" if smooth_days > 1 else ""
    base_col = f"baseline_{series}"
    baselines = [d[base_col].to_numpy() for _, d in frames if base_col in d]
    same_base = len(baselines) == len(frames) and all(
        len(b) == len(baselines[0]) and np.allclose(b, baselines[0]) for b in baselines)
    starts = {n: (outages or {}).get(n) for n, _ in frames}
    shared_start = len(set(starts.values())) == 1  # one line for an outage every run shares
    for i, (name, d) in enumerate(frames):
        color = PALETTE[i % len(PALETTE)]
        if base_col in d and (not same_base or i == 0):
            label = "baseline (no outage)" if same_base else f"{name}: baseline"
            ax.plot(d["date"], smooth(d[base_col].astype(float), smooth_days) / div, linestyle="--", linewidth=1.1,
                    color=BASELINE if same_base else color, label=label)
        ax.plot(d["date"], smooth(d[series].astype(float), smooth_days) / div, color=color, linewidth=2.0,
                label=f"{name}{suffix}")
        start = starts[name]
        if start is not None and (not shared_start or i == 0):
            ax.axvline(mdates.date2num(start), color=EVENT_STYLE["outage"][0] if shared_start else color,
                       linestyle=(0, (1, 2)), linewidth=1.2,
                       label=f"outage starts {day_text(start)}" if shared_start else f"{name}: outage starts")
    ax.set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    thousands(ax)
    panel_legend(ax)
    first = min(pd.Timestamp(d["date"].iloc[0]) for _, d in frames)
    last = max(pd.Timestamp(d["date"].iloc[-1]) for _, d in frames)
    ax.set_xlim(mdates.date2num(first), mdates.date2num(last))
    return fig
