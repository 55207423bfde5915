"""Money, in integer pence: the OEM's cash, every supplier's cash, and every flow between them.

Each movement is booked once here, on both sides, by category. Conservation is then a fact to
check, not a hope: each account's closing cash equals its opening cash plus its booked flows,
and every transfer's two sides sum to zero (see :mod:`sim.model.checks`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import NO_EVENTS, EventColumns, Morning, Process, Readings, Step

PENCE = 100


def pence(gbp: float) -> int:
    """Pounds to whole pence (rounded half away from zero)."""
    return int(np.floor(abs(gbp) * PENCE + 0.5)) * (1 if gbp >= 0 else -1)


@njit(cache=True)
def _credit(index: np.ndarray, amounts: np.ndarray, sign: int, cash: np.ndarray, book: np.ndarray) -> int:
    """Add ``sign`` x whole-pence ``amounts`` to accounts ``index``, on their cash and on the book;
    the total added."""
    total = 0
    for i in range(len(amounts)):
        a = sign * amounts[i]
        cash[index[i]] += a
        book[index[i]] += a
        total += a
    return total


@njit(cache=True)
def _add_each_day(
    cash: np.ndarray, net: np.ndarray, book1: np.ndarray, flow1: np.ndarray, book2: np.ndarray, flow2: np.ndarray
) -> None:
    for s in range(len(cash)):
        cash[s] += net[s]
        book1[s] += flow1[s]
        book2[s] += flow2[s]


class Ledger:
    """Cash accounts of the OEM and of ``n_suppliers`` suppliers, with flows by category. A flow booked as an
    intervention's cost (a grant, a financing charge, interest on a government-backed loan, money put into
    a rescued supplier) also adds to the running cost of interventions."""

    name = "ledger"
    STATE: ClassVar[tuple[str, ...]] = (
        "oem_cash",
        "supplier_cash",
        "oem_flows",
        "supplier_flows",
        "transfers",
        "intervention_cost",
    )

    def __init__(self, oem_cash: int, supplier_cash: np.ndarray) -> None:
        self.oem_opening = int(oem_cash)
        self.oem_cash = int(oem_cash)
        self.supplier_opening = supplier_cash.astype(np.int64).copy()
        self.supplier_cash = supplier_cash.astype(np.int64).copy()
        self.oem_flows: dict[str, int] = defaultdict(int)
        self.supplier_flows: dict[str, np.ndarray] = {}
        self.transfers: dict[str, int] = defaultdict(int)
        self.intervention_cost = 0  # pence booked as the cost of interventions so far

    def _account(self, category: str) -> np.ndarray:
        """The suppliers' flows of ``category`` so far (the array itself, to add to in place)."""
        book = self.supplier_flows.get(category)
        if book is None:
            book = self.supplier_flows[category] = np.zeros(len(self.supplier_cash), dtype=np.int64)
        return book

    def _book(self, category: str, amounts: np.ndarray) -> None:
        """Add ``amounts`` to the suppliers' flows of ``category`` (in place)."""
        book = self._account(category)
        np.add(book, amounts, out=book)

    def oem(self, category: str, amount: int, intervention: bool = False) -> None:
        """Cash into (positive) or out of (negative) the OEM from outside the model; ``intervention``: a cost
        of an intervention (paid out)."""
        amount = int(amount)
        self.oem_cash += amount
        self.oem_flows[category] += amount
        if intervention:
            self.intervention_cost -= amount

    def suppliers(self, category: str, amounts: np.ndarray, intervention: bool = False) -> None:
        """Cash into (positive) or out of (negative) each supplier from outside the model; ``intervention``:
        a cost of an intervention (paid in, e.g. a grant)."""
        self.supplier_cash += amounts
        self._book(category, amounts)
        if intervention:
            self.intervention_cost += int(amounts.sum())

    def suppliers_each_day(self, first: tuple[str, np.ndarray], second: tuple[str, np.ndarray], net: np.ndarray) -> None:
        """Two recurring flows into (positive) or out of (negative) each supplier; ``net`` is their sum."""
        _add_each_day(self.supplier_cash, net, self._account(first[0]), first[1], self._account(second[0]), second[1])

    def oem_pays(self, category: str, supplier_idx: np.ndarray, amounts: np.ndarray, intervention: bool = False) -> int:
        """The OEM pays suppliers; returns the total paid (pence). ``intervention``: the payment is a cost of an
        intervention (money put into a supplier, not a payment for parts)."""
        if len(amounts) == 0:
            return 0
        if amounts.dtype.kind not in "iu":
            raise TypeError(f"payments are whole pence (integers), not {amounts.dtype}")
        total = int(_credit(supplier_idx, amounts, 1, self.supplier_cash, self._account(f"from_oem:{category}")))
        self.oem_cash -= total
        self.oem_flows[f"to_suppliers:{category}"] -= total
        self.transfers[category] += total
        if intervention:
            self.intervention_cost += total
        return total

    def supplier_pays_supplier(self, category: str, payer: np.ndarray, payee: np.ndarray, amounts: np.ndarray) -> None:
        """Suppliers pay other suppliers (tier 1 paying tier 2), whole pence."""
        if len(amounts) == 0:
            return
        book = self._account(f"between_suppliers:{category}")
        _credit(payer, amounts, -1, self.supplier_cash, book)
        _credit(payee, amounts, 1, self.supplier_cash, book)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {"intervention_cost_cum_pence": self.intervention_cost}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Money, in integer pence: each account's closing cash = opening cash + its booked flows; what the
        OEM paid suppliers = what suppliers received; payments between suppliers sum to zero."""
        out: list[str] = []
        if self.oem_cash != self.oem_opening + sum(self.oem_flows.values()):
            out.append("money (OEM): closing cash != opening cash + booked flows")
        booked = self.supplier_opening.copy()
        for flows in self.supplier_flows.values():
            booked += flows
        if not np.array_equal(booked, self.supplier_cash):
            out.append("money (suppliers): closing cash != opening cash + booked flows, for some supplier")
        into_suppliers = sum(int(v.sum()) for k, v in self.supplier_flows.items() if k.startswith("from_oem:"))
        out_of_oem = -sum(v for k, v in self.oem_flows.items() if k.startswith("to_suppliers:"))
        if into_suppliers != out_of_oem or out_of_oem != sum(self.transfers.values()):
            out.append(f"money (transfers): OEM paid {out_of_oem} but suppliers received {into_suppliers}")
        between = sum(int(v.sum()) for k, v in self.supplier_flows.items() if k.startswith("between_suppliers:"))
        if between != 0:
            out.append(f"money (tier 2): payments between suppliers do not sum to zero ({between})")
        return out

    def diverges(self, other: Any, horizon: int) -> int:
        """Books opened alike stay alike until something books differently (every booking comes from
        another actor)."""
        if not isinstance(other, Ledger):
            return 0
        same = self.oem_opening == other.oem_opening and np.array_equal(self.supplier_opening, other.supplier_opening)
        return horizon if same else 0
