"""Finished vehicles travel to their markets and are wholesaled there, while the wholesale finance system runs.

A vehicle leaves its plant the day it is built, towards a market chosen so that each market receives its
share of the vehicles built. It arrives ``transit`` days later and is wholesaled (sold to the importer or
retailer: revenue is recognised) on arrival, within the market's share of the day's wholesale capacity;
while the wholesale finance system is down, vehicles wait at the market. Each wholesale brings cash
``settlement`` days later. So a vehicle built on day d is wholesaled on day d + transit and paid on day
d + transit + settlement, and production and wholesale differ by the vehicles on the way.

A scenario without markets sells at the plant gate: one market with no transit, whose waiting vehicles are
at the plants (the finished-vehicle stock). A world opens in steady normal trading: the vehicles built in
the last transit days are on their way, and the wholesales of the last settlement days not yet paid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, SALES, Close, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.estate import Estate
from sim.model.ledger import Ledger, pence
from sim.scenario.schema import SalesSpec


@dataclass(frozen=True)
class Market:
    """Where vehicles are wholesaled: its share of the vehicles built (the shares sum to one), the days
    they take to get there and the days from wholesale to cash."""

    name: str
    share: float
    transit: int
    settlement: int
    country: str | None  # None: unspecified


def markets_of(spec: SalesSpec[float]) -> list[Market]:
    """The scenario's markets, their shares scaled to sum to one; without markets, the plant gate."""
    if not spec.markets:
        return [Market("plants", 1.0, 0, int(round(spec.settlement_days)), None)]
    total = sum(m.share for m in spec.markets.values())
    return [
        Market(
            name,
            m.share / total,
            int(round(m.transit_days)),
            int(round(spec.settlement_days if m.settlement_days is None else m.settlement_days)),
            m.country,
        )
        for name, m in spec.markets.items()
    ]


def split(vehicles: int, shares: list[float], shipped: list[int]) -> list[int]:
    """``vehicles`` shared out among markets (whole vehicles, none negative) so that each market's running
    total ``shipped`` stays close to its share of all vehicles shipped: each market is owed its share of the
    new total less what it has had; the vehicles go in proportion to what is owed, the remainders to the
    largest fractions (the first market on a tie)."""
    if len(shares) == 1:
        return [vehicles]
    total = sum(shipped) + vehicles
    owed = [max(s * total - had, 0.0) for s, had in zip(shares, shipped, strict=True)]
    owed_total = sum(owed)
    weights, scale = (owed, vehicles / owed_total) if owed_total > 0 else (shares, float(vehicles))
    quota = [w * scale for w in weights]
    give = [int(q + 1e-9) for q in quota]
    rest = vehicles - sum(give)
    if rest > 0:
        by_fraction = sorted(range(len(quota)), key=lambda k: give[k] - quota[k])  # stable: first market on a tie
        for k in by_fraction[:rest]:
            give[k] += 1
    return give


class Sales:
    """Vehicles on their way to each market (by day of arrival), waiting at each market, and wholesaled
    (by market and day); wholesale capacity per market and day; receipts to come (pence by day)."""

    name = "sales"
    STATE: ClassVar[tuple[str, ...]] = (
        "arrivals",
        "waiting",
        "sold",
        "through",
        "landed",
        "shipped",
        "built",
        "wholesaled",
        "revenue",
        "collected",
        "receipts",
    )  # what changes in a run

    @classmethod
    def create(
        cls, spec: SalesSpec[float], estate: Estate, horizon: int, ledger: Ledger, built_before: Callable[[int], np.ndarray]
    ) -> Sales:
        """Wholesale as ``spec`` says: each market's capacity is its share of the wholesale capacity, which
        follows the wholesale systems (or the manual share while they are down). ``built_before(days)``: the
        vehicles built on each of the last ``days`` days before day 0, for the opening pipeline."""
        markets = markets_of(spec)
        avail = np.maximum(estate.availability(spec.systems)[:horizon], spec.manual_capacity)
        shares = np.array([m.share for m in markets])
        capacity = np.floor(spec.max_wholesale_per_day * shares[:, None] * avail[None, :] + 1e-9).astype(np.int64)
        sales = cls(markets, capacity, pence(spec.price_per_vehicle_gbp), ledger, at_plants=not spec.markets)
        sales.open_with(built_before(max(m.transit + m.settlement for m in markets)))
        return sales

    def __init__(self, markets: list[Market], capacity: np.ndarray, price: int, ledger: Ledger, at_plants: bool) -> None:
        horizon = capacity.shape[1]
        self.markets = markets
        self.shares = [m.share for m in markets]
        self.transit = [m.transit for m in markets]
        self.settlement = [m.settlement for m in markets]
        self.capacity = capacity  # vehicles each market can wholesale each day
        self.capacity_by_day = capacity.T.tolist()  # the same, day by day (plain numbers: a handful of markets)
        self.price = price  # pence per vehicle
        self.ledger = ledger
        self.at_plants = at_plants  # True: the one market is the plant gate (no markets in the scenario)
        n = len(markets)
        self.arrivals = np.zeros((n, horizon + max(self.transit) + 1), dtype=np.int64)  # by market and day
        self.waiting = [0] * n  # arrived by day ``through``, not yet wholesaled
        self.sold = np.zeros((n, horizon), dtype=np.int64)  # wholesaled, by market and day
        self.through = -1  # the last day whose arrivals are counted in ``waiting``
        self.landed = 0  # vehicles that arrived by day ``through``
        self.shipped = [0] * n  # vehicles sent to each market, opening pipeline included
        self.built = 0  # vehicles received from the plants
        self.wholesaled = 0
        self.revenue = 0  # pence of wholesale revenue recognised
        self.collected = 0  # pence received
        self.receipts: dict[int, int] = defaultdict(int)
        self.opening_in_transit = 0
        self.opening_receivable = 0

    def open_with(self, built_before: np.ndarray) -> None:
        """Normal trading before day 0: ``built_before[b - 1]`` vehicles built on day -b (oldest first) are
        shared out among the markets; those arriving from day 0 are on their way, those that arrived earlier
        were wholesaled on arrival and are paid ``settlement`` days later (if that is day 0 or after)."""
        for back in range(len(built_before), 0, -1):
            for k, vehicles in enumerate(self._ship(int(built_before[back - 1]))):
                arrive = self.transit[k] - back
                if arrive >= 0:
                    self.arrivals[k, arrive] += vehicles
                elif arrive + self.settlement[k] >= 0 and vehicles:
                    self.receipts[arrive + self.settlement[k]] += vehicles * self.price
        self.opening_in_transit = int(self.arrivals.sum())
        self.opening_receivable = sum(self.receipts.values())

    def _ship(self, vehicles: int) -> list[int]:
        give = split(vehicles, self.shares, self.shipped)
        self.shipped = [a + b for a, b in zip(self.shipped, give, strict=True)]
        return give

    def add(self, vehicles: int, day: int) -> None:
        """Vehicles built on ``day`` leave for their markets."""
        if vehicles <= 0:
            return
        self.built += vehicles
        for k, sent in enumerate(self._ship(vehicles)):
            if sent:
                self.arrivals[k, day + self.transit[k]] += sent

    def _arrive(self, day: int) -> None:
        """Count the vehicles that arrived up to ``day`` as waiting at their markets."""
        if day <= self.through:
            return
        if day == self.through + 1:
            arrived = self.arrivals[:, day].tolist()
        else:
            arrived = self.arrivals[:, self.through + 1 : day + 1].sum(axis=1).tolist()
        self.waiting = [a + b for a, b in zip(self.waiting, arrived, strict=True)]
        self.landed += sum(arrived)
        self.through = day

    def wholesale(self, day: int) -> None:
        """Wholesale what has arrived, within each market's capacity; the cash comes after its settlement."""
        self._arrive(day)
        for k, room in enumerate(self.capacity_by_day[day]):
            sold = min(self.waiting[k], room)
            if sold:
                self.waiting[k] -= sold
                self.sold[k, day] = sold
                self.wholesaled += sold
                self.revenue += sold * self.price
                self.receipts[day + self.settlement[k]] += sold * self.price

    def collect(self, day: int) -> int:
        amount = self.receipts.pop(day, 0)
        if amount:
            self.collected += amount
            self.ledger.oem("wholesale_receipts", amount)
        return amount

    def process(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """Wholesale on the days the wholesale function runs (arrivals on other days wait at the market)."""
        open_days = np.flatnonzero(self.capacity[:, first_day:].any(axis=0)) + first_day
        for day in open_days.tolist():
            yield env.timeout(day + SALES - env.now)
            self.wholesale(int(day))

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)]

    def closing(self) -> list[Step]:
        return [(Close.RECEIPTS, self.collect)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        """Vehicles at the plants (without markets: waiting to be wholesaled there), on their way, waiting at
        the markets, and in all (the finished-vehicle stock); wholesales and their revenue so far."""
        arrived = int(self.arrivals[:, self.through + 1 : day + 1].sum()) if day > self.through else 0
        waiting = sum(self.waiting) + arrived
        in_transit = self.opening_in_transit + self.built - self.landed - arrived
        return {
            "finished_vehicle_stock": in_transit + waiting,
            "vehicles_at_plants": waiting if self.at_plants else 0,
            "vehicles_in_transit": in_transit,
            "vehicles_at_markets": 0 if self.at_plants else waiting,
            "wholesale_vehicles_cum": self.wholesaled,
            "wholesale_revenue_cum_pence": self.revenue,
        }

    def series(self) -> dict[str, np.ndarray]:
        """Vehicles wholesaled each day in each market (when the scenario has markets)."""
        if self.at_plants:
            return {}
        return {f"wholesale_market_{m.name}": self.sold[k].copy() for k, m in enumerate(self.markets)}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Vehicles: opening pipeline + built = on their way + waiting (at the markets, or the plants) +
        wholesaled, market by market, none negative; money: opening receivable + revenue = received + to come."""
        out = []
        if int(self.arrivals.sum()) != self.opening_in_transit + self.built:
            out.append(
                f"vehicles: opening pipeline {self.opening_in_transit} + built {self.built} != "
                f"vehicles sent to the markets {int(self.arrivals.sum())}"
            )
        arrived = self.arrivals[:, : self.through + 1].sum(axis=1)
        waiting = np.array(self.waiting, dtype=np.int64)
        if not np.array_equal(arrived, waiting + self.sold.sum(axis=1)) or (waiting < 0).any() or self.landed != int(arrived.sum()):
            out.append(
                f"vehicles: arrived {arrived.tolist()} != waiting {self.waiting} + wholesaled "
                f"{self.sold.sum(axis=1).tolist()}, by market"
            )
        if int(self.sold.sum()) != self.wholesaled or self.revenue != self.wholesaled * self.price:
            out.append(
                f"vehicles: wholesaled {self.wholesaled} != sold by market {int(self.sold.sum())}, or revenue != wholesaled x price"
            )
        if self.opening_receivable + self.revenue != self.collected + sum(self.receipts.values()):
            out.append("wholesale receipts: opening receivable + revenue != received + to come")
        return out

    def diverges(self, other: Any, horizon: int) -> int:
        """Two sales act alike until their wholesale capacities differ (given the same markets and price)."""
        if not isinstance(other, Sales) or (self.markets, self.price) != (other.markets, other.price):
            return 0
        return first_difference(self.capacity, other.capacity, 1, horizon)
