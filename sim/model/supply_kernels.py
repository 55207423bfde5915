"""The loops every simulated day repeats over thousands of lanes and suppliers, compiled with numba.

Each does what a few numpy operations would, in one pass, with the same arithmetic in the same order
(integer sums exact; float sums in lane order, as ``np.bincount`` does; no fastmath), so results do
not depend on whether they are compiled (``NUMBA_DISABLE_JIT=1`` runs them as plain Python).
``tests/test_kernels.py`` checks each against plain numpy reference code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NO_LIMIT = 1 << 40  # units a plant could build from parts it does not need


@njit(cache=True)
def calloffs(
    ahead: np.ndarray,
    lane_group: np.ndarray,
    lane_part: np.ndarray,
    part_ppu: np.ndarray,
    lane_share: np.ndarray,
    safety: np.ndarray,
    stock: np.ndarray,
    in_transit: np.ndarray,
    lane_sup: np.ndarray,
    order: np.ndarray,
    asked: np.ndarray,
) -> None:
    """Each lane's call-off (``order``: its share of its part's planned units ahead, in parts, plus the
    part's safety stock, less the part's stock, rounded to whole parts; less the lane's parts on the road;
    at least nothing) and each supplier's total of them (``asked``, summed as floats in lane order)."""
    asked[:] = 0.0
    for lane in range(len(order)):
        part = lane_part[lane]
        target = ahead[lane_group[lane]] * part_ppu[part]
        target += safety[part]
        target -= stock[part]
        share = lane_share[lane]
        if share != 1.0:
            target = np.int64(np.floor(share * target + 0.5))
        target -= in_transit[lane]
        if target < 0:
            target = 0
        order[lane] = target
        asked[lane_sup[lane]] += order[lane]


@njit(cache=True)
def dispatch(
    order: np.ndarray,
    asked: np.ndarray,
    cap: np.ndarray,
    lane_sup: np.ndarray,
    ring_row: np.ndarray,
    in_transit: np.ndarray,
    shipped_lane: np.ndarray,
    lane_price: np.ndarray,
    lane_terms: np.ndarray,
    day: int,
    units: np.ndarray,
    rows: np.ndarray,
    value: np.ndarray,
    due: np.ndarray,
) -> tuple[int, int]:
    """Ship the call-offs: in full where a supplier can, else each of its lanes scaled down to its
    capacity (rounded down). Puts today's shipments on the road (``ring_row``, ``in_transit``) and
    fills ``units`` per supplier. Each lane that shipped is one delivery, invoiced: its supplier,
    value and due day go to the front of ``rows``, ``value`` and ``due``. Returns the number of
    deliveries and their total value."""
    n = len(asked)
    met = True
    for s in range(n):
        if not asked[s] <= cap[s]:
            met = False
            break
    if met:
        for s in range(n):
            units[s] = np.int64(asked[s])
    else:
        scale = np.ones(n)
        for s in range(n):
            if asked[s] > cap[s]:
                scale[s] = cap[s] / max(asked[s], 1.0)
        total = np.zeros(n)
        for lane in range(len(order)):
            order[lane] = np.int64(np.floor(order[lane] * scale[lane_sup[lane]] + 1e-9))
            total[lane_sup[lane]] += order[lane]
        for s in range(n):
            units[s] = np.int64(total[s])
    count = 0
    face = 0
    for lane in range(len(order)):
        shipped = order[lane]
        ring_row[lane] = shipped
        in_transit[lane] += shipped
        shipped_lane[lane] += shipped
        if shipped != 0:
            rows[count] = lane_sup[lane]
            value[count] = shipped * lane_price[lane]
            due[count] = lane_terms[lane] + day
            face += value[count]
            count += 1
    return count, face


@njit(cache=True)
def output(
    units: np.ndarray,
    tier2_first: int,
    tier2_customer: np.ndarray,
    tier2_ppu: np.ndarray,
    price: np.ndarray,
    value: np.ndarray,
    week_row: np.ndarray,
) -> bool:
    """Complete a day's output per supplier: a tier-2 supplier (rows from ``tier2_first``) makes
    what its tier-1 customer shipped times its parts per unit; ``value`` is units times unit
    price. Records the units in ``week_row``; True when every supplier shipped something."""
    for k in range(len(tier2_customer)):
        units[tier2_first + k] = units[tier2_customer[k]] * tier2_ppu[k]
    everyone = True
    for s in range(len(units)):
        value[s] = units[s] * price[s]
        week_row[s] = units[s]
        if units[s] == 0:
            everyone = False
    return everyone


@njit(cache=True)
def arrive(
    ring_flat: np.ndarray, cells: np.ndarray, lane_part: np.ndarray, stock: np.ndarray, in_transit: np.ndarray, received: np.ndarray
) -> None:
    """Move each lane's shipment in ``cells`` of the road from transit to its part's line-side stock."""
    for lane in range(len(cells)):
        arriving = ring_flat[cells[lane]]
        if arriving:
            stock[lane_part[lane]] += arriving
            in_transit[lane] -= arriving
            received[lane] += arriving


@njit(cache=True)
def buildable(stock: np.ndarray, part_ppu: np.ndarray, parts_per_plant: np.ndarray) -> np.ndarray:
    """Per plant, the units its line-side parts allow: the fewest over its parts of the stock
    divided by the parts per unit (rounded down); NO_LIMIT for a plant without parts, and parts
    the plant does not use (0 per unit) never limit it."""
    limit = np.full(len(parts_per_plant), NO_LIMIT, dtype=np.int64)
    part = 0
    for plant in range(len(parts_per_plant)):
        for _ in range(parts_per_plant[plant]):
            ppu = part_ppu[part]
            if ppu == 1:
                enough = stock[part]
            elif ppu > 0:
                enough = stock[part] // ppu
            else:
                enough = NO_LIMIT
            if enough < limit[plant]:
                limit[plant] = enough
            part += 1
    return limit


@njit(cache=True)
def take_parts(units: np.ndarray, parts_per_plant: np.ndarray, part_ppu: np.ndarray, stock: np.ndarray, used: np.ndarray) -> None:
    """Take the parts for ``units`` built per plant from its line-side stock."""
    part = 0
    for plant in range(len(parts_per_plant)):
        for _ in range(parts_per_plant[plant]):
            need = units[plant] * part_ppu[part]
            stock[part] -= need
            used[part] += need
            part += 1


@njit(cache=True)
def two_sums(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """The totals of two arrays, in one call."""
    return a.sum(), b.sum()
