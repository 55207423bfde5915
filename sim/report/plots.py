"""Figures of a run, of replications and of a comparison, as matplotlib ``Figure`` objects.

Every function takes DataFrames and returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing touches global state: figures can be drawn in threads or worker processes
and are freed when dropped. Nothing is shown; the caller saves. Money is drawn in pounds scaled
to £k, £m or £bn (the axis label says which); dates are real calendar dates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.figure_kit import (
    ACCENT,
    ACTUAL,
    BASELINE,
    DPI,
    EVENT_STYLE,
    PALETTE,
    STOP_DAYS,
    Window,
    annotate,
    annotate_peak_and_clearance,
    as_timestamp,
    day_text,
    event_groups,
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
    "DPI", "as_timestamp", "cash", "comparison", "day_text", "fan_chart", "invoice_backlog", "money_text",
    "parts_backlog", "plant_names", "production_recovery", "restart_date",
]


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
    annotate_peak_and_clearance(axes, x, value, summary.get("invoice_backlog_peak_date"),
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
    annotate_peak_and_clearance(axes, x, backlog.astype(float), summary.get("parts_backlog_peak_date"),
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
