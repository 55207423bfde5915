"""Cross-reference and date-order rules: every name a scenario uses is defined, and every period is in order.

Each rule is a small function of a typed scenario returning :class:`Problem` records that name the
dotted field path; the loader adds the file and line. Dates here are calendar dates already known
to lie in :data:`sim.scenario.limits.FIRST_DATE` .. ``LAST_DATE``, so date arithmetic cannot overflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from sim.scenario.distributions import DateChoice, DateUniform
from sim.scenario.errors import Problem
from sim.scenario.schema import Scenario

Rule = Callable[[Scenario], list[Problem]]


def _unknown(path: str, names: list[str] | None, known: Mapping[str, Any], what: str) -> list[Problem]:
    """A problem for each of ``names`` that is not a key of ``known``."""
    out = []
    for i, name in enumerate(names or []):
        if name not in known:
            choices = ", ".join(sorted(known)) or "none defined"
            out.append(Problem(f"{path}.{i}", f"unknown {what} '{name}' (known: {choices})"))
    return out


def date_bounds(value: Any) -> tuple[date, date] | None:
    """The earliest and latest date a date or date distribution can take (None if not a date)."""
    if isinstance(value, date):
        return value, value
    if isinstance(value, DateUniform):
        return value.low, value.high
    if isinstance(value, DateChoice):
        return min(value.values), max(value.values)
    return None


def outage_systems_exist(s: Scenario) -> list[Problem]:
    """An outage takes down only systems the scenario defines (a typo would leave a system running)."""
    p: list[Problem] = []
    for name, outage in s.outages.items():
        p += _unknown(f"outages.{name}.systems", outage.systems, s.systems, "system")
    return p


def outages_start_in_horizon(s: Scenario) -> list[Problem]:
    """Every outage starts inside the simulated horizon (one outside it would silently never happen)."""
    end = s.start_date + timedelta(days=s.horizon_days - 1)
    p: list[Problem] = []
    for name, outage in s.outages.items():
        start = date_bounds(outage.start)
        if start and (start[0] < s.start_date or start[1] > end):
            span = f"{start[0]}" + (f" to {start[1]}" if start[1] != start[0] else "")
            p.append(Problem(f"outages.{name}.start", f"must lie within the horizon {s.start_date} to {end}, got {span}"))
    return p


def restores_follow_their_outage(s: Scenario) -> list[Problem]:
    """An outage restores only systems it took down, never before it starts, in steps in date order."""
    p: list[Problem] = []
    for name, outage in s.outages.items():
        start = date_bounds(outage.start)
        for sys_name, steps in outage.restore.items():
            base = f"outages.{name}.restore.{sys_name}"
            if sys_name not in outage.systems:
                p.append(Problem(base, "restores a system this outage does not take down"))
            previous: date | None = None
            for i, step in enumerate(steps):
                on = date_bounds(step.date)
                if on and start and on[0] < start[1]:
                    p.append(Problem(f"{base}.{i}.date", f"restart {on[0]} is before its outage starts ({start[1]})"))
                if on and previous and on[0] < previous:
                    p.append(Problem(f"{base}.{i}.date", "restore steps must be in date order"))
                previous = on[1] if on else previous
    return p


def plant_references_exist(s: Scenario) -> list[Problem]:
    """A plant depends only on systems and part families the scenario defines."""
    p: list[Problem] = []
    for name, plant in s.plants.items():
        base = f"plants.{name}"
        p += _unknown(f"{base}.systems", plant.systems, s.systems, "system")
        p += _unknown(f"{base}.call_off_systems", plant.call_off_systems, s.systems, "system")
        p += _unknown(f"{base}.part_families", plant.part_families, s.part_families, "part family")
    return p


def engines_come_from_engine_plants(s: Scenario) -> list[Problem]:
    """``engines_from`` names an engine plant, and only a vehicle plant takes engines."""
    p: list[Problem] = []
    for name, plant in s.plants.items():
        if plant.engines_from is None:
            continue
        path = f"plants.{name}.engines_from"
        source = s.plants.get(plant.engines_from)
        if source is None:
            p.append(Problem(path, f"unknown plant '{plant.engines_from}' (known: {', '.join(sorted(s.plants))})"))
        elif source.kind != "engine":
            p.append(Problem(path, f"'{plant.engines_from}' is not an engine plant"))
        if plant.kind == "engine":
            p.append(Problem(path, "an engine plant cannot take engines from another"))
    return p


def engine_plants_feed_a_plant(s: Scenario) -> list[Problem]:
    """Every engine plant feeds some vehicle plant (an unconnected one would build engines for nobody)."""
    engine_plants = {n for n, pl in s.plants.items() if pl.kind == "engine"}
    fed = {pl.engines_from for pl in s.plants.values() if pl.engines_from}
    return [
        Problem(f"plants.{n}", "engine plant feeds no vehicle plant (set engines_from on one)") for n in sorted(engine_plants - fed)
    ]


def shutdowns_in_order(s: Scenario) -> list[Problem]:
    """A planned shutdown ends on or after the day it starts."""
    return [
        Problem(f"plants.{name}.shutdowns.{i}.last", f"{sd.last} is before first {sd.first}")
        for name, plant in s.plants.items()
        for i, sd in enumerate(plant.shutdowns)
        if sd.last < sd.first
    ]


def plants_work_some_day(s: Scenario) -> list[Problem]:
    """A plant works on at least one weekday (one with none could never build)."""
    return [
        Problem(f"plants.{name}.working_days", "needs at least one working day")
        for name, plant in s.plants.items()
        if not plant.working_days
    ]


def supplier_systems_exist(s: Scenario) -> list[Problem]:
    """A supplier depends only on systems the scenario defines."""
    p: list[Problem] = []
    for name, sup in s.suppliers.items():
        p += _unknown(f"suppliers.{name}.systems", sup.systems, s.systems, "system")
    return p


def suppliers_have_one_price(s: Scenario) -> list[Problem]:
    """A tier-1 supplier has a unit price; a tier-2 supplier has a unit price or a share of its customer's."""
    p: list[Problem] = []
    for name, sup in s.suppliers.items():
        if (sup.unit_price_gbp is None) == (sup.customer_price_share is None or sup.tier == 1):
            need = "unit_price_gbp" if sup.tier == 1 else "one of unit_price_gbp or customer_price_share"
            p.append(Problem(f"suppliers.{name}.unit_price_gbp", f"give {need}"))
    return p


def tier1_suppliers_make_a_used_family(s: Scenario) -> list[Problem]:
    """A tier-1 supplier makes a defined part family that some plant uses, and has no customers of its own."""
    used = {f for pl in s.plants.values() for f in pl.part_families}
    p: list[Problem] = []
    for name, sup in s.suppliers.items():
        if sup.tier != 1:
            continue
        path = f"suppliers.{name}.part_family"
        if sup.part_family is None:
            p.append(Problem(path, "a tier-1 supplier needs a part_family"))
        elif sup.part_family not in s.part_families:
            p.append(Problem(path, _unknown(path, [sup.part_family], s.part_families, "part family")[0].message))
        elif sup.part_family not in used:
            p.append(Problem(path, f"no plant uses part family '{sup.part_family}'"))
        if sup.customers:
            p.append(Problem(f"suppliers.{name}.customers", "only tier-2 suppliers have customers"))
    return p


def tier2_suppliers_feed_tier1_entries(s: Scenario) -> list[Problem]:
    """A tier-2 supplier feeds tier-1 supplier entries (its customers), not part families."""
    tier1 = {n for n, sp in s.suppliers.items() if sp.tier == 1}
    p: list[Problem] = []
    for name, sup in s.suppliers.items():
        if sup.tier != 2:
            continue
        base = f"suppliers.{name}"
        if not sup.customers:
            p.append(Problem(f"{base}.customers", "a tier-2 supplier needs customers (tier-1 supplier entries)"))
        p += [
            Problem(f"{base}.customers.{i}", f"'{c}' is not a tier-1 supplier entry")
            for i, c in enumerate(sup.customers or [])
            if c not in tier1
        ]
        if sup.part_family is not None:
            p.append(Problem(f"{base}.part_family", "tier-2 suppliers feed tier-1 suppliers, not part families"))
    return p


def functions_name_known_systems(s: Scenario) -> list[Problem]:
    """The parts centre, payables and sales depend only on systems the scenario defines."""
    p: list[Problem] = []
    for section in ("parts_centre", "payables", "sales"):
        spec = getattr(s, section)
        if spec is not None:
            p += _unknown(f"{section}.systems", spec.systems, s.systems, "system")
    return p


def _ends_before_start(start: Any, end: Any) -> bool:
    a, b = date_bounds(start), date_bounds(end) if end is not None else None
    return bool(a and b and b[0] < a[1])


def schemes_end_after_they_start(s: Scenario) -> list[Problem]:
    """A manual team or a short-time-work scheme does not end before it starts."""
    p = [
        Problem(f"payables.manual_teams.{name}.end", "ends before it starts")
        for name, team in s.payables.manual_teams.items()
        if _ends_before_start(team.start, team.end)
    ]
    stw = s.interventions.short_time_work
    if stw is not None and _ends_before_start(stw.start, stw.end):
        p.append(Problem("interventions.short_time_work.end", "ends before it starts"))
    return p


REFERENCE_RULES: tuple[Rule, ...] = (
    outage_systems_exist,
    outages_start_in_horizon,
    restores_follow_their_outage,
    plant_references_exist,
    engines_come_from_engine_plants,
    engine_plants_feed_a_plant,
    shutdowns_in_order,
    plants_work_some_day,
    supplier_systems_exist,
    suppliers_have_one_price,
    tier1_suppliers_make_a_used_family,
    tier2_suppliers_feed_tier1_entries,
    functions_name_known_systems,
    schemes_end_after_they_start,
)
