"""Who supplies which plant, and what happens when a supplier fails: answers worked out by hand.

The micro network (tests/micro.py): plants build 100 a day every day; a part at GBP 10 a piece,
lead time 1 day, one day of safety stock. Invoicing is down from 16 Jan (invoices processed in the
payment run on their due date, so none is), and the OEM's own systems stop nothing else: each supplier
ships 100 a day, pays GBP 600 of variable and GBP 300 of fixed costs and is paid nothing. A supplier
with 10 days of cash (GBP 9,000, rising GBP 100 a day in normal trading) has GBP 10,000 at the close of
15 Jan and then burns GBP 900 a day: its cash is below nothing at the close of 27 Jan (GBP -800, day 21),
and the OEM decides the next morning, 28 Jan (day 22). A supplier with 1,000 days of cash never runs out
within the 60 days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from sim.scenario.errors import ScenarioError
from tests.micro import BASE, EVERY_DAY, micro, outage, run

UNPAID = {"payables.process_invoices": "when_due"}
INVOICING_DOWN = outage("2025-01-16", ["invoicing"])
SECOND_PLANT = {"daily_rate": 100, "working_days": EVERY_DAY, "part_families": ["seats"], "systems": ["erp"]}
SEAT = BASE["suppliers"]["seat_co"]
LET_GO = date(2025, 1, 28)


def built(result: Any, plant: str, first: date, days: int) -> list[int]:
    frame = result.daily.set_index("date")[f"production_{plant}"]
    return [int(v) for v in frame[frame.index >= str(first)].to_numpy()[:days]]


def test_a_supplier_of_one_plant_stops_only_that_plant() -> None:
    """A serves plant 1 only, B plant 2 only; A is let go on 28 Jan (re-sourced after 90 days, beyond the run):
    plant 1 builds 100 that day and the next from the parts on the way and at the line, then stops for the
    36 days 30 Jan - 6 Mar; plant 2 never stops."""
    suppliers = {"a_co": {**SEAT, "plants": ["plant"]}, "b_co": {**SEAT, "plants": ["plant2"], "cash_days": 1000}}
    r = run(micro(UNPAID, plants={**BASE["plants"], "plant2": SECOND_PLANT}, suppliers=suppliers, outages=INVOICING_DOWN))
    assert r.suppliers.set_index("supplier").loc["a_co", "insolvent_date"].date() == LET_GO
    assert built(r, "plant", LET_GO, 4) == [100, 100, 0, 0]
    assert (r.daily["production_plant2"] == 100).all()
    assert r.summary["lines_stopped_by_supplier_failure"] == 1
    assert r.summary["vehicles_lost_outage"] == 0
    assert r.summary["vehicles_lost_supplier_failure"] == r.summary["vehicles_lost"] == 3_600


def test_a_second_source_takes_over_once_qualified() -> None:
    """A makes 70% of the part, B 30% (no capacity margin; B qualifies for the whole volume 10 days after A
    fails). A is let go on 28 Jan (day F). Day F: 100 built (200 at the line), B ships its 30. F+1: 100
    built (130 at the line). F+2: 60 (only B's 30 a day arrive since F+1). F+3 to F+10: 30 a day. On F+10 B
    is qualified and ships 100, built from F+11. Lost to A's failure: 40 + 8 x 70 = 600."""
    first = {**SEAT, "capacity_margin": 0.0, "resourcing_lead_time_days": 365}
    second = {
        **SEAT,
        "capacity_margin": 0.0,
        "cash_days": 1000,
        "second_source_for": "a_co",
        "source_share": 0.3,
        "surge_share": 1.0,
        "qualification_days": 10,
    }
    r = run(micro(UNPAID, suppliers={"a_co": first, "b_co": second}, outages=INVOICING_DOWN))
    assert r.suppliers.set_index("supplier").loc["a_co", "insolvent_date"].date() == LET_GO
    assert built(r, "plant", LET_GO, 12) == [100, 100, 60] + [30] * 8 + [100]
    assert r.summary["vehicles_lost_supplier_failure"] == 600
    assert r.summary["vehicles_lost"] == 600


def test_moved_tooling_restarts_the_line_on_the_computed_day() -> None:
    """Let go on 28 Jan, its tooling moved to another supplier in 5 days: the line builds 100 on 28 and 29 Jan
    (the parts on the way and at the line), nothing 30 Jan - 2 Feb; the moved tooling ships on 2 Feb and the
    line builds again from 3 Feb. One line stop; the move costs the OEM GBP 25,000."""
    policy = {"move_tooling": "all", "tooling_move_days": 5, "tooling_move_cost_gbp": 25_000}
    r = run(micro(UNPAID, outages=INVOICING_DOWN, supplier_distress=policy))
    assert built(r, "plant", LET_GO, 7) == [100, 100, 0, 0, 0, 0, 100]
    moved = r.events[r.events["kind"] == "tooling_moved"]
    assert list(moved["date"].dt.date) == [date(2025, 2, 2)]
    assert r.summary["tools_moved"] == 1
    assert r.summary["supplier_support_gbp"] == 25_000
    assert r.summary["lines_stopped_by_supplier_failure"] == 1
    stops = r.events[r.events["kind"] == "line_stop"]
    assert list(stops["date"].dt.date) == [date(2025, 1, 30)]


def test_accelerated_payment_keeps_an_idle_supplier_alive() -> None:
    """Idle (ERP down too) and unpaid from 16 Jan, the supplier's cash is GBP -200 at the close of 18 Feb. The
    OEM pays it every open invoice the next morning: 20 opening invoices due 16 Jan - 4 Feb and the 10 of its
    deliveries of 6-15 Jan, GBP 1,000 each: GBP 30,000, leaving GBP 29,800 before the day's costs. It never
    becomes insolvent."""
    policy = {"accelerate_payment": True}
    r = run(micro(UNPAID, outages=outage("2025-01-16", ["erp", "invoicing"]), supplier_distress=policy))
    assert r.summary["suppliers_insolvent"] == 0
    rows = r.daily.set_index("date")
    assert rows.loc["2025-02-19", "supplier_payments_gbp"] == 30_000
    assert rows.loc["2025-02-19", "supplier_cash_gbp"] == 29_800 - 300


def test_plant_shares_spread_members_over_plants() -> None:
    """Ten members spread 60/40: members 1-6 serve the first plant, 7-10 the second."""
    suppliers = {"seat_co": {**SEAT, "count": 10, "plant_shares": {"plant": 0.6, "plant2": 0.4}}}
    r = run(micro(plants={**BASE["plants"], "plant2": SECOND_PLANT}, suppliers=suppliers))
    world = r.world
    assert world is not None
    serves = world.supply.table.serves
    assert serves == [("plant",)] * 6 + [("plant2",)] * 4
    assert (r.daily["production_total"] == 200).all()


@pytest.mark.parametrize(
    ("supplier", "field"),
    [
        ({"plants": ["nowhere"]}, "plants"),
        ({"plants": ["plant"], "plant_shares": {"plant": 1.0}}, "plant_shares"),
        ({"plant_shares": {"plant": 0.0}}, "plant_shares"),
        ({"second_source_for": "missing_co", "source_share": 0.3}, "second_source_for"),
        ({"second_source_for": "seat_co"}, "source_share"),
        ({"source_share": 0.3}, "source_share"),
    ],
)
def test_a_bad_sourcing_names_its_field(supplier: dict[str, Any], field: str) -> None:
    """Each sourcing mistake is refused, naming the supplier's field."""
    suppliers = {**BASE["suppliers"], "other_co": {**SEAT, **supplier}}
    with pytest.raises(ScenarioError, match=rf"suppliers\.other_co\.{field}"):
        micro(suppliers=suppliers)


def test_second_sources_must_leave_the_first_a_share() -> None:
    """Two second sources of 60% each would leave the first source nothing."""
    twin = {**SEAT, "second_source_for": "seat_co", "source_share": 0.6}
    with pytest.raises(ScenarioError, match=r"suppliers\.seat_co: its second sources' shares can reach 1.2"):
        micro(suppliers={**BASE["suppliers"], "b_co": twin, "c_co": twin})


def test_second_source_members_beyond_the_first_sources_count_share_its_members() -> None:
    """Three second-source members of 40% behind one first-source member would take 120% of its part."""
    trio = {**SEAT, "count": 3, "second_source_for": "seat_co", "source_share": 0.4}
    with pytest.raises(ScenarioError, match=r"suppliers\.seat_co: its second sources' shares can reach 1.2"):
        micro(suppliers={**BASE["suppliers"], "b_co": trio})


def test_line_stopping_suppliers_are_the_sole_sources() -> None:
    """A part with a second source able to take it all over does not stop a line when its first source fails;
    a sole source does."""
    from sim.model.distress import line_stopping

    second = {**SEAT, "second_source_for": "a_co", "source_share": 0.3, "surge_share": 1.0}
    r = run(micro(suppliers={"a_co": SEAT, "b_co": second, "c_co": {**SEAT, "unit_price_gbp": 5}}))
    assert r.world is not None
    stops = dict(zip(r.world.supply.table.name, line_stopping(r.world.supply).tolist(), strict=True))
    assert stops == {"a_co": False, "b_co": False, "c_co": True}
    assert np.all(r.daily["production_total"] == 100)
