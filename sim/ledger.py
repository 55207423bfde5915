"""Money, in integer pence: the OEM's cash, every supplier's cash, and every flow between them.

Each movement is booked once here, on both sides, by category. Conservation is then a fact to
check, not a hope: each account's closing cash equals its opening cash plus its booked flows,
and every transfer's two sides sum to zero (see :mod:`sim.checks`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

PENCE = 100


def pence(gbp: float) -> int:
    """Pounds to whole pence (rounded half away from zero)."""
    return int(np.floor(abs(gbp) * PENCE + 0.5)) * (1 if gbp >= 0 else -1)


def _sum_by(index: np.ndarray, amounts: np.ndarray, n: int) -> np.ndarray:
    """Whole pence per account: ``amounts`` summed by account ``index`` (exact for integer amounts,
    whose float sums are whole numbers below 2**53)."""
    total = np.bincount(index, weights=amounts, minlength=n)
    return (total if amounts.dtype.kind in "iu" else np.rint(total)).astype(np.int64)


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

    def _book(self, category: str, amounts: np.ndarray) -> None:
        """Add ``amounts`` to the suppliers' flows of ``category`` (in place)."""
        book = self.supplier_flows.get(category)
        if book is None:
            book = self.supplier_flows[category] = np.zeros(len(self.supplier_cash), dtype=np.int64)
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
        self.supplier_cash += net
        self._book(*first)
        self._book(*second)

    def oem_pays(self, category: str, supplier_idx: np.ndarray, amounts: np.ndarray) -> int:
        """The OEM pays suppliers; returns the total paid (pence)."""
        if len(amounts) == 0:
            return 0
        paid_int = _sum_by(supplier_idx, amounts, len(self.supplier_cash))
        total = int(paid_int.sum())
        self.supplier_cash += paid_int
        self._book(f"from_oem:{category}", paid_int)
        self.oem_cash -= total
        self.oem_flows[f"to_suppliers:{category}"] -= total
        self.transfers[category] += total
        return total

    def supplier_pays_supplier(self, category: str, payer: np.ndarray, payee: np.ndarray | slice, amounts: np.ndarray) -> None:
        """Suppliers pay other suppliers (tier 1 paying tier 2); each payee appears once."""
        if len(amounts) == 0:
            return
        net = _sum_by(payer, amounts, len(self.supplier_cash))
        np.negative(net, out=net)
        net[payee] += amounts  # a batch holds one bill per payee (one per tier-2 supplier and delivery day)
        self.supplier_cash += net
        self._book(f"between_suppliers:{category}", net)
