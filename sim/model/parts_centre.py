"""The parts logistics centre: retailers' aftermarket orders, served while its systems run.

Orders arriving while it is down queue (first in, first out) and are lost after the
retailers' patience; when it is restored it clears the queue at a boosted rate. Every
dispatched order brings cash after a settlement delay.
"""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np

from sim.model.ledger import Ledger


class PartsCentre:
    """Order queue (arrival day, count) and dispatch capacity per day."""

    STATE = ("queue", "backlog", "received", "dispatched", "lost", "revenue", "receipts")  # what changes in a run

    def __init__(self, orders: np.ndarray, capacity: np.ndarray, patience_days: int | None,
                 order_value: int, settlement_days: int) -> None:
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

    def collect(self, day: int, ledger: Ledger) -> int:
        amount = self.receipts.pop(day, 0)
        if amount:
            ledger.oem("parts_receipts", amount)
        return amount
