"""The explorer's KPI cards: which KPIs, their values as text and their change against a reference run.

Every card comes from the KPI registry (:mod:`sim.results.kpis`): its headline KPIs, and the families
an analyst of an outage asks for by name (vehicles lost by cause, economic loss, suppliers' runway)
whenever the registry has them, so a KPI added to the registry shows up here without a change.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass
from typing import Any

from sim.results.formats import as_timestamp, money_text
from sim.results.kpis import COUNTS, HEADLINE, kpi, label, text

# registry KPIs shown beside the headline ones whenever a run reports them
CARD_FAMILIES = ("vehicles_lost_*", "economic_loss*", "*runway*")


@dataclass(frozen=True)
class Card:
    """One KPI card: the KPI's name, label, value as text, change against the reference as text (with
    ``same`` when unchanged), and the Monte Carlo range as text when replications have run."""

    name: str
    label: str
    value: str
    change: str
    same: bool
    spread: str = ""


def card_names(summary: dict[str, Any]) -> list[str]:
    """The KPIs shown as cards, in the registry's order (the summary's)."""
    return [
        name
        for name in summary
        if name in HEADLINE or (kpi(name) is not None and any(fnmatch.fnmatchcase(name, family) for family in CARD_FAMILIES))
    ]


def change_text(name: str, value: Any, reference: Any) -> tuple[str, bool]:
    """How ``value`` differs from ``reference`` in the KPI's unit (``3 days earlier``, ``+£12.0m``,
    ``-1,200``), and whether they are the same."""
    entry = kpi(name)
    unit = entry.unit if entry is not None else "number"
    if unit == "date":
        now, then = as_timestamp(value), as_timestamp(reference)
        if now is None and then is None:
            return "no change", True
        if now is None:
            return f"was {text(name, reference)}", False
        if then is None:
            return "reference: not reached", False
        days = (now - then).days
        if days == 0:
            return "no change", True
        span = f"{abs(days):,} day{'s' if abs(days) != 1 else ''}"
        return (f"{span} later" if days > 0 else f"{span} earlier"), False
    if not _number(value) or not _number(reference):
        return ("no change", True) if value == reference else (f"was {text(name, reference)}", False)
    delta = float(value) - float(reference)
    if delta == 0:
        return "no change", True
    if unit == "gbp":
        return ("+" if delta > 0 else "") + money_text(delta), False
    if unit == "days":
        return f"{delta:+,.0f} days", False
    if unit in COUNTS:
        return f"{round(delta):+,}", False
    return f"{delta:+,.3g}", False


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (isinstance(value, float) and math.isnan(value))


def cards(summary: dict[str, Any], reference: dict[str, Any], spread: dict[str, Any] | None = None) -> list[Card]:
    """A card per KPI of :func:`card_names`: value, change against ``reference``, and, given a Monte Carlo
    summary (KPI -> p05, p50, p95), the range that 90% of replications fell in."""
    out = []
    for name in card_names(summary):
        change, same = change_text(name, summary[name], reference.get(name))
        band = ""
        if spread and isinstance(spread.get(name), dict) and spread[name].get("n"):
            q = spread[name]
            band = f"90% of runs: {text(name, q['p05'])} to {text(name, q['p95'])}"
        out.append(Card(name, label(name), text(name, summary[name]), change, same, band))
    return out
