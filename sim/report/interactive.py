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
from bokeh.resources import INLINE

from sim.report.charts import Charts, chart_specs, chart_window, key_html

STYLE = ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:.6rem 1.2rem;margin:.4rem 0}" \
        ".chart-key{font-size:.85rem;color:#444;margin:.3rem 0}"
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


def interactive_charts(daily: pd.DataFrame, summary: Mapping[str, Any],
                       vehicle_plants: Sequence[str]) -> InteractiveCharts:
    """The run's charts against its baseline, opening on the weeks around the outage: the invoice backlog
    clearance curve, production recovery per plant, the OEM's cash, supplier runway and the parts centre's backlog."""
    specs = chart_specs(list(daily.columns), vehicle_plants, parts_centre=True)
    figures = Charts(specs, daily, None, chart_window(summary), compare=False).figures
    script, divs = components(figures)
    bundle = bundle_for_objs_and_resources(figures, INLINE)  # only the parts of BokehJS these charts use
    *divs, script = stable_ids([*divs, script])
    body = f"<style>{STYLE}</style>{key_html(compare=False)}<div class='charts'>{''.join(divs)}</div>"
    return InteractiveCharts(body, bundle.scripts() + script)
