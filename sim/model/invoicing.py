"""What follows a day's shipments: suppliers pay for their output and invoice the OEM, one invoice per
delivery; with supplier early payment, part of each qualifying invoice is prepaid."""

from __future__ import annotations

import numpy as np

from sim.model.interventions import EarlyPayment
from sim.model.payables import Batch, Payables
from sim.model.supplier_finance import SupplierFinance
from sim.model.supply import Deliveries


class Invoicing:
    """Connects the supply base's shipments to the suppliers' books, the early-payment scheme and
    accounts payable (no state of its own)."""

    def __init__(self, finance: SupplierFinance, payables: Payables, scheme: EarlyPayment) -> None:
        self.finance = finance
        self.payables = payables
        self.scheme = scheme
        self._no_prepayment = np.zeros(len(finance.supply.lane_sup), dtype=np.int64)
        self._no_prepayment.flags.writeable = False  # shared by every invoice batch with nothing prepaid

    def __call__(self, day: int, units: np.ndarray, value: np.ndarray, deliveries: Deliveries) -> None:
        """Suppliers pay for today's output and invoice the OEM, one invoice per delivery."""
        supply = self.finance.supply
        rows, v, due = deliveries.supplier, deliveries.value, deliveries.due
        scheme = self.scheme
        prepaid = scheme.prepaid_part(day, rows, v) if day >= scheme.start_day else self._no_prepayment[: len(v)]
        # with pass-through, a prepaid tier-1 supplier pays its tier-2 suppliers when its money comes
        fast = None
        if scheme.pass_through and prepaid.any():
            fast = np.zeros(supply.table.n, dtype=bool)
            fast[rows[prepaid > 0]] = True
        self.finance.on_shipment(day, units, value, fast, day + scheme.delay)
        if len(v):
            terms_days = supply.uniform_terms
            self.payables.receive(
                Batch(rows, v, prepaid, due, deliveries.face), day, None if terms_days is None else day + terms_days
            )

    def violations(self) -> list[str]:
        """Money: what tier-1 suppliers sold in the run = the value of the invoices the OEM received for it."""
        sold = int(self.finance.sales[self.finance.supply.table.tier == 1].sum())
        if sold != self.payables.received_value:
            return [f"money (sales): tier-1 suppliers sold {sold} but the OEM received invoices for {self.payables.received_value}"]
        return []
