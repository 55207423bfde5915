"""The parts logistics centre: retailers' aftermarket orders, served while its systems run.

Orders arriving while it is down queue (first in, first out) and are lost after the
retailers' patience; when it is restored it clears the queue at a boosted rate. Every
dispatched order brings cash after a settlement delay.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, PARTS, Close, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.estate import Estate
from sim.model.ledger import Ledger, pence
from sim.model.opening import receipts
from sim.scenario.schema import PartsCentreSpec
from sim.scenario.streams import stream


class PartsCentre:
    """Order queue (arrival day, count) and dispatch capacity per day."""

    name = "parts_centre"
    STATE: ClassVar[tuple[str, ...]] = (
        "queue",
        "backlog",
        "received",
        "dispatched",
        "lost",
        "revenue",
        "receipts",
    )  # what changes in a run

    @classmethod
    def create(
        cls, spec: PartsCentreSpec[float] | None, estate: Estate, horizon: int, ledger: Ledger, root: np.random.SeedSequence
    ) -> PartsCentre:
        """The parts centre as ``spec`` says: orders constant or Poisson (its own random stream), dispatch
        at the boosted rate while its systems run (or the manual share while they are down), opening with
        the last settlement days of normal orders not yet paid. Without a spec, a centre that never
        receives an order (so every world records the same columns)."""
        if spec is None:
            none = np.zeros(horizon, dtype=np.int64)
            absent = cls(none, none, None, 0, 0, ledger)
            absent.configured = False
            return absent
        rate = spec.orders_per_day
        if spec.order_randomness == "poisson":
            orders = stream(root, "parts_centre.orders").poisson(rate, horizon)
        else:
            orders = np.full(horizon, int(round(rate)))
        avail = np.maximum(estate.availability(spec.systems)[:horizon], spec.manual_capacity)
        cap = np.floor(rate * spec.recovery_boost * avail + 1e-9).astype(np.int64)
        patience = None if spec.patience_days is None else int(round(spec.patience_days))
        centre = cls(orders.astype(np.int64), cap, patience, pence(spec.order_value_gbp), int(round(spec.settlement_days)), ledger)
        centre.receipts.update(receipts(int(round(rate * centre.order_value)), centre.settlement_days))
        return centre

    def __init__(
        self,
        orders: np.ndarray,
        capacity: np.ndarray,
        patience_days: int | None,
        order_value: int,
        settlement_days: int,
        ledger: Ledger,
    ) -> None:
        self.configured = True  # False: the scenario has no parts centre
        self.ledger = ledger
        self.orders = orders  # orders arriving each day
        self.capacity = capacity  # orders that can be dispatched each day
        self.patience_days = patience_days
        self.order_value = order_value
        self.settlement_days = settlement_days
        self.queue: deque[list[int]] = deque()
        self.backlog = 0
        self.received = 0
        self.dispatched = 0
        self.lost = 0
        self.revenue = 0
        self.receipts: dict[int, int] = defaultdict(int)

    def serve(self, day: int) -> None:
        arriving = int(self.orders[day])
        if arriving:
            self.queue.append([day, arriving])
            self.backlog += arriving
            self.received += arriving
        if self.patience_days is not None:
            while self.queue and self.queue[0][0] < day - self.patience_days:
                _, count = self.queue.popleft()
                self.backlog -= count
                self.lost += count
        room = int(self.capacity[day])
        sent = 0
        while room > 0 and self.queue:
            head = self.queue[0]
            take = min(room, head[1])
            head[1] -= take
            room -= take
            sent += take
            if head[1] == 0:
                self.queue.popleft()
        self.backlog -= sent
        self.dispatched += sent
        if sent:
            self.revenue += sent * self.order_value
            self.receipts[day + self.settlement_days] += sent * self.order_value

    def collect(self, day: int) -> int:
        amount = self.receipts.pop(day, 0)
        if amount:
            self.ledger.oem("parts_receipts", amount)
        return amount

    def process(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """Serve the day's orders, every day from ``first_day``."""
        for day in range(first_day, len(self.orders)):
            yield env.timeout(day + PARTS - env.now)
            self.serve(day)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)] if self.configured else []

    def closing(self) -> list[Step]:
        return [(Close.RECEIPTS, self.collect)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {
            "parts_orders_cum": self.received,
            "parts_dispatched_cum": self.dispatched,
            "parts_backlog_orders": self.backlog,
            "parts_orders_lost_cum": self.lost,
            "parts_revenue_cum_pence": self.revenue,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Orders: received = dispatched + lost + backlog."""
        if self.received != self.dispatched + self.lost + self.backlog:
            return ["parts-centre orders: received != dispatched + lost + backlog"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """Two parts centres act alike until their orders or their dispatch capacities differ."""
        if not isinstance(other, PartsCentre):
            return 0
        return min(
            first_difference(self.orders, other.orders, 0, horizon), first_difference(self.capacity, other.capacity, 0, horizon)
        )
