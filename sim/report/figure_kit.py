"""The drawing kit behind :mod:`sim.plots`: layout in inches, colours, money and date formats,
event markers and the date window a figure shows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.report.events import Group, kind_of
from sim.results.formats import as_timestamp, day_text, money_text

__all__ = ["as_timestamp", "day_text", "money_text"]  # the figures' formats, in one place (with the names below)

DPI = 100
WIDTH_IN = 11.0
ACTUAL = "#1f4e79"
BASELINE = "#7f7f7f"
ACCENT = "#c8553d"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#d62728")
MAX_EVENT_KEYS = 16
# fixed layout, in inches
LEFT_IN, RIGHT_IN, TOP_IN, STRIP_IN, AXIS_IN, NOTE_IN, KEY_ROW_IN = 0.85, 2.75, 0.45, 0.45, 0.45, 0.28, 0.175
STRIP_LEVELS = 3  # rows of event numbers above a panel
LEGEND_CHARS = 34  # characters per line of a legend label that fit in the right margin
KEY_CHARS = (150, 76)  # characters per line of the event key in one column, or in each of two
CHAR_IN = 0.062  # width of an average character of the 8-point key text
KEY_START_IN = 0.75  # where the colour key starts, after the "Events" title
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


def new_figure(
    ratios: list[float],
    title: str,
    note: str,
    panels_in: float,
    key: EventKey | None = None,
    below: tuple[list[float], float, bool] | None = None,
) -> tuple[Figure, list[Axes]]:
    """Panels sharing a date axis, a title, room on the right for legends and below for the event key.

    ``below`` adds a second block of panels under the first with a date axis of its own: (height ratios,
    height in inches, whether it has a strip of event numbers above it); its axes follow the first block's.
    The layout is computed here in inches rather than by a layout engine: a layout engine
    draws the figure twice and makes saving three times slower.
    """
    key_in = KEY_ROW_IN * (key.rows if key is not None else 0)
    top_in = TOP_IN + (STRIP_IN if key is not None and key.groups else 0.0)
    lower_in = below[1] + AXIS_IN + (STRIP_IN if below[2] else 0.15) if below is not None else 0.0
    height = panels_in + top_in + AXIS_IN + lower_in + key_in + NOTE_IN
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    blocks = [(ratios, 1 - top_in / height, (AXIS_IN + lower_in + key_in + NOTE_IN) / height)]
    if below is not None:
        blocks.append((below[0], (AXIS_IN + below[1] + key_in + NOTE_IN) / height, (AXIS_IN + key_in + NOTE_IN) / height))
    axes: list[Axes] = []
    for block_ratios, top, bottom in blocks:
        grid = fig.subplots(
            len(block_ratios),
            1,
            sharex=True,
            squeeze=False,
            gridspec_kw={
                "height_ratios": block_ratios,
                "left": LEFT_IN / WIDTH_IN,
                "right": 1 - RIGHT_IN / WIDTH_IN,
                "top": top,
                "bottom": bottom,
                "hspace": 0.12,
            },
        )
        block: list[Axes] = [grid[i, 0] for i in range(len(block_ratios))]
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        block[-1].xaxis.set_major_locator(locator)
        block[-1].xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator, offset_formats=["", "%Y", "%Y", "%Y", "%Y-%b-%d", "%Y-%b-%d %H:%M"])
        )
        axes += block
    fig.text(0.1 / WIDTH_IN, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", va="top")
    if note:
        fig.text(0.1 / WIDTH_IN, 0.06 / height, note, fontsize=8, color="#555555", va="bottom")
    for ax in axes:
        ax.grid(True, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=9)
    return fig, axes


def thousands(ax: Axes, integer: bool = False) -> None:
    """Y tick labels with thousands separators (and only whole numbers for counts)."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=integer))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"))


def panel_legend(ax: Axes) -> None:
    """Series legend to the right of its panel, so it never hides data (long labels wrapped to fit)."""
    handles, labels = ax.get_legend_handles_labels()
    wrapped = [textwrap.fill(label, LEGEND_CHARS) for label in labels]
    ax.legend(handles, wrapped, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, borderaxespad=0.0)


def annotate(ax: Axes, x: Any, y: float, text: str, below: bool = True) -> None:
    """A labelled arrow to a point, on the side with room, in a white box so it reads over grid lines."""
    lo, hi = ax.get_xlim()
    right = (mdates.date2num(pd.Timestamp(x)) - lo) / max(hi - lo, 1e-9) > 0.6
    ax.annotate(
        text,
        (x, y),
        xytext=(-30 if right else 30, -28 if below else 22),
        textcoords="offset points",
        fontsize=8.5,
        ha="right" if right else "left",
        va="top" if below else "bottom",
        arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999", "lw": 0.6},
    )


def mark_date(axes: list[Axes], ts: pd.Timestamp | None, color: str = "#222222") -> None:
    """A dotted vertical line across every panel (a clearance or recovery date)."""
    if ts is None:
        return
    for ax in axes:
        ax.axvline(mdates.date2num(ts), color=color, linestyle=(0, (1, 2)), linewidth=1.3)


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class EventKey:
    """The events a figure marks (numbered in date order) and their key under the figure: wrapped lines in
    one or two columns, and the kinds shown, for the colour key."""

    groups: list[Group]
    columns: list[list[tuple[int, str]]]  # (number of the event, or 0 for a continuation line, text)
    kinds: list[list[tuple[float, str]]]  # the colour key's rows: (where an entry starts, inches from the left; kind)

    @property
    def rows(self) -> int:
        """Text rows under the figure: the title and colour key, then the longest column."""
        return len(self.kinds) + max((len(c) for c in self.columns), default=0) if self.groups else 0


def colour_key_rows(kinds: list[str]) -> list[list[tuple[float, str]]]:
    """The colour key's entries laid out in rows that fit the figure's width (after the "Events" title)."""
    rows: list[list[tuple[float, str]]] = [[]]
    x_in = KEY_START_IN
    for kind in kinds:
        width = 0.66 + CHAR_IN * len(kind_of(kind).label)
        if rows[-1] and x_in + width > WIDTH_IN - 0.1:
            rows.append([])
            x_in = KEY_START_IN
        rows[-1].append((x_in, kind))
        x_in += width
    return rows


def event_key(groups: list[Group]) -> EventKey:
    """Lay out the key of ``groups``: each description wrapped (never cut), the first MAX_EVENT_KEYS listed."""
    shown = groups[:MAX_EVENT_KEYS]
    two = len(shown) > 3
    width = KEY_CHARS[1] if two else KEY_CHARS[0]
    entries: list[list[tuple[int, str]]] = []
    for n, (ts, _, text) in enumerate(shown, start=1):
        lines = textwrap.wrap(f"{day_text(ts, year=False)}: {text}", width - 4, break_on_hyphens=False)
        entries.append([(n if i == 0 else 0, line) for i, line in enumerate(lines)])
    if len(groups) > MAX_EVENT_KEYS:
        entries.append([(0, f"… and {len(groups) - MAX_EVENT_KEYS} more events")])
    columns: list[list[tuple[int, str]]] = [[line for e in entries for line in e]]
    if two:  # split between whole entries, as evenly as the lines allow
        total, running, cut = sum(len(e) for e in entries), 0, len(entries)
        for i, e in enumerate(entries):
            if running + len(e) / 2 > total / 2:
                cut = max(i, 1)
                break
            running += len(e)
        columns = [[line for e in entries[:cut] for line in e], [line for e in entries[cut:] for line in e]]
    return EventKey(groups, columns, colour_key_rows(list(dict.fromkeys(kind for _, kind, _ in groups))))


def mark_events(fig: Figure, panels: list[tuple[list[Axes], list[Group] | None]], key: EventKey) -> None:
    """Numbered vertical lines for the key's events on each group of panels (those of its list, or all when
    None, that fall within its dates; numbers above its first panel), and the key with a colour key under the
    figure (plain text, fast to draw)."""
    if not key.groups:
        return
    numbered = list(enumerate(key.groups, start=1))
    for axes, chosen in panels:
        lo, hi = axes[0].get_xlim()
        inside = [
            (n, ts, kind)
            for n, (ts, kind, text) in numbered
            if (chosen is None or (ts, kind, text) in chosen) and lo <= mdates.date2num(ts) <= hi
        ]
        _lines_and_numbers(axes, inside)
    height = fig.get_figheight()
    top = (NOTE_IN + KEY_ROW_IN * key.rows) / height
    fig.text(0.1 / WIDTH_IN, top, "Events", fontsize=8.5, fontweight="bold", va="top")
    for r, row in enumerate(key.kinds):  # the colour key, from the title's row on
        y = top - r * KEY_ROW_IN / height
        for x_in, kind in row:
            spec = kind_of(kind)
            fig.add_artist(
                Line2D(
                    [x_in / WIDTH_IN, (x_in + 0.3) / WIDTH_IN],
                    [y - 0.07 / height] * 2,
                    transform=fig.transFigure,
                    color=spec.colour,
                    linestyle=spec.dash,
                    linewidth=1.6,
                )
            )
            fig.text((x_in + 0.36) / WIDTH_IN, y, spec.label, fontsize=8, va="top", color="#333333")
    column_in = (WIDTH_IN - 0.2) / len(key.columns)
    below = top - len(key.kinds) * KEY_ROW_IN / height
    for i, column in enumerate(key.columns):
        left = 0.1 + i * column_in
        numbers = "\n".join(str(n) if n else "" for n, _ in column)
        fig.text(left / WIDTH_IN, below, numbers, fontsize=8, va="top", linespacing=1.5, fontweight="bold")
        fig.text((left + 0.28) / WIDTH_IN, below, "\n".join(t for _, t in column), fontsize=8, va="top", linespacing=1.5)


def _lines_and_numbers(axes: list[Axes], events: list[tuple[int, pd.Timestamp, str]]) -> None:
    """Vertical lines across ``axes`` and numbered circles above the first, staggered so they do not overlap."""
    if not events:
        return
    lo, hi = axes[0].get_xlim()
    span = max(hi - lo, 1.0)
    xs = [mdates.date2num(ts) for _, ts, _ in events]
    styles = [kind_of(kind) for _, _, kind in events]
    for ax in axes:  # one collection per panel and line style rather than one line per event
        for dash in sorted({k.dash for k in styles}):
            chosen = [(x, k.colour) for x, k in zip(xs, styles, strict=True) if k.dash == dash]
            ax.vlines(
                [x for x, _ in chosen],
                0,
                1,
                transform=ax.get_xaxis_transform(),
                colors=[c for _, c in chosen],
                linestyles=dash,
                linewidth=1.0,
                alpha=0.8,
            )
    last_x = [-np.inf] * STRIP_LEVELS  # rightmost number on each row of the strip
    for (number, _, _), x, spec in zip(events, xs, styles, strict=True):
        free = [i for i in range(STRIP_LEVELS) if x - last_x[i] >= 0.025 * span]  # rows with room
        level = free[0] if free else int(np.argmin(last_x))
        last_x[level] = x
        axes[0].annotate(
            str(number),
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 8 + 13 * level),
            textcoords="offset points",
            ha="center",
            va="center",
            annotation_clip=False,
            fontsize=7.5,
            color="white",
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "fc": spec.colour, "ec": "none"},
        )


Window = tuple[pd.Timestamp, pd.Timestamp]


def focus(
    daily: pd.DataFrame, summary: Mapping[str, Any], ends: Iterable[Any] = (), before_days: int = 21, after_days: int = 28
) -> Window:
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


def in_window(groups: list[Group], window: Window) -> list[Group]:
    return [g for g in groups if window[0] <= g[0] <= window[1]]


def set_window(axes: list[Axes], window: Window) -> None:
    """Fix the shared date axis to ``window`` (event lines outside must not stretch it)."""
    axes[0].set_xlim(mdates.date2num(window[0]), mdates.date2num(window[1]))


# ---------------------------------------------------------------- backlog figures


def annotate_peak_and_clearance(
    axes: list[Axes], x: pd.Series, values: pd.Series, peak_date: Any, cleared: Any, start: Any, peak_text: str, scale: float = 1.0
) -> None:
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
