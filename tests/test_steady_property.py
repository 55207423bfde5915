"""Properties of any network a user could write: its normal year is steady, an outage never makes it better,
and tier-2 content a supplier cannot pay for is refused.

Generated: one to three vehicle plants on their own working weeks, tier-1 entries that serve all plants, named
plants or plants by shares, some with a second source, tier-2 entries behind them, supplier finances given as
runway on idle costs with a working-capital line, short time, redundancy and pass-down thresholds below every
runway (as the flagship sets them), and an outage of the plants' or the invoicing systems."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import validate_data
from sim.simulation import baseline_problems, simulate
from tests.micro import BASE

WEEKS = [["mon", "tue", "wed", "thu", "fri"], ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ["mon", "tue", "wed", "thu"]]
FAMILIES = ["seats", "glass", "wheels"]


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["horizon_days"] = draw(st.integers(60, 150))
    data["part_families"] = {f: {} for f in FAMILIES}
    plants = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    data["plants"] = {
        p: {
            "daily_rate": draw(st.sampled_from([20, 100, 333])),
            "working_days": draw(st.sampled_from(WEEKS)),
            "part_families": FAMILIES,
            "systems": ["erp"],
            "line_side_buffer_days": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "shutdowns": [{"first": "2025-02-10", "last": "2025-02-14"}] if draw(st.booleans()) else [],
        }
        for p in plants
    }
    money = {
        "runway_days": draw(st.floats(7, 90)),
        "working_capital": "normal_year",
        "oem_revenue_share": draw(st.floats(0.05, 1.0)),
        "variable_cost_share": draw(st.floats(0.4, 0.8)),
        "fixed_cost_share": draw(st.floats(0.1, 0.35)),
        "capacity_margin": draw(st.floats(0.1, 0.5)),
        "lead_time_days": draw(st.integers(1, 4)),
        "payment_terms_days": draw(st.sampled_from([14, 30, 60])),
        "short_time_after_idle_days": draw(st.integers(3, 14)),
        "redundancy_below_runway_days": draw(st.floats(1, 6)),
        "pay_late_below_runway_days": draw(st.floats(1, 6.9)),
    }
    suppliers: dict[str, Any] = {}
    tier1 = []
    for k, family in enumerate(FAMILIES):
        for j in range(draw(st.integers(1, 2))):
            name = f"{family}_{j}"
            entry = {
                **money,
                "part_family": family,
                "count": draw(st.integers(1, 4)),
                "unit_price_gbp": draw(st.sampled_from([1, 10, 250])),
                "parts_per_unit": draw(st.sampled_from([1, 2, 4])),
            }
            serve = draw(st.sampled_from(["all", "named", "shares"]))
            if serve == "named":
                entry["plants"] = draw(st.lists(st.sampled_from(plants), min_size=1, unique=True))
            elif serve == "shares":
                entry["plant_shares"] = {p: draw(st.floats(0.1, 1.0)) for p in plants}
            suppliers[name] = entry
            tier1.append(name)
            if k == 0 and j == 0 and draw(st.booleans()):  # a second source for the first seat entry
                suppliers["seats_second"] = {
                    **money,
                    "part_family": family,
                    "count": draw(st.integers(1, entry["count"])),
                    "unit_price_gbp": entry["unit_price_gbp"],
                    "parts_per_unit": entry["parts_per_unit"],
                    "second_source_for": name,
                    "source_share": draw(st.floats(0.1, 0.5)),
                    "surge_share": draw(st.floats(0.5, 1.0)),
                    "qualification_days": draw(st.integers(1, 20)),
                }
                tier1.append("seats_second")
    if draw(st.booleans()):
        per_customer = draw(st.integers(1, 2))
        count = per_customer * sum(suppliers[n]["count"] for n in tier1)
        # each tier-1 member gets per_customer tier-2 suppliers, each at most a third of its variable cost
        share = draw(st.floats(0.01, 1.0)) * money["variable_cost_share"] / (3 * per_customer)
        suppliers["tier2"] = {**money, "tier": 2, "customers": tier1, "count": count, "customer_price_share": share}
    data["suppliers"] = suppliers
    systems = draw(st.sampled_from([["erp"], ["invoicing"], ["erp", "invoicing"]]))
    data["outages"] = {
        "attack": {
            "start": f"2025-01-{draw(st.integers(13, 31)):02d}",
            "systems": systems,
            "restore": {s: [{"after_days": draw(st.integers(3, 30))}] for s in systems},
        }
    }
    data["payables"]["automated_invoices_per_day"] = 10_000
    return data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_generated_network_has_a_steady_baseline_and_never_gains_from_an_outage(data: dict[str, Any]) -> None:
    """No supplier out of cash, every plant at its plan, no growing backlog in a normal year; and an outage loses
    vehicles or none, never gains them."""
    scenario = validate_data(data, "generated")
    assert baseline_problems(scenario, 5) == []
    result = simulate(scenario, 5)
    assert result.summary["baseline_steady"]
    assert result.summary["vehicles_lost"] >= 0
    assert result.summary["vehicles_lost_outage"] >= 0


@settings(max_examples=20, deadline=None)
@given(st.floats(1.01, 3.0), st.sampled_from([1, 2, 3]), st.floats(0.3, 0.8))
def test_tier2_content_above_the_customers_variable_cost_is_refused(excess: float, suppliers: int, variable: float) -> None:
    """``suppliers`` tier-2 suppliers behind one tier-1 supplier whose parts together cost ``excess`` times its
    variable cost: refused, naming the tier-2 entry's customer_price_share."""
    data = copy.deepcopy(BASE)
    data["suppliers"]["seat_co"]["variable_cost_share"] = variable
    data["suppliers"]["frame_co"] = {
        "tier": 2,
        "customers": ["seat_co"],
        "count": suppliers,
        "customer_price_share": excess * variable / suppliers,
    }
    with pytest.raises(ScenarioError, match=r"suppliers\.frame_co\.customer_price_share"):
        simulate(validate_data(data, "generated"), 1)
