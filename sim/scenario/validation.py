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
from sim.scenario.references import REFERENCE_RULES
from sim.scenario.schema import Scenario

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
    "layoff_share": SHARE,
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


RULES: tuple[Rule, ...] = (check_ranges, *REFERENCE_RULES, *CAPACITY_RULES)


def check_scenario(scenario: Scenario) -> list[Problem]:
    """All problems with a parsed scenario (empty when it is valid).

    Non-finite numbers and dates outside the calendar are reported alone: the other rules compare
    numbers and add days to dates, which such values would defeat (NaN) or overflow.
    """
    problems = [p for rule in GATE_RULES for p in rule(scenario)]
    if problems:
        return problems
    return [p for rule in RULES for p in rule(scenario)]
