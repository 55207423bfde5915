"""Finished vehicles travelling to markets, the OEM's treasury (investment, incident costs, draws and
repayments) and quarters, on the micro-scenario with answers worked out by hand (see tests/micro.py).

A normal micro day: 100 vehicles built and 100 wholesaled at GBP 1,000 (GBP 100,000 received, after the
settlement delay), GBP 1,000 paid to the supplier and GBP 10,000 of fixed costs: the OEM's cash rises
GBP 89,000 a day.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.sales import split
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import validate_data
from sim.simulation import simulate
from tests.micro import BASE, day, micro, outage, run
from tests.test_branching import assert_same_run, worlds

SALES = BASE["sales"]
ABROAD = {**SALES, "markets": {"abroad": {"share": 1.0, "transit_days": 3, "settlement_days": 5, "country": "DE"}}}


def series(r: Any, column: str) -> Any:
    return r.daily.set_index("date")[column]


# --- vehicles travel ------------------------------------------------------------------------------


def test_a_vehicle_is_wholesaled_on_arrival_and_paid_after_settlement() -> None:
    """Transit 3 days, settlement 5; the plant stops 17-22 Jan. The last vehicles before the stop, built on
    16 Jan, are wholesaled on 19 Jan (16 + 3) and paid on 24 Jan (19 + 5); nothing arrives 20-25 Jan; the
    first built after it (23 Jan) are wholesaled on 26 Jan and paid on 31 Jan. Three days of production
    (300 vehicles) are always on the way in normal trading, from the first day (the opening pipeline)."""
    r = run(micro(sales=ABROAD, outages=outage("2025-01-17", ["erp"], {"erp": [{"date": "2025-01-23"}]})))
    wholesale, receipts = series(r, "wholesale_vehicles"), series(r, "oem_receipts_gbp")
    assert (wholesale[:"2025-01-19"] == 100).all() and (wholesale["2025-01-20":"2025-01-25"] == 0).all()
    assert (wholesale["2025-01-26":] == 100).all()
    assert (receipts[:"2025-01-24"] == 100_000).all() and (receipts["2025-01-25":"2025-01-30"] == 0).all()
    assert receipts["2025-01-31"] == 100_000
    transit = series(r, "vehicles_in_transit")
    assert (transit[:"2025-01-16"] == 300).all()
    assert transit["2025-01-17":"2025-01-25"].tolist() == [200, 100, 0, 0, 0, 0, 100, 200, 300]
    assert (series(r, "vehicles_at_markets") == 0).all() and (series(r, "vehicles_at_plants") == 0).all()
    assert r.summary["vehicles_lost"] == 600 and r.summary["wholesale_vehicles_lost"] == 600
    assert day(r, "2025-01-06")["oem_cash_gbp"] == 1_000_000 + 89_000  # flat from day one


def test_vehicles_wait_at_the_market_while_wholesale_is_down() -> None:
    """Wholesale finance down 20-24 Jan: the 500 vehicles arriving meanwhile wait at the market (production
    and transit go on), and are wholesaled with that day's 100 on 25 Jan; their cash comes on 30 Jan."""
    r = run(micro(sales=ABROAD, outages=outage("2025-01-20", ["wholesale"], {"wholesale": [{"date": "2025-01-25"}]})))
    assert series(r, "vehicles_at_markets")["2025-01-20":"2025-01-25"].tolist() == [100, 200, 300, 400, 500, 0]
    assert (series(r, "vehicles_in_transit") == 300).all()
    assert day(r, "2025-01-25")["wholesale_vehicles"] == 600
    receipts = series(r, "oem_receipts_gbp")
    assert (receipts["2025-01-25":"2025-01-29"] == 0).all() and receipts["2025-01-30"] == 600_000
    assert r.summary["vehicles_awaiting_wholesale_peak"] == 500
    assert r.summary["vehicles_lost"] == 0 and r.summary["wholesale_vehicles_lost"] == 0


def test_without_markets_vehicles_wait_at_the_plants() -> None:
    """No markets: vehicles are wholesaled at the plant gate, and wait there while wholesale is down."""
    r = run(micro(outages=outage("2025-01-16", ["wholesale"], {"wholesale": [{"date": "2025-01-21"}]})))
    assert day(r, "2025-01-20")["vehicles_at_plants"] == 500
    assert (series(r, "vehicles_at_markets") == 0).all() and (series(r, "vehicles_in_transit") == 0).all()


def test_markets_share_out_the_vehicles_by_running_total() -> None:
    """100 vehicles a day to markets of a third and two thirds: 33 and 67 (67 is nearer 66.67), then 34 and 66
    (67 of 200 is owed 66.67 - 33 = 33.67), then 33 and 67 (100 and 200 of 300: exact)."""
    shipped = [0, 0]
    days = []
    for _ in range(3):
        give = split(100, [1 / 3, 2 / 3], shipped)
        shipped = [a + b for a, b in zip(shipped, give, strict=True)]
        days.append(give)
    assert days == [[33, 67], [34, 66], [33, 67]]
    assert split(0, [0.5, 0.5], [3, 1]) == [0, 0]
    assert split(7, [1.0], [5]) == [7]


def test_each_market_gets_its_share_at_its_own_pace() -> None:
    """Three quarters to a market 1 day away, a quarter to one 10 days away: 75 and 25 a day wholesaled,
    1 x 75 + 10 x 25 = 325 vehicles on the way."""
    markets = {"near": {"share": 0.75, "transit_days": 1}, "far": {"share": 0.25, "transit_days": 10}}
    r = run(micro(sales={**SALES, "markets": markets}))
    assert (series(r, "wholesale_market_near") == 75).all() and (series(r, "wholesale_market_far") == 25).all()
    assert (series(r, "vehicles_in_transit") == 325).all()
    assert (series(r, "oem_receipts_gbp") == 100_000).all()


# --- treasury -------------------------------------------------------------------------------------

TREASURY = {"opening_cash_gbp": 1_000_000, "fixed_costs_gbp_per_day": 10_000}


def test_investment_and_incident_costs_take_exactly_their_daily_amounts() -> None:
    """GBP 1,000 a day of investment: cash rises GBP 88,000 a day. An incident's GBP 7,000 over 16-22 Jan is
    GBP 1,000 a day (GBP 87,000); its GBP 10,000 over 1-3 Feb is 1,000,000 pence / 3: 333,333 pence on 1 and
    2 Feb and 333,334 on 3 Feb. The baseline has no incident, so it ends GBP 17,000 richer."""
    costs = {
        "it_recovery": {"amount_gbp": 7_000, "first": "2025-01-16", "last": "2025-01-22"},
        "claims": {"amount_gbp": 10_000, "first": "2025-02-01", "last": "2025-02-03"},
    }
    attack = {"attack": {"start": "2025-01-16", "systems": ["warehouse"], "costs": costs}}
    r = run(micro(treasury={**TREASURY, "investment_gbp_per_day": 1_000}, outages=attack))
    change = series(r, "oem_cash_gbp").diff()
    assert day(r, "2025-01-06")["oem_cash_gbp"] == 1_088_000
    assert (change[:"2025-01-15"].dropna() == 88_000).all() and (change["2025-01-16":"2025-01-22"] == 87_000).all()
    assert change["2025-01-23":"2025-01-31"].eq(88_000).all()
    assert change["2025-02-01":"2025-02-03"].round(2).tolist() == [84_666.67, 84_666.67, 84_666.66]
    assert r.summary["incident_costs_gbp"] == 17_000
    assert r.summary["oem_cash_gap_end_gbp"] == 17_000 and r.summary["oem_free_cash_flow_lost_gbp"] == 17_000
    assert r.summary["oem_free_cash_flow_gbp"] == 60 * 88_000 - 17_000
    incidents = r.events[r.events["kind"] == "incident_cost"]
    assert list(zip(incidents["date"].dt.date, incidents["entity"], incidents["value"], strict=True)) == [
        (date(2025, 1, 16), "it_recovery", 7_000),
        (date(2025, 2, 1), "claims", 10_000),
    ]


def test_a_drawing_is_repaid_from_cash_above_the_floor_and_margin() -> None:
    """Floor GBP 1m, margin GBP 200k, at least GBP 100k at a time. 6 Jan: GBP 500,000 + 89,000 = 589,000,
    so GBP 411,000 is drawn. Cash then rises 89,000 a day: 1,267,000 on 9 Jan is only 67,000 above 1.2m
    (under the minimum); 10 Jan: 1,356,000, repay 156,000; 11 Jan: 89,000 above; 12 Jan: repay 178,000;
    13 Jan: 89,000 above covers the last 77,000, repaid whole, leaving cash at GBP 1,212,000."""
    policy = {"floor_gbp": 1_000_000, "minimum_draw_gbp": 100_000, "repay": "latest_drawn_first", "repay_margin_gbp": 200_000}
    treasury = {
        **TREASURY,
        "opening_cash_gbp": 500_000,
        "draw_policy": policy,
        "facilities": {"rcf": {"size_gbp": 2_000_000, "available_from": "2025-01-06"}},
    }
    r = run(micro(treasury=treasury))
    drawn = series(r, "facility_rcf_drawn_gbp")
    assert drawn[:"2025-01-14"].tolist() == [411_000, 411_000, 411_000, 411_000, 255_000, 255_000, 77_000, 0, 0]
    assert day(r, "2025-01-13")["oem_cash_gbp"] == 1_212_000
    moves = r.events[r.events["kind"].isin(["facility_draw", "facility_repay"])]
    assert list(zip(moves["date"].dt.day, moves["kind"], moves["value"], strict=True)) == [
        (6, "facility_draw", 411_000),
        (10, "facility_repay", 156_000),
        (12, "facility_repay", 178_000),
        (13, "facility_repay", 77_000),
    ]
    assert r.summary["facilities_drawn_peak_gbp"] == 411_000
    assert r.summary["facilities_drawn_peak_date"] == date(2025, 1, 6)
    assert r.summary["facilities_repaid_date"] == date(2025, 1, 13)
    assert r.summary["oem_free_cash_flow_gbp"] == 60 * 89_000  # drawings and repayments are not free cash flow


def test_facilities_are_drawn_in_order_and_repaid_latest_first() -> None:
    """Facility a (GBP 100,000) is drawn first, then b for the other 311,000. From 9 Jan, the first day cash
    (1,267,000) exceeds floor + margin (1.2m), the excess is repaid, b first: 67,000, 89,000, 89,000 (b owes
    66,000), then on 12 Jan 66,000 of b and the other 23,000 to a, and a's last 77,000 on 13 Jan. Listing b
    first in the order draws all 411,000 from b."""
    policy = {"floor_gbp": 1_000_000, "repay": "latest_drawn_first", "repay_margin_gbp": 200_000}
    facilities = {
        "a": {"size_gbp": 100_000, "available_from": "2025-01-06"},
        "b": {"size_gbp": 1_000_000, "available_from": "2025-01-06"},
    }
    treasury = {**TREASURY, "opening_cash_gbp": 500_000, "draw_policy": policy, "facilities": facilities}
    r = run(micro(treasury=treasury))
    a, b = series(r, "facility_a_drawn_gbp"), series(r, "facility_b_drawn_gbp")
    assert a[:"2025-01-13"].tolist() == [100_000] * 6 + [77_000, 0]
    assert b[:"2025-01-13"].tolist() == [311_000, 311_000, 311_000, 244_000, 155_000, 66_000, 0, 0]
    assert (series(r, "oem_cash_floor_gbp") == 1_000_000).all()
    flipped = run(micro(treasury={**treasury, "draw_policy": {**policy, "order": ["b"]}}))
    assert series(flipped, "facility_b_drawn_gbp").iloc[0] == 411_000
    assert (series(flipped, "facility_a_drawn_gbp") == 0).all()


def test_the_floor_in_force_follows_the_facilities_available() -> None:
    """A facility drawn below GBP 2m from 16 Jan: the floor is the policy's (0) until then and 2m from
    then; on 16 Jan cash is 500,000 + 11 x 89,000 = 1,479,000, so 521,000 is drawn."""
    late = {"size_gbp": 5_000_000, "available_from": "2025-01-16", "draw_below_gbp": 2_000_000}
    r = run(micro(treasury={**TREASURY, "opening_cash_gbp": 500_000, "facilities": {"late": late}}))
    floor = series(r, "oem_cash_floor_gbp")
    assert (floor[:"2025-01-15"] == 0).all() and (floor["2025-01-16":] == 2_000_000).all()
    assert day(r, "2025-01-16")["facility_late_drawn_gbp"] == 521_000


# --- quarters -------------------------------------------------------------------------------------


def test_quarters_add_up_to_the_run() -> None:
    """120 days from Mon 6 Jan 2025: 85 days in 2025 Q1 (to 31 Mar), 35 in Q2; with a fiscal year from April
    those are FY25 Q4 and FY26 Q1. Production 8,500 and 3,500; free cash flow 89,000 a day (the GBP 411,000
    drawn on the first day is financing, not free cash flow): 7,565,000 and 3,115,000."""
    treasury = {
        **TREASURY,
        "opening_cash_gbp": 500_000,
        "facilities": {"rcf": {"size_gbp": 2_000_000, "available_from": "2025-01-06", "draw_below_gbp": 1_000_000}},
    }
    r = run(micro({"horizon_days": 120, "fiscal_year_start_month": 4}, treasury=treasury))
    q = r.quarters
    assert list(q.columns) == [
        "basis",
        "quarter",
        "first_date",
        "last_date",
        "days",
        "complete",
        "measure",
        "unit",
        "run",
        "baseline",
        "difference",
    ]
    for basis, labels in (("calendar", ["2025 Q1", "2025 Q2"]), ("fiscal", ["FY25 Q4", "FY26 Q1"])):
        rows = q[q["basis"] == basis].set_index(["quarter", "measure"])
        assert sorted({label for label, _ in rows.index}) == labels
        assert rows.loc[(labels[0], "production"), "run"] == 8_500 and rows.loc[(labels[1], "production"), "run"] == 3_500
        assert rows.loc[(labels[0], "oem_free_cash_flow"), "run"] == 7_565_000
        assert rows.loc[(labels[1], "oem_free_cash_flow"), "run"] == 3_115_000
        assert rows.loc[(labels[1], "oem_cash_end"), "run"] == r.daily["oem_cash_gbp"].iloc[-1]
        assert rows.loc[(labels[1], "facilities_drawn_end"), "run"] == 411_000
        flows = rows.xs("revenue", level="measure")["run"].sum()
        assert flows == r.daily["wholesale_revenue_gbp"].sum() == 120 * 100_000
        assert (rows["difference"] == rows["run"] - rows["baseline"]).all()
        assert not rows["complete"].any() and rows.xs("production", level="measure")["days"].tolist() == [85, 35]


def test_quarters_of_a_run_with_an_outage_sum_to_its_totals() -> None:
    """Whatever happens, each basis's quarters sum to the run's totals and the baseline's."""
    r = run(
        micro(
            {"horizon_days": 120},
            sales=ABROAD,
            outages=outage("2025-03-20", ["erp", "wholesale"], {"erp": [{"date": "2025-04-10"}]}),
        )
    )
    for basis in ("calendar", "fiscal"):
        rows = r.quarters[r.quarters["basis"] == basis]
        for measure, column in (
            ("production", "production_total"),
            ("wholesale", "wholesale_vehicles"),
            ("oem_free_cash_flow", "oem_free_cash_flow_gbp"),
        ):
            got = rows[rows["measure"] == measure]
            assert got["run"].sum() == pytest.approx(r.daily[column].sum(), abs=1e-6)
            assert got["baseline"].sum() == pytest.approx(r.daily[f"baseline_{column}"].sum(), abs=1e-6)


# --- scenario rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sections", "path", "words"),
    [
        ({"sales": {**SALES, "markets": {"a": {"share": 0}}}}, "sales.markets", "share is zero"),
        ({"treasury": {**TREASURY, "draw_policy": {"order": ["nope"]}}}, "treasury.draw_policy.order.0", "unknown facility"),
        (
            {
                "treasury": {
                    **TREASURY,
                    "draw_policy": {"minimum_draw_gbp": 100, "repay": "latest_drawn_first", "repay_margin_gbp": 50},
                }
            },
            "treasury.draw_policy.repay_margin_gbp",
            "at least minimum_draw_gbp",
        ),
        (
            {
                "outages": {
                    "a": {
                        "start": "2025-01-10",
                        "systems": ["erp"],
                        "costs": {"it": {"amount_gbp": 1, "first": "2025-01-12", "last": "2025-01-11"}},
                    }
                }
            },
            "outages.a.costs.it.last",
            "before first",
        ),
        (
            {"sales": {**SALES, "markets": {"a": {"share": 1, "transit_days": 400}}}},
            "sales.markets.a.transit_days",
            "between 0 and 365",
        ),
    ],
)
def test_bad_markets_and_treasury_are_named(sections: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as info:
        micro(**sections)
    assert path in str(info.value) and words in str(info.value)


# --- conservation and branching with every new flow -----------------------------------------------


@st.composite
def money_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Small scenarios with markets, investment, incident costs and facilities drawn and repaid."""
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["horizon_days"] = draw(st.integers(20, 50))
    data["plants"]["plant"]["working_days"] = draw(
        st.sampled_from([BASE["plants"]["plant"]["working_days"], ["mon", "tue", "wed", "thu", "fri"]])
    )
    n = draw(st.integers(0, 3))
    data["sales"]["markets"] = {
        f"m{i}": {
            "share": draw(st.floats(0.1, 1.0)),
            "transit_days": draw(st.integers(0, 12)),
            "settlement_days": draw(st.integers(0, 8)),
        }
        for i in range(n)
    }
    data["sales"]["max_wholesale_per_day"] = draw(st.sampled_from([60, 1000]))
    data["treasury"] = {
        "opening_cash_gbp": draw(st.sampled_from([100_000, 900_000])),
        "fixed_costs_gbp_per_day": 10_000,
        "investment_gbp_per_day": draw(st.sampled_from([0, 30_000])),
        "draw_policy": {
            "floor_gbp": 1_000_000,
            "minimum_draw_gbp": draw(st.sampled_from([0, 50_000])),
            "repay": draw(st.sampled_from(["never", "latest_drawn_first"])),
            "repay_margin_gbp": 100_000,
        },
        "facilities": {
            "a": {"size_gbp": 300_000, "available_from": "2025-01-06", "annual_interest_rate": 0.05},
            "b": {"size_gbp": 2_000_000, "available_from": "2025-01-12", "government_guaranteed": True},
        },
    }
    start = 6 + draw(st.integers(0, 15))
    systems = draw(st.lists(st.sampled_from(["erp", "invoicing", "wholesale"]), min_size=1, unique=True))
    data["outages"] = {
        "attack": {
            "start": f"2025-01-{start:02d}",
            "systems": systems,
            "restore": {s: [{"after_days": draw(st.integers(0, 15))}] for s in systems if draw(st.booleans())},
            "costs": {
                "it": {
                    "amount_gbp": draw(st.sampled_from([1, 99_999.99, 3e6])),
                    "first": f"2025-01-{start:02d}",
                    "last": f"2025-02-{draw(st.integers(1, 28)):02d}",
                }
            },
        }
    }
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(money_scenarios())
def test_generated_money_scenarios_balance_every_day_and_branch_alike(data: dict[str, Any]) -> None:
    """Vehicles (built = at plants + on the way + at markets + wholesaled) and money (investment, incident
    costs, drawings, repayments, interest) balance every day; a run branched from its baseline equals the
    run alone."""
    scenario = validate_data(data, "generated")
    result = simulate(scenario, 3, check_daily=True)
    daily = result.daily
    assert (daily[["vehicles_in_transit", "vehicles_at_markets", "vehicles_at_plants"]] >= 0).all().all()
    assert np.all(daily["facility_drawn_gbp"] >= 0)
    alone, branched, _, _ = worlds(scenario, seed=3)
    assert_same_run(alone, branched)
