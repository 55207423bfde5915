"""Rules a well-typed scenario must still satisfy: ranges, cross-references, date order.

Each rule returns :class:`Problem` records naming the dotted field path; the loader adds the
file and line. Ranges are checked on constants and on the support of distributions, and again
on drawn values when a scenario is realised.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from sim.scenario.distributions import Choice, Constant, DateChoice, DateUniform, LogNormal, Normal, Triangular, Uniform
from sim.scenario.errors import Problem
from sim.scenario.schema import Scenario, ScenarioSpec

SHARE = (0.0, 1.0)
NONNEG = (0.0, math.inf)
# field name -> (lowest, highest) allowed value
RANGES: dict[str, tuple[float, float]] = {
    "capacity": SHARE,
    "manual_capacity": SHARE,
    "oem_revenue_share": (1e-6, 1.0),
    "variable_cost_share": SHARE,
    "fixed_cost_share": SHARE,
    "payroll_share": SHARE,
    "prepay_share": SHARE,
    "payroll_share_covered": SHARE,
    "min_idle_share": SHARE,
    "lead_time_days": (1.0, 365.0),
    "payment_terms_days": (0.0, 730.0),
    "settlement_days": (0.0, 365.0),
    "resourcing_lead_time_days": (0.0, 3650.0),
    "days_after_order": (0.0, 365.0),
    "after_days": (0.0, 3660.0),
    "recovery_boost": (1.0, 100.0),
    "annual_interest_rate": (0.0, 1.0),
    "annual_cost_rate": (0.0, 1.0),
    "parts_per_unit": (0.0, 1e6),
    "customer_price_share": SHARE,
    "source_share": SHARE,
    "surge_share": SHARE,
    "qualification_days": (0.0, 3650.0),
    "tooling_move_days": (0.0, 3650.0),
    "support_cushion_days": (0.0, 3650.0),
    "runway_days": (0.0, 3650.0),
    "short_time_pay_share": SHARE,
    "short_time_max_share": SHARE,
    "recall_days": (0.0, 3650.0),
    "redundancy_share": SHARE,
    "redundancy_pay_weeks": (0.0, 520.0),
    "max_pay_late_days": (0.0, 3650.0),
    "share": SHARE,
    "transit_days": (0.0, 365.0),
}
MAX_AMOUNT = 1e13  # a bound on any single number: beyond it integer-pence totals could overflow


def _support(value: Any) -> tuple[float, float] | None:
    """The smallest and largest value a number or distribution can take (None if not numeric)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if isinstance(value, Constant):
        return value.value, value.value
    if isinstance(value, (Uniform, Triangular)):
        return value.low, value.high
    if isinstance(value, Choice):
        return min(value.values), max(value.values)
    if isinstance(value, (Normal, LogNormal)):
        floor = -math.inf if isinstance(value, Normal) else 0.0
        lo = value.low if value.low is not None else floor
        hi = value.high if value.high is not None else math.inf
        return lo, hi
    return None


def _walk(model: BaseModel, prefix: str) -> Iterator[tuple[str, str, Any]]:
    """Every (path, field name, value) below a model, descending into models, dicts and lists."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        yield path, name, value
        if isinstance(value, BaseModel) and not isinstance(value, (Constant, Uniform, Triangular, Normal, LogNormal, Choice)):
            yield from _walk(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _walk(item, f"{path}.{key}")
                elif isinstance(item, list):
                    yield from _walk_list(item, f"{path}.{key}")
        elif isinstance(value, list):
            yield from _walk_list(value, path)


def _walk_list(items: list[Any], path: str) -> Iterator[tuple[str, str, Any]]:
    for i, item in enumerate(items):
        if isinstance(item, BaseModel):
            yield from _walk(item, f"{path}.{i}")


def check_ranges(scenario: Scenario) -> list[Problem]:
    problems = []
    for path, name, value in _walk(scenario, ""):
        support = _support(value)
        if support is None:
            continue
        lo, hi = support
        low, high = RANGES.get(name, NONNEG)
        if name in {"mean", "median", "sd", "sigma"}:
            continue
        if lo < low or hi > high:
            what = f"{lo:g}" if lo == hi else f"values from {lo:g} to {hi:g}"
            rule = f"must be between {low:g} and {high:g}" if high < math.inf else f"must be >= {low:g}"
            if isinstance(value, Normal) and value.low is None and low > -math.inf:
                what += " (a normal distribution needs 'low' to stay in range)"
            problems.append(Problem(path, f"{rule}, got {what}"))
        elif max(abs(lo), abs(hi) if hi < math.inf else 0) > MAX_AMOUNT:
            problems.append(Problem(path, f"must be at most {MAX_AMOUNT:g} in size, got {hi:g}"))
    return problems


def _unknown(path: str, names: list[str] | None, known: dict[str, Any], what: str) -> list[Problem]:
    out = []
    for i, name in enumerate(names or []):
        if name not in known:
            choices = ", ".join(sorted(known)) or "none defined"
            out.append(Problem(f"{path}.{i}", f"unknown {what} '{name}' (known: {choices})"))
    return out


def _date_bounds(value: Any) -> tuple[date, date] | None:
    if isinstance(value, date):
        return value, value
    if isinstance(value, DateUniform):
        return value.low, value.high
    if isinstance(value, DateChoice):
        return min(value.values), max(value.values)
    return None


def check_references(s: Scenario) -> list[Problem]:
    p: list[Problem] = []
    end = s.start_date + timedelta(days=s.horizon_days - 1)
    for name, outage in s.outages.items():
        base = f"outages.{name}"
        p += _unknown(f"{base}.systems", outage.systems, s.systems, "system")
        start = _date_bounds(outage.start)
        if start and (start[0] < s.start_date or start[1] > end):
            p.append(Problem(f"{base}.start", f"must lie within the horizon {s.start_date} to {end}, got {start[0]}"
                             + (f" to {start[1]}" if start[1] != start[0] else "")))
        for sys_name, steps in outage.restore.items():
            if sys_name not in outage.systems:
                p.append(Problem(f"{base}.restore.{sys_name}", "restores a system this outage does not take down"))
            previous: date | None = None
            for i, step in enumerate(steps):
                on = _date_bounds(step.date)
                if on and start and on[0] < start[1]:
                    p.append(Problem(f"{base}.restore.{sys_name}.{i}.date",
                                     f"restart {on[0]} is before its outage starts ({start[1]})"))
                if on and previous and on[0] < previous:
                    p.append(Problem(f"{base}.restore.{sys_name}.{i}.date", "restore steps must be in date order"))
                previous = on[1] if on else previous
    for name, plant in s.plants.items():
        base = f"plants.{name}"
        p += _unknown(f"{base}.systems", plant.systems, s.systems, "system")
        p += _unknown(f"{base}.call_off_systems", plant.call_off_systems, s.systems, "system")
        p += _unknown(f"{base}.part_families", plant.part_families, s.part_families, "part family")
        if plant.engines_from is not None:
            source = s.plants.get(plant.engines_from)
            if source is None:
                p += _unknown(f"{base}.engines_from", [plant.engines_from], s.plants, "plant")
            elif source.kind != "engine":
                p.append(Problem(f"{base}.engines_from", f"'{plant.engines_from}' is not an engine plant"))
            if plant.kind == "engine":
                p.append(Problem(f"{base}.engines_from", "an engine plant cannot take engines from another"))
        for sd_i, sd in enumerate(plant.shutdowns):
            if sd.last < sd.first:
                p.append(Problem(f"{base}.shutdowns.{sd_i}.last", f"{sd.last} is before first {sd.first}"))
        if not plant.working_days:
            p.append(Problem(f"{base}.working_days", "needs at least one working day"))
    engine_plants = {n for n, pl in s.plants.items() if pl.kind == "engine"}
    fed = {pl.engines_from for pl in s.plants.values() if pl.engines_from}
    for n in sorted(engine_plants - fed):
        p.append(Problem(f"plants.{n}", "engine plant feeds no vehicle plant (set engines_from on one)"))
    used_families = {f for pl in s.plants.values() for f in pl.part_families}
    tier1 = {n for n, sp in s.suppliers.items() if sp.tier == 1}
    for name, sup in s.suppliers.items():
        base = f"suppliers.{name}"
        p += _unknown(f"{base}.systems", sup.systems, s.systems, "system")
        if (sup.unit_price_gbp is None) == (sup.customer_price_share is None or sup.tier == 1):
            need = "unit_price_gbp" if sup.tier == 1 else "one of unit_price_gbp or customer_price_share"
            p.append(Problem(f"{base}.unit_price_gbp", f"give {need}"))
        if sup.tier == 1:
            if sup.part_family is None:
                p.append(Problem(f"{base}.part_family", "a tier-1 supplier needs a part_family"))
            elif sup.part_family not in s.part_families:
                p += _unknown(f"{base}", [sup.part_family], s.part_families, "part family")[:1]
                p[-1] = Problem(f"{base}.part_family", p[-1].message)
            elif sup.part_family not in used_families:
                p.append(Problem(f"{base}.part_family", f"no plant uses part family '{sup.part_family}'"))
            if sup.customers:
                p.append(Problem(f"{base}.customers", "only tier-2 suppliers have customers"))
        else:
            if not sup.customers:
                p.append(Problem(f"{base}.customers", "a tier-2 supplier needs customers (tier-1 supplier entries)"))
            for i, c in enumerate(sup.customers or []):
                if c not in tier1:
                    p.append(Problem(f"{base}.customers.{i}", f"'{c}' is not a tier-1 supplier entry"))
            if sup.part_family is not None:
                p.append(Problem(f"{base}.part_family", "tier-2 suppliers feed tier-1 suppliers, not part families"))
    for section in ("parts_centre", "payables", "sales"):
        spec = getattr(s, section)
        if spec is not None:
            p += _unknown(f"{section}.systems", spec.systems, s.systems, "system")
    for name, team in s.payables.manual_teams.items():
        a, b = _date_bounds(team.start), _date_bounds(team.end) if team.end is not None else None
        if a and b and b[0] < a[1]:
            p.append(Problem(f"payables.manual_teams.{name}.end", "ends before it starts"))
    stw = s.interventions.short_time_work
    if stw is not None and stw.end is not None:
        a, b = _date_bounds(stw.start), _date_bounds(stw.end)
        if a and b and b[0] < a[1]:
            p.append(Problem("interventions.short_time_work.end", "ends before it starts"))
    return p


def check_markets(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """Vehicles must have somewhere to go: when markets are given, at least one can take a share."""
    markets = s.sales.markets
    if markets and all((_support(m.share) or (0.0, 0.0))[1] <= 0 for m in markets.values()):
        return [Problem("sales.markets", "every market's share is zero: vehicles built would go nowhere")]
    return []


def check_draw_order(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """The draw policy's order names each facility at most once, and only facilities that exist."""
    order = s.treasury.draw_policy.order
    p = _unknown("treasury.draw_policy.order", order, s.treasury.facilities, "facility")
    p += [Problem(f"treasury.draw_policy.order.{i}", f"'{name}' is listed twice")
          for i, name in enumerate(order) if name in order[:i]]
    return p


def check_repay_margin(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """Drawings are repaid only from cash above the floor plus a margin at least the minimum draw, so that
    a draw is not repaid the next day."""
    policy = s.treasury.draw_policy
    margin, least = _support(policy.repay_margin_gbp), _support(policy.minimum_draw_gbp)
    if policy.repay == "never" or margin is None or least is None or margin[0] >= least[1]:
        return []
    return [Problem("treasury.draw_policy.repay_margin_gbp",
                    f"must be at least minimum_draw_gbp ({least[1]:g}) when drawings are repaid, got {margin[0]:g}")]


def check_incident_costs(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """An incident cost is paid over a date range that does not end before it begins."""
    p = []
    for name, outage in s.outages.items():
        for key, cost in outage.costs.items():
            a, b = _date_bounds(cost.first), _date_bounds(cost.last)
            if a and b and b[0] < a[1]:
                p.append(Problem(f"outages.{name}.costs.{key}.last", f"{b[0]} is before first {a[1]}"))
    return p


# rules on where vehicles go and how the OEM's money moves
SALES_AND_TREASURY_RULES = (check_markets, check_draw_order, check_repay_margin, check_incident_costs)


def check_scenario(scenario: ScenarioSpec[Any, Any]) -> list[Problem]:
    """All problems with a parsed scenario (empty when it is valid)."""
    from sim.scenario.sourcing_rules import check_sourcing

    return check_ranges(scenario) + check_references(scenario) + check_sourcing(scenario) + \
        [problem for rule in SALES_AND_TREASURY_RULES for problem in rule(scenario)]
