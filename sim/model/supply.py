"""Material flow from suppliers to plants: call-offs, shipments, parts in transit, line-side stock.

Parts and their delivery lanes are laid out by :mod:`sim.model.lanes`. Each day that any plant can
issue call-offs, every lane orders its share of what its part needs for the plant's planned
production over the lane's lead time plus a safety buffer; suppliers ship what their capacity, state
and systems allow; deliveries are invoiced to the OEM. All of it is one batch over arrays (compiled
loops in :mod:`sim.model.supply_kernels`), not one event per supplier.

When a supplier fails, each co-source of its parts may take over their volume, up to its surge share,
from the day it is qualified for the extra volume; when the failed supplier's parts come back (a
replacement, moved tooling), the shares return to normal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, SUPPLY, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.estate import Estate
from sim.model.lanes import lay_out
from sim.model.plants import Plant, material_plan
from sim.model.suppliers import SupplierTable
from sim.model.supply_kernels import arrive, buildable, calloffs, dispatch, output, take_parts, two_sums

ACTIVE, INSOLVENT, REPLACED = 0, 1, 2
STATE_NAMES = ("active", "insolvent", "replaced")
NEVER = 1 << 40  # a day that never comes


class Deliveries(NamedTuple):
    """A day's deliveries, one per lane that shipped: supplier row, value (pence) and due day of
    each invoice, and their total value."""

    supplier: np.ndarray
    value: np.ndarray
    due: np.ndarray
    face: int


Shipped = Callable[[int, np.ndarray, np.ndarray, Deliveries], None]


class SupplyBase:
    """Lanes, stock and supplier operating state."""

    name = "supply"
    # what changes as the run goes on (everything else is fixed when the world is built)
    STATE: ClassVar[tuple[str, ...]] = (
        "ring",
        "stock",
        "in_transit",
        "received",
        "shipped_lane",
        "used",
        "state",
        "_last_ship_day",
        "_folded_day",
        "week_units",
        "week_day",
        "week_all",
        "insolvent_count",
        "lane_share",
        "capacity",
        "_capacity_units",
        "qualified_from",
        "reshare_on",
        "week_asked",
        "week_asked_day",
        "staffing",
        "fully_staffed",
    )

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
        lanes = self.lanes = lay_out(table, plants)
        self.lane_sup, self.lane_part, self.lane_plant = lanes.lane_sup, lanes.lane_part, lanes.lane_plant
        self.part_ppu, self.parts_per_plant = lanes.part_ppu, lanes.parts_per_plant
        self.group_plant, self.group_lead, self.group_size = lanes.group_plant, lanes.group_lead, lanes.group_size
        self.lane_group = lanes.lane_group
        self.lane_ppu = self.part_ppu[self.lane_part]
        self.lane_price = table.price[self.lane_sup]
        self.lane_lead = table.lead_time[self.lane_sup]
        self.lane_terms = table.terms[self.lane_sup]
        self.base_share = lanes.lane_share  # each lane's share of its part in normal times
        self.lane_share = self.base_share.copy()  # ... and today (a qualified co-source takes over a failed one's)
        # payment terms in days when every lane has the same (the usual case)
        terms = np.unique(self.lane_terms)
        self.uniform_terms = int(terms[0]) if len(terms) == 1 else None
        # the supplier's own systems, by day (rows) and supplier (columns); None when all always up
        if bool((entry_availability >= 1).all()):
            self.availability_by_day = None
        else:
            self.availability_by_day = np.ascontiguousarray(entry_availability[table.entry].T)
        # normal demand of each part per working day, and of each lane and supplier per calendar day
        rates = np.array([p.spec.daily_rate for p in plants])
        week_share = np.array([len(p.spec.working_days) / 7 for p in plants])
        part_plant = lanes.part_plant
        self.part_rate = self.part_ppu * rates[part_plant] if len(plants) else np.zeros(0)
        lane_rate = self.part_rate[self.lane_part] * self.base_share
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
        self.calloff_ok = np.array([p.calloff_availability[:horizon] > 0 for p in plants]).reshape(len(plants), horizon)
        buffer_days = np.array([p.spec.line_side_buffer_days for p in plants])
        self.safety = np.rint(self.part_rate * buffer_days[part_plant]).astype(np.int64) if len(plants) else np.zeros(0, np.int64)
        # the road: each lane's shipment by the day it left (row = ship day mod ring size); a lane's
        # delivery on day d is in the row of day d - lead. Empty until the opening position fills it
        # (sim.model.opening), with the line-side stock of each part.
        self.ring_size = int(self.lane_lead.max()) + 1 if len(self.lane_lead) else 1
        n_lanes, n_parts = len(self.lane_sup), len(self.part_ppu)
        self.ring = np.zeros((self.ring_size, n_lanes), dtype=np.int64)
        self.stock = np.zeros(n_parts, dtype=np.int64)
        self.opening_stock = self.stock.copy()
        lane_index = np.arange(n_lanes)
        # for each day mod ring size, the flat ring cell of every lane's delivery that day
        self._arrival_cells = [((r - self.lane_lead) % self.ring_size) * n_lanes + lane_index for r in range(self.ring_size)]
        self._ring_flat = self.ring.reshape(-1)
        self.in_transit = np.zeros(n_lanes, dtype=np.int64)
        self.opening_in_transit = self.in_transit.copy()
        self.received = np.zeros(n_lanes, dtype=np.int64)
        self.shipped_lane = np.zeros(n_lanes, dtype=np.int64)
        self.used = np.zeros(n_parts, dtype=np.int64)
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
        self.insolvent_count = 0  # suppliers in state INSOLVENT
        # units each supplier was asked for (call-offs) on each of the last 7 days: a normal week at the start
        self.week_asked = np.tile(self.normal_units, (7, 1))  # and the day of each row
        self.week_asked_day = np.array([next(d for d in range(-7, 0) if d % 7 == r) for r in range(7)], dtype=np.int64)
        # share of its normal staff at work (short time, redundancies): its capacity follows (see workforce)
        self.staffing = np.ones(n)
        self.fully_staffed = True
        # co-sources taking over a failed source's volume: the day each lane is qualified for more (NEVER:
        # not asked), and the days parts' shares are due to be looked at again
        self.qualified_from = np.full(n_lanes, NEVER, dtype=np.int64)
        self.reshare_on: dict[int, list[int]] = defaultdict(list)
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
        """Share of capacity each supplier can use today (state, own systems and staff, its tier-2 suppliers')."""
        able = (self.state != INSOLVENT).astype(np.float64)
        if self.availability_by_day is not None:
            able *= self.availability_by_day[day]
        if not self.fully_staffed:
            able *= self.staffing
        if len(self.tier2_rows) and (able[self.tier2_rows] < 1).any():
            worst = np.ones(len(able))
            np.minimum.at(worst, self.tier2_customer, able[self.tier2_rows])
            able = able * worst
        return np.asarray(able)

    def fail(self, rows: np.ndarray, day: int) -> None:
        """Suppliers ``rows`` stop shipping (insolvent, from the start of ``day``): each co-source of their
        parts that can surge is asked to take over their volume, from the day it is qualified for it."""
        self.state[rows] = INSOLVENT
        self.insolvent_count += len(rows)
        for part in np.unique(self.lane_part[np.isin(self.lane_sup, rows)]).tolist():
            for lane in np.flatnonzero(self.lane_part == part).tolist():
                source = int(self.lane_sup[lane])
                if self.state[source] != INSOLVENT and self.lanes.lane_surge[lane] > self.base_share[lane]:
                    when = day + int(self.table.qualification_days[source])
                    if when < self.qualified_from[lane]:
                        self.qualified_from[lane] = when
                        self.reshare_on[when].append(part)

    def restore(self, rows: np.ndarray, day: int) -> None:
        """Suppliers ``rows`` ship again (a replacement firm, or moved tooling, from the start of ``day``):
        their parts' shares go back to normal."""
        self.state[rows] = REPLACED
        self.insolvent_count -= len(rows)
        self._reshare(np.unique(self.lane_part[np.isin(self.lane_sup, rows)]).tolist(), day)

    def _reshare(self, parts: list[int], day: int) -> None:
        """Each part's shares for today: the failed sources' normal share goes to the healthy co-sources
        qualified for more (in lane order, each up to its surge share); the others keep their normal share.
        Suppliers' capacities follow their shares."""
        touched = set()
        for part in parts:
            lanes = np.flatnonzero(self.lane_part == part)
            down = self.state[self.lane_sup[lanes]] == INSOLVENT
            missing = float(self.base_share[lanes][down].sum())
            for lane, is_down in zip(lanes.tolist(), down.tolist(), strict=True):
                extra = 0.0
                if missing > 0 and not is_down and self.qualified_from[lane] <= day:
                    extra = min(missing, self.lanes.lane_surge[lane] - self.base_share[lane])
                    missing -= extra
                self.lane_share[lane] = self.base_share[lane] + extra
                if not down.any():
                    self.qualified_from[lane] = NEVER
                touched.add(int(self.lane_sup[lane]))
        for source in touched:
            mine = self.lane_sup == source
            peak = float((self.lane_share[mine] * self.part_rate[self.lane_part[mine]]).sum())
            self.capacity[source] = int(np.ceil(peak * (1 + self.table.capacity_margin[source])))
            self._capacity_units[source] = float(self.capacity[source])

    def ship(self, day: int) -> tuple[np.ndarray, np.ndarray, Deliveries]:
        """Issue today's call-offs and ship them; returns units and value (pence) per supplier,
        and the day's deliveries (one per lane that shipped)."""
        if self.reshare_on:
            for when in sorted(d for d in self.reshare_on if d <= day):
                self._reshare(self.reshare_on.pop(when), day)
        n = self.table.n
        lanes = len(self.lane_sup)
        order = np.empty(lanes, dtype=np.int64)
        asked = np.empty(n)
        calloffs(
            self.group_ahead[day],
            self.lane_group,
            self.lane_part,
            self.part_ppu,
            self.lane_share,
            self.safety,
            self.stock,
            self.in_transit,
            self.lane_sup,
            order,
            asked,
        )
        unhindered = self.availability_by_day is None and not self.insolvent_count and self.fully_staffed
        cap = self._capacity_units if unhindered else np.floor(self.capacity * self.ability(day) + 1e-9)
        self.week_asked[day % 7] = asked
        self.week_asked_day[day % 7] = day
        units = np.empty(n, dtype=np.int64)
        rows, lane_value, due = np.empty(lanes, dtype=np.int64), np.empty(lanes, dtype=np.int64), np.empty(lanes, dtype=np.int64)
        count, face = dispatch(
            order,
            asked,
            cap,
            self.lane_sup,
            self.ring[day % self.ring_size],
            self.in_transit,
            self.shipped_lane,
            self.lane_price,
            self.lane_terms,
            day,
            units,
            rows,
            lane_value,
            due,
        )
        if self.week_day[day % 7] > self._folded_day:  # a day not yet folded is about to be overwritten
            self._fold_week()
        value = np.empty(n, dtype=np.int64)
        self.week_all[day % 7] = output(
            units, self.tier2.start, self.tier2_customer, self.tier2_ppu, self.table.price, value, self.week_units[day % 7]
        )
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
        """A day without call-offs: nothing is asked for and nothing leaves today."""
        self.ring[day % self.ring_size] = 0

    def demand_share(self, day: int) -> np.ndarray:
        """Each supplier's call-offs over the 7 days ending ``day`` as a share of a normal week's (a tier-2
        supplier: its customer's), at most 1; days nothing was called off count as nothing."""
        recent = self.week_asked_day > day - 7
        asked = self.week_asked[recent].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(self.normal_units > 0, asked / (7 * self.normal_units), 1.0)
        share[self.tier2_rows] = share[self.tier2_customer]
        return np.minimum(share, 1.0)

    def units_last_week(self, day: int) -> np.ndarray:
        """Units each supplier shipped over the 7 days ending ``day``."""
        recent = self.week_day > day - 7
        return np.asarray(self.week_units[recent].sum(axis=0))

    def deliver(self, day: int) -> None:
        """Move the deliveries due on ``day`` from transit to the line side."""
        arrive(
            self._ring_flat, self._arrival_cells[day % self.ring_size], self.lane_part, self.stock, self.in_transit, self.received
        )

    def buildable(self) -> np.ndarray:
        """Per plant, the units the parts at its line side allow (no limit if it needs none)."""
        return buildable(self.stock, self.part_ppu, self.parts_per_plant)

    def consume(self, units: np.ndarray) -> None:
        """Take the parts for ``units`` built per plant from the line side."""
        take_parts(units, self.parts_per_plant, self.part_ppu, self.stock, self.used)

    def parts_totals(self) -> tuple[int, int]:
        """Parts at the line side and parts on the road."""
        line_side, on_road = two_sums(self.stock, self.in_transit)
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

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        line_side, in_transit = self.parts_totals()
        return {"line_side_parts": line_side, "parts_in_transit": in_transit}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Parts of every part: opening + received on its lanes - used = line-side stock; on every lane:
        opening in transit + shipped - received = in transit; nothing negative."""
        out = []
        received = np.zeros(len(self.stock), dtype=np.int64)
        np.add.at(received, self.lane_part, self.received)
        if not np.array_equal(self.opening_stock + received - self.used, self.stock):
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
        return min(
            first_difference(self.calloff_ok, other.calloff_ok, 1, horizon),
            first_difference(self.group_ahead, other.group_ahead, 0, horizon),
            first_difference(self.availability_by_day, other.availability_by_day, 0, horizon),
        )
