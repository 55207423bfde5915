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


def normal_year_dip(supply: SupplyBase, plants: list[Plant], start_date: date, fixed: np.ndarray,
                    other_margin: np.ndarray, tier2_cost: np.ndarray) -> np.ndarray:
    """Per supplier, the deepest fall of its cash below where it opened over a normal year (pence, at least
    nothing): ``fixed`` and ``other_margin`` are its daily fixed costs and other customers' margin, and
    ``tier2_cost`` what its tier-2 suppliers charge per unit it makes (pence)."""
    t = supply.table
    horizon = supply.horizon
    back = int(t.terms.max(initial=0)) * 2 + int(t.lead_time.max(initial=0)) + 2  # tier-2 bills lag a tier-1 payment
    plan = normal_plan(supply, plants, start_date, back, horizon + int(t.lead_time.max(initial=0)) + 1)
    return _dip(plan, back, horizon, supply.lane_sup, supply.lane_plant, supply.base_share * supply.lane_ppu, t.lead_time,
                t.price.astype(np.float64), t.terms, t.variable_share, tier2_cost.astype(np.float64), fixed.astype(np.float64),
                other_margin.astype(np.float64), supply.tier2_rows, supply.tier2_customer, supply.tier2_ppu.astype(np.float64))


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
        plan[plant.index, back: back + len(days)] = days
    return plan


def shipments_before(supply: SupplyBase, plan: np.ndarray, back: int) -> np.ndarray:
    """Units each lane (columns) shipped in normal trading on each of the ``back`` days before day 0 (row
    ``b - 1`` is day ``-b``): its share of the parts its plant builds with ``lead`` days later (``plan`` as
    :func:`normal_plan` gives it, from day ``-back``)."""
    lead = supply.table.lead_time[supply.lane_sup]
    parts = supply.base_share * supply.lane_ppu
    days = back - 1 - np.arange(back)[:, None] + lead[None, :]  # column of day -b + lead in plan
    return parts[None, :] * plan[supply.lane_plant[None, :], days]


@njit(cache=True)
def _dip(plan: np.ndarray, back: int, horizon: int, lane_sup: np.ndarray, lane_plant: np.ndarray, lane_parts: np.ndarray,
         lead: np.ndarray, price: np.ndarray, terms: np.ndarray, variable_share: np.ndarray, tier2_cost: np.ndarray,
         fixed: np.ndarray, other_margin: np.ndarray, tier2_rows: np.ndarray, tier2_customer: np.ndarray,
         tier2_ppu: np.ndarray) -> np.ndarray:
    n = len(price)
    days = plan.shape[1]
    units = np.zeros((n, days))  # what each supplier ships each day, from day -back
    for lane in range(len(lane_sup)):
        s = lane_sup[lane]
        for k in range(days - lead[s]):
            units[s, k] += lane_parts[lane] * plan[lane_plant[lane], k + lead[s]]
    for j in range(len(tier2_rows)):
        units[tier2_rows[j]] = units[tier2_customer[j]] * tier2_ppu[j]
    bills_in = np.zeros((n, days))  # tier-2 bills each supplier pays on each day (its tier-2 suppliers' receipts)
    for j in range(len(tier2_rows)):
        k2, c = tier2_rows[j], tier2_customer[j]
        for k in range(days - terms[k2]):
            bills_in[c, k + terms[k2]] += units[k2, k] * price[k2]
    dip = np.zeros(n)
    is_tier2 = np.zeros(n, dtype=np.bool_)
    for j in range(len(tier2_rows)):
        is_tier2[tier2_rows[j]] = True
    for s in range(n):
        cash = 0.0
        lowest = 0.0
        for k in range(back, back + horizon):
            value = units[s, k] * price[s]
            paid = units[s, k - terms[s]] * price[s]
            variable = np.floor(value * variable_share[s]) - (0.0 if is_tier2[s] else units[s, k] * tier2_cost[s])
            cash += paid - max(variable, 0.0) - bills_in[s, k] - fixed[s] + other_margin[s]
            if cash < lowest:
                lowest = cash
        dip[s] = -lowest
    return dip
