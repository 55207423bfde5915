"""Material flow from suppliers to plants: call-offs, shipments, parts in transit, line-side stock.

A *lane* is one tier-1 supplier shipping one part to one plant; lanes are contiguous per plant.
Each day that any plant can issue call-offs, every lane orders up to the parts needed for the
plant's planned production over its lead time plus a safety buffer; suppliers ship what their
capacity, state and systems allow; deliveries are invoiced to the OEM. All of it is one batch
over arrays, not one event per supplier.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import numpy as np
import simpy
from numba import njit

from sim.model.actor import NO_EVENTS, SUPPLY, EventColumns, Process, Readings, Step, first_difference
from sim.model.estate import Estate
from sim.model.plants import Plant, material_plan
from sim.model.suppliers import SupplierTable

ACTIVE, INSOLVENT, REPLACED = 0, 1, 2
NO_LIMIT = 1 << 40  # units a plant could build from parts it does not need
STATE_NAMES = ("active", "insolvent", "replaced")


class Deliveries(NamedTuple):
    """A day's deliveries, one per lane that shipped: supplier row, value (pence) and due day of
    each invoice, and their total value."""

    supplier: np.ndarray
    value: np.ndarray
    due: np.ndarray
    face: int


@njit(cache=True)
def _calloffs(ahead: np.ndarray, lane_group: np.ndarray, lane_ppu: np.ndarray, safety: np.ndarray, stock: np.ndarray,
              in_transit: np.ndarray, lane_sup: np.ndarray, order: np.ndarray, asked: np.ndarray) -> None:
    """Each lane's call-off (``order``: the group's planned units ahead, in parts, plus the safety
    stock, less the stock and parts on the road, at least nothing) and each supplier's total of
    them (``asked``, summed as floats in lane order)."""
    asked[:] = 0.0
    for lane in range(len(order)):
        target = ahead[lane_group[lane]] * lane_ppu[lane]
        target += safety[lane]
        target -= stock[lane]
        target -= in_transit[lane]
        if target < 0:
            target = 0
        order[lane] = target
        asked[lane_sup[lane]] += order[lane]


@njit(cache=True)
def _dispatch(order: np.ndarray, asked: np.ndarray, cap: np.ndarray, lane_sup: np.ndarray,
              ring_row: np.ndarray, in_transit: np.ndarray, shipped_lane: np.ndarray, lane_price: np.ndarray,
              lane_terms: np.ndarray, day: int, units: np.ndarray, rows: np.ndarray, value: np.ndarray,
              due: np.ndarray) -> tuple[int, int]:
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
def _output(units: np.ndarray, tier2_first: int, tier2_customer: np.ndarray, tier2_ppu: np.ndarray,
            price: np.ndarray, value: np.ndarray, week_row: np.ndarray) -> bool:
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
def _arrive(ring_flat: np.ndarray, cells: np.ndarray, stock: np.ndarray, in_transit: np.ndarray,
            received: np.ndarray) -> None:
    """Move each lane's shipment in ``cells`` of the road from transit to the line side."""
    for lane in range(len(cells)):
        arriving = ring_flat[cells[lane]]
        if arriving:
            stock[lane] += arriving
            in_transit[lane] -= arriving
            received[lane] += arriving


@njit(cache=True)
def _buildable(stock: np.ndarray, lane_ppu: np.ndarray, lanes_per_plant: np.ndarray) -> np.ndarray:
    """Per plant, the units its line-side parts allow: the fewest over its lanes of the stock
    divided by the parts per unit (rounded down); NO_LIMIT for a plant without lanes, and lanes
    whose part the plant does not use (0 per unit) never limit it."""
    limit = np.full(len(lanes_per_plant), NO_LIMIT, dtype=np.int64)
    lane = 0
    for plant in range(len(lanes_per_plant)):
        for _ in range(lanes_per_plant[plant]):
            ppu = lane_ppu[lane]
            if ppu == 1:
                enough = stock[lane]
            elif ppu > 0:
                enough = stock[lane] // ppu
            else:
                enough = NO_LIMIT
            if enough < limit[plant]:
                limit[plant] = enough
            lane += 1
    return limit


@njit(cache=True)
def _take_parts(units: np.ndarray, lanes_per_plant: np.ndarray, lane_ppu: np.ndarray, stock: np.ndarray,
                used: np.ndarray) -> None:
    """Take the parts for ``units`` built per plant from its lanes' line side."""
    lane = 0
    for plant in range(len(lanes_per_plant)):
        for _ in range(lanes_per_plant[plant]):
            need = units[plant] * lane_ppu[lane]
            stock[lane] -= need
            used[lane] += need
            lane += 1


@njit(cache=True)
def _two_sums(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """The totals of two arrays, in one call."""
    return a.sum(), b.sum()


Shipped = Callable[[int, np.ndarray, np.ndarray, Deliveries], None]


class SupplyBase:
    """Lanes, stock and supplier operating state."""

    name = "supply"
    # what changes as the run goes on (everything else is fixed when the world is built)
    STATE: ClassVar[tuple[str, ...]] = ("ring", "stock", "in_transit", "received", "shipped_lane", "used", "state",
                                        "_last_ship_day",
             "_folded_day", "week_units", "week_day", "week_all", "insolvent_count")

    @classmethod
    def create(cls, table: SupplierTable, plants: list[Plant], estate: Estate, horizon: int) -> SupplyBase:
        """The supply base of ``table``'s suppliers serving ``plants``, each entry's shipping subject to its
        own systems in ``estate``."""
        entry_avail = np.array([estate.availability(table.entry_systems[e]) for e in table.entry_names])
        return cls(table, plants, entry_avail.reshape(len(table.entry_names), estate.calendar.length), horizon)

    def __init__(self, table: SupplierTable, plants: list[Plant], entry_availability: np.ndarray, horizon: int) -> None:
        """``entry_availability``: the daily capacity of each supplier entry's own systems (rows by
        entry, columns by calendar day)."""
        # what follows a day's shipments (invoices, suppliers' costs), held weakly: the world owns it, and a
        # strong link would close a reference cycle (supply -> invoicing -> suppliers' books -> supply) that
        # keeps a finished world's arrays alive until the cyclic garbage collector runs
        self.on_shipment: Callable[[], Shipped | None] = lambda: None
        self.table = table
        self.horizon = horizon
        n = table.n
        tier1 = table.tier == 1
        codes: dict[str | None, int] = {}  # part families as small integers (fast to match)
        family = np.array([codes.setdefault(f, len(codes)) for f in table.family], dtype=np.int64)
        lane_sup: list[np.ndarray] = []
        lane_plant: list[np.ndarray] = []
        group_bounds: list[tuple[int, int, int, int]] = []  # (plant, lead, first lane, end lane)
        first = 0
        for plant in plants:
            start = first
            uses = [codes[f] for f in plant.spec.part_families if f in codes]
            rows = np.flatnonzero(tier1 & np.isin(family, uses))
            rows = rows[np.argsort(table.lead_time[rows], kind="stable")]  # lanes grouped by lead time
            leads, counts = np.unique(table.lead_time[rows], return_counts=True)
            for lead, count in zip(leads, counts, strict=True):
                group_bounds.append((plant.index, int(lead), first, first + int(count)))
                first += int(count)
            lane_sup.append(rows)
            lane_plant.append(np.full(len(rows), plant.index, dtype=np.int64))
            plant.lanes = slice(start, first)
        # lanes of one plant and one lead time are contiguous: one "group" each
        self.group_plant = np.array([g[0] for g in group_bounds], dtype=np.int64)
        self.group_lead = np.array([g[1] for g in group_bounds], dtype=np.int64)
        self.group_size = np.array([g[3] - g[2] for g in group_bounds], dtype=np.int64)
        self.lane_sup = np.concatenate(lane_sup).astype(np.int64) if lane_sup else np.zeros(0, dtype=np.int64)
        self.lane_plant = np.concatenate(lane_plant) if lane_plant else np.zeros(0, dtype=np.int64)
        self.lane_ppu = table.parts_per_unit[self.lane_sup]
        self.lane_price = table.price[self.lane_sup]
        self.lane_lead = table.lead_time[self.lane_sup]
        self.lane_terms = table.terms[self.lane_sup]
        # payment terms in days when every lane has the same (the usual case)
        terms = np.unique(self.lane_terms)
        self.uniform_terms = int(terms[0]) if len(terms) == 1 else None
        # the supplier's own systems, by day (rows) and supplier (columns); None when all always up
        if bool((entry_availability >= 1).all()):
            self.availability_by_day = None
        else:
            self.availability_by_day = np.ascontiguousarray(entry_availability[table.entry].T)
        # normal demand per working day of each lane, and per calendar day of each supplier
        rates = np.array([p.spec.daily_rate for p in plants])
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
        self._capacity_units = self.capacity.astype(np.float64)  # to compare with call-offs summed as floats
        self.tier2_rows = tier2
        # tier-2 rows come after all tier-1 rows (see build_supplier_table): one slice
        self.tier2 = slice(int(tier2[0]), n) if len(tier2) else slice(n, n)
        self.tier2_customer = cust
        self.tier2_ppu = table.parts_per_unit[tier2]
        # plans with and without knowledge of the outage, as cumulative sums for window totals
        self.pad = int(self.lane_lead.max()) + 2 if len(self.lane_lead) else 2
        self.cum_plan = np.zeros((2, len(plants), horizon + self.pad + 1))
        for plant in plants:
            for known in (0, 1):
                plan = material_plan(plant, bool(known))[: horizon + self.pad]
                self.cum_plan[known, plant.index, 1 : len(plan) + 1] = np.cumsum(plan)
        self.known_day = np.array([p.outage_known_day for p in plants], dtype=np.int64)
        # per plant: its lanes (contiguous, in plant order) for the daily build
        self._lanes_per_plant = np.array([p.lanes.stop - p.lanes.start for p in plants], dtype=np.int64)
        self.calloff_ok = np.array([p.calloff_availability[:horizon] > 0 for p in plants]).reshape(len(plants), horizon)
        buffer_days = np.array([p.spec.line_side_buffer_days for p in plants])
        self.safety = np.rint(lane_rate * buffer_days[self.lane_plant]).astype(np.int64) if len(plants) else np.zeros(0, np.int64)
        # the road: each lane's shipment by the day it left (row = ship day mod ring size); a lane's
        # delivery on day d is in the row of day d - lead. Empty until the opening position fills it
        # (sim.model.opening), with the line-side stock.
        self.ring_size = int(self.lane_lead.max()) + 1 if len(self.lane_lead) else 1
        n_lanes = len(self.lane_sup)
        self.ring = np.zeros((self.ring_size, n_lanes), dtype=np.int64)
        self.stock = np.zeros(n_lanes, dtype=np.int64)
        self.opening_stock = self.stock.copy()
        lanes = np.arange(n_lanes)
        # for each day mod ring size, the flat ring cell of every lane's delivery that day
        self._arrival_cells = [((r - self.lane_lead) % self.ring_size) * n_lanes + lanes for r in range(self.ring_size)]
        self._ring_flat = self.ring.reshape(-1)
        self.in_transit = np.zeros(n_lanes, dtype=np.int64)
        self.opening_in_transit = self.in_transit.copy()
        self.received = np.zeros(len(self.lane_sup), dtype=np.int64)
        self.shipped_lane = np.zeros(len(self.lane_sup), dtype=np.int64)
        self.used = np.zeros(len(self.lane_sup), dtype=np.int64)
        # supplier operating state
        self.state = np.zeros(n, dtype=np.int8)
        self._last_ship_day = np.full(n, -1, dtype=np.int64)  # the warm start: all shipped the day before
        self._folded_day = -1  # the week's rows up to this day are in _last_ship_day
        # units shipped on each of the last 7 days; the warm start: a normal week already shipped
        self.week_units = np.zeros((7, n), dtype=np.int64)
        self.week_day = np.full(7, -7, dtype=np.int64)
        self.week_all = np.zeros(7, dtype=bool)  # whether every supplier shipped that day
        for back in range(1, 8):
            self.week_units[-back % 7] = np.rint(self.normal_units).astype(np.int64)
            self.week_day[-back % 7] = -back
        self.insolvent_count = 0  # suppliers in state INSOLVENT (kept by the supplier finance)
        self.lane_group = np.repeat(np.arange(len(group_bounds)), self.group_size)
        self.group_ahead = self._calloff_plan(horizon)
        self.any_calloff = np.asarray(self.calloff_ok.any(axis=0) if len(plants) else np.zeros(horizon, bool), dtype=bool)

    def _calloff_plan(self, horizon: int) -> np.ndarray:
        """Per day (rows) and lane group (columns): the units the group's plant plans to build over
        the group's lead time, as its call-offs see them that day; a huge negative number on days
        the plant cannot call off (so nothing is ordered)."""
        gp = self.group_plant
        days = np.arange(horizon)[:, None]
        known = (days >= self.known_day[gp]).astype(np.int64)
        last = self.cum_plan.shape[2] - 1
        ahead = self.cum_plan[known, gp, np.minimum(days + 1 + self.group_lead, last)]
        ahead = ahead - self.cum_plan[known, gp, np.minimum(days + 1, last)]
        ok = self.calloff_ok[gp].T if len(gp) else np.zeros((horizon, 0), dtype=bool)
        return np.where(ok, np.rint(ahead), -(1 << 40)).astype(np.int64)

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

    def ship(self, day: int) -> tuple[np.ndarray, np.ndarray, Deliveries]:
        """Issue today's call-offs and ship them; returns units and value (pence) per supplier,
        and the day's deliveries (one per lane that shipped)."""
        n = self.table.n
        lanes = len(self.lane_sup)
        order = np.empty(lanes, dtype=np.int64)
        asked = np.empty(n)
        _calloffs(self.group_ahead[day], self.lane_group, self.lane_ppu, self.safety, self.stock, self.in_transit,
                  self.lane_sup, order, asked)
        unhindered = self.availability_by_day is None and not self.insolvent_count
        cap = self._capacity_units if unhindered else np.floor(self.capacity * self.ability(day))
        units = np.empty(n, dtype=np.int64)
        rows, lane_value, due = np.empty(lanes, dtype=np.int64), np.empty(lanes, dtype=np.int64), np.empty(lanes, dtype=np.int64)
        count, face = _dispatch(order, asked, cap, self.lane_sup, self.ring[day % self.ring_size], self.in_transit,
                                self.shipped_lane, self.lane_price, self.lane_terms, day, units, rows, lane_value, due)
        if self.week_day[day % 7] > self._folded_day:  # a day not yet folded is about to be overwritten
            self._fold_week()
        value = np.empty(n, dtype=np.int64)
        self.week_all[day % 7] = _output(units, self.tier2.start, self.tier2_customer, self.tier2_ppu, self.table.price,
                                         value, self.week_units[day % 7])
        self.week_day[day % 7] = day
        return units, value, Deliveries(rows[:count], lane_value[:count], due[:count], int(face))

    @property
    def last_ship_day(self) -> np.ndarray:
        """The last day each supplier shipped anything (-1: before the run)."""
        self._fold_week()
        return self._last_ship_day

    def _fold_week(self) -> None:
        """Bring the last ship days up to date from the days of the week's record not yet folded in
        (once a week or when asked, rather than every day)."""
        # every day not yet folded is later than any last ship day already folded in
        newer = [(int(d), row) for row, d in enumerate(self.week_day.tolist()) if d > self._folded_day]
        if not newer:
            return
        newer.sort()
        self._folded_day = newer[-1][0]
        full = [i for i, (_, row) in enumerate(newer) if self.week_all[row]]
        if full:  # the last day everyone shipped is everyone's last ship day so far
            self._last_ship_day.fill(newer[full[-1]][0])
            newer = newer[full[-1] + 1 :]
        for day, row in newer:  # then, oldest first, each later day for those who shipped on it
            np.putmask(self._last_ship_day, self.week_units[row] > 0, day)

    def no_shipments(self, day: int) -> None:
        """A day without call-offs: nothing leaves today."""
        self.ring[day % self.ring_size] = 0

    def units_last_week(self, day: int) -> np.ndarray:
        """Units each supplier shipped over the 7 days ending ``day``."""
        recent = self.week_day > day - 7
        return self.week_units[recent].sum(axis=0)

    def deliver(self, day: int) -> None:
        """Move the deliveries due on ``day`` from transit to the line side."""
        _arrive(self._ring_flat, self._arrival_cells[day % self.ring_size], self.stock, self.in_transit, self.received)

    def buildable(self) -> np.ndarray:
        """Per plant, the units the parts at its line side allow (no limit if it needs none)."""
        return _buildable(self.stock, self.lane_ppu, self._lanes_per_plant)

    def consume(self, units: np.ndarray) -> None:
        """Take the parts for ``units`` built per plant from the line side."""
        _take_parts(units, self._lanes_per_plant, self.lane_ppu, self.stock, self.used)

    def parts_totals(self) -> tuple[int, int]:
        """Parts at the line side and parts on the road."""
        line_side, on_road = _two_sums(self.stock, self.in_transit)
        return int(line_side), int(on_road)

    def process(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """Daily call-offs and shipments (from ``first_day``) while any plant can call off or parts
        are on the road."""
        calloff_days = np.flatnonzero(self.any_calloff)
        day = first_day
        while day < self.horizon:
            if not self.any_calloff[day] and not self.in_transit.any():
                later = calloff_days[calloff_days > day]
                if len(later) == 0:
                    return
                day = int(later[0])
                self.ring[:] = 0  # everything on the road has arrived
            wait = day + SUPPLY - env.now
            if wait > 0:
                yield env.timeout(wait)
            if self.any_calloff[day]:
                units, value, deliveries = self.ship(day)
                after = self.on_shipment()
                if after is not None:
                    after(day, units, value, deliveries)
            else:
                self.no_shipments(day)
            if day + 1 < self.horizon:
                self.deliver(day + 1)
            day += 1

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)]

    def closing(self) -> list[Step]:
        return []

    def readings(self, day: int) -> Readings:
        line_side, in_transit = self.parts_totals()
        return {"line_side_parts": line_side, "parts_in_transit": in_transit}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Parts on every lane: opening + received - used = line-side stock; opening in transit + shipped
        - received = in transit; nothing negative."""
        out = []
        if not np.array_equal(self.opening_stock + self.received - self.used, self.stock):
            out.append("parts: opening + received - used != line-side stock")
        if not np.array_equal(self.opening_in_transit + self.shipped_lane - self.received, self.in_transit):
            out.append("parts: opening in transit + shipped - received != in transit")
        if (self.stock < 0).any() or (self.in_transit < 0).any():
            out.append("parts: negative stock or parts in transit")
        return out

    def diverges(self, other: Any, horizon: int) -> int:
        """Two supply bases act alike until their call-off plans or their suppliers' systems differ."""
        if not isinstance(other, SupplyBase):
            return 0
        return min(first_difference(self.calloff_ok, other.calloff_ok, 1, horizon),
                   first_difference(self.group_ahead, other.group_ahead, 0, horizon),
                   first_difference(self.availability_by_day, other.availability_by_day, 0, horizon))
