"""A run's charts in Bokeh, with hover and zoom: the invoice backlog clearance curve, production recovery,
cash, supplier runway and (in the report) the parts centre's backlog, each against the no-outage baseline.

Drawn by the explorer (:mod:`sim.explorer.app`), which adds the pinned reference run and, after a Monte Carlo,
the band of 90% of replications, and by the interactive report (:mod:`sim.report.interactive`), which draws
one run. Each chart draws one main daily series (this run, the baseline and, when comparing, the reference and
the band), a few lines of this run only, and a few series on a right-hand axis (counts beside a value, say).
The x ranges are shared: zooming one chart zooms them all to the same dates. Needs Bokeh (the extras
``supplysim[report]`` or ``supplysim[serve]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, DataRange1d, HoverTool, LinearAxis, NumeralTickFormatter, Range1d, Title
from bokeh.models.annotations import Legend, LegendItem
from bokeh.plotting import figure

RUN_COLOUR, REFERENCE_COLOUR, BASELINE_COLOUR, BAND_COLOUR = "#1f5fa8", "#6b6b6b", "#5a9e4b", "#9ec3ea"
EXTRA_COLOURS = ("#d97b29", "#8c4fb3", "#c2416b", "#2e9c9c", "#8a7a2b", "#4d4d9f")
RIGHT_COLOURS = ("#b03a2e", "#e07b6a", "#7a1f16")


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a key, its title, the unit of its left axis, the main series (daily column), the
    baseline's column of it, lines drawn for this run only (column, legend label), an optional
    right-axis series (column, label; the first names the axis) and a divisor for money (1e6 plots pounds as
    £ million)."""

    key: str
    title: str
    unit: str
    main: str
    baseline: str | None
    extras: tuple[tuple[str, str], ...] = ()
    right: tuple[tuple[str, str], ...] = ()
    scale: float = 1.0
    smooth_days: int = 1  # a trailing average over this many days (production: a week, so weekends do not saw)


def chart_window(summary: Mapping[str, Any]) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The dates the charts open on: from four weeks before the outage to eight months after it (None,
    the whole horizon, without an outage)."""
    start = summary.get("outage_start_date")
    if start is None:
        return None
    return pd.Timestamp(start) - pd.Timedelta(days=28), pd.Timestamp(start) + pd.Timedelta(days=240)


def chart_specs(daily_columns: Sequence[str], vehicle_plants: Sequence[str], parts_centre: bool = False) -> list[ChartSpec]:
    """The charts for a run with these daily columns: the invoice backlog, production, cash and supplier
    runway, and with ``parts_centre`` the parts centre's backlog when the run has one. The supplier runway
    chart shows the runway percentiles where the run reports them, and the count of suppliers under a week
    of cash otherwise."""
    columns = set(daily_columns)

    def have(*names: str) -> bool:
        return all(n in columns for n in names)

    specs = [
        ChartSpec(
            "backlog",
            "Invoice backlog: clearance curve",
            "£ million waiting",
            "invoice_backlog_gbp",
            "baseline_invoice_backlog_gbp",
            (("invoice_overdue_gbp", "overdue"),),
            (("invoice_backlog_count", "invoices waiting (right)"),),
            1e6,
        ),
        ChartSpec(
            "production",
            "Production recovery (7-day average)",
            "vehicles a day",
            "production_total",
            "baseline_production_total",
            tuple((f"production_{p}", p) for p in vehicle_plants if have(f"production_{p}")),
            tuple(
                (c, label)
                for c, label in (
                    ("vehicles_lost_cum", "vehicles lost so far (right)"),
                    ("vehicles_lost_outage_cum", "of which to the outage"),
                    ("vehicles_lost_supplier_failure_cum", "to supplier failures"),
                )
                if have(c)
            ),
            smooth_days=7,
        ),
        ChartSpec(
            "cash",
            "OEM cash",
            "£ million",
            "oem_cash_gbp",
            "baseline_oem_cash_gbp",
            tuple(
                (c, label)
                for c, label in (
                    ("facility_drawn_gbp", "credit facilities drawn"),
                    ("government_loan_drawn_gbp", "government-backed loan drawn"),
                )
                if have(c)
            ),
            (),
            1e6,
        ),
    ]
    if have("supplier_runway_p50_days"):
        extras = tuple((f"supplier_runway_{q}_days", f"{q} runway") for q in ("p05", "p25") if have(f"supplier_runway_{q}_days"))
        under = next((c for c in ("suppliers_runway_under_7_days", "suppliers_under_7_days_cash") if have(c)), None)
        specs.append(
            ChartSpec(
                "runway",
                "Supplier runway",
                "days of cash (median supplier)",
                "supplier_runway_p50_days",
                "baseline_supplier_runway_p50_days" if have("baseline_supplier_runway_p50_days") else None,
                extras,
                ((under, "suppliers under 7 days (right)"),) if under else (),
            )
        )
    else:
        specs.append(
            ChartSpec(
                "runway",
                "Supplier runway: suppliers under a week of cash",
                "suppliers",
                "suppliers_under_7_days_cash",
                "baseline_suppliers_under_7_days_cash" if have("baseline_suppliers_under_7_days_cash") else None,
                (("suppliers_insolvent", "insolvent"),) if have("suppliers_insolvent") else (),
            )
        )
    if parts_centre and have("parts_backlog_orders"):
        specs.append(
            ChartSpec(
                "parts",
                "Parts centre: retailers' orders waiting",
                "orders",
                "parts_backlog_orders",
                "baseline_parts_backlog_orders" if have("baseline_parts_backlog_orders") else None,
                tuple(
                    (c, label)
                    for c, label in (("parts_orders", "orders received a day"), ("parts_dispatched", "orders dispatched a day"))
                    if have(c)
                ),
            )
        )
    return specs


@dataclass
class Chart:
    """A chart's figure and the one data source it draws from (replaced whole on every update, so the
    page receives one message per chart)."""

    spec: ChartSpec
    figure: figure
    source: ColumnDataSource


def _series(
    daily: pd.DataFrame | None, column: str | None, dates: pd.DatetimeIndex, scale: float, smooth_days: int = 1
) -> np.ndarray:
    """A daily column on ``dates`` (NaN where the table has no such column or date), divided by ``scale``
    and averaged over the trailing ``smooth_days``."""
    if daily is None or column is None or column not in daily.columns:
        return np.full(len(dates), np.nan)
    values = pd.Series(daily[column].to_numpy(dtype=float), index=pd.DatetimeIndex(daily["date"]))
    if smooth_days > 1:
        values = values.rolling(smooth_days, min_periods=1).mean()
    return values.reindex(dates).to_numpy(dtype=float) / scale


def has_band(bands: pd.DataFrame | None, series: str) -> bool:
    """Whether a Monte Carlo bands table (date, series, p05, p50, p95) has ``series``."""
    return bands is not None and not bands.empty and series in set(bands["series"])


def _band(
    bands: pd.DataFrame | None, series: str, dates: pd.DatetimeIndex, scale: float, smooth_days: int = 1
) -> dict[str, np.ndarray]:
    """The p05, p50 and p95 of a Monte Carlo series on ``dates`` (NaN without bands for it), averaged as
    the chart averages its series."""
    if bands is None or not has_band(bands, series):
        empty = np.full(len(dates), np.nan)
        return {"band_p05": empty, "band_p50": empty, "band_p95": empty}
    rows = bands[bands["series"] == series]
    rows = rows.set_index(pd.DatetimeIndex(rows["date"]))
    return {f"band_{q}": _series(rows.assign(date=rows.index), q, dates, scale, smooth_days) for q in ("p05", "p50", "p95")}


def chart_data(
    spec: ChartSpec, run: pd.DataFrame, reference: pd.DataFrame | None, bands: pd.DataFrame | None, compare: bool = True
) -> dict[str, np.ndarray]:
    """The columns of a chart's data source: date, run, baseline, extras, right and, when ``compare``, the
    reference and the band."""
    dates = pd.DatetimeIndex(run["date"])
    data: dict[str, np.ndarray] = {
        "date": dates.to_numpy(),
        "run": _series(run, spec.main, dates, spec.scale, spec.smooth_days),
        "baseline": _series(run, spec.baseline, dates, spec.scale, spec.smooth_days),
    }
    if compare:
        data["reference"] = _series(reference, spec.main, dates, spec.scale, spec.smooth_days)
        data.update(_band(bands, spec.main, dates, spec.scale, spec.smooth_days))
    for i, (column, _) in enumerate(spec.extras):
        data[f"extra_{i}"] = _series(run, column, dates, spec.scale, spec.smooth_days)
    for i, (column, _) in enumerate(spec.right):
        data[f"right_{i}"] = _series(run, column, dates, 1.0)
    return data


def key_html(compare: bool = True) -> str:
    """The key every chart shares, as HTML: how this run, the baseline and, when ``compare``, the reference and
    the band are drawn (each chart's own legend names only its other lines, so the legends do not repeat it)."""

    def sample(style: str) -> str:
        return f'<i style="display:inline-block;width:26px;margin:0 5px 3px 12px;vertical-align:middle;{style}"></i>'

    reference = f"{sample(f'border-top:2px dashed {REFERENCE_COLOUR}')}reference run" if compare else ""
    band = f"{sample(f'height:10px;background:{BAND_COLOUR}')}90% of Monte Carlo replications" if compare else ""
    return (
        '<div class="chart-key">'
        f"{sample(f'border-top:3px solid {RUN_COLOUR}')}this run{reference}"
        f"{sample(f'border-top:2px dotted {BASELINE_COLOUR}')}no outage (the baseline){band}"
        '<span style="margin-left:12px">· drag to pan, box to zoom, hover for values; a legend entry hides its line</span>'
        "</div>"
    )


def build_chart(spec: ChartSpec, data: dict[str, np.ndarray], x_range: Range1d) -> Chart:
    """A figure drawing ``data`` (see :func:`chart_data`): the run solid, the baseline dotted (as :func:`key_html`
    says) and, where ``data`` has them, the reference dashed and the band shaded; its legend names its other lines
    and hides one when clicked."""
    compare = "reference" in data
    source = ColumnDataSource(data=dict(data))
    fig = figure(
        title=Title(text=spec.title, text_font_size="13px"),
        x_axis_type="datetime",
        x_range=x_range,
        height=290,
        sizing_mode="stretch_width",
        tools="xpan,xwheel_zoom,box_zoom,reset,save",
        active_drag="xpan",
        active_scroll=None,
        toolbar_location="right",
        y_axis_label=spec.unit,
    )
    fig.toolbar.logo = None  # a link to bokeh.org: nothing in a chart points beyond the machine
    fig.yaxis[0].formatter = NumeralTickFormatter(format="0,0")
    fig.xaxis.axis_label_text_font_size = fig.yaxis.axis_label_text_font_size = "11px"
    left_range = DataRange1d(only_visible=True)
    fig.y_range = left_range
    items: list[LegendItem] = []
    if compare:
        fig.varea("date", "band_p05", "band_p95", source=source, fill_color=BAND_COLOUR, fill_alpha=0.45)
    if spec.baseline is not None:
        fig.line("date", "baseline", source=source, color=BASELINE_COLOUR, line_width=1.5, line_dash="dotted")
    for i, (_, label) in enumerate(spec.extras):
        items.append(
            LegendItem(
                label=label,
                renderers=[
                    fig.line(
                        "date",
                        f"extra_{i}",
                        source=source,
                        color=EXTRA_COLOURS[i % len(EXTRA_COLOURS)],
                        line_width=1.2,
                        line_alpha=0.85,
                    )
                ],
            )
        )
    if compare:
        fig.line("date", "reference", source=source, color=REFERENCE_COLOUR, line_width=2, line_dash="dashed")
    run = fig.line("date", "run", source=source, color=RUN_COLOUR, line_width=2.5)
    tooltips = [("date", "@date{%a %d %b %Y}"), ("this run", "@run{0,0.0}")]
    if compare:
        tooltips.append(("reference", "@reference{0,0.0}"))
    if spec.baseline is not None:
        tooltips.append(("no outage", "@baseline{0,0.0}"))
    tooltips += [(label, f"@extra_{i}{{0,0.0}}") for i, (_, label) in enumerate(spec.extras)]
    if spec.right:
        right_range = DataRange1d(only_visible=True)
        fig.extra_y_ranges = {"right": right_range}
        rights = []
        for i, (_, label) in enumerate(spec.right):
            rights.append(
                fig.line(
                    "date",
                    f"right_{i}",
                    source=source,
                    color=RIGHT_COLOURS[i % len(RIGHT_COLOURS)],
                    line_width=1.2,
                    y_range_name="right",
                    line_dash="dashdot",
                )
            )
            items.append(LegendItem(label=label, renderers=[rights[-1]]))
            tooltips.append((label.removesuffix(" (right)"), f"@right_{i}{{0,0}}"))
        right_range.renderers = rights
        left_range.renderers = [r for r in fig.renderers if r not in rights]
        axis = LinearAxis(
            y_range_name="right", axis_label=spec.right[0][1].removesuffix(" (right)"), axis_label_text_font_size="11px"
        )
        axis.formatter = NumeralTickFormatter(format="0,0")
        fig.add_layout(axis, "right")
    if spec.scale != 1.0:
        tooltips.append(("unit", spec.unit))
    fig.add_tools(HoverTool(renderers=[run], tooltips=tooltips, formatters={"@date": "datetime"}, mode="vline"))
    if items:
        fig.add_layout(
            Legend(
                items=items,
                click_policy="hide",
                orientation="horizontal",
                label_text_font_size="11px",
                spacing=8,
                padding=2,
                margin=2,
                ncols=min(3, len(items)),
            ),
            "above",
        )
    return Chart(spec, fig, source)


class Charts:
    """Charts drawn from a run and, when ``compare``, a reference run and any Monte Carlo bands (the explorer's);
    without ``compare`` a run alone (the report's)."""

    def __init__(
        self,
        specs: Sequence[ChartSpec],
        run: pd.DataFrame,
        reference: pd.DataFrame | None,
        window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
        compare: bool = True,
    ) -> None:
        self.compare = compare
        first, last = pd.Timestamp(run["date"].iloc[0]), pd.Timestamp(run["date"].iloc[-1])
        start, end = window if window is not None else (first, last)
        # one x range for every chart, opening on ``window`` (reset returns there); zooming out stops at the horizon
        x_range = Range1d(
            start=max(start, first).to_pydatetime(),
            end=min(end, last).to_pydatetime(),
            bounds=(first.to_pydatetime(), last.to_pydatetime()),
        )
        self.charts = [build_chart(spec, chart_data(spec, run, reference, None, compare), x_range) for spec in specs]

    @property
    def figures(self) -> list[figure]:
        return [c.figure for c in self.charts]

    def update(self, run: pd.DataFrame, reference: pd.DataFrame | None, bands: pd.DataFrame | None) -> None:
        """Draw a new run, reference and bands (or none)."""
        for chart in self.charts:
            chart.source.data = dict(chart_data(chart.spec, run, reference, bands, self.compare))
