"""Figures of batches of runs: replications (fan charts, a sample of runs, the share of runs stopped, KPI
histograms), comparisons (overlays with a difference panel), sweeps (KPI against parameter) and
sensitivity analyses (Morris mu*/sigma, Sobol indices). Each returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.report.events import EVENT_KINDS
from sim.report.figure_kit import (
    ACCENT,
    ACTUAL,
    BASELINE,
    DPI,
    PALETTE,
    WIDTH_IN,
    Window,
    money_scale,
    new_figure,
    panel_legend,
    set_window,
    smooth,
    thousands,
    window_note,
)
from sim.results.formats import money_text
from sim.results.kpis import as_number, label, text, unit_of

STOPPED_SHARE = 0.5  # a replication's production "stopped" on a day: below this share of its baseline


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


def fan_chart(bands: pd.DataFrame, series: str, title: str, ylabel: str, *, note: str = "", smooth_days: int = 1) -> Figure:
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
        ax.plot(
            base["date"],
            smooth(base["p50"].astype(float), smooth_days) / div,
            color=BASELINE,
            linestyle="--",
            linewidth=1.2,
            label="baseline median (no outage)",
        )
    ax.fill_between(x, lo / div, hi / div, color=ACTUAL, alpha=0.22, linewidth=0, label=f"5–95% of replications{suffix}")
    ax.plot(x, mid / div, color=ACTUAL, linewidth=2.0, label=f"median{suffix}")
    ax.set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    thousands(ax)
    panel_legend(ax)
    return fig


# ---------------------------------------------------------------- comparisons


def comparison(
    dailies: Mapping[str, pd.DataFrame],
    series: str,
    title: str,
    ylabel: str,
    *,
    note: str = "",
    smooth_days: int = 1,
    outages: Mapping[str, pd.Timestamp | None] | None = None,
) -> Figure:
    """One series from several runs overlaid (with each run's baseline, dashed, where it differs), and under it
    each run's difference from the first, over the dates where the runs differ (with three weeks before and four
    after).

    ``ylabel`` names the quantity with its unit; for a money series (``*_gbp``) the unit is chosen here
    (£k/£m/£bn) and appended. ``smooth_days`` > 1 draws trailing means. ``outages`` maps a run to its outage
    start, drawn as a line.
    """
    if not dailies:
        raise ValueError("comparison: dailies is empty; give at least one run")
    frames = list(dailies.items())
    first_name, first = frames[0]
    values = {name: smooth(d[series].astype(float), smooth_days) for name, d in frames}
    gaps = {name: (v.to_numpy() - values[first_name].to_numpy()) for name, v in values.items() if name != first_name}
    changed = np.zeros(len(first), dtype=bool)
    for _, d in frames[1:]:
        if len(d) == len(first):
            changed |= d[series].to_numpy() != first[series].to_numpy()
    window = changed_window(first["date"], changed)
    fig, axes = new_figure([2.4, 1.2] if gaps else [1.0], title, window_note(note, first, window), 5.2 if gaps else 4.0)
    ax = axes[0]
    div, unit = money_scale(*(d[series] for _, d in frames)) if series.endswith("_gbp") else (1.0, "")
    suffix = f" ({smooth_days}-day mean)" if smooth_days > 1 else ""
    base_col = f"baseline_{series}"
    baselines = [d[base_col].to_numpy() for _, d in frames if base_col in d]
    same_base = len(baselines) == len(frames) and all(
        len(b) == len(baselines[0]) and np.allclose(b, baselines[0]) for b in baselines
    )
    starts = {n: (outages or {}).get(n) for n, _ in frames}
    shared_start = len(set(starts.values())) == 1  # one line for an outage every run shares
    outage_colour = EVENT_KINDS["outage"].colour
    for i, (name, d) in enumerate(frames):
        color = PALETTE[i % len(PALETTE)]
        if base_col in d and (not same_base or i == 0):
            label_text = "baseline (no outage)" if same_base else f"{name}: baseline"
            ax.plot(
                d["date"],
                smooth(d[base_col].astype(float), smooth_days) / div,
                linestyle="--",
                linewidth=1.1,
                color=BASELINE if same_base else color,
                label=label_text,
                drawstyle="steps-post",
            )
        ax.plot(
            d["date"],
            values[name] / div,
            color=color,
            linewidth=2.0 if i == 0 else 1.6,
            label=f"{name}{suffix}",
            drawstyle="steps-post",
        )
        start = starts[name]
        if start is not None and (not shared_start or i == 0) and window[0] <= start <= window[1]:
            for a in axes:
                a.axvline(
                    mdates.date2num(start),
                    color=outage_colour if shared_start else color,
                    linestyle=(0, (1, 2)),
                    linewidth=1.2,
                    label=(f"outage starts {day_of(start)}" if shared_start else f"{name}: outage starts") if a is ax else None,
                )
    ax.set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    thousands(ax)
    if gaps:
        gap_ax = axes[1]
        gap_ax.axhline(0, color="#333333", linewidth=0.8)
        for i, (name, gap) in enumerate(gaps.items(), start=1):
            gap_ax.plot(
                first["date"],
                gap / div,
                color=PALETTE[i % len(PALETTE)],
                linewidth=1.5,
                label=f"{name} minus {first_name}",
                drawstyle="steps-post",
            )
        gap_ax.set_ylabel(f"difference ({unit})" if unit else "difference")
        thousands(gap_ax)
    for a in axes:
        panel_legend(a)
    set_window(axes, window)
    return fig


def day_of(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%b %Y}"


# ---------------------------------------------------------------- replications


def runs_chart(
    paths: pd.DataFrame,
    shares: pd.DataFrame,
    bands: pd.DataFrame,
    title: str,
    *,
    note: str = "",
    series: str = "production_total",
    smooth_days: int = 7,
) -> Figure:
    """Vehicles built per day in a sample of replications (thin lines: ``paths``, long: date, replication,
    series, value), their median and the baseline's (``bands``), and under it the share of all replications
    whose production over the trailing 7 days is below half the baseline's (``shares``: date, series, share)."""
    rows = paths[paths["series"] == series]
    runs = sorted(rows["replication"].unique())
    share = shares[shares["series"] == f"{series}_below_half"].sort_values("date")
    fig, axes = new_figure([2.4, 1.2], title, note, 5.4)
    ax = axes[0]
    for i, replication in enumerate(runs):
        one = rows[rows["replication"] == replication].sort_values("date")
        ax.plot(
            one["date"],
            smooth(one["value"].astype(float), smooth_days),
            color=ACTUAL,
            alpha=0.35,
            linewidth=0.7,
            label=f"{len(runs)} replications, one line each" if i == 0 else None,
        )
    for name, colour, dash, text_label in (
        (f"baseline_{series}", BASELINE, "--", "baseline median (no outage)"),
        (series, ACCENT, "-", "median of all replications"),
    ):
        band = bands[bands["series"] == name].sort_values("date")
        if not band.empty:
            ax.plot(
                band["date"],
                smooth(band["p50"].astype(float), smooth_days),
                color=colour,
                linestyle=dash,
                linewidth=1.6,
                label=text_label,
            )
    ax.set_ylabel(f"vehicles/day\n(trailing {smooth_days}-day mean)")
    ax.set_ylim(bottom=0)
    thousands(ax)
    ax = axes[1]
    if not share.empty:
        ax.fill_between(share["date"], 0, share["share"].astype(float), color=ACCENT, alpha=0.35, linewidth=0, step="post")
        ax.plot(
            share["date"],
            share["share"].astype(float),
            color=ACCENT,
            linewidth=1.2,
            drawstyle="steps-post",
            label=f"replications building under {STOPPED_SHARE:.0%} of the baseline (trailing 7 days)",
        )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("share of\nreplications")
    for a in axes:
        panel_legend(a)
    dates = rows["date"] if not rows.empty else share["date"]
    if len(dates):
        set_window(axes, (pd.Timestamp(dates.min()), pd.Timestamp(dates.max())))
    return fig


def plain_figure(panels: int, title: str, note: str, height_in: float, columns: int | None = None) -> tuple[Figure, list[Axes]]:
    """A figure of ``panels`` small panels in a grid (``columns`` wide), with a title and a source note."""
    columns = columns or min(panels, 3)
    rows = math.ceil(panels / columns)
    height = height_in * rows + 0.9
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    grid = fig.subplots(
        rows,
        columns,
        squeeze=False,
        gridspec_kw={
            "left": 0.85 / WIDTH_IN,
            "right": 1 - 0.3 / WIDTH_IN,
            "top": 1 - 0.6 / height,
            "bottom": 0.75 / height,
            "hspace": 0.55,
            "wspace": 0.3,
        },
    )
    axes = [grid[r, c] for r in range(rows) for c in range(columns)]
    for extra in axes[panels:]:
        extra.set_visible(False)
    fig.text(0.1 / WIDTH_IN, 1 - 0.1 / height, title, fontsize=13, fontweight="bold", va="top")
    if note:
        fig.text(0.1 / WIDTH_IN, 0.06 / height, note, fontsize=8, color="#555555", va="bottom")
    for ax in axes[:panels]:
        ax.grid(True, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=9)
    return fig, axes[:panels]


def _numbers(values: Sequence[Any]) -> np.ndarray:
    """KPI values as numbers: dates as ordinal days, missing as NaN."""
    out = []
    for v in values:
        v = as_number(v)
        if isinstance(v, str):
            v = date.fromisoformat(v)
        out.append(float(v.toordinal()) if isinstance(v, date) else np.nan if v is None or v is pd.NA else float(v))
    return np.array(out, dtype=float)


def at_least_one(table: pd.DataFrame, kpi: str) -> float | None:
    """Share of the successful replications with ``kpi`` at 1 or more (None without any)."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    values = _numbers(ok[kpi].tolist()) if kpi in ok else np.array([])
    values = values[~np.isnan(values)]
    return float((values >= 1).mean()) if len(values) else None


def kpi_histograms(table: pd.DataFrame, kpis: Sequence[str], title: str, *, note: str = "") -> Figure:
    """Histograms over replications of ``kpis`` (columns of ``table``, one row per replication; failed runs
    left out), each with its median and mean; a count KPI's panel gives the share of runs with at least one."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    shown = [k for k in kpis if k in ok]
    fig, axes = plain_figure(max(len(shown), 1), title, note, 3.0, columns=min(max(len(shown), 1), 2))
    for ax, kpi in zip(axes, shown, strict=False):
        values = _numbers(ok[kpi].tolist())
        values = values[~np.isnan(values)]
        unit = unit_of(kpi)
        div, money = money_scale(values) if unit == "gbp" else (1.0, "")
        if len(values):
            whole = unit in ("count", "vehicles", "jobs", "orders", "invoices")
            span = float(values.max() - values.min())
            if whole and span <= 40:  # one bar per whole number
                bins = list(np.arange(values.min() - 0.5, values.max() + 1.5, 1.0))
            else:
                bins = list(np.histogram_bin_edges(values / div, bins=min(30, max(5, len(values) // 3))))
            ax.hist(
                values / div if not (whole and span <= 40) else values,
                bins=bins,
                color=ACTUAL,
                alpha=0.75,
                edgecolor="white",
                linewidth=0.6,
            )
            for stat, value, dash in (("median", float(np.median(values)), "-"), ("mean", float(values.mean()), "--")):
                ax.axvline(value / div, color=ACCENT, linestyle=dash, linewidth=1.3, label=f"{stat} {text(kpi, value)}")
            if unit == "count":
                share = float((values >= 1).mean())
                ax.plot([], [], " ", label=f"at least one in {share:.0%} of runs")
            ax.legend(fontsize=8, frameon=False, loc="upper right")
        ax.set_title(label(kpi), fontsize=10, loc="left")
        ax.set_xlabel(f"{label(kpi).lower()} ({money})" if money else _unit_words(unit), fontsize=9)
        ax.set_ylabel("replications", fontsize=9)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        thousands_x(ax)
    return fig


def _unit_words(unit: str) -> str:
    return {"count": "suppliers", "number": "", "gbp": "£"}.get(unit, unit)


def thousands_x(ax: Axes) -> None:
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}")


# ---------------------------------------------------------------- sweeps and sensitivity


def _axis_values(values: Sequence[Any]) -> tuple[list[Any], bool]:
    """Grid values for an axis: dates as Timestamps (and True), numbers as they are."""
    dates = all(isinstance(as_number(v), (date, str)) and _is_date(v) for v in values)
    return ([pd.Timestamp(str(v)) for v in values] if dates else [as_number(v) for v in values]), dates


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return True


def _wrap(words: str, width: int = 28) -> str:
    """A dotted path wrapped at its dots (never inside a name)."""
    lines = textwrap.wrap(words.replace(".", ". "), width, break_on_hyphens=False)
    return "\n".join(line.replace(". ", ".") for line in lines)


def sweep_chart(table: pd.DataFrame, grid: Sequence[str], kpis: Sequence[str], title: str, *, note: str = "") -> Figure:
    """KPIs against the sweep's parameters (``table``: one row per point and replication, with the grid's
    columns): for one parameter, one panel per KPI with the mean over replications (and the 5–95% range when
    there are several); for two, one heatmap per KPI (cells say the mean); for more, the first two axes."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    shown = [k for k in kpis if k in ok]
    fig, axes = plain_figure(max(len(shown), 1), title, note, 2.9 if len(grid) == 1 else 3.4)
    for ax, kpi in zip(axes, shown, strict=False):
        ax.set_title(label(kpi), fontsize=10, loc="left")
        if len(grid) == 1:
            _sweep_line(ax, ok, grid[0], kpi)
        else:
            _sweep_heatmap(ax, ok, grid[0], grid[1], kpi)
    return fig


def _points(ok: pd.DataFrame, columns: list[str], kpi: str) -> pd.DataFrame:
    """Mean, p05 and p95 of ``kpi`` (as numbers) per combination of ``columns``."""
    frame = ok[columns].astype(str).assign(value=_numbers(ok[kpi].tolist()))
    groups = frame.groupby(columns, sort=False)["value"]
    return pd.DataFrame(
        {"mean": groups.mean(), "p05": groups.quantile(0.05), "p95": groups.quantile(0.95), "n": groups.count()}
    ).reset_index()


def _shown(kpi: str, number: float) -> str:
    """A KPI's number (dates as ordinal days) as text in its unit."""
    if math.isnan(number):
        return "–"
    if unit_of(kpi) == "date":
        return text(kpi, date.fromordinal(round(number)).isoformat())
    return text(kpi, number)


def _sweep_line(ax: Axes, ok: pd.DataFrame, path: str, kpi: str) -> None:
    points = _points(ok, [path], kpi)
    xs, dates = _axis_values(points[path].tolist())
    is_date = unit_of(kpi) == "date"
    div, money = money_scale(points["mean"].to_numpy()) if unit_of(kpi) == "gbp" else (1.0, "")

    def y(values: pd.Series) -> Any:
        return [pd.Timestamp(date.fromordinal(round(v))) if is_date and not math.isnan(v) else v / div for v in values]

    if (points["n"] > 1).any():
        ax.fill_between(
            xs, y(points["p05"]), y(points["p95"]), color=ACTUAL, alpha=0.18, linewidth=0, label="5–95% of replications"
        )
    ax.plot(xs, y(points["mean"]), color=ACTUAL, marker="o", linewidth=1.8, markersize=4, label="mean")
    ax.set_xlabel(_wrap(path, 48), fontsize=8)
    if money:
        ax.set_ylabel(money, fontsize=9)
    if is_date:
        ax.yaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    else:
        thousands(ax)
    if dates:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.tick_params(axis="x", labelsize=8)


def _sweep_heatmap(ax: Axes, ok: pd.DataFrame, across: str, down: str, kpi: str) -> None:
    points = _points(ok, [across, down], kpi)
    cols = list(dict.fromkeys(points[across]))
    rows = list(dict.fromkeys(points[down]))
    grid = np.full((len(rows), len(cols)), np.nan)
    for col, row, mean in zip(points[across], points[down], points["mean"], strict=True):
        grid[rows.index(row), cols.index(col)] = mean
    finite = grid[np.isfinite(grid)]
    constant = not len(finite) or finite.min() == finite.max()
    # one neutral scale: darker is higher; which end is better depends on the KPI, and the cells say the values
    ax.imshow(
        np.zeros_like(grid) if constant else grid,
        cmap="Greys" if constant else "Blues",
        aspect="auto",
        vmin=0 if constant else finite.min(),
        vmax=8 if constant else finite.max(),
    )
    if constant:
        ax.set_title(f"{ax.get_title(loc='left')}: the same at every point", fontsize=10, loc="left")
    for i in range(len(rows)):
        for j in range(len(cols)):
            ax.text(
                j,
                i,
                _shown(kpi, grid[i, j]),
                ha="center",
                va="center",
                fontsize=7.5,
                color="#111111",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6},
            )
    ax.set_xticks(range(len(cols)), [_tick(c, across) for c in cols], fontsize=8)
    ax.set_yticks(range(len(rows)), [_tick(r, down) for r in rows], fontsize=8)
    ax.set_xlabel(_wrap(across, 48), fontsize=8)
    ax.set_ylabel(_wrap(down, 24), fontsize=8)
    ax.grid(False)


def _tick(value: Any, path: str = "") -> str:
    """A grid value as a tick label: money scaled (for a ``*_gbp`` path), numbers with separators, dates as dates."""
    number = as_number(value)
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        if path.endswith("_gbp"):
            return money_text(float(number))
        return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.4g}"
    return str(value)[:10]


def sensitivity_chart(ranking: pd.DataFrame, title: str, *, note: str = "") -> Figure:
    """One panel per KPI: for Morris, each parameter's mu* (mean absolute effect) against sigma (how much the
    effect depends on the other parameters); for Sobol, each parameter's total-order and first-order index."""
    kpis = list(dict.fromkeys(ranking["kpi"]))
    parameters = sorted(set(ranking["parameter"].astype(str)))  # one colour per parameter in every panel
    method = str(ranking["method"].iloc[0]) if len(ranking) else "morris"
    fig, axes = plain_figure(max(len(kpis), 1), title, note, 3.1, columns=min(max(len(kpis), 1), 2))
    for ax, kpi in zip(axes, kpis, strict=False):
        rows = ranking[ranking["kpi"] == kpi].reset_index(drop=True)
        per = " (days)" if unit_of(kpi) == "date" else ""
        if method == "morris":
            div, money = money_scale(rows["mu_star"], rows["sigma"]) if unit_of(kpi) == "gbp" else (1.0, "")
            scale = f" ({money})" if money else per
            for _, r in rows.iterrows():
                colour = PALETTE[parameters.index(str(r["parameter"])) % len(PALETTE)]
                ax.scatter(
                    [r["mu_star"] / div], [r["sigma"] / div], color=colour, s=40, zorder=3, label=_wrap(str(r["parameter"]), 40)
                )
            top = float(max(rows["mu_star"].max(), rows["sigma"].max(), 1e-12)) / div * 1.15
            ax.plot([0, top], [0, top], color=BASELINE, linestyle=":", linewidth=1.0)
            ax.set_xlim(0, top)
            ax.set_ylim(0, top)
            ax.set_xlabel(f"mu* (mean absolute effect){scale}", fontsize=8.5)
            ax.set_ylabel(f"sigma (interactions){scale}", fontsize=8.5)
            thousands(ax)
            thousands_x(ax)
        else:
            y = np.arange(len(rows))
            ax.barh(y + 0.2, rows["ST"], height=0.4, color=ACTUAL, label="total order (ST)")
            ax.barh(y - 0.2, rows["S1"], height=0.4, color=ACCENT, label="first order (S1)")
            ax.set_yticks(y, [_wrap(str(p), 30) for p in rows["parameter"]], fontsize=7.5)
            ax.invert_yaxis()
            ax.set_xlabel("share of the KPI's variance", fontsize=8.5)
        ax.set_title(label(kpi), fontsize=10, loc="left")
        ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig
