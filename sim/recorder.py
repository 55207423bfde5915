"""The recorder: one row of facts per simulated day, and the run's event records.

Processes never aggregate; the recorder copies the state it is shown into preallocated
columns (cumulative counters stay cumulative; daily flows are differenced at the end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.supply import INSOLVENT

if TYPE_CHECKING:
    from sim.engine import World

COLUMNS = (
    "engine_stock", "finished_vehicle_stock", "wholesale_vehicles_cum", "line_side_parts", "parts_in_transit",
    "invoices_received_cum", "invoices_processed_cum", "invoice_capacity", "invoice_backlog_count",
    "invoice_backlog_pence", "invoice_overdue_pence", "payables_approved_pence", "supplier_payments_cum_pence",
    "parts_orders_cum", "parts_dispatched_cum", "parts_backlog_orders", "parts_orders_lost_cum",
    "oem_cash_pence", "facility_drawn_pence", "government_loan_drawn_pence", "oem_receipts_cum_pence",
    "supplier_cash_pence", "supplier_cash_shortfall_pence", "suppliers_active", "suppliers_insolvent",
    "suppliers_replaced", "suppliers_under_7_days_cash", "supplier_jobs_lost", "short_time_work_cum_pence",
    "early_payment_outstanding_pence", "intervention_cost_cum_pence",
)


class Recorder:
    """Daily columns, filled in place by :meth:`snapshot`."""

    STATE = ("columns",)  # what changes as the run goes on

    def __init__(self, horizon: int) -> None:
        self.columns = {name: np.zeros(horizon, dtype=np.float64) for name in COLUMNS}

    def snapshot(self, day: int, world: World) -> None:
        c = self.columns
        ledger, supply, pay, fin = world.ledger, world.supply, world.payables, world.finance
        c["engine_stock"][day] = sum(p.engine_stock for p in world.plants)
        c["finished_vehicle_stock"][day] = world.sales.stock
        c["wholesale_vehicles_cum"][day] = world.sales.wholesaled
        c["line_side_parts"][day] = supply.stock.sum()
        c["parts_in_transit"][day] = supply.in_transit.sum()
        c["invoices_received_cum"][day] = pay.received_count
        c["invoices_processed_cum"][day] = pay.processed_count
        c["invoice_capacity"][day] = pay.capacity[day]
        c["invoice_backlog_count"][day] = pay.backlog_count
        c["invoice_backlog_pence"][day] = pay.backlog_value
        c["invoice_overdue_pence"][day] = pay.overdue_value(day)
        c["payables_approved_pence"][day] = pay.approved_value
        c["supplier_payments_cum_pence"][day] = sum(ledger.transfers.values())
        if world.parts_centre is not None:
            pc = world.parts_centre
            c["parts_orders_cum"][day] = pc.received
            c["parts_dispatched_cum"][day] = pc.dispatched
            c["parts_backlog_orders"][day] = pc.backlog
            c["parts_orders_lost_cum"][day] = pc.lost
        c["oem_cash_pence"][day] = ledger.oem_cash
        c["facility_drawn_pence"][day] = world.treasury.drawn
        c["government_loan_drawn_pence"][day] = world.treasury.government_drawn
        c["oem_receipts_cum_pence"][day] = ledger.oem_flows["wholesale_receipts"] + ledger.oem_flows["parts_receipts"]
        cash = ledger.supplier_cash
        c["supplier_cash_pence"][day] = cash.sum()
        c["supplier_cash_shortfall_pence"][day] = -cash[cash < 0].sum() if cash.min() < 0 else 0
        state = supply.state
        insolvent = fin.insolvent_now
        c["suppliers_active"][day] = len(state) - insolvent
        c["suppliers_insolvent"][day] = insolvent
        c["suppliers_replaced"][day] = fin.replaced_now
        short = fin.under_a_week(cash)
        c["suppliers_under_7_days_cash"][day] = np.count_nonzero(short & (state != INSOLVENT) if insolvent else short)
        c["supplier_jobs_lost"][day] = fin.jobs_lost_total
        c["short_time_work_cum_pence"][day] = fin.stw_paid
        scheme = world.early_payment
        c["early_payment_outstanding_pence"][day] = scheme.outstanding if scheme else 0
        c["intervention_cost_cum_pence"][day] = world.intervention_cost()
