"""Figures of a run, as matplotlib ``Figure`` objects; those of replications, comparisons, sweeps and
sensitivity analyses are in :mod:`sim.report.experiment_plots` and exported here too.

Every function takes DataFrames and returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing touches global state: figures can be drawn in threads or worker processes
and are freed when dropped. Nothing is shown; the caller saves. Money is drawn in pounds scaled
to £k, £m or £bn (the axis label says which); dates are real calendar dates. ``systems`` names the
systems a figure's quantities depend on: outages and restores of other systems are not marked.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.events import EVENT_KINDS, event_groups
from sim.report.experiment_plots import (
    comparison,
    fan_chart,
    kpi_histograms,
    runs_chart,
    sensitivity_chart,
    sweep_chart,
)
from sim.report.figure_kit import (
    ACCENT,
    ACTUAL,
    BASELINE,
    DPI,
    PALETTE,
    STOP_DAYS,
    annotate,
    annotate_peak_and_clearance,
    as_timestamp,
    day_text,
    event_key,
    focus,
    in_window,
    mark_date,
    mark_events,
    money_scale,
    money_text,
    new_figure,
    panel_legend,
    set_window,
    smooth,
    thousands,
    window_note,
)

__all__ = [  # the figures, and the formatting helpers the report uses
    "DPI",
    "as_timestamp",
    "cash",
    "comparison",
    "day_text",
    "fan_chart",
    "invoice_backlog",
    "kpi_histograms",
    "money_text",
    "parts_backlog",
    "plant_names",
    "production_recovery",
    "restart_date",
    "runs_chart",
    "sensitivity_chart",
    "sweep_chart",
]
RUNWAY_CAP_DAYS = 365  # the daily runway percentiles are capped here


def invoice_backlog(
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    title: str = "",
    note: str = "",
    systems: Collection[str] | None = None,
) -> Figure:
    """Invoice backlog clearance: value (£) and count of unprocessed invoices against the baseline,
    the processing capacity (invoices/day), and the outage, restores, manual teams and schemes."""
    x = daily["date"]
    window = focus(daily, summary, [summary.get("invoice_backlog_cleared_date")])
    key = event_key(in_window(event_groups(events, "invoice_backlog", systems), window))
    fig, axes = new_figure(
        [3.0, 2.0, 1.4], f"Invoice backlog{': ' + title if title else ''}", window_note(note, daily, window), 6.2, key
    )
    set_window(axes, window)
    value, overdue = daily["invoice_backlog_gbp"], daily["invoice_overdue_gbp"]
    base = daily["baseline_invoice_backlog_gbp"]
    div, unit = money_scale(value, overdue, base)
    ax = axes[0]
    ax.plot(x, base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)", drawstyle="steps-post")
    ax.fill_between(x, 0, value / div, color=ACTUAL, alpha=0.12, linewidth=0, step="post")
    ax.plot(x, value / div, color=ACTUAL, linewidth=2.0, label="backlog (invoices not yet processed)", drawstyle="steps-post")
    ax.plot(x, overdue / div, color=ACCENT, linewidth=1.3, label="of which overdue", drawstyle="steps-post")
    ax.set_ylabel(f"backlog value ({unit})")
    ax.set_ylim(0, max(float(value.max()), float(base.max())) / div * 1.15 or 1.0)
    thousands(ax)
    count, base_count = daily["invoice_backlog_count"], daily["baseline_invoice_backlog_count"]
    ax = axes[1]
    ax.plot(x, base_count, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)", drawstyle="steps-post")
    ax.plot(x, count, color=ACTUAL, linewidth=2.0, label="backlog", drawstyle="steps-post")
    ax.set_ylabel("backlog (invoices)")
    ax.set_ylim(0, max(float(count.max()), float(base_count.max())) * 1.15 or 1.0)
    thousands(ax, integer=True)
    if count.max() > 0:
        at = int(count.to_numpy().argmax())
        annotate(ax, x.iloc[at], float(count.iloc[at]), f"peak {int(count.iloc[at]):,} invoices")
    ax = axes[2]
    ax.step(x, daily["invoice_capacity"], where="post", color="#2ca02c", linewidth=1.5, label="processing capacity")
    ax.plot(
        x,
        smooth(daily["invoices_received"].astype(float)),
        color="#555555",
        linewidth=1.0,
        label="received (7-day mean)",
        drawstyle="steps-post",
    )
    ax.plot(
        x,
        smooth(daily["invoices_processed"].astype(float)),
        color=ACTUAL,
        linewidth=1.0,
        label="processed (7-day mean)",
        drawstyle="steps-post",
    )
    ax.set_ylabel("invoices/day")
    ax.set_ylim(bottom=0)
    thousands(ax)
    for a in axes:
        panel_legend(a)
    peak = summary.get("invoice_backlog_peak_gbp")
    annotate_peak_and_clearance(
        axes,
        x,
        value,
        summary.get("invoice_backlog_peak_date"),
        summary.get("invoice_backlog_cleared_date"),
        summary.get("outage_start_date"),
        money_text(float(peak)) if peak is not None else "",
        div,
    )
    mark_events(fig, [(axes, None)], key)
    return fig


def parts_backlog(
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    title: str = "",
    note: str = "",
    systems: Collection[str] | None = None,
) -> Figure:
    """Parts-centre backlog: retailer orders waiting (orders) against the baseline, orders lost,
    and orders received and dispatched per day, with outage and restore dates."""
    x = daily["date"]
    window = focus(daily, summary, [summary.get("parts_backlog_cleared_date")])
    key = event_key(in_window(event_groups(events, "parts_backlog", systems), window))
    fig, axes = new_figure(
        [3.0, 1.6], f"Parts-centre order backlog{': ' + title if title else ''}", window_note(note, daily, window), 4.6, key
    )
    set_window(axes, window)
    ax = axes[0]
    ax.plot(
        x,
        daily["baseline_parts_backlog_orders"],
        color=BASELINE,
        linestyle="--",
        linewidth=1.2,
        label="baseline (no outage)",
        drawstyle="steps-post",
    )
    backlog = daily["parts_backlog_orders"]
    ax.fill_between(x, 0, backlog, color=ACTUAL, alpha=0.12, linewidth=0, step="post")
    ax.plot(x, backlog, color=ACTUAL, linewidth=2.0, label="orders waiting", drawstyle="steps-post")
    if daily["parts_orders_lost_cum"].max() > 0:
        ax.plot(
            x, daily["parts_orders_lost_cum"], color=ACCENT, linewidth=1.3, label="orders lost (cumulative)", drawstyle="steps-post"
        )
    ax.set_ylabel("backlog (orders)")
    ax.set_ylim(0, max(float(backlog.max()), float(daily["parts_orders_lost_cum"].max())) * 1.15 or 1.0)
    thousands(ax, integer=True)
    ax = axes[1]
    ax.plot(x, daily["parts_orders"], color="#555555", linewidth=1.0, label="orders received", drawstyle="steps-post")
    ax.plot(x, daily["parts_dispatched"], color=ACTUAL, linewidth=1.3, label="orders dispatched", drawstyle="steps-post")
    ax.set_ylabel("orders/day")
    ax.set_ylim(bottom=0)
    thousands(ax)
    for a in axes:
        panel_legend(a)
    peak = summary.get("parts_backlog_peak_orders")
    annotate_peak_and_clearance(
        axes,
        x,
        backlog.astype(float),
        summary.get("parts_backlog_peak_date"),
        summary.get("parts_backlog_cleared_date"),
        summary.get("outage_start_date"),
        f"{int(peak):,} orders" if peak is not None else "",
    )
    mark_events(fig, [(axes, None)], key)
    return fig


# ---------------------------------------------------------------- production


def plant_names(daily: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(vehicle plants, engine plants): vehicle plants are those whose production adds up to
    production_total, in the run and in its baseline (the daily table does not say which is which)."""
    plants = [c.removeprefix("production_") for c in daily.columns if c.startswith("production_") and c != "production_total"]
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


LOSS_CAUSES = (  # daily columns of cumulative vehicles lost by cause (they add up to vehicles_lost_cum)
    ("vehicles_lost_outage_cum", "lost to the outage and restart", "#e8a798"),
    ("vehicles_lost_supplier_failure_cum", "lost to supplier failures", "#9e2a2b"),
)
OLDER_TABLES = "(not in this run's tables: saved by an older version)"


def production_recovery(
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    title: str = "",
    note: str = "",
    systems: Collection[str] | None = None,
) -> Figure:
    """Vehicles built per day (trailing 7-day means) per vehicle plant and in total against the baseline,
    engines built and each plant's restart, over the weeks around the outage; under it, vehicles lost against
    the baseline (cumulative, by cause where the run's table has the split) over the whole run, ending at the
    headline figure, with supplier failures, replacements and support marked."""
    x = daily["date"]
    whole = (pd.Timestamp(x.iloc[0]), pd.Timestamp(x.iloc[-1]))
    window = focus(daily, summary, [summary.get("production_recovered_date")])
    zoomed = window != whole
    found = event_groups(events, "production_recovery", systems)
    upper = in_window(found, window)
    # the whole-run panel marks supplier events and support everywhere; systems' outages and restores only where
    # the panel above does not show them
    lower = [g for g in found if not (EVENT_KINDS[g[1]].systems and window[0] <= g[0] <= window[1])] if zoomed else []
    key = event_key([g for g in found if g in upper or g in lower])
    figure_title = f"Production recovery{': ' + title if title else ''}"
    if zoomed:
        fig, axes = new_figure([1.0], figure_title, window_note(note, daily, window), 3.0, key, below=([1.0], 1.9, bool(lower)))
    else:
        fig, axes = new_figure([3.0, 1.9], figure_title, note, 4.9, key)
    rate, lost_ax = axes
    set_window([rate], window)
    set_window([lost_ax], whole)
    _production_rates(rate, daily, summary)
    mark_date([rate] if zoomed else axes, as_timestamp(summary.get("production_recovered_date")), color="#2ca02c")
    _vehicles_lost(lost_ax, daily, summary, window if zoomed else None)
    for a in axes:
        panel_legend(a)
    mark_events(fig, [([rate], upper), ([lost_ax], lower)] if zoomed else [(axes, upper)], key)
    return fig


def _production_rates(ax: Axes, daily: pd.DataFrame, summary: Mapping[str, Any]) -> None:
    """Vehicles per day per plant and in total, engines per day, restarts and the recovery date."""
    x = daily["date"]
    vehicle, engine = plant_names(daily)
    start = as_timestamp(summary.get("outage_start_date"))
    ax.plot(
        x,
        smooth(daily["baseline_production_total"].astype(float)),
        color=BASELINE,
        linestyle="--",
        linewidth=1.3,
        label="baseline total (no outage)",
        drawstyle="steps-post",
    )
    total = smooth(daily["production_total"].astype(float))
    ax.plot(x, total, color=ACTUAL, linewidth=2.4, label="all vehicle plants", drawstyle="steps-post")
    for i, plant in enumerate(vehicle if len(vehicle) > 1 else []):
        series = smooth(daily[f"production_{plant}"].astype(float))
        color = PALETTE[i % len(PALETTE)]
        restart = restart_date(daily, plant, start)
        label = plant + (f" (restart {day_text(restart, year=False)})" if restart is not None else "")
        ax.plot(x, series, color=color, linewidth=1.3, label=label, drawstyle="steps-post")
        if restart is not None:
            ax.plot(
                [mdates.date2num(restart)],
                [0],
                marker="^",
                markersize=9,
                color=color,
                markeredgecolor="white",
                clip_on=False,
                zorder=5,
            )
    for plant in engine:
        restart = restart_date(daily, plant, start)
        label = f"{plant} (engines/day" + (f", restart {day_text(restart, year=False)})" if restart else ")")
        ax.plot(
            x,
            smooth(daily[f"production_{plant}"].astype(float)),
            color="#555555",
            linestyle=":",
            linewidth=1.6,
            label=label,
            zorder=3,
            drawstyle="steps-post",
        )
    if len(vehicle) == 1:
        restart = restart_date(daily, vehicle[0], start)
        if restart is not None:
            ax.plot(
                [mdates.date2num(restart)],
                [0],
                marker="^",
                markersize=9,
                color=ACTUAL,
                markeredgecolor="white",
                clip_on=False,
                zorder=5,
                linestyle="none",
                label=f"{vehicle[0]} restarts {day_text(restart, year=False)}",
            )
    ax.set_ylabel("vehicles/day\n(trailing 7-day mean)")
    ax.set_ylim(bottom=0)
    thousands(ax)
    recovered = as_timestamp(summary.get("production_recovered_date"))
    if recovered is not None:
        ax.plot([], [], color="#2ca02c", linestyle=(0, (1, 2)), label=f"back to 95% of baseline {day_text(recovered)}")
    elif start is not None:
        ax.text(
            0.99,
            0.04,
            "not back to 95% of baseline by the end of the run",
            transform=ax.transAxes,
            ha="right",
            fontsize=9,
            color=ACCENT,
            fontweight="bold",
        )


def _vehicles_lost(ax: Axes, daily: pd.DataFrame, summary: Mapping[str, Any], zoom: tuple[Any, Any] | None) -> None:
    """Cumulative vehicles lost over the whole run, stacked by cause when the table has the split, labelled at its
    end with the headline figure; ``zoom`` (the dates the panel above shows) is shaded."""
    x = daily["date"]
    lost = daily["vehicles_lost_cum"].astype(float)
    if all(column in daily for column, _, _ in LOSS_CAUSES):
        bottom = np.zeros(len(daily))
        for column, label, colour in LOSS_CAUSES:
            top = bottom + daily[column].to_numpy(float)
            ax.fill_between(x, bottom, top, color=colour, alpha=0.8, linewidth=0, step="post", label=label)
            bottom = top
    else:
        ax.fill_between(x, 0, lost, color=ACCENT, alpha=0.25, linewidth=0, step="post")
        ax.plot([], [], " ", label=f"split by cause {OLDER_TABLES}")
    ax.plot(
        x,
        lost,
        color=ACCENT,
        linewidth=1.8,
        label="vehicles lost against the baseline over the whole run (cumulative)",
        drawstyle="steps-post",
    )
    if zoom is not None:
        ax.axvspan(
            mdates.date2num(zoom[0]),
            mdates.date2num(zoom[1]),
            color="#000000",
            alpha=0.06,
            linewidth=0,
            label="the weeks shown above",
        )
    ax.set_ylabel("vehicles lost (cumulative)")
    ax.set_ylim(0, max(float(lost.max()), 1.0) * 1.18)
    thousands(ax)
    headline = summary.get("vehicles_lost")
    end = float(headline) if headline is not None else float(lost.iloc[-1])
    if end > 0:
        ax.annotate(
            f"{end:,.0f} vehicles lost by {day_text(pd.Timestamp(x.iloc[-1]))}",
            (x.iloc[-1], lost.iloc[-1]),
            xytext=(-6, 6),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=9,
            fontweight="bold",
            color=ACCENT,
        )


# ---------------------------------------------------------------- cash

RUNWAY_BANDS = (  # daily columns of the runway of active suppliers, days, with their labels and line widths
    ("supplier_runway_p05_days", "the 5% of suppliers shortest of cash have under", 1.8),
    ("supplier_runway_p25_days", "a quarter of suppliers have under", 1.4),
    ("supplier_runway_p50_days", "half of suppliers have under", 1.1),
)
RUNWAY_TICKS = (1, 7, 14, 30, 90, 365)


def cash(
    daily: pd.DataFrame,
    events: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    title: str = "",
    note: str = "",
    systems: Collection[str] | None = None,
    cash_floor_gbp: float | None = None,
) -> Figure:
    """The OEM's cash (£) against the baseline, its cash floor (the daily ``oem_cash_floor_gbp`` column, else
    ``cash_floor_gbp``) and credit drawn; suppliers' runway on their current burn (days: 5th, 25th and 50th
    percentiles of active suppliers); suppliers under 7 and 14 days of runway, insolvent and replaced."""
    x = daily["date"]
    key = event_key(event_groups(events, "cash", systems))
    fig, axes = new_figure([2.6, 2.0, 1.6], f"Cash{': ' + title if title else ''}", note, 6.6, key)
    set_window(axes, (pd.Timestamp(x.iloc[0]), pd.Timestamp(x.iloc[-1])))
    _oem_cash(axes[0], daily, summary, cash_floor_gbp)
    if all(column in daily for column, _, _ in RUNWAY_BANDS):
        _supplier_runway(axes[1], daily)
    else:
        _supplier_cash(axes[1], daily)
    _supplier_counts(axes[2], daily)
    for a in axes:
        panel_legend(a)
    mark_events(fig, [(axes, None)], key)
    return fig


def _oem_cash(ax: Axes, daily: pd.DataFrame, summary: Mapping[str, Any], floor_gbp: float | None) -> None:
    x = daily["date"]
    oem, base = daily["oem_cash_gbp"], daily["baseline_oem_cash_gbp"]
    drawn, gov = daily["facility_drawn_gbp"], daily["government_loan_drawn_gbp"]
    floor = daily["oem_cash_floor_gbp"] if "oem_cash_floor_gbp" in daily else None
    div, unit = money_scale(oem, base, drawn, gov, *([floor] if floor is not None else []))
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.plot(x, base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)")
    ax.plot(x, oem / div, color=ACTUAL, linewidth=2.0, label="OEM cash")
    if floor is not None:
        ax.step(
            x,
            floor / div,
            where="post",
            color="#333333",
            linestyle=(0, (4, 3)),
            linewidth=1.1,
            label="cash floor (credit is drawn below it)",
        )
    elif floor_gbp is not None:
        ax.axhline(
            floor_gbp / div,
            color="#333333",
            linestyle=(0, (4, 3)),
            linewidth=1.1,
            label=f"cash floor {money_text(floor_gbp)} (credit is drawn below it)",
        )
    if drawn.any():
        ax.step(
            x,
            drawn / div,
            where="post",
            color="#8c564b",
            linewidth=1.6,
            label=f"credit drawn (at the end {money_text(float(drawn.iloc[-1]))})",
        )
        if gov.any():
            ax.step(
                x,
                gov / div,
                where="post",
                color="#9467bd",
                linewidth=1.3,
                label=f"of which government-backed loan ({money_text(float(gov.iloc[-1]))})",
            )
    else:
        ax.plot([], [], " ", label="no credit drawn")
    ax.set_ylabel(f"OEM cash ({unit})")
    thousands(ax)
    trough = as_timestamp(summary.get("oem_cash_trough_date"))
    if trough is not None and summary.get("oem_cash_trough_gbp") is not None:
        at = int(np.argmin(np.abs((x - trough).dt.days.to_numpy())))
        annotate(
            ax,
            x.iloc[at],
            float(oem.iloc[at]) / div,
            f"trough {money_text(float(summary['oem_cash_trough_gbp']))} on {day_text(trough)}",
            below=False,
        )


def _supplier_runway(ax: Axes, daily: pd.DataFrame) -> None:
    """Percentiles of active suppliers' runway (days until cash and credit run out at the current burn) on a
    log scale, with 7 and 14 days marked."""
    x = daily["date"]
    for days in (7, 14):
        ax.axhline(days, color=ACCENT, linewidth=0.8, linestyle=":")
        ax.text(0.005, days, f"{days} days", transform=ax.get_yaxis_transform(), fontsize=7.5, color=ACCENT, va="bottom")
    for (column, label, width), colour in zip(RUNWAY_BANDS, ("#b2182b", "#ef8a62", ACTUAL), strict=True):
        values = daily[column].astype(float).clip(lower=1.0, upper=RUNWAY_CAP_DAYS)
        ax.plot(x, values, color=colour, linewidth=width, label=label, drawstyle="steps-post")
    ax.set_yscale("log")
    ax.set_ylim(1, RUNWAY_CAP_DAYS * 1.3)
    ax.set_yticks(RUNWAY_TICKS, [f"{t:,}" for t in RUNWAY_TICKS])
    ax.minorticks_off()
    ax.set_ylabel("supplier runway, days\n(current burn, log scale)")
    ax.plot([], [], " ", label=f"runway: days until cash and credit run out at the day's burn ({RUNWAY_CAP_DAYS} = a year or more)")


def _supplier_cash(ax: Axes, daily: pd.DataFrame) -> None:
    """All suppliers' cash together, for tables without the runway percentiles."""
    x = daily["date"]
    sup, sup_base = daily["supplier_cash_gbp"], daily["baseline_supplier_cash_gbp"]
    short = daily["supplier_cash_shortfall_gbp"]
    div, unit = money_scale(sup, sup_base, short)
    ax.plot(x, sup_base / div, color=BASELINE, linestyle="--", linewidth=1.2, label="baseline (no outage)")
    ax.plot(x, sup / div, color=ACTUAL, linewidth=2.0, label="all suppliers' cash")
    if short.max() >= 1:
        ax.plot(
            x,
            short / div,
            color=ACCENT,
            linewidth=1.3,
            label=f"cash below zero, all suppliers (peak {money_text(float(short.max()))})",
        )
    ax.plot([], [], " ", label=f"suppliers' runway percentiles {OLDER_TABLES}; their total cash can rise while the weakest run out")
    ax.set_ylabel(f"supplier cash ({unit})")
    thousands(ax)


def _supplier_counts(ax: Axes, daily: pd.DataFrame) -> None:
    x = daily["date"]
    if "suppliers_runway_under_7_days" in daily:
        ax.plot(
            x,
            daily["suppliers_runway_under_7_days"],
            color=ACCENT,
            linewidth=1.8,
            label="under 7 days of runway",
            drawstyle="steps-post",
        )
        if "suppliers_runway_under_14_days" in daily:
            ax.plot(
                x,
                daily["suppliers_runway_under_14_days"],
                color="#ff7f0e",
                linewidth=1.2,
                label="under 14 days of runway",
                drawstyle="steps-post",
            )
    else:
        ax.plot(
            x,
            daily["baseline_suppliers_under_7_days_cash"],
            color=BASELINE,
            linestyle="--",
            linewidth=1.2,
            label="under 7 days of cash: baseline",
            drawstyle="steps-post",
        )
        ax.plot(
            x,
            daily["suppliers_under_7_days_cash"],
            color="#ff7f0e",
            linewidth=1.8,
            label="under 7 days of cash",
            drawstyle="steps-post",
        )
    ax.plot(
        x,
        daily["suppliers_insolvent"],
        color="#b2182b",
        linewidth=1.8,
        label="insolvent (not yet replaced)",
        drawstyle="steps-post",
    )
    if daily["suppliers_replaced"].any():
        ax.plot(x, daily["suppliers_replaced"], color="#1b7837", linewidth=1.3, label="replaced", drawstyle="steps-post")
    ax.set_ylabel("suppliers")
    ax.set_ylim(bottom=0)
    thousands(ax, integer=True)
