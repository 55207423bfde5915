"""Rules a well-typed scenario must still satisfy: finite numbers and dates in the calendar, ranges,
cross-references and date order, and limits on size (population, money, counts).

Each rule is a function of a typed scenario returning :class:`Problem` records naming the dotted
field path; the loader adds the file and line. Ranges are checked on constants and on the support
of distributions, and again on drawn values when a scenario is realised. The rules themselves live
by theme: ranges here, cross-references in :mod:`sim.scenario.references`, the limits of what a run
computes exactly in :mod:`sim.scenario.limits`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sim.scenario.distributions import Choice, Constant, LogNormal, Normal, Triangular, Uniform
from sim.scenario.errors import Problem
from sim.scenario.limits import CAPACITY_RULES, GATE_RULES, Rule, support
from sim.scenario.references import REFERENCE_RULES, _unknown, date_bounds
from sim.scenario.schema import Scenario, ScenarioSpec
from sim.scenario.sourcing_rules import SOURCING_RULES

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
    "downstream_multiplier": (0.0, 10.0),
    "affected_revenue_share": SHARE,
}
MAX_AMOUNT = 1e13  # a bound on any single number: beyond it integer-pence totals could overflow


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
    """Every number, and the whole support of every distribution, lies in its field's range (RANGES, else >= 0),
    and no single number exceeds MAX_AMOUNT in size."""
    problems = []
    for path, name, value in _walk(scenario, ""):
        support_ = support(value)
        if support_ is None:
            continue
        lo, hi = support_
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


def check_references(scenario: Scenario) -> list[Problem]:
    """Every cross-reference and date-order rule (:data:`sim.scenario.references.REFERENCE_RULES`)."""
    return [p for rule in REFERENCE_RULES for p in rule(scenario)]


def check_markets(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """Vehicles must have somewhere to go: when markets are given, at least one can take a share."""
    markets = s.sales.markets
    if markets and all((support(m.share) or (0.0, 0.0))[1] <= 0 for m in markets.values()):
        return [Problem("sales.markets", "every market's share is zero: vehicles built would go nowhere")]
    return []


def check_draw_order(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """The draw policy's order names each facility at most once, and only facilities that exist."""
    order = s.treasury.draw_policy.order
    p = _unknown("treasury.draw_policy.order", order, s.treasury.facilities, "facility")
    p += [
        Problem(f"treasury.draw_policy.order.{i}", f"'{name}' is listed twice") for i, name in enumerate(order) if name in order[:i]
    ]
    return p


def check_repay_margin(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """Drawings are repaid only from cash above the floor plus a margin at least the minimum draw, so that
    a draw is not repaid the next day."""
    policy = s.treasury.draw_policy
    margin, least = support(policy.repay_margin_gbp), support(policy.minimum_draw_gbp)
    if policy.repay == "never" or margin is None or least is None or margin[0] >= least[1]:
        return []
    return [
        Problem(
            "treasury.draw_policy.repay_margin_gbp",
            f"must be at least minimum_draw_gbp ({least[1]:g}) when drawings are repaid, got {margin[0]:g}",
        )
    ]


def check_incident_costs(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """An incident cost is paid over a date range that does not end before it begins."""
    p = []
    for name, outage in s.outages.items():
        for key, cost in outage.costs.items():
            a, b = date_bounds(cost.first), date_bounds(cost.last)
            if a and b and b[0] < a[1]:
                p.append(Problem(f"outages.{name}.costs.{key}.last", f"{b[0]} is before first {a[1]}"))
    return p


# rules on where vehicles go and how the OEM's money moves
SALES_AND_TREASURY_RULES = (check_markets, check_draw_order, check_repay_margin, check_incident_costs)
RULES: tuple[Rule, ...] = (check_ranges, *REFERENCE_RULES, *SOURCING_RULES, *SALES_AND_TREASURY_RULES, *CAPACITY_RULES)


def check_scenario(scenario: ScenarioSpec[Any, Any]) -> list[Problem]:
    """All problems with a parsed scenario (empty when it is valid).

    Non-finite numbers and dates outside the calendar are reported alone: the other rules compare
    numbers and add days to dates, which such values would defeat (NaN) or overflow.
    """
    problems = [p for rule in GATE_RULES for p in rule(scenario)]
    if problems:
        return problems
    return [p for rule in RULES for p in rule(scenario)]
