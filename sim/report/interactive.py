"""The report's interactive charts: a run's Bokeh charts (:mod:`sim.report.charts`: hover for values, drag to
pan, box to zoom, the x axes zoomed together) with BokehJS written into the page itself, never fetched from
a CDN, so report.html works offline.

Needs Bokeh (the extras ``supplysim[report]`` or ``supplysim[serve]``); :mod:`sim.report.html` imports this
module only when Bokeh is there, and shows the PNG figures in its place otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from bokeh.embed import components
from bokeh.embed.bundle import bundle_for_objs_and_resources
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.resources import INLINE

from sim.report.charts import Chart, Charts, chart_specs, chart_window, key_html
from sim.report.events import EVENT_KINDS, event_groups

STYLE = (
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:.6rem 1.2rem;margin:.4rem 0}"
    ".chart-key{font-size:.85rem;color:#444;margin:.3rem 0}"
)
# the PNG figure whose events each chart marks (sim.report.events), and Bokeh's names for matplotlib's dashes
CHART_EVENTS = {
    "backlog": "invoice_backlog",
    "production": "production_recovery",
    "cash": "cash",
    "runway": "cash",
    "parts": "parts_backlog",
}
DASHES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dashdot"}
MODEL_ID = re.compile(r'"id":"(p\d+)"')
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@dataclass(frozen=True)
class InteractiveCharts:
    """The charts as HTML for the page's body, and the scripts that draw them (BokehJS, then the charts' data),
    put at the end of the page so the rest of it shows first."""

    html: str
    scripts: str


def stable_ids(texts: Sequence[str]) -> list[str]:
    """The texts with Bokeh's identifiers (``p1234`` for a model, a random UUID for the document and each chart's
    element) renumbered in order of first appearance, consistently across ``texts``, so the same charts give the
    same page in any process (Bokeh counts models per process and draws UUIDs afresh)."""
    models = {m for text in texts for m in MODEL_ID.findall(text)}
    names: dict[str, str] = {}
    counts = {"model": 0, "element": 0}

    def rename(match: re.Match[str]) -> str:
        model, old = match.group(1) is not None, match.group(1) or match.group(2)
        if model and old not in models:
            return match.group(0)  # a quoted text that only looks like an identifier
        if old not in names:
            kind = "model" if model else "element"
            counts[kind] += 1
            names[old] = f"p{counts[kind]}" if model else f"supplysim-chart-{counts[kind]}"
        return match.group(0).replace(old, names[old])

    pattern = re.compile(rf'"(p\d+)"|({UUID.pattern})')
    return [pattern.sub(rename, text) for text in texts]


def mark_events(chart: Chart, events: pd.DataFrame | None, systems: Mapping[str, Sequence[str]]) -> None:
    """Vertical lines on ``chart`` at the events its PNG figure shows (outages and restores of the systems it
    depends on, schemes, credit, insolvencies...), drawn as that figure draws them; hovering one says what happened.
    One glyph for all of them (a line's colour and dash are columns), as every glyph adds a dozen models to the page."""
    figure = CHART_EVENTS.get(chart.spec.key)
    groups = event_groups(events, figure, systems.get(figure)) if figure is not None else []
    if not groups:
        return
    source = ColumnDataSource(
        {
            "date": pd.DatetimeIndex([day for day, _, _ in groups]).to_numpy(),
            "event": [text for _, _, text in groups],
            "colour": [EVENT_KINDS[kind].colour for _, kind, _ in groups],
            "dash": [DASHES[EVENT_KINDS[kind].dash] for _, kind, _ in groups],
        }
    )
    spans = chart.figure.vspan("date", source=source, line_color="colour", line_dash="dash", line_width=1.5, line_alpha=0.7)
    chart.figure.add_tools(
        HoverTool(renderers=[spans], tooltips=[("event", "@date{%a %d %b %Y}: @event")], formatters={"@date": "datetime"})
    )


def interactive_charts(
    daily: pd.DataFrame,
    summary: Mapping[str, Any],
    vehicle_plants: Sequence[str],
    events: pd.DataFrame | None = None,
    systems: Mapping[str, Sequence[str]] | None = None,
) -> InteractiveCharts:
    """The run's charts against its baseline, opening on the weeks around the outage: the invoice backlog
    clearance curve, production recovery per plant, the OEM's cash, supplier runway and the parts centre's backlog,
    each marking the ``events`` its PNG figure marks (``systems``: the systems each figure depends on)."""
    specs = chart_specs(list(daily.columns), vehicle_plants, parts_centre=True)
    charts = Charts(specs, daily, None, chart_window(summary), compare=False)
    for chart in charts.charts:
        mark_events(chart, events, systems or {})
    figures = charts.figures
    script, divs = components(figures)
    bundle = bundle_for_objs_and_resources(figures, INLINE)  # only the parts of BokehJS these charts use
    *divs, script = stable_ids([*divs, script])
    key = key_html(compare=False).replace("· drag", "· vertical lines: events (hover one to see what happened) · drag")
    body = f"<style>{STYLE}</style>{key}<div class='charts'>{''.join(divs)}</div>"
    return InteractiveCharts(body, bundle.scripts() + script)
