"""Hand-checkable micro-scenarios: one plant working every day, one supplier, round numbers.

Normal day: the plant builds 100 vehicles; the supplier ships 100 parts at GBP 10 (revenue
GBP 1,000 a day), pays GBP 600 variable and GBP 300 fixed costs, and is paid GBP 1,000 for the
invoice that falls due (30-day terms), so its cash rises GBP 100 a day from GBP 9,000 (10 days
of GBP 900 costs).
"""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario.loader import apply_overrides, validate_data
from sim.scenario.schema import Scenario
from sim.simulation import RunResult, simulate

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

BASE: dict[str, Any] = {
    "name": "micro",
    "start_date": "2025-01-06",
    "horizon_days": 60,
    "systems": {"erp": {}, "invoicing": {}, "wholesale": {}, "warehouse": {}},
    "part_families": {"seats": {}},
    "plants": {
        "plant": {"daily_rate": 100, "working_days": EVERY_DAY, "part_families": ["seats"], "systems": ["erp"]},
    },
    "suppliers": {
        "seat_co": {
            "part_family": "seats",
            "unit_price_gbp": 10,
            "lead_time_days": 1,
            "payment_terms_days": 30,
            "cash_days": 10,
            "oem_revenue_share": 1.0,
            "variable_cost_share": 0.6,
            "fixed_cost_share": 0.3,
        },
    },
    "payables": {"systems": ["invoicing"], "automated_invoices_per_day": 1000},
    "sales": {"systems": ["wholesale"], "price_per_vehicle_gbp": 1000, "max_wholesale_per_day": 1000, "settlement_days": 5},
    "treasury": {"opening_cash_gbp": 1_000_000, "fixed_costs_gbp_per_day": 10_000},
}


def micro(overrides: dict[str, Any] | None = None, **sections: Any) -> Scenario:
    """The base micro-scenario with whole sections replaced and dotted paths overridden."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(sections))
    if overrides:
        data = apply_overrides(data, overrides, "micro")
    return validate_data(data, "micro")


def outage(start: str, systems: list[str], restore: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    return {"attack": {"start": start, "systems": systems, "restore": restore or {}}}


def run(scenario: Scenario, seed: int = 1, **kwargs: Any) -> RunResult:
    return simulate(scenario, seed, **kwargs)


def day(result: RunResult, iso: str) -> Any:
    """The daily row of a date."""
    rows = result.daily[result.daily["date"] == iso]
    assert len(rows) == 1, iso
    return rows.iloc[0]
