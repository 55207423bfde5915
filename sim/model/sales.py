"""Wholesale: finished vehicles are sold to retailers while the wholesale finance system runs.

Each day's wholesale brings cash after a settlement delay. Vehicles that cannot be sold wait
in the finished-vehicle stock.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.model.ledger import Ledger


class Sales:
    """Finished-vehicle stock, wholesale capacity per day and receipts to come (pence by day)."""

    STATE = ("stock", "built", "wholesaled", "revenue", "receipts")  # what changes as the run goes on

    def __init__(self, capacity: np.ndarray, price: int, settlement_days: int) -> None:
        self.capacity = capacity
        self.price = price
        self.settlement_days = settlement_days
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

    def collect(self, day: int, ledger: Ledger) -> int:
        amount = self.receipts.pop(day, 0)
        if amount:
            ledger.oem("wholesale_receipts", amount)
        return amount
