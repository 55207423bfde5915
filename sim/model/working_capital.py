"""How deep each supplier's cash dips in a normal year: what a working-capital line must cover.

A supplier ships ahead of the plants' plans, pays its variable costs when it ships, is paid on its terms
after, pays its tier-2 suppliers on theirs, and pays its fixed costs (less other customers' margin) every
day. Days without shipments (weekends, the Christmas shutdown) are days without receipts a payment term
later, while the fixed costs run on: its cash dips. The normal year is the plants' plans with no outage,
and before the first day the plants' usual working week (the opening position of :mod:`sim.model.opening`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from numba import njit

from sim.model.plants import Plant
from sim.model.supply import SupplyBase
from sim.scenario.schema import WEEKDAYS


def normal_year_dip(
    supply: SupplyBase, plants: list[Plant], start_date: date, fixed: np.ndarray, other_margin: np.ndarray, tier2_cost: np.ndarray
) -> np.ndarray:
    """Per supplier, the deepest fall of its cash below where it opened over a normal year (pence, at least
    nothing): ``fixed`` and ``other_margin`` are its daily fixed costs and other customers' margin, and
    ``tier2_cost`` what its tier-2 suppliers charge per unit it makes (pence)."""
    t = supply.table
    horizon = supply.horizon
    back = int(t.terms.max(initial=0)) * 2 + int(t.lead_time.max(initial=0)) + 2  # tier-2 bills lag a tier-1 payment
    plan = normal_plan(supply, plants, start_date, back, horizon + int(t.lead_time.max(initial=0)) + 1)
    by_supplier = np.argsort(supply.lane_sup, kind="stable")  # each supplier's lanes, in lane order
    lane_start = np.searchsorted(supply.lane_sup[by_supplier], np.arange(t.n + 1))
    by_customer = np.argsort(supply.tier2_customer, kind="stable")  # each customer's tier-2 suppliers, in order
    tier2_start = np.searchsorted(supply.tier2_customer[by_customer], np.arange(t.n + 1))
    is_tier2 = np.zeros(t.n, dtype=np.bool_)
    is_tier2[supply.tier2_rows] = True
    return _dip(
        plan,
        back,
        horizon,
        by_supplier,
        lane_start,
        supply.lane_plant,
        supply.base_share * supply.lane_ppu,
        t.lead_time,
        t.price.astype(np.float64),
        t.terms,
        t.variable_share,
        tier2_cost.astype(np.float64),
        fixed.astype(np.float64),
        other_margin.astype(np.float64),
        by_customer,
        tier2_start,
        supply.tier2_rows,
        supply.tier2_ppu.astype(np.float64),
        is_tier2,
    )


def normal_plan(supply: SupplyBase, plants: list[Plant], start_date: date, back: int, ahead: int) -> np.ndarray:
    """Units each plant (rows) builds in a normal year on each day from ``-back`` to ``ahead - 1`` (columns): its
    normal rate on its working days before day 0 (the plants' usual working week), then its normal plan."""
    plan = np.zeros((len(plants), back + ahead))
    first_weekday = start_date.weekday()
    for plant in plants:
        working = np.array([d in plant.spec.working_days for d in WEEKDAYS])
        for k in range(back):
            plan[plant.index, k] = plant.spec.daily_rate * working[(first_weekday - back + k) % 7]
        days = np.diff(supply.cum_plan[0, plant.index])[:ahead]
        plan[plant.index, back : back + len(days)] = days
    return plan


def shipments_before(supply: SupplyBase, plan: np.ndarray, back: int) -> np.ndarray:
    """Units each lane (columns) shipped in normal trading on each of the ``back`` days before day 0 (row
    ``b - 1`` is day ``-b``): its share of the parts its plant builds with ``lead`` days later (``plan`` as
    :func:`normal_plan` gives it, from day ``-back``)."""
    lead = supply.table.lead_time[supply.lane_sup]
    parts = supply.base_share * supply.lane_ppu
    days = back - 1 - np.arange(back)[:, None] + lead[None, :]  # column of day -b + lead in plan
    return np.asarray(parts[None, :] * plan[supply.lane_plant[None, :], days])


@njit(cache=True)
def _dip(
    plan: np.ndarray,
    back: int,
    horizon: int,
    lane_order: np.ndarray,
    lane_start: np.ndarray,
    lane_plant: np.ndarray,
    lane_parts: np.ndarray,
    lead: np.ndarray,
    price: np.ndarray,
    terms: np.ndarray,
    variable_share: np.ndarray,
    tier2_cost: np.ndarray,
    fixed: np.ndarray,
    other_margin: np.ndarray,
    tier2_order: np.ndarray,
    tier2_start: np.ndarray,
    tier2_rows: np.ndarray,
    tier2_ppu: np.ndarray,
    is_tier2: np.ndarray,
) -> np.ndarray:
    """Each first-tier supplier's shipments a day (its lanes' shares of their plants' plans ``lead`` days on),
    the bills of its tier-2 suppliers (their parts in those shipments, on their terms) and its cash path; then
    each of its tier-2 suppliers' paths. One supplier's days at a time (``lane_start``/``tier2_start``: where
    each supplier's lanes and tier-2 suppliers begin in ``lane_order``/``tier2_order``)."""
    n = len(price)
    days = plan.shape[1]
    dip = np.zeros(n)
    units = np.empty(days)  # what the supplier ships each day, from day -back
    theirs = np.empty(days)  # what one of its tier-2 suppliers makes each day
    bills = np.empty(days)  # tier-2 bills it pays each day
    none = np.zeros(days)
    for c in range(n):
        if is_tier2[c]:
            continue
        units[:] = 0.0
        for i in range(lane_start[c], lane_start[c + 1]):
            lane = lane_order[i]
            for k in range(days - lead[c]):
                units[k] += lane_parts[lane] * plan[lane_plant[lane], k + lead[c]]
        bills[:] = 0.0
        for i in range(tier2_start[c], tier2_start[c + 1]):
            j = tier2_order[i]
            k2 = tier2_rows[j]
            for k in range(days - terms[k2]):
                bills[k + terms[k2]] += units[k] * tier2_ppu[j] * price[k2]
        dip[c] = _lowest(
            units, bills, back, horizon, price[c], terms[c], variable_share[c], tier2_cost[c], fixed[c], other_margin[c]
        )
        for i in range(tier2_start[c], tier2_start[c + 1]):
            j = tier2_order[i]
            k2 = tier2_rows[j]
            for k in range(days):
                theirs[k] = units[k] * tier2_ppu[j]
            dip[k2] = _lowest(
                theirs, none, back, horizon, price[k2], terms[k2], variable_share[k2], 0.0, fixed[k2], other_margin[k2]
            )
    return dip


@njit(cache=True)
def _lowest(
    units: np.ndarray,
    bills: np.ndarray,
    back: int,
    horizon: int,
    price: float,
    terms: int,
    variable_share: float,
    tier2_cost: float,
    fixed: float,
    other_margin: float,
) -> float:
    """How far a supplier's cash falls below where it opened over the horizon (at least nothing): it is paid
    ``terms`` days after it ships, pays its variable costs (less its tier-2 content, billed separately) when it
    ships, its tier-2 ``bills`` and fixed costs, and earns other customers' margin every day."""
    cash = 0.0
    lowest = 0.0
    for k in range(back, back + horizon):
        value = units[k] * price
        paid = units[k - terms] * price
        variable = np.floor(value * variable_share) - units[k] * tier2_cost
        cash += paid - max(variable, 0.0) - bills[k] - fixed + other_margin
        if cash < lowest:
            lowest = cash
    return -lowest
