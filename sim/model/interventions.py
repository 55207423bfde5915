"""Supplier early payment (supply-chain finance): part of each order paid soon after it is placed.

From its start date, qualifying suppliers receive ``prepay_share`` of each delivery's value
``days_after_order`` days later, while the money advanced and not yet trued up stays within
the budget; the invoice, when paid, pays only the rest. With pass-through, a prepaid tier-1
supplier pays its tier-2 suppliers for that delivery when its prepayment arrives instead of on
their terms. The scheme's cost is its financing charge on the money outstanding.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numba import njit

from sim.model.ledger import Ledger


@njit(cache=True)
def _prepayments(supplier: np.ndarray, value: np.ndarray, share: float, eligible: np.ndarray,
                 room: int) -> tuple[np.ndarray, np.int64]:
    """Prepay ``share`` of each invoice (whole pence, rounded down) of an eligible supplier, in
    order, while the running total stays within ``room``; the prepaid pence per invoice and their total."""
    prepaid = np.zeros(len(value), dtype=np.int64)
    total = np.int64(0)
    for i in range(len(value)):
        part = np.int64(np.floor(value[i] * share)) if eligible[supplier[i]] else np.int64(0)
        if total + part > room:
            break  # the running total only grows
        prepaid[i] = part
        total += part
    return prepaid, total


class EarlyPayment:
    STATE = ("outstanding", "cost", "scheduled")  # what changes as the run goes on

    def __init__(self, start_day: int, budget: int, share: float, delay: int, eligible: np.ndarray,
                 annual_rate: float, pass_through: bool = False) -> None:
        self.start_day = start_day
        self.budget = budget
        self.share = share
        self.delay = delay
        self.eligible = eligible
        self.annual_rate = annual_rate
        self.pass_through = pass_through  # prepaid tier-1 suppliers pay their tier-2 bills early
        self.outstanding = 0  # advanced (or committed) and not yet trued up, pence
        self.cost = 0
        self.scheduled: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)

    def prepaid_part(self, day: int, supplier: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Commit prepayments on today's deliveries; returns the prepaid pence per invoice."""
        if day < self.start_day or len(value) == 0:
            return np.zeros(len(value), dtype=np.int64)
        prepaid, committed = _prepayments(supplier, value, self.share, self.eligible, self.budget - self.outstanding)
        total = int(committed)
        if total:
            self.outstanding += total
            self.scheduled[day + self.delay].append((supplier, prepaid))
        return prepaid

    def pay_due(self, day: int, ledger: Ledger) -> int:
        paid = 0
        for supplier, amount in self.scheduled.pop(day, []):
            paid += ledger.oem_pays("early_payment", supplier, amount)
        return paid

    def true_up(self, prepaid: int) -> None:
        self.outstanding -= prepaid

    def charge(self, ledger: Ledger) -> None:
        """One day's financing cost on the money outstanding."""
        if self.annual_rate and self.outstanding:
            cost = int(self.outstanding * self.annual_rate / 365)
            self.cost += cost
            ledger.oem("early_payment_financing", -cost)


class Rescue:
    """The OEM tops up failing qualifying suppliers so they keep trading, while its budget lasts."""

    STATE = ("spent",)  # what changes as the run goes on

    def __init__(self, start_day: int, budget: int, cushion_days: float, eligible: np.ndarray) -> None:
        self.start_day = start_day
        self.budget = budget
        self.cushion_days = cushion_days
        self.eligible = eligible
        self.spent = 0

    def save(self, day: int, rows: np.ndarray, cash: np.ndarray, normal_costs: np.ndarray, ledger: Ledger) -> np.ndarray:
        """Rescue what it can of the failing ``rows``; returns the rows saved."""
        if day < self.start_day or len(rows) == 0:
            return rows[:0]
        rows = rows[self.eligible[rows]]
        need = np.ceil(self.cushion_days * normal_costs[rows]).astype(np.int64) - cash[rows]
        fits = np.cumsum(need) <= self.budget - self.spent
        saved, amounts = rows[fits], need[fits]
        if len(saved):
            self.spent += ledger.oem_pays("rescue", saved, amounts)
        return saved
