"""Events on figures: which figures show each kind of event, in which colour and under which name.

:data:`EVENT_KINDS` is the one table: a new kind of event is one line there. A kind not in the table is
shown on no figure. Outages and restores name systems; a figure shows them only for the systems its
quantities depend on (when it is told which: see :mod:`sim.report.context`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sim.results.formats import money_text

Dash = Literal["-", "--", ":", "-."]
FIGURES = ("invoice_backlog", "parts_backlog", "production_recovery", "cash")


@dataclass(frozen=True)
class EventKind:
    """How one kind of event is drawn: its name in the colour key, colour, line style, the figures showing it,
    and whether its entities are systems (so a figure shows only the systems it depends on)."""

    label: str
    colour: str
    dash: Dash
    figures: frozenset[str]
    systems: bool = False


def on(*figures: str) -> frozenset[str]:
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown figure(s) {sorted(unknown)}; figures are {FIGURES}")
    return frozenset(figures)


ALL = on(*FIGURES)
PRODUCTION, CASH, INVOICES = "production_recovery", "cash", "invoice_backlog"
EVENT_KINDS: dict[str, EventKind] = {
    "outage": EventKind("outage", "#d62728", "-", ALL, systems=True),
    "restore": EventKind("systems back", "#2ca02c", "-", ALL, systems=True),
    "manual_team_start": EventKind("manual team starts", "#9467bd", "--", on(INVOICES)),
    "scheme_start": EventKind("support scheme starts", "#ff7f0e", "--", on(INVOICES, PRODUCTION, CASH)),
    "facility_available": EventKind("credit available", "#8c564b", ":", on(CASH)),
    "facility_draw": EventKind("credit drawn", "#8c564b", "--", on(CASH)),
    "facility_repay": EventKind("credit repaid", "#8c564b", "-.", on(CASH)),
    "incident_cost": EventKind("incident costs paid", "#7f7f7f", "-.", on(CASH)),
    "insolvency": EventKind("supplier insolvent", "#222222", "-", on(PRODUCTION, CASH)),
    "replacement": EventKind("supplier replaced", "#1b7837", "--", on(PRODUCTION, CASH)),
    "rescue": EventKind("supplier rescued", "#e377c2", "--", on(PRODUCTION, CASH)),
    "kept_trading": EventKind("supplier kept trading", "#e377c2", ":", on(PRODUCTION, CASH)),
    "tooling_moved": EventKind("tooling moved", "#17becf", ":", on(PRODUCTION)),
    "resourced": EventKind("part re-sourced", "#1b7837", ":", on(PRODUCTION)),
    "line_stop": EventKind("line stops", "#d62728", "--", on(PRODUCTION)),
    "line_restart": EventKind("line restarts", "#2ca02c", "--", on(PRODUCTION)),
    "recall": EventKind("recall", "#6a3d9a", "-.", on(PRODUCTION, CASH)),
    # one event per supplier and day (thousands in a run): counted in the tables, not drawn as lines
    "layoff": EventKind("supplier lays off staff", "#bcbd22", ":", frozenset()),
    "furlough": EventKind("supplier furloughs staff", "#bcbd22", ":", frozenset()),
    "redundancy": EventKind("supplier makes staff redundant", "#bcbd22", ":", frozenset()),
}
OTHER = EventKind("other", "#555555", "-.", frozenset())

Group = tuple[pd.Timestamp, str, str]  # (date, kind, description): the events of one kind on one date


def kind_of(name: str) -> EventKind:
    return EVENT_KINDS.get(name, OTHER)


def entity_names(entities: Iterable[str]) -> str:
    """``a, b and c``."""
    items = list(entities)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_events(kind: str, rows: pd.DataFrame, total: int | None = None) -> str:
    """One line for the events of one kind on one date, e.g. ``back: supplier_invoicing 46%, gplc_warehouse``.

    ``total`` is the number of systems an outage took down when only some of them are described."""
    entities = [str(e) for e in rows["entity"]]
    values = [float(v) for v in rows["value"]]
    details = [str(d) for d in rows["detail"]]
    pairs = list(zip(entities, values, strict=True))
    if kind == "outage":
        others = (total or len(entities)) - len(entities)
        down = entity_names(entities) + (f" (and {others} other systems)" if others > 0 else "")
        return f"outage '{details[0]}': {down} down"
    if kind == "restore":
        return "back: " + entity_names([e if v >= 1 else f"{e} at {v:.0%}" for e, v in pairs])
    if kind == "manual_team_start":
        return "; ".join(f"manual team {e} starts ({v:,.0f} staff)" for e, v in pairs)
    if kind == "scheme_start":
        out = []
        for (e, v), d in zip(pairs, details, strict=True):
            size = money_text(v) if d.endswith("gbp") else f"{v:.0%}" if d == "share" else f"{v:g}"
            out.append(f"{e.replace('_', ' ')} scheme starts ({size})")
        return "; ".join(out)
    if kind in ("facility_available", "facility_draw", "facility_repay", "incident_cost"):
        verb = {
            "facility_available": "facility available",
            "facility_draw": "drawn",
            "facility_repay": "repaid",
            "incident_cost": "incident cost",
        }[kind]
        return "; ".join(f"{e} {verb} ({money_text(v)})" for e, v in pairs)
    if kind == "insolvency":
        return "insolvent: " + entity_names(
            [f"{e} ({v:,.0f} jobs)" if d == "jobs" else e for (e, v), d in zip(pairs, details, strict=True)]
        )
    return f"{kind_of(kind).label}: {entity_names(entities)}"


def event_groups(events: pd.DataFrame | None, figure: str, systems: Collection[str] | None = None) -> list[Group]:
    """(date, kind, description) of the events ``figure`` shows, one per date and kind, in date order.

    ``systems``: the systems the figure's quantities depend on; outages and restores of other systems are
    left out (all are shown when None)."""
    if events is None or events.empty:
        return []
    kinds = [k for k, spec in EVENT_KINDS.items() if figure in spec.figures]
    chosen = events[events["kind"].isin(kinds)]
    groups = []
    for (day, kind), rows in chosen.groupby(["date", "kind"], sort=False):
        kind = str(kind)
        total = len(rows)
        if systems is not None and EVENT_KINDS[kind].systems:
            rows = rows[rows["entity"].isin(list(systems))]
            if rows.empty:
                continue
        groups.append((pd.Timestamp(str(day)), kind, describe_events(kind, rows, total)))
    return sorted(groups, key=lambda g: (g[0], kinds.index(g[1])))
