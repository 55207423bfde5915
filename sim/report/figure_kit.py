"""The drawing kit behind :mod:`sim.plots`: layout in inches, colours, money and date formats,
event markers and the date window a figure shows.
"""


import math
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.results.formats import as_timestamp, day_text, money_text

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


def money_scale(*values: Iterable[float]) -> tuple[float, str]:
    """Divisor and unit (£, £k, £m or £bn) that keep the largest absolute value readable."""
    arrays = [np.asarray(v, dtype=float) for v in values]
    biggest = max((float(np.nanmax(np.abs(a))) for a in arrays if a.size), default=0.0)
    for divisor, unit in ((1e9, "£bn"), (1e6, "£m"), (1e3, "£k")):
        if biggest >= 2 * divisor:
            return divisor, unit
    return 1.0, "£"


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


def entity_names(entities: Iterable[str], limit: int = 2) -> str:
    items = list(entities)
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit} more" if len(items) > limit else "")


def describe_events(kind: str, rows: pd.DataFrame) -> str:
    """One line for the events of one kind on one date, e.g. ``restored: invoicing (50%), gplc_wms``."""
    entities = [str(e) for e in rows["entity"]]
    values = [float(v) for v in rows["value"]]
    details = [str(d) for d in rows["detail"]]
    if kind == "outage":
        return f"outage '{details[0]}': {len(entities)} systems down ({entity_names(entities)})" if len(entities) > 1 \
            else f"outage '{details[0]}': {entities[0]} down"
    if kind == "restore":
        parts = [e if v >= 1 else f"{e} {v:.0%}" for e, v in zip(entities, values, strict=True)]
        return "back: " + entity_names(parts)
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
    return f"{kind.replace('_', ' ')}: {entity_names(entities)}"


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


def annotate_peak_and_clearance(axes: list[Axes], x: pd.Series, values: pd.Series, peak_date: Any, cleared: Any,
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
