"""Wholesale: finished vehicles are sold to retailers while the wholesale finance system runs.

Each day's wholesale brings cash after a settlement delay. Vehicles that cannot be sold wait
in the finished-vehicle stock.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, SALES, Close, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.estate import Estate
from sim.model.ledger import Ledger, pence
from sim.model.opening import receipts
from sim.scenario.schema import SalesSpec


class Sales:
    """Finished-vehicle stock, wholesale capacity per day and receipts to come (pence by day)."""

    name = "sales"
    STATE: ClassVar[tuple[str, ...]] = ("stock", "built", "wholesaled", "revenue", "receipts")  # what changes as the run goes on

    @classmethod
    def create(cls, spec: SalesSpec[float], estate: Estate, horizon: int, ledger: Ledger, vehicles_per_day: float) -> Sales:
        """Wholesale as ``spec`` says (capacity follows the wholesale systems, or the manual share while they
        are down), opening with ``vehicles_per_day`` of normal wholesales not yet settled."""
        avail = np.maximum(estate.availability(spec.systems)[:horizon], spec.manual_capacity)
        price = pence(spec.price_per_vehicle_gbp)
        sales = cls(np.floor(spec.max_wholesale_per_day * avail + 1e-9).astype(np.int64), price,
                    int(round(spec.settlement_days)), ledger)
        sales.receipts.update(receipts(int(round(vehicles_per_day * price)), sales.settlement_days))
        return sales

    def __init__(self, capacity: np.ndarray, price: int, settlement_days: int, ledger: Ledger) -> None:
        self.capacity = capacity
        self.price = price
        self.settlement_days = settlement_days
        self.ledger = ledger
        self.stock = 0
        self.built = 0
        self.wholesaled = 0
        self.revenue = 0
        self.receipts: dict[int, int] = defaultdict(int)

    def add(self, vehicles: int) -> None:
        self.stock += vehicles
        self.built += vehicles

    def wholesale(self, day: int) -> None:
        sold = min(self.stock, int(self.capacity[day]))
        self.stock -= sold
        self.wholesaled += sold
        self.revenue += sold * self.price
        if sold:
            self.receipts[day + self.settlement_days] += sold * self.price

    def collect(self, day: int) -> int:
        amount = self.receipts.pop(day, 0)
        if amount:
            self.ledger.oem("wholesale_receipts", amount)
        return amount

    def process(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """Wholesale on days the wholesale function runs and there are vehicles to sell."""
        open_days = np.flatnonzero(self.capacity[first_day:] > 0) + first_day
        for day in open_days.tolist():
            yield env.timeout(day + SALES - env.now)
            if self.stock:
                self.wholesale(int(day))

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)]

    def closing(self) -> list[Step]:
        return [(Close.RECEIPTS, self.collect)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {"finished_vehicle_stock": self.stock, "wholesale_vehicles_cum": self.wholesaled}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Vehicles received for sale = finished-vehicle stock + wholesaled; no negative stock."""
        if self.built != self.stock + self.wholesaled or self.stock < 0:
            return [f"vehicles: received {self.built} != stock {self.stock} + wholesaled {self.wholesaled}"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """Two sales act alike until their wholesale capacities differ."""
        if not isinstance(other, Sales):
            return 0
        return first_difference(self.capacity, other.capacity, 0, horizon)
