"""Each actor on a micro-scenario, with answers computed by hand (see tests/micro.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.micro import EVERY_DAY, day, micro, outage, run


def test_normal_day_is_steady() -> None:
    """With no outage the plant builds 100 a day and the supplier's cash rises GBP 100 a day."""
    r = run(micro())
    assert (r.daily["production_total"] == 100).all()
    cash = r.daily["supplier_cash_gbp"].to_numpy()
    assert cash[0] == 9_100 and np.all(np.diff(cash) == 100)
    assert r.summary["vehicles_lost"] == 0
    assert (r.daily["invoice_backlog_count"] == 0).all()


def test_four_parts_per_vehicle() -> None:
    """Four seats a vehicle: 400 parts shipped and invoiced a day (GBP 4,000), variable costs
    GBP 2,400 and fixed GBP 1,200, so cash opens at 10 days of GBP 3,600 and rises GBP 400 a day;
    the line side holds four times the parts; a week's outage still loses exactly 700 vehicles."""
    r = run(micro({"suppliers.seat_co.parts_per_unit": 4}))
    one = run(micro())
    assert (r.daily["production_total"] == 100).all()
    cash = r.daily["supplier_cash_gbp"].to_numpy()
    assert cash[0] == 36_400 and np.all(np.diff(cash) == 400)
    assert (r.daily["line_side_parts"] == 4 * one.daily["line_side_parts"]).all()
    stopped = run(
        micro({"suppliers.seat_co.parts_per_unit": 4}, outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-23"}]}))
    )
    assert stopped.summary["vehicles_lost"] == 700
    assert day(stopped, "2025-01-23")["production_total"] == 100


def test_plant_stops_for_exactly_the_outage_days() -> None:
    """ERP down 16-22 Jan: seven days without production, 700 vehicles lost, back on 23 Jan."""
    s = micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-23"}]}))
    r = run(s)
    assert day(r, "2025-01-15")["production_total"] == 100
    assert day(r, "2025-01-16")["production_total"] == 0
    assert day(r, "2025-01-22")["production_total"] == 0
    assert day(r, "2025-01-23")["production_total"] == 100
    assert r.summary["vehicles_lost"] == 700
    assert r.summary["production_recovered_date"] == date(2025, 1, 23)


def test_weekends_and_ramp_up() -> None:
    """A Mon-Fri plant restarting on Monday at 50%, 75% on day 2, full from day 4."""
    plants = {
        "plant": {
            "daily_rate": 100,
            "part_families": ["seats"],
            "systems": ["erp"],
            "ramp_up": [{"after_days": 0, "capacity": 0.5}, {"after_days": 4, "capacity": 1.0}],
        }
    }
    s = micro(plants=plants, outages=outage("2025-01-13", ["erp"], {"erp": [{"date": "2025-01-20"}]}))
    r = run(s)
    built = r.daily.set_index("date")["production_total"]
    assert built["2025-01-11"] == 0 and built["2025-01-12"] == 0  # weekend
    assert built["2025-01-20"] == 50 and built["2025-01-21"] == 62 and built["2025-01-22"] == 75
    assert built["2025-01-23"] == 87 and built["2025-01-24"] == 100


def test_supplier_runs_out_of_cash_on_the_day_computed_by_hand() -> None:
    """Unpaid and idle from 16 Jan, GBP 10,000 of cash at GBP 300 a day lasts 33 days: its cash runs out at
    the close of 18 Feb, and the OEM (which keeps no supplier trading here) lets it go the next morning."""
    s = micro(
        {"payables.process_invoices": "when_due"},
        outages=outage("2025-01-16", ["erp", "invoicing"]),
    )
    r = run(s)
    sup = r.suppliers.iloc[0]
    assert day(r, "2025-01-15")["supplier_cash_gbp"] == 10_000
    assert day(r, "2025-02-17")["supplier_cash_gbp"] == 10_000 - 33 * 300
    assert sup["insolvent_date"].date() == date(2025, 2, 19)
    assert sup["cash_ran_out_date"].date() == date(2025, 2, 18)
    assert r.summary["suppliers_insolvent"] == 1
    assert sup["time_to_survive_days"] == 10_000 / 300


def test_credit_line_delays_insolvency() -> None:
    """Five days of costs (GBP 4,500) of credit: cash falls below -4,500 after 49 idle days (at the close of
    5 Mar), and the supplier is let go the next morning."""
    s = micro(
        {"payables.process_invoices": "when_due", "suppliers.seat_co.credit_days": 5},
        outages=outage("2025-01-16", ["erp", "invoicing"]),
    )
    r = run(s)
    sup = r.suppliers.iloc[0]
    assert sup["cash_ran_out_date"].date() == date(2025, 2, 18)
    assert sup["insolvent_date"].date() == date(2025, 3, 6)


def test_insolvent_sole_source_stops_the_plant_until_replaced() -> None:
    """Let go on the morning after its cash ran out, it ships nothing from that day; the line builds the next
    day from the delivery it shipped the day before, then runs dry (its one-day safety stock went the day
    it was let go); re-sourced 5 days later, the new firm ships that morning and the part arrives a day
    later (lead time 1)."""
    s = micro(
        {"payables.process_invoices": "when_due", "suppliers.seat_co.resourcing_lead_time_days": 5, "horizon_days": 80},
        outages=outage("2025-01-16", ["invoicing"]),
    )
    r = run(s)
    sup = r.suppliers.iloc[0]
    failed = sup["insolvent_date"].date()
    assert sup["state"] == "replaced" and sup["replaced_date"].date() == date.fromordinal(failed.toordinal() + 5)
    built = r.daily.set_index("date")["production_total"]
    after = built[built.index >= str(failed)].to_numpy()[:8]
    assert list(after) == [100, 100, 0, 0, 0, 0, 100, 100]


def test_invoice_backlog_builds_and_clears() -> None:
    """Invoicing down 16-20 Jan: one invoice a day queues (5 at the peak, GBP 5,000), cleared on 21 Jan."""
    s = micro(outages=outage("2025-01-16", ["invoicing"], {"invoicing": [{"date": "2025-01-21"}]}))
    r = run(s)
    assert r.summary["invoice_backlog_peak_count"] == 5
    assert r.summary["invoice_backlog_peak_gbp"] == 5_000
    assert r.summary["invoice_backlog_peak_date"] == date(2025, 1, 20)
    assert r.summary["invoice_backlog_cleared_date"] == date(2025, 1, 21)


def test_capacity_below_invoice_rate_grows_without_bound() -> None:
    """Ten suppliers, ten invoices a day, four processed a day: the backlog grows by six every day."""
    s = micro(
        {"suppliers.seat_co.count": 10, "payables.automated_invoices_per_day": 10},
        outages=outage("2025-01-16", ["invoicing"], {"invoicing": [{"date": "2025-01-16", "capacity": 0.4}]}),
    )
    r = run(s)
    backlog = r.daily.set_index("date")["invoice_backlog_count"]
    assert np.all(np.diff(backlog["2025-01-16":].to_numpy()) == 6)
    assert r.summary["invoice_backlog_cleared_date"] is None


def test_manual_team_processes_at_its_rate() -> None:
    """Invoicing down for good; from 20 Jan a team of 2 at 3 invoices a day clears 6 a day of a 10-a-day flow."""
    s = micro(
        {
            "suppliers.seat_co.count": 10,
            "payables.manual_teams": {"team": {"start": "2025-01-20", "staff": 2, "invoices_per_person_per_day": 3}},
        },
        outages=outage("2025-01-16", ["invoicing"]),
    )
    r = run(s)
    processed = r.daily.set_index("date")["invoices_processed"]
    assert (processed["2025-01-16":"2025-01-19"] == 0).all()
    assert (processed["2025-01-20":] == 6).all()


def test_parts_centre_backlog_clears_at_the_boosted_rate() -> None:
    """50 orders a day, down 7 days (350 queued), cleared at 75 a day: 25 a day net, 14 days."""
    pc = {
        "systems": ["warehouse"],
        "orders_per_day": 50,
        "order_randomness": "constant",
        "order_value_gbp": 100,
        "recovery_boost": 1.5,
    }
    s = micro(parts_centre=pc, outages=outage("2025-01-16", ["warehouse"], {"warehouse": [{"date": "2025-01-23"}]}))
    r = run(s)
    assert r.summary["parts_backlog_peak_orders"] == 350
    assert r.summary["parts_backlog_peak_date"] == date(2025, 1, 22)
    assert r.summary["parts_backlog_cleared_date"] == date(2025, 2, 5)


def test_parts_orders_lost_after_patience() -> None:
    """Orders older than 3 days are lost while the centre is down for 7 days: 4 days of 50 are lost."""
    pc = {
        "systems": ["warehouse"],
        "orders_per_day": 50,
        "order_randomness": "constant",
        "order_value_gbp": 100,
        "patience_days": 3,
    }
    s = micro(parts_centre=pc, outages=outage("2025-01-16", ["warehouse"], {"warehouse": [{"date": "2025-01-23"}]}))
    r = run(s)
    assert r.summary["parts_orders_lost"] == 200
    assert r.summary["parts_backlog_peak_orders"] == 200


def test_wholesale_waits_for_its_system_and_cash_follows_settlement() -> None:
    """Wholesale down 16-20 Jan: 500 vehicles wait in stock, sold on 21 Jan, cash 5 days later."""
    s = micro(outages=outage("2025-01-16", ["wholesale"], {"wholesale": [{"date": "2025-01-21"}]}))
    r = run(s)
    assert day(r, "2025-01-20")["finished_vehicle_stock"] == 500
    assert day(r, "2025-01-21")["wholesale_vehicles"] == 600
    assert day(r, "2025-01-21")["finished_vehicle_stock"] == 0
    receipts = r.daily.set_index("date")["oem_receipts_gbp"]
    assert receipts["2025-01-21"] == 0 and receipts["2025-01-26"] == 600 * 1000


def test_facility_is_drawn_to_the_floor() -> None:
    """Cash below the GBP 1m floor is topped back up to it, within the facility size."""
    treasury = {
        "opening_cash_gbp": 500_000,
        "fixed_costs_gbp_per_day": 10_000,
        "facilities": {"rcf": {"size_gbp": 2_000_000, "available_from": "2025-01-06", "draw_below_gbp": 1_000_000}},
    }
    r = run(micro(treasury=treasury))
    first = day(r, "2025-01-06")
    assert first["oem_cash_gbp"] == 1_000_000
    assert first["facility_drawn_gbp"] == 1_000_000 - (500_000 + 100_000 - 10_000 - 1_000)


def test_early_payment_prepays_and_trues_up() -> None:
    """80% of each delivery two days after the order; the invoice later pays the other 20%."""
    sf = {
        "start": "2025-01-06",
        "budget_gbp": 1e6,
        "prepay_share": 0.8,
        "days_after_order": 2,
        "tiers": [1],
        "restart_critical_only": False,
    }
    r = run(micro(interventions={"supplier_finance": sf}))
    pay = r.daily.set_index("date")["supplier_payments_gbp"]
    assert pay["2025-01-06"] == 1_000  # opening invoice only
    assert pay["2025-01-08"] == 1_000 + 800  # plus the prepayment of day 0's delivery
    assert pay["2025-02-05"] == 200 + 800  # day 0's invoice due (net of prepayment) + day 28's prepayment


def test_engine_plant_feeds_vehicle_plant() -> None:
    """With the engine plant stopped, vehicles are built only while the 2-day engine buffer lasts."""
    plants = {
        "engines": {"kind": "engine", "daily_rate": 120, "working_days": EVERY_DAY, "systems": ["erp"], "engine_buffer_days": 2},
        "plant": {
            "daily_rate": 100,
            "working_days": EVERY_DAY,
            "part_families": ["seats"],
            "systems": ["wholesale"],
            "engines_from": "engines",
        },
    }
    r = run(micro(plants=plants, outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-30"}]})))
    built = r.daily.set_index("date")["production_total"]
    assert built["2025-01-16"] == 100 and built["2025-01-17"] == 100 and built["2025-01-18"] == 0
    assert built["2025-01-30"] == 100


def test_tier2_is_paid_on_its_terms_and_early_with_pass_through() -> None:
    """A tier-2 supplier at 20% of the tier-1 price bills GBP 200 a day on 10-day terms. With pass-through
    of a 2-day prepayment, deliveries of days 50-57 are paid inside the 60-day horizon: GBP 1,600 more cash."""
    tier2 = {"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.2, "payment_terms_days": 10, "cash_days": 10}
    suppliers = {"seat_co": micro().suppliers["seat_co"].model_dump(exclude_none=True), "frame_co": tier2}
    sf = {"start": "2025-01-06", "budget_gbp": 1e6, "prepay_share": 0.8, "days_after_order": 2, "restart_critical_only": False}
    plain = run(micro(suppliers=suppliers, interventions={"supplier_finance": sf}))
    early = run(micro(suppliers=suppliers, interventions={"supplier_finance": {**sf, "tier2_pass_through": True}}))

    def cash(r, name: str) -> float:  # type: ignore[no-untyped-def]
        return float(r.suppliers.set_index("supplier").loc[name, "cash_gbp"])

    assert cash(early, "frame_co") - cash(plain, "frame_co") == 1_600
    assert cash(plain, "seat_co") - cash(early, "seat_co") == 1_600
    assert plain.daily["supplier_cash_gbp"].iloc[-1] == early.daily["supplier_cash_gbp"].iloc[-1]


def test_kept_trading_supplier_is_topped_up_and_never_stops() -> None:
    """Idle and unpaid, the supplier burns GBP 300 a day; its cash is GBP -200 at the close of 18 Feb. The
    next morning the OEM tops it up to 14 days of idle costs (GBP 4,200: GBP 4,400 paid); 15 days later its
    cash is GBP -300 again (close of 5 Mar) and the OEM puts in GBP 4,500 on 6 Mar. It never stops:
    GBP 8,900 of support, no insolvency."""
    over = {"payables.process_invoices": "when_due"}
    policy = {"keep_trading": "all", "support_budget_gbp": 1e6, "support_cushion_days": 14}
    r = run(micro(over, outages=outage("2025-01-16", ["erp", "invoicing"]), supplier_distress=policy))
    assert r.summary["suppliers_insolvent"] == 0
    assert r.summary["suppliers_kept_trading"] == 2
    assert r.summary["supplier_support_gbp"] == 8_900
    assert r.summary["intervention_cost_gbp"] == 8_900
    kept = r.events[r.events["kind"] == "kept_trading"]
    assert list(kept["date"].dt.date) == [date(2025, 2, 19), date(2025, 3, 6)]
    assert list(kept["value"]) == [4_400, 4_500]
    assert day(r, "2025-02-19")["supplier_cash_gbp"] == 4_200 - 300


def test_ledger_pays_whole_pence_and_books_both_sides() -> None:
    """Payments are integers: the OEM pays 300 + 200 to supplier 1 and 50 to supplier 0 (500 + 50
    off its cash, each supplier's book and cash up by what it got); an amount in fractions is refused."""
    from sim.model.ledger import Ledger

    ledger = Ledger(10_000, np.zeros(2, dtype=np.int64))
    paid = ledger.oem_pays("invoices", np.array([1, 0, 1]), np.array([300, 50, 200]))
    assert paid == 550 and ledger.oem_cash == 9_450
    assert ledger.supplier_cash.tolist() == [50, 500]
    assert ledger.supplier_flows["from_oem:invoices"].tolist() == [50, 500]
    ledger.supplier_pays_supplier("tier2_invoices", np.array([1, 1]), np.array([0, 0]), np.array([30, 20]))
    assert ledger.supplier_cash.tolist() == [100, 450] and ledger.supplier_cash.sum() == 550
    with pytest.raises(TypeError, match="whole pence"):
        ledger.oem_pays("invoices", np.array([0]), np.array([1.5]))
