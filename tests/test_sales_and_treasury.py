"""Finished vehicles travelling to markets, on the micro-scenario with answers worked out by hand (see
tests/micro.py).

A normal micro day: 100 vehicles built and 100 wholesaled at GBP 1,000 (GBP 100,000 received, after the
settlement delay), GBP 1,000 paid to the supplier and GBP 10,000 of fixed costs: the OEM's cash rises
GBP 89,000 a day.
"""

from __future__ import annotations

from typing import Any

import pytest

from sim.model.sales import split
from sim.scenario.errors import ScenarioError
from tests.micro import BASE, day, micro, outage, run

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


@pytest.mark.parametrize(("sections", "path", "words"), [
    ({"sales": {**SALES, "markets": {"a": {"share": 0}}}}, "sales.markets", "share is zero"),
    ({"sales": {**SALES, "markets": {"a": {"share": 1, "transit_days": 400}}}}, "sales.markets.a.transit_days",
     "between 0 and 365"),
])
def test_bad_markets_are_named(sections: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as info:
        micro(**sections)
    assert path in str(info.value) and words in str(info.value)
