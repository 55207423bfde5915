"""What a run's figures need to know about its scenario beyond its tables: a title for readers, the systems
each figure's quantities depend on, and the OEM's cash floor.

Built from the resolved scenario (as saved in ``scenario.yaml``), so a run and a redraw of its folder draw
the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TITLE_CHARS = 80


@dataclass(frozen=True)
class FigureContext:
    """A scenario's title for readers, the systems each figure depends on (figure name -> system names; a
    figure not listed shows every system's events), the OEM's cash floor in GBP (None if it has none), and for
    the report's scenario and assumptions the resolved scenario data and the values drawn for the run."""

    title: str
    systems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cash_floor_gbp: float | None = None
    name: str = ""  # the scenario's name (its key in files and notes)
    scenario: Mapping[str, Any] = field(default_factory=dict)  # as saved in scenario.yaml
    draws: Mapping[str, Any] = field(default_factory=dict)  # as saved in draws.json


def scenario_title(description: Any, name: str) -> str:
    """A short title for readers: the description's first clause (before a colon or the first sentence's
    end), or the scenario's name when it has no description."""
    text = " ".join(str(description or "").split())
    if not text:
        return name
    head = re.split(r":\s|\.\s|\.$", text, maxsplit=1)[0].strip()
    if len(head) > TITLE_CHARS:
        head = head[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return head or name


def _names(items: Any) -> list[str]:
    return [str(s) for s in items or []]


def figure_systems(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The systems each run figure's quantities depend on, from scenario data: the invoice backlog on the
    payables' systems, the parts backlog on the parts centre's, production on the plants', their call-offs'
    and the suppliers' own, cash on sales' and payables'."""
    plants = (data.get("plants") or {}).values()
    suppliers = (data.get("suppliers") or {}).values()
    production = [s for p in plants for s in _names(p.get("systems")) + _names(p.get("call_off_systems"))]
    production += [s for g in suppliers for s in _names(g.get("systems"))]
    payables = _names((data.get("payables") or {}).get("systems"))
    sales = _names((data.get("sales") or {}).get("systems"))
    out = {
        "invoice_backlog": payables,
        "parts_backlog": _names((data.get("parts_centre") or {}).get("systems")),
        "production_recovery": production,
        "cash": sales + payables,
    }
    return {figure: tuple(dict.fromkeys(names)) for figure, names in out.items()}


def cash_floor(data: Mapping[str, Any]) -> float | None:
    """The OEM's cash floor (GBP): the highest level below which it draws a credit facility; None without one."""
    facilities = ((data.get("treasury") or {}).get("facilities") or {}).values()
    floors = [_number(f.get("draw_below_gbp")) for f in facilities if isinstance(f, Mapping)]
    known = [f for f in floors if f is not None]
    return max(known) if known else None


def _number(value: Any) -> float | None:
    """A number, or a constant distribution's value; None for anything else (a drawn value is not known here)."""
    if isinstance(value, Mapping) and value.get("dist") == "constant":
        value = value.get("value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def figure_context(data: Mapping[str, Any] | None, name: str = "", draws: Mapping[str, Any] | None = None) -> FigureContext:
    """The figures' context from resolved scenario data (None: a title only, from ``name``) and the run's draws."""
    if not data:
        return FigureContext(name, name=name, draws=draws or {})
    name = str(data.get("name") or name)
    return FigureContext(
        scenario_title(data.get("description"), name), figure_systems(data), cash_floor(data), name, data, draws or {}
    )
