"""The opening position: a world starts in the middle of normal trading, so a normal year is flat from
its first day.

- Parts: one day of production plus the safety stock at each line side, and the deliveries already
  under way for the next lead-time days.
- Invoices: one per delivery lane and past working day of the last ``terms`` days, not yet due, and a
  tier-2 bill for each of the last tier-2 terms days.
- Vehicles: those built in the last transit days still on their way to their markets, and receipts
  of the vehicles wholesaled in the last settlement days, not yet paid (see :mod:`sim.model.sales`).
- Receipts: parts orders of the last settlement days, not yet paid.

The invoices and tier-2 bills are the same for every world of one network and seed (a run and its
baseline) and read only, so one :class:`Opening` serves both.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.model.payables import Batch
from sim.model.plants import Plant
from sim.model.supply import SupplyBase
from sim.scenario.schema import WEEKDAYS


@dataclass(frozen=True)
class Opening:
    """Normal trading before day 0: the OEM's invoices not yet due, and the tier-2 bills not yet
    due as (due day, payers, payees, amounts)."""

    invoices: list[Batch]
    tier2_bills: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]


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
    return np.rint(units).astype(np.int64) * supply.part_ppu


def trade(supply: SupplyBase, plants: list[Plant], start_date: date) -> Opening:
    """The OEM's invoices and the tier-2 bills of normal trading before day 0, not yet due."""
    return Opening(_invoices(supply, plants, start_date), _tier2_bills(supply))


def _invoices(supply: SupplyBase, plants: list[Plant], start_date: date) -> list[Batch]:
    """An invoice for each delivery lane and each of its plant's working days in the last ``terms``
    days, in batches by due day (the oldest, due first, first)."""
    t = supply.table
    first_weekday = start_date.weekday()
    by_due: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)  # due day -> (suppliers, values)
    for plant in plants:
        lanes = np.arange(plant.lanes.start, plant.lanes.stop)
        if len(lanes) == 0:
            continue
        working = np.array([d in plant.spec.working_days for d in WEEKDAYS])
        value = supply.lane_ppu[lanes] * plant.spec.daily_rate * supply.lane_price[lanes] * supply.base_share[lanes]
        per_day = np.rint(value).astype(np.int64)
        rows = supply.lane_sup[lanes]
        terms = t.terms[rows]
        for term in np.unique(terms):
            group = (terms == term) & (per_day > 0)
            invoice = (rows[group], per_day[group])  # one per lane and past working day
            for back in range(int(term), 0, -1):  # the oldest (due first) first
                if working[(first_weekday - back) % 7]:
                    by_due[int(term) - back].append(invoice)
    batches = []
    for due in sorted(by_due):
        sups = np.concatenate([s for s, _ in by_due[due]])
        values = np.concatenate([v for _, v in by_due[due]])
        batches.append(Batch(sups, values, np.zeros(len(values), dtype=np.int64), np.full(len(values), due, dtype=np.int64)))
    return batches


def _tier2_bills(supply: SupplyBase) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """A bill from each tier-2 supplier to its customer for each of its last terms days."""
    t, t2 = supply.table, supply.tier2_rows
    bills = []
    for k in range(int(t.terms[t2].max()) if len(t2) else 0):
        has = t.terms[t2] > k
        daily2 = np.rint(supply.normal_units[t2] * t.price[t2]).astype(np.int64)
        bills.append((k, supply.tier2_customer[has], t2[has], daily2[has]))
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
