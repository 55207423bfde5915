"""Money, in integer pence: the OEM's cash, every supplier's cash, and every flow between them.

Each movement is booked once here, on both sides, by category. Conservation is then a fact to
check, not a hope: each account's closing cash equals its opening cash plus its booked flows,
and every transfer's two sides sum to zero (see :mod:`sim.checks`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numba import njit

PENCE = 100


def pence(gbp: float) -> int:
    """Pounds to whole pence (rounded half away from zero)."""
    return int(np.floor(abs(gbp) * PENCE + 0.5)) * (1 if gbp >= 0 else -1)


@njit(cache=True)
def _transfer(payer: np.ndarray, payee: np.ndarray, amounts: np.ndarray, cash: np.ndarray, book: np.ndarray) -> None:
    """Each ``payer`` pays ``amounts`` to its ``payee``: both sides on the cash and on the book."""
    for i in range(len(amounts)):
        a = amounts[i]
        cash[payer[i]] -= a
        book[payer[i]] -= a
        cash[payee[i]] += a
        book[payee[i]] += a


@njit(cache=True)
def _pay_each(index: np.ndarray, amounts: np.ndarray, cash: np.ndarray, book: np.ndarray) -> int:
    """Pay whole-pence ``amounts`` to accounts ``index``, on their cash and on the book; the total."""
    total = 0
    for i in range(len(amounts)):
        cash[index[i]] += amounts[i]
        book[index[i]] += amounts[i]
        total += amounts[i]
    return total


@njit(cache=True)
def _add_each_day(cash: np.ndarray, net: np.ndarray, book1: np.ndarray, flow1: np.ndarray, book2: np.ndarray,
                  flow2: np.ndarray) -> None:
    for s in range(len(cash)):
        cash[s] += net[s]
        book1[s] += flow1[s]
        book2[s] += flow2[s]


class Ledger:
    """Cash accounts of the OEM and of ``n_suppliers`` suppliers, with flows by category."""

    STATE = ("oem_cash", "supplier_cash", "oem_flows", "supplier_flows", "transfers")  # what changes in a run

    def __init__(self, oem_cash: int, supplier_cash: np.ndarray) -> None:
        self.oem_opening = int(oem_cash)
        self.oem_cash = int(oem_cash)
        self.supplier_opening = supplier_cash.astype(np.int64).copy()
        self.supplier_cash = supplier_cash.astype(np.int64).copy()
        self.oem_flows: dict[str, int] = defaultdict(int)
        self.supplier_flows: dict[str, np.ndarray] = {}
        self.transfers: dict[str, int] = defaultdict(int)

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

    def oem(self, category: str, amount: int) -> None:
        """Cash into (positive) or out of (negative) the OEM from outside the model."""
        amount = int(amount)
        self.oem_cash += amount
        self.oem_flows[category] += amount

    def suppliers(self, category: str, amounts: np.ndarray) -> None:
        """Cash into (positive) or out of (negative) each supplier from outside the model."""
        self.supplier_cash += amounts
        self._book(category, amounts)

    def suppliers_each_day(self, first: tuple[str, np.ndarray], second: tuple[str, np.ndarray], net: np.ndarray) -> None:
        """Two recurring flows into (positive) or out of (negative) each supplier; ``net`` is their sum."""
        _add_each_day(self.supplier_cash, net, self._account(first[0]), first[1], self._account(second[0]), second[1])

    def oem_pays(self, category: str, supplier_idx: np.ndarray, amounts: np.ndarray) -> int:
        """The OEM pays suppliers; returns the total paid (pence)."""
        if len(amounts) == 0:
            return 0
        if amounts.dtype.kind not in "iu":
            raise TypeError(f"payments are whole pence (integers), not {amounts.dtype}")
        total = int(_pay_each(supplier_idx, amounts, self.supplier_cash, self._account(f"from_oem:{category}")))
        self.oem_cash -= total
        self.oem_flows[f"to_suppliers:{category}"] -= total
        self.transfers[category] += total
        return total

    def supplier_pays_supplier(self, category: str, payer: np.ndarray, payee: np.ndarray, amounts: np.ndarray) -> None:
        """Suppliers pay other suppliers (tier 1 paying tier 2), whole pence."""
        if len(amounts) == 0:
            return
        _transfer(payer, payee, amounts, self.supplier_cash, self._account(f"between_suppliers:{category}"))
