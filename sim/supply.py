"""Material flow from suppliers to plants: call-offs, shipments, parts in transit, line-side stock.

A *lane* is one tier-1 supplier shipping one part to one plant; lanes are contiguous per plant.
Each day that any plant can issue call-offs, every lane orders up to the parts needed for the
plant's planned production over its lead time plus a safety buffer; suppliers ship what their
capacity, state and systems allow; deliveries are invoiced to the OEM. All of it is one batch
over arrays, not one event per supplier.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.plants import Plant, material_plan
from sim.suppliers import SupplierTable

if TYPE_CHECKING:
    from sim.engine import World

ACTIVE, INSOLVENT, REPLACED = 0, 1, 2
STATE_NAMES = ("active", "insolvent", "replaced")


class SupplyBase:
    """Lanes, stock and supplier operating state."""

    def __init__(self, table: SupplierTable, plants: list[Plant], availability: np.ndarray, horizon: int) -> None:
        self.table = table
        self.horizon = horizon
        n = table.n
        tier1 = table.tier == 1
        lane_sup: list[int] = []
        lane_plant: list[int] = []
        group_bounds: list[tuple[int, int, int, int]] = []  # (plant, lead, first lane, end lane)
        for plant in plants:
            start = len(lane_sup)
            rows = [int(r) for r in np.flatnonzero(tier1) if table.family[r] in plant.spec.part_families]
            rows.sort(key=lambda r: int(table.lead_time[r]))  # stable: lanes grouped by lead time
            for lead in sorted({int(table.lead_time[r]) for r in rows}):
                first = len(lane_sup)
                for r in rows:
                    if int(table.lead_time[r]) == lead:
                        lane_sup.append(r)
                        lane_plant.append(plant.index)
                group_bounds.append((plant.index, lead, first, len(lane_sup)))
            plant.lanes = slice(start, len(lane_sup))
        # lanes of one plant and one lead time are contiguous: one "group" each
        self.groups = group_bounds
        self.group_plant = np.array([g[0] for g in group_bounds], dtype=np.int64)
        self.group_lead = np.array([g[1] for g in group_bounds], dtype=np.int64)
        self.group_size = np.array([g[3] - g[2] for g in group_bounds], dtype=np.int64)
        self.lane_sup = np.array(lane_sup, dtype=np.int64)
        self.lane_plant = np.array(lane_plant, dtype=np.int64)
        self.lane_ppu = table.parts_per_unit[self.lane_sup]
        self.lane_price = table.price[self.lane_sup]
        self.lane_lead = table.lead_time[self.lane_sup]
        # the supplier's own systems, by day (rows) and supplier (columns); None when all always up
        self.availability_by_day = None if bool((availability >= 1).all()) else np.ascontiguousarray(availability.T)
        # normal demand per working day of each lane, and per calendar day of each supplier
        rates = np.array([float(p.spec.daily_rate) for p in plants])  # type: ignore[arg-type]
        week_share = np.array([len(p.spec.working_days) / 7 for p in plants])
        lane_rate = self.lane_ppu * rates[self.lane_plant] if len(plants) else np.zeros(0)
        self.peak_units = np.bincount(self.lane_sup, weights=lane_rate, minlength=n)
        self.lane_normal_units = lane_rate * week_share[self.lane_plant] if len(plants) else np.zeros(0)
        self.normal_units = np.bincount(self.lane_sup, weights=self.lane_normal_units, minlength=n)
        tier2 = np.flatnonzero(table.tier == 2)
        cust = table.customer[tier2]
        self.peak_units[tier2] = self.peak_units[cust] * table.parts_per_unit[tier2]
        self.normal_units[tier2] = self.normal_units[cust] * table.parts_per_unit[tier2]
        self.capacity = np.ceil(self.peak_units * (1 + table.capacity_margin)).astype(np.int64)
        self.tier2_rows = tier2
        self.tier2_customer = cust
        # plans with and without knowledge of the outage, as cumulative sums for window totals
        self.pad = int(self.lane_lead.max()) + 2 if len(self.lane_lead) else 2
        self.cum_plan = np.zeros((2, len(plants), horizon + self.pad + 1))
        for plant in plants:
            for known in (0, 1):
                plan = material_plan(plant, bool(known))[: horizon + self.pad]
                self.cum_plan[known, plant.index, 1 : len(plan) + 1] = np.cumsum(plan)
        self.known_day = np.array([p.outage_known_day for p in plants], dtype=np.int64)
        self._all_needed = [bool((self.lane_ppu[p.lanes] > 0).all()) for p in plants]
        self.calloff_ok = np.array([p.calloff_availability[:horizon] > 0 for p in plants]).reshape(len(plants), horizon)
        buffer_days = np.array([float(p.spec.line_side_buffer_days) for p in plants])  # type: ignore[arg-type]
        self.safety = np.rint(lane_rate * buffer_days[self.lane_plant]).astype(np.int64) if len(plants) else np.zeros(0, np.int64)
        # opening position: one day of production plus the safety stock at the line, and the
        # deliveries already under way for the next lead-time days
        self.ring_size = int(self.lane_lead.max()) + 1 if len(self.lane_lead) else 1
        self.ring = np.zeros((self.ring_size, len(self.lane_sup)), dtype=np.int64)
        k0 = np.zeros(len(self.lane_sup), dtype=np.int64)
        day0 = self._window(-1, np.zeros_like(self.lane_lead), k0) if len(self.lane_sup) else k0
        self.stock = self.safety + day0
        for ahead in range(1, self.ring_size):
            due = (ahead < self.lane_lead).astype(np.int64) * self._window(ahead - 1, np.zeros_like(self.lane_lead), k0)
            self.ring[ahead % self.ring_size] = due
        self.opening_stock = self.stock.copy()
        n_lanes = len(self.lane_sup)
        self._ring_cell = self.lane_lead * n_lanes + np.arange(n_lanes)  # ring cell on day 0, flat
        self.in_transit = self.ring.sum(axis=0)
        self.opening_in_transit = self.in_transit.copy()
        self.received = np.zeros(len(self.lane_sup), dtype=np.int64)
        self.shipped_lane = np.zeros(len(self.lane_sup), dtype=np.int64)
        self.used = np.zeros(len(self.lane_sup), dtype=np.int64)
        # supplier operating state
        self.state = np.zeros(n, dtype=np.int8)
        self.last_ship_day = np.full(n, -1, dtype=np.int64)  # the warm start: all shipped the day before
        # units shipped on each of the last 7 days; the warm start: a normal week already shipped
        self.week_units = np.zeros((7, n), dtype=np.int64)
        self.week_day = np.full(7, -7, dtype=np.int64)
        for back in range(1, 8):
            self.week_units[-back % 7] = np.rint(self.normal_units).astype(np.int64)
            self.week_day[-back % 7] = -back
        self.any_calloff = np.asarray(self.calloff_ok.any(axis=0) if len(plants) else np.zeros(horizon, bool), dtype=bool)

    def _window(self, day: int, lead_minus_one: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Parts each lane needs for production from ``day + 1`` to ``day + 1 + lead_minus_one``."""
        p = self.lane_plant
        a = day + 1
        b = np.minimum(day + 2 + lead_minus_one, self.cum_plan.shape[2] - 1)
        plan_units = self.cum_plan[known, p, b] - self.cum_plan[known, p, min(a, self.cum_plan.shape[2] - 1)]
        return np.rint(plan_units).astype(np.int64) * self.lane_ppu

    def ability(self, day: int) -> np.ndarray:
        """Share of capacity each supplier can use today (state, own systems, its tier-2 suppliers)."""
        able = (self.state != INSOLVENT).astype(np.float64)
        if self.availability_by_day is not None:
            able *= self.availability_by_day[day]
        if len(self.tier2_rows) and (able[self.tier2_rows] < 1).any():
            worst = np.ones(len(able))
            np.minimum.at(worst, self.tier2_customer, able[self.tier2_rows])
            able = able * worst
        return able

    def ship(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Issue today's call-offs and ship them; returns units and value (pence) per supplier,
        and units per lane (each lane's shipment is one delivery)."""
        n = self.table.n
        gp = self.group_plant
        known = (day >= self.known_day[gp]).astype(np.int64)
        last = self.cum_plan.shape[2] - 1
        ahead = self.cum_plan[known, gp, np.minimum(day + 1 + self.group_lead, last)]
        ahead = ahead - self.cum_plan[known, gp, min(day + 1, last)]
        ahead = np.where(self.calloff_ok[gp, day], np.rint(ahead), -(1 << 40))  # closed: order nothing
        target = np.repeat(ahead.astype(np.int64), self.group_size) * self.lane_ppu + self.safety
        order = np.maximum(target - self.stock - self.in_transit, 0)
        asked = np.bincount(self.lane_sup, weights=order, minlength=n)
        unhindered = self.availability_by_day is None and not (self.state == INSOLVENT).any()
        cap = self.capacity if unhindered else np.floor(self.capacity * self.ability(day)).astype(np.int64)
        if (asked <= cap).all():
            ship = order  # the normal day: every call-off is met in full
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(asked > cap, cap / np.maximum(asked, 1), 1.0)
            ship = np.floor(order * scale[self.lane_sup] + 1e-9).astype(np.int64)
        # each lane's delivery lands in the ring row of its arrival day (lanes are distinct cells)
        cells = (self._ring_cell + day * len(ship)) % self.ring.size
        self.ring.reshape(-1)[cells] += ship
        self.in_transit += ship
        self.shipped_lane += ship
        units = (asked if ship is order else np.bincount(self.lane_sup, weights=ship, minlength=n)).astype(np.int64)
        value = np.rint(np.bincount(self.lane_sup, weights=ship * self.lane_price, minlength=n)).astype(np.int64)
        if len(self.tier2_rows):
            t2_units = units[self.tier2_customer] * self.table.parts_per_unit[self.tier2_rows]
            units[self.tier2_rows] = t2_units
            value[self.tier2_rows] = t2_units * self.table.price[self.tier2_rows]
        self.last_ship_day[units > 0] = day
        self.week_units[day % 7] = units
        self.week_day[day % 7] = day
        return units, value, ship

    def units_last_week(self, day: int) -> np.ndarray:
        """Units each supplier shipped over the 7 days ending ``day``."""
        recent = self.week_day > day - 7
        return self.week_units[recent].sum(axis=0)

    def deliver(self, day: int) -> None:
        """Move the deliveries due on ``day`` from transit to the line side."""
        slot = day % self.ring_size
        arriving = self.ring[slot]
        if arriving.any():
            self.stock += arriving
            self.in_transit -= arriving
            self.received += arriving
            self.ring[slot] = 0

    def buildable(self, plant: Plant) -> int:
        """Units the parts at the plant's line side allow (no limit if it needs none)."""
        s = plant.lanes
        if s.stop == s.start:
            return 1 << 40
        ppu = self.lane_ppu[s]
        if self._all_needed[plant.index]:
            return int((self.stock[s] // ppu).min())
        need = ppu > 0
        if not need.any():
            return 1 << 40
        return int((self.stock[s][need] // ppu[need]).min())

    def consume(self, plant: Plant, units: int) -> None:
        s = plant.lanes
        used = self.lane_ppu[s] * units
        self.stock[s] -= used
        self.used[s] += used


def supply_process(env: simpy.Environment, world: World, phase: float) -> Generator[simpy.Event, None, None]:
    """Daily call-offs and shipments while any plant can call off or parts are on the road."""
    supply = world.supply
    calloff_days = np.flatnonzero(supply.any_calloff)
    day = 0
    while day < supply.horizon:
        if not supply.any_calloff[day] and not supply.in_transit.any():
            later = calloff_days[calloff_days > day]
            if len(later) == 0:
                return
            day = int(later[0])
        wait = day + phase - env.now
        if wait > 0:
            yield env.timeout(wait)
        if supply.any_calloff[day]:
            units, value, lanes = supply.ship(day)
            world.after_shipment(day, units, value, lanes)
        if day + 1 < supply.horizon:
            supply.deliver(day + 1)
        day += 1
