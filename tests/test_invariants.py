"""Degenerate and extreme cases, metamorphic directions, and conservation on generated scenarios."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import validate_data
from sim.simulation import simulate
from tests.micro import BASE, micro, outage, run

FULL = {"erp": [{"date": "2025-02-01"}], "invoicing": [{"date": "2025-02-01"}]}


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True)


def test_no_outage_is_its_own_baseline() -> None:
    """Without an outage every run column equals its baseline column, bit for bit."""
    r = run(micro(parts_centre={"orders_per_day": 40, "order_value_gbp": 50, "systems": ["warehouse"]}))
    for col in [c for c in r.daily.columns if c.startswith("baseline_")]:
        assert (r.daily[col] == r.daily[col.removeprefix("baseline_")]).all(), col


def test_zero_length_outage_equals_no_outage() -> None:
    """Systems restored on the day they went down: the same tables as no outage at all."""
    zero = run(
        micro(outages=outage("2025-01-16", ["erp", "invoicing"], {"erp": [{"after_days": 0}], "invoicing": [{"after_days": 0}]}))
    )
    none = run(micro())
    frames_equal(zero.daily, none.daily)
    # time to survive is measured at the outage start (day 0 without an outage), so it differs by design
    frames_equal(zero.suppliers.drop(columns="time_to_survive_days"), none.suppliers.drop(columns="time_to_survive_days"))


def test_restart_at_full_capacity_equals_abrupt_end() -> None:
    """A restart 'step' of capacity 1.0 is the same as a plain restore."""
    a = run(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-20", "capacity": 1.0}]})))
    b = run(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"after_days": 4}]})))
    frames_equal(a.daily, b.daily)


def test_outage_longer_than_horizon_finishes_cleanly() -> None:
    """Never restored: no recovery date, no backlog clearance, and no NaN anywhere."""
    r = run(micro(outages=outage("2025-01-16", ["erp", "invoicing"])))
    assert r.summary["production_recovered_date"] is None
    assert not r.daily.drop(columns=["date"]).isna().any().any()
    assert r.daily["production_total"].iloc[-1] == 0


def test_zero_demand_means_no_shipments_and_no_invoices() -> None:
    r = run(micro({"plants.plant.daily_rate": 0}))
    assert r.daily["invoices_received"].sum() == 0
    assert r.daily["production_total"].sum() == 0
    assert (r.suppliers["normal_units_per_day"] == 0).all()


def test_huge_capacity_clears_the_first_day_it_can() -> None:
    s = micro(
        {"payables.automated_invoices_per_day": 1e9},
        outages=outage("2025-01-16", ["invoicing"], {"invoicing": [{"date": "2025-01-25"}]}),
    )
    r = run(s)
    assert r.summary["invoice_backlog_cleared_date"].isoformat() == "2025-01-25"


@pytest.mark.parametrize("longer", ["2025-01-22", "2025-01-29", "2025-02-05"])
def test_longer_outage_never_shortens_backlog_peak_or_clearance(longer: str) -> None:
    """Backlog peak and clearance date are monotone in the outage length."""

    def summary(end: str) -> dict[str, Any]:
        return run(
            micro({"suppliers.seat_co.count": 5}, outages=outage("2025-01-16", ["invoicing"], {"invoicing": [{"date": end}]}))
        ).summary

    short, long_ = summary("2025-01-20"), summary(longer)
    assert long_["invoice_backlog_peak_gbp"] >= short["invoice_backlog_peak_gbp"]
    assert long_["invoice_backlog_cleared_date"] >= short["invoice_backlog_cleared_date"]


@pytest.mark.parametrize("capacity", [0.2, 0.5, 1.0])
def test_more_invoicing_capacity_never_worse(capacity: float) -> None:
    """More capacity after restore never raises the peak or delays clearance."""

    def summary(cap: float) -> dict[str, Any]:
        s = micro(
            {"suppliers.seat_co.count": 10, "payables.automated_invoices_per_day": 30},
            outages=outage("2025-01-16", ["invoicing"], {"invoicing": [{"date": "2025-01-26", "capacity": cap}]}),
        )
        return run(s).summary

    low, high = summary(0.1), summary(capacity)
    assert high["invoice_backlog_peak_gbp"] <= low["invoice_backlog_peak_gbp"]
    assert (
        low["invoice_backlog_cleared_date"] is None or high["invoice_backlog_cleared_date"] <= low["invoice_backlog_cleared_date"]
    )


def test_earlier_restart_never_loses_more_vehicles() -> None:
    lost = [
        run(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": d}]}))).summary["vehicles_lost"]
        for d in ("2025-01-20", "2025-01-27", "2025-02-03")
    ]
    assert lost == sorted(lost) and lost[0] == 400


def test_doubling_quantities_and_prices_doubles_outputs_and_keeps_dates() -> None:
    """Twice the volume and the OEM's money: vehicles and money outputs double, dates stay put."""
    base = micro(outages=outage("2025-01-16", ["erp", "invoicing"], FULL))
    doubled = micro(
        {
            "plants.plant.daily_rate": 200,
            "treasury.opening_cash_gbp": 2_000_000,
            "treasury.fixed_costs_gbp_per_day": 20_000,
            "sales.max_wholesale_per_day": 2000,
        },
        outages=outage("2025-01-16", ["erp", "invoicing"], FULL),
    )
    a, b = run(base).summary, run(doubled).summary
    assert b["vehicles_lost"] == 2 * a["vehicles_lost"]
    assert b["revenue_lost_gbp"] == 2 * a["revenue_lost_gbp"]
    assert b["invoice_backlog_peak_gbp"] == 2 * a["invoice_backlog_peak_gbp"]
    assert b["oem_cash_trough_gbp"] == 2 * a["oem_cash_trough_gbp"]
    for key in ("production_recovered_date", "invoice_backlog_peak_date", "invoice_backlog_cleared_date", "oem_cash_trough_date"):
        assert a[key] == b[key], key


def test_renaming_and_reordering_suppliers_leaves_aggregates_unchanged() -> None:
    """Two supplier entries, listed in either order and under other names: identical totals."""

    def two(first: str, second: str) -> dict[str, Any]:
        spec = dict(BASE["suppliers"]["seat_co"])
        cheap = {**spec, "unit_price_gbp": 4, "cash_days": 6}
        suppliers = {first: spec, second: cheap} if first < second else {second: cheap, first: spec}
        s = micro(suppliers=suppliers, outages=outage("2025-01-16", ["erp", "invoicing"], FULL))
        return run(s).summary

    a, b = two("alpha", "beta"), two("zulu", "yankee")
    assert a == b


def test_more_supplier_support_never_raises_insolvencies() -> None:
    """Adding early payment to suppliers that fail without it never adds failures."""
    kwargs = {"outages": outage("2025-01-16", ["invoicing"])}
    over = {
        "payables.process_invoices": "when_due",
        "suppliers.seat_co.count": 4,
        "suppliers.seat_co.cash_days": {"dist": "uniform", "low": 3, "high": 40},
    }
    without = run(micro(over, **kwargs)).summary["suppliers_insolvent"]
    sf = {"start": "2025-01-20", "budget_gbp": 1e6, "prepay_share": 0.9, "days_after_order": 1, "restart_critical_only": False}
    with_support = run(micro(over, interventions={"supplier_finance": sf}, **kwargs)).summary["suppliers_insolvent"]
    assert without >= 1 and with_support <= without


# --- property-based: any small valid scenario balances its books -------------------------------

days = st.integers(min_value=0, max_value=40)


@st.composite
def small_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {**BASE, "horizon_days": draw(st.integers(20, 50))}
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    data["plants"] = {
        "plant": {
            **BASE["plants"]["plant"],
            "daily_rate": draw(st.integers(0, 300)),
            "line_side_buffer_days": draw(st.sampled_from([0.0, 0.5, 2.0])),
        }
    }
    data["suppliers"] = {
        "seat_co": {
            **BASE["suppliers"]["seat_co"],
            "count": draw(st.integers(1, 6)),
            "lead_time_days": draw(st.integers(1, 4)),
            "payment_terms_days": draw(st.integers(0, 40)),
            "cash_days": draw(st.floats(0, 30)),
            "capacity_margin": draw(st.floats(0, 0.5)),
        }
    }
    data["payables"] = {
        "systems": ["invoicing"],
        "automated_invoices_per_day": draw(st.integers(0, 20)),
        "process_invoices": draw(st.sampled_from(["on_receipt", "when_due"])),
        "priority": draw(st.sampled_from(["oldest_first", "least_cash_first"])),
    }
    start = draw(days) % (data["horizon_days"] - 1)
    systems = draw(st.lists(st.sampled_from(["erp", "invoicing", "wholesale"]), min_size=1, unique=True))
    restore = {
        s: [{"after_days": draw(st.integers(0, 30)), "capacity": draw(st.sampled_from([0.3, 1.0]))}]
        for s in systems
        if draw(st.booleans())
    }
    data["outages"] = {
        "attack": {"start": f"2025-01-{6 + start:02d}" if start < 26 else "2025-01-31", "systems": systems, "restore": restore}
    }
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_generated_scenarios_balance_every_day(data: dict[str, Any]) -> None:
    """Parts, vehicles, invoices and money balance on every day of any small valid scenario."""
    result = simulate(validate_data(data, "generated"), 3, check_daily=True)
    assert (result.daily["line_side_parts"] >= 0).all()
    processed = result.daily["invoices_processed"].to_numpy()
    assert np.all(processed <= result.daily["invoice_capacity"].to_numpy())


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(
        [
            "plants.plant.daily_rate",
            "suppliers.seat_co.lead_time_days",
            "payables.priority",
            "suppliers.seat_co.oem_revenue_share",
            "horizon_days",
        ]
    ),
    st.sampled_from([-1, "lots", 0.0, None, [1, 2]]),
)
def test_generated_invalid_values_name_the_field(path: str, value: Any) -> None:
    """A wrong value anywhere is rejected, and the message names that field."""
    from sim.scenario.loader import apply_overrides

    data = apply_overrides(dict(BASE), {path: value}, "generated")
    try:
        validate_data(data, "generated")
    except ScenarioError as exc:
        assert path in str(exc) or (value is None and path.rsplit(".", 1)[0] in str(exc))
    else:
        # a few values are valid for some fields (e.g. 0 demand); then it must run and balance
        simulate(validate_data(data, "generated"), 1)


@pytest.mark.parametrize("seed", [2025, 2])
def test_flagship_support_never_adds_insolvencies(seed: int) -> None:
    """The JLR scheme and guarantee, against none, at the same seed: never more supplier failures."""
    from pathlib import Path

    from sim.scenario.loader import load_scenario

    scenarios = Path(__file__).resolve().parents[1] / "scenarios"
    with_support = simulate(load_scenario(scenarios / "jlr_2025.yaml"), seed).summary
    without = simulate(load_scenario(scenarios / "jlr_2025_no_support.yaml"), seed).summary
    assert with_support["suppliers_insolvent"] <= without["suppliers_insolvent"]
    assert with_support["suppliers_under_7_days_cash_peak"] <= without["suppliers_under_7_days_cash_peak"]
