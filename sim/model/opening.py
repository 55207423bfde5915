"""The opening position: a world starts in the middle of normal trading, so a normal year is flat from
its first day.

- Parts: one day of production plus the safety stock at each line side, and the deliveries already
  under way for the next lead-time days.
- Invoices: one per delivery lane and day it shipped on (``lead`` days before its plant's working days)
  of the last ``terms`` days, not yet due, and a tier-2 bill for each of the last tier-2 terms days, for
  the parts in what its customer shipped that day: as :mod:`sim.model.working_capital` sees a normal year.
- Vehicles: those built in the last transit days still on their way to their markets, and receipts
  of the vehicles wholesaled in the last settlement days, not yet paid (see :mod:`sim.model.sales`).
- Receipts: parts orders of the last settlement days, not yet paid.

The invoices, tier-2 bills and suppliers' money are the same for every world of one network and seed (a
run and its baseline) and read only, so one :class:`Opening` serves both; so does the normal year's weekly
call-offs each supplier's workforce compares its week with (worked out once for all of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from sim.model.payables import Batch
from sim.model.plants import Plant
from sim.model.supplier_finance import SupplierMoney
from sim.model.supply import SupplyBase
from sim.model.workforce import NormalWeeks
from sim.model.working_capital import normal_plan, shipments_before
from sim.scenario.schema import WEEKDAYS


@dataclass(frozen=True)
class Opening:
    """Normal trading before day 0: the OEM's invoices not yet due, the tier-2 bills not yet due as (due
    day, payers, payees, amounts), and the suppliers' money (see :class:`SupplierMoney`)."""

    invoices: list[Batch]
    tier2_bills: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]
    money: SupplierMoney  # each supplier's costs, opening cash and credit
    normal_weeks: NormalWeeks = field(default_factory=NormalWeeks)  # worked out as the worlds need them


def fill_lanes(supply: SupplyBase) -> None:
    """Put the opening parts at each part's line side and on each lane's road (its share of the part)."""
    n_lanes = len(supply.lane_sup)
    if n_lanes == 0:
        return
    lanes = np.arange(n_lanes)
    supply.stock[:] = supply.safety + _needed(supply, -1)
    shared = not supply.lanes.single_sourced
    for ahead in range(1, supply.ring_size):
        need = _needed(supply, ahead - 1)[supply.lane_part]
        if shared:
            need = np.rint(need * supply.base_share).astype(np.int64)
        due = (ahead < supply.lane_lead).astype(np.int64) * need
        supply.ring[(ahead - supply.lane_lead) % supply.ring_size, lanes] += due
    supply.opening_stock = supply.stock.copy()
    supply.in_transit[:] = supply.ring.sum(axis=0)
    supply.opening_in_transit = supply.in_transit.copy()


def _needed(supply: SupplyBase, day: int) -> np.ndarray:
    """Parts of each part needed for the normal plan's production on ``day + 1``."""
    last = supply.cum_plan.shape[2] - 1
    plants = supply.lanes.part_plant
    units = supply.cum_plan[0, plants, min(day + 2, last)] - supply.cum_plan[0, plants, min(day + 1, last)]
    return np.asarray(np.rint(units).astype(np.int64) * supply.part_ppu)


def trade(supply: SupplyBase, plants: list[Plant], start_date: date) -> Opening:
    """The OEM's invoices and the tier-2 bills of normal trading before day 0, not yet due, and the suppliers'
    money."""
    t = supply.table
    back = int(t.terms.max(initial=0)) + 1
    plan = normal_plan(supply, plants, start_date, back, int(t.lead_time.max(initial=0)) + 1)
    shipped = shipments_before(supply, plan, back) if len(supply.lane_sup) else None
    return Opening(_invoices(supply, shipped), _tier2_bills(supply, shipped), SupplierMoney.of(supply, plants, start_date))


def _invoices(supply: SupplyBase, shipped: np.ndarray | None) -> list[Batch]:
    """An invoice for each delivery lane and each day of the last ``terms`` days it shipped on (a supplier
    ships ``lead`` days before its plant builds), in batches by due day (the oldest, due first, first)."""
    if shipped is None:
        return []
    terms = supply.table.terms[supply.lane_sup]
    value = np.rint(shipped * supply.lane_price[None, :]).astype(np.int64)  # row b - 1: shipped on day -b
    batches = []
    for due in range(int(terms.max(initial=0))):  # shipped on day due - term, for every term over due
        back = terms - due  # days before day 0 each lane's invoice due today was raised
        lanes = np.flatnonzero((back >= 1) & (value[np.maximum(back, 1) - 1, np.arange(len(terms))] > 0))
        if len(lanes) == 0:
            continue
        amounts = value[back[lanes] - 1, lanes]
        batches.append(
            Batch(supply.lane_sup[lanes], amounts, np.zeros(len(lanes), dtype=np.int64), np.full(len(lanes), due, dtype=np.int64))
        )
    return batches


def _tier2_bills(supply: SupplyBase, shipped: np.ndarray | None) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """A bill from each tier-2 supplier to its customer for each of its last terms days it made parts: its
    parts in what its customer shipped that day."""
    t, t2 = supply.table, supply.tier2_rows
    if len(t2) == 0 or shipped is None:
        return []
    by_supplier = np.zeros((shipped.shape[0], t.n))  # units each supplier shipped on day -b (row b - 1)
    for b in range(shipped.shape[0]):
        by_supplier[b] = np.bincount(supply.lane_sup, weights=shipped[b], minlength=t.n)
    terms2 = t.terms[t2]
    bills = []
    for due in range(int(terms2.max())):
        back = terms2 - due
        has = back >= 1
        rows = t2[has]
        made = by_supplier[back[has] - 1, supply.tier2_customer[has]] * supply.tier2_ppu[has]
        amount = np.rint(made * t.price[rows]).astype(np.int64)
        bills.append((due, supply.tier2_customer[has], rows, amount))
    return bills


def vehicles_built_before(plants: list[Plant], start_date: date, days: int) -> np.ndarray:
    """Vehicles the vehicle plants built in normal trading on each of the ``days`` days before day 0
    (element ``b - 1`` is day ``-b``): each plant's normal rate, in whole vehicles, on its working days
    outside its planned shutdowns."""
    built = np.zeros(days, dtype=np.int64)
    for plant in plants:
        if plant.is_engine_plant:
            continue
        rate = int(np.floor(plant.spec.daily_rate + 1e-9))  # as its capacity plan rounds a normal day
        for back in range(1, days + 1):
            when = start_date - timedelta(days=back)
            shut = any(s.first <= when <= s.last for s in plant.spec.shutdowns)
            if WEEKDAYS[when.weekday()] in plant.spec.working_days and not shut:
                built[back - 1] += rate
    return built


def receipts(per_day: int, settlement_days: int) -> dict[int, int]:
    """What normal trading has yet to bring in: ``per_day`` pence on each of the next settlement days."""
    return {day: per_day for day in range(settlement_days)}
