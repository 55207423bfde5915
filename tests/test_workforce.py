"""Suppliers' money and people, as firms behave: runway on idle costs, short time and recall, redundancies
when cash forces them, tier-2 bills paid late. Answers worked out by hand on the micro network
(tests/micro.py: 100 parts a day at GBP 10; GBP 600 variable and GBP 300 fixed costs a day, GBP 180 of it
payroll for 180 x 365 / 35,000 = 1.877 jobs)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.micro import BASE, micro, outage, run

UNPAID = {"payables.process_invoices": "when_due"}
IDLE_AND_UNPAID = outage("2025-01-16", ["erp", "invoicing"])
JOBS = 180 * 365 / 35_000


def test_runway_on_idle_costs_runs_out_on_day_seven() -> None:
    """GBP 10,000 a day of idle costs (price GBP 100, fixed costs all of it) and 7 days of runway: GBP 70,000 of
    cash and no credit. Idle and unpaid from 16 Jan: GBP 0 at the close of the 7th idle day (22 Jan), below
    nothing on the 8th. On its current burn (its cash fall over the last 7 days, per day) its runway is 9.3
    days on 18 Jan (40,000 / (30,000 / 7)) and 5.25 days on 19 Jan: under 14 days from 18 Jan, under 7 from
    19 Jan."""
    over = {
        **UNPAID,
        "suppliers.seat_co.unit_price_gbp": 100,
        "suppliers.seat_co.fixed_cost_share": 1.0,
        "suppliers.seat_co.variable_cost_share": 0.0,
        "suppliers.seat_co.runway_days": 7,
    }
    r = run(micro(over, outages=IDLE_AND_UNPAID))
    sup = r.suppliers.iloc[0]
    assert sup["opening_cash_gbp"] == 70_000 and sup["time_to_survive_days"] == 7.0
    rows = r.daily.set_index("date")
    assert rows.loc["2025-01-22", "supplier_cash_gbp"] == 0
    assert sup["cash_ran_out_date"].date() == date(2025, 1, 23)
    assert list(rows.loc["2025-01-17":"2025-01-19", "suppliers_runway_under_14_days"]) == [0, 1, 1]
    assert list(rows.loc["2025-01-17":"2025-01-19", "suppliers_runway_under_7_days"]) == [0, 0, 1]
    assert list(rows.loc["2025-01-18":"2025-01-19", "supplier_runway_p50_days"]) == [9, 5]
    assert r.summary["suppliers_runway_under_7_days_peak_date"] == date(2025, 1, 19)


def test_short_time_then_recall_restores_capacity_on_the_computed_day() -> None:
    """The plant's systems are down 16 Jan - 4 Feb. The supplier's week of call-offs falls under 80% of normal
    at the close of 17 Jan; after 5 such days (21 Jan) it puts the work it lacks (86%) on short time, 90% (its
    most) from 22 Jan, at 80% pay: fixed costs GBP 120 + 180 x (1 - 0.9 x 0.2) = GBP 267.60 a day. Called
    off a normal day's parts on 5 Feb, it recalls a tenth of its staff a day (10 recall days): capacity 125 x
    (0.1, 0.2, ...) parts on 5, 6, ... Feb, so the line builds 100 and 100 (parts at the line), then 37, 37,
    50, 62, 75, 87 and 100 again from 13 Feb."""
    over = {"suppliers.seat_co.short_time_after_idle_days": 5, "suppliers.seat_co.recall_days": 10}
    r = run(micro(over, outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-02-05"}]})))
    rows = r.daily.set_index("date")
    on_short = rows["supplier_jobs_short_time"]
    assert on_short["2025-01-20"] == 0 and on_short["2025-01-22"] == pytest.approx(0.9 * JOBS)
    assert r.world is not None
    assert list(rows.loc["2025-02-05":"2025-02-14", "production_total"]) == [100, 100, 37, 37, 50, 62, 75, 87, 100, 100]
    assert on_short["2025-02-13"] == 0
    assert r.summary["supplier_jobs_short_time_peak"] == pytest.approx(0.9 * JOBS)
    assert r.summary["share_of_suppliers_on_short_time"] == 1.0 and r.summary["supplier_jobs_lost"] == 0


def test_short_time_lowers_the_fixed_costs_by_the_pay_saved() -> None:
    """Idle and paid (only the plant's systems down), the supplier earns GBP 1,000 a day for past deliveries and
    pays GBP 300 of fixed costs: +700 a day; on short time (90% of staff at 80% pay from 22 Jan) its fixed
    costs are GBP 267.60: +732.40 a day."""
    over = {"suppliers.seat_co.short_time_after_idle_days": 5}
    r = run(micro(over, outages=outage("2025-01-16", ["erp"])))
    cash = r.daily.set_index("date")["supplier_cash_gbp"]
    assert cash["2025-01-17"] - cash["2025-01-16"] == 700
    assert cash["2025-01-23"] - cash["2025-01-22"] == pytest.approx(732.40)


def test_redundancies_come_when_the_runway_falls_below_the_threshold() -> None:
    """Idle and unpaid from 16 Jan with GBP 10,000 at the close of 15 Jan, the supplier burns GBP 300 a day: at
    the close of 29 Jan it has GBP 5,800, 19.3 days of idle costs, under its 20-day threshold: it makes 10% of
    its staff redundant with 4 weeks' pay (28 x GBP 18 = GBP 504), leaving GBP 5,296, and from 30 Jan pays
    GBP 120 + 162 = GBP 282 a day. Its cash runs out at the close of 17 Feb: insolvent on 18 Feb."""
    over = {**UNPAID, "suppliers.seat_co.redundancy_below_runway_days": 20}
    r = run(micro(over, outages=IDLE_AND_UNPAID))
    cash = r.daily.set_index("date")["supplier_cash_gbp"]
    assert cash["2025-01-28"] == 6_100 and cash["2025-01-29"] == 5_296 and cash["2025-01-30"] == 5_014
    redundancy = r.events[r.events["kind"] == "redundancy"]
    assert list(redundancy["date"].dt.date) == [date(2025, 1, 29)]
    assert redundancy["value"].iloc[0] == pytest.approx(0.1 * JOBS)
    assert r.suppliers.iloc[0]["insolvent_date"].date() == date(2025, 2, 18)
    assert r.summary["share_of_suppliers_making_redundancies"] == 1.0


def test_a_short_tier1_supplier_pays_its_tier2_bills_late() -> None:
    """A tier-1 supplier always below its threshold (1,000 days) pays each tier-2 bill 3 days late (its most):
    the first on 9 Jan, three days after it fell due; the tier-2 supplier (GBP 200 a day) ends GBP 600 shorter,
    the tier-1 supplier GBP 600 richer."""
    tier2 = {"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.2, "payment_terms_days": 10, "cash_days": 10}
    suppliers = {**BASE["suppliers"], "frame_co": tier2}
    on_time = run(micro(suppliers=suppliers))
    late = run(
        micro({"suppliers.seat_co.pay_late_below_runway_days": 1000, "suppliers.seat_co.max_pay_late_days": 3}, suppliers=suppliers)
    )
    assert on_time.world is not None and late.world is not None
    difference = late.world.ledger.supplier_cash - on_time.world.ledger.supplier_cash
    assert difference.tolist() == [60_000, -60_000]  # pence
    paid_late = late.daily.set_index("date")["tier2_bills_paid_late_cum"]
    assert paid_late["2025-01-08"] == 0 and paid_late["2025-01-09"] == 1 and paid_late.iloc[-1] == 60 - 3
    assert np.all(late.daily["production_total"] == 100)


def test_bills_paid_late_go_on_while_another_supplier_is_insolvent() -> None:
    """As above (seat_co always below its threshold, with cash enough never to fail), while another tier-1
    supplier (weak_co, a day of cash, unpaid from 16 Jan) fails and leaves its own tier-2 bills unpaid: the bills
    put off from earlier days and today's are decided together, and seat_co still pays each of its tier-2 bills 3
    days late."""
    tier2 = {"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.2, "payment_terms_days": 10, "cash_days": 10}
    weak = {**BASE["suppliers"]["seat_co"], "unit_price_gbp": 5, "cash_days": 1}
    weak_tier2 = {**tier2, "customers": ["weak_co"]}
    suppliers = {**BASE["suppliers"], "frame_co": tier2, "weak_co": weak, "bolt_co": weak_tier2}
    late = run(
        micro(
            {
                **UNPAID,
                "suppliers.seat_co.pay_late_below_runway_days": 1e9,
                "suppliers.seat_co.max_pay_late_days": 3,
                "suppliers.seat_co.cash_days": 1000,
            },
            suppliers=suppliers,
            outages=outage("2025-01-16", ["invoicing"]),
        )
    )
    assert late.summary["suppliers_insolvent"] >= 1
    assert late.suppliers.set_index("supplier").loc["weak_co", "state"] != "active"
    paid_late = late.daily.set_index("date")["tier2_bills_paid_late_cum"]
    assert paid_late["2025-01-08"] == 0 and paid_late["2025-01-09"] == 1 and paid_late.iloc[-1] == 60 - 3


def test_the_worlds_of_a_run_share_the_normal_weeks_only_where_their_normal_year_is_the_same() -> None:
    """The normal year's weekly call-offs are worked out once for the run, its baseline and counterfactual (the
    same suppliers and normal plans), and equal what each world would work out alone; a world of another
    network (a plant's normal rate doubled) gets its own, with twice the seat maker's normal week."""
    import pickle

    from sim.model.workforce import NormalWeeks, _expected_week
    from sim.model.world import World
    from sim.scenario.realise import realise
    from sim.scenario.streams import seed_sequence
    from sim.simulation import baseline_of

    root = seed_sequence(1)
    realised, _ = realise(micro({}, outages=IDLE_AND_UNPAID), root)
    first = World(realised, root)
    baseline = World(baseline_of(realised), root, suppliers=first.supply.table, start=first.opening)
    assert baseline.workforce.normal_weeks is first.workforce.normal_weeks is first.opening.normal_weeks
    s = first.supply
    for day in (0, 6, 20):
        alone = np.empty(s.table.n)
        _expected_week(day, s.cum_plan[0], s.lane_sup, s.lane_plant, s.base_share * s.lane_ppu, s.table.lead_time, alone)
        assert np.array_equal(first.workforce.normal_weeks.week(day, s), alone)
        assert baseline.workforce.normal_weeks.week(day, baseline.supply) is first.workforce.normal_weeks.week(day, s)
    doubled = realised.model_copy(
        update={"plants": {name: p.model_copy(update={"daily_rate": 2 * p.daily_rate}) for name, p in realised.plants.items()}}
    )
    other = World(doubled, root, suppliers=first.supply.table, start=first.opening)
    assert other.workforce.normal_weeks is not first.workforce.normal_weeks
    week = first.workforce.normal_weeks.week(20, s)
    assert week.min() > 0 and np.array_equal(other.workforce.normal_weeks.week(20, other.supply), 2 * week)
    copied = pickle.loads(pickle.dumps(first.opening.normal_weeks))  # a cache: a copy starts empty
    assert isinstance(copied, NormalWeeks) and copied._weeks == {}
