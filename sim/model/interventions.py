"""Supplier early payment (supply-chain finance): part of each order paid soon after it is placed.

From its start date, qualifying suppliers receive ``prepay_share`` of each delivery's value
``days_after_order`` days later, while the money advanced and not yet trued up stays within
the budget; the invoice, when paid, pays only the rest. With pass-through, a prepaid tier-1
supplier pays its tier-2 suppliers for that delivery when its prepayment arrives instead of on
their terms. The scheme's cost is its financing charge on the money outstanding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import NO_EVENTS, Close, EventColumns, Morning, Process, Readings, Step
from sim.model.calendar import Calendar
from sim.model.ledger import Ledger, pence
from sim.model.suppliers import SupplierTable
from sim.scenario.schema import SupplierFinanceScheme

NEVER = 1 << 40  # the start day of an intervention the scenario does not have


@njit(cache=True)
def _prepayments(
    supplier: np.ndarray, value: np.ndarray, share: float, eligible: np.ndarray, room: int
) -> tuple[np.ndarray, np.int64]:
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
    """Supplier early payment: prepayments committed on deliveries, paid after the delay, trued up when
    the invoice is paid, financed at a daily charge."""

    name = "early_payment"
    STATE: ClassVar[tuple[str, ...]] = ("outstanding", "cost", "scheduled")  # what changes as the run goes on

    @classmethod
    def create(
        cls, spec: SupplierFinanceScheme[float, Any] | None, table: SupplierTable, calendar: Calendar, ledger: Ledger
    ) -> EarlyPayment:
        """The scheme as ``spec`` says (qualifying tiers, restart-critical suppliers only or all); without a
        spec, a scheme that never starts (so every world records the same columns)."""
        if spec is None:
            return cls(NEVER, 0, 0.0, 0, np.zeros(table.n, dtype=np.int64), 0.0, False, ledger)
        eligible = np.isin(table.tier, spec.tiers) & (table.critical | (not spec.restart_critical_only))
        scheme = cls(
            calendar.day(spec.start),
            pence(spec.budget_gbp),
            spec.prepay_share,
            int(round(spec.days_after_order)),
            eligible.astype(np.int64),
            spec.annual_cost_rate,
            spec.tier2_pass_through,
            ledger,
        )
        scheme.budget_gbp = spec.budget_gbp
        return scheme

    def __init__(
        self,
        start_day: int,
        budget: int,
        share: float,
        delay: int,
        eligible: np.ndarray,
        annual_rate: float,
        pass_through: bool,
        ledger: Ledger,
    ) -> None:
        self.start_day = start_day
        self.budget = budget
        self.budget_gbp = budget / 100.0
        self.share = share
        self.delay = delay
        self.eligible = eligible
        self.annual_rate = annual_rate
        self.pass_through = pass_through  # prepaid tier-1 suppliers pay their tier-2 bills early
        self.ledger = ledger
        self.outstanding = 0  # advanced (or committed) and not yet trued up, pence
        self.cost = 0
        self.scheduled: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)

    @property
    def configured(self) -> bool:
        return self.start_day != NEVER

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

    def pay_due(self, day: int) -> int:
        paid = 0
        for supplier, amount in self.scheduled.pop(day, []):
            paid += self.ledger.oem_pays("early_payment", supplier, amount)
        return paid

    def true_up(self, prepaid: int) -> None:
        self.outstanding -= prepaid

    def charge(self, day: int) -> None:
        """One day's financing cost on the money outstanding."""
        if self.annual_rate and self.outstanding:
            cost = int(self.outstanding * self.annual_rate / 365)
            self.cost += cost
            self.ledger.oem("early_payment_financing", -cost, intervention=True)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.PREPAYMENTS, self.pay_due), (Close.FINANCING, self.charge)] if self.configured else []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {"early_payment_outstanding_pence": self.outstanding, "early_payment_cost_cum_pence": self.cost}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """The scheme's start, with its budget."""
        if not self.configured:
            return NO_EVENTS
        return EventColumns.of([(self.start_day, "scheme_start", "supplier_finance", self.budget_gbp, "budget_gbp")])

    def violations(self) -> list[str]:
        return []

    def _terms(self) -> tuple[Any, ...]:
        return (self.start_day, self.budget, self.share, self.delay, self.eligible.tobytes(), self.annual_rate, self.pass_through)

    def diverges(self, other: Any, horizon: int) -> int:
        """Two schemes on the same terms act alike; otherwise from the first of their starts."""
        if not isinstance(other, EarlyPayment):
            return 0
        return horizon if self._terms() == other._terms() else min(self.start_day, other.start_day)
