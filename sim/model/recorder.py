"""The recorder: one row of facts per simulated day, and the run's event records.

Processes never aggregate; the recorder copies the state it is shown into preallocated
columns (cumulative counters stay cumulative; daily flows are differenced at the end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.world import World

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
    """Daily facts, one row per day (in the order of COLUMNS), filled by :meth:`snapshot`."""

    STATE = ("table",)  # what changes as the run goes on

    def __init__(self, horizon: int) -> None:
        self.table = np.zeros((horizon, len(COLUMNS)), dtype=np.float64)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """One array per column (copies)."""
        by_column = np.ascontiguousarray(self.table.T)
        return dict(zip(COLUMNS, by_column, strict=True))

    def snapshot(self, day: int, world: World) -> None:
        ledger, supply, pay, fin = world.ledger, world.supply, world.payables, world.finance
        pc, sales, treasury = world.parts_centre, world.sales, world.treasury
        insolvent = fin.insolvent_now
        cash_total, shortfall, short = fin.cash_readings(ledger.supplier_cash)
        line_side, in_transit = supply.parts_totals()
        scheme = world.early_payment
        self.table[day] = (
            sum(p.engine_stock for p in world.plants),  # engine_stock
            sales.stock,  # finished_vehicle_stock
            sales.wholesaled,  # wholesale_vehicles_cum
            line_side,  # line_side_parts
            in_transit,  # parts_in_transit
            pay.received_count,  # invoices_received_cum
            pay.processed_count,  # invoices_processed_cum
            pay.capacity[day],  # invoice_capacity
            pay.backlog_count,  # invoice_backlog_count
            pay.backlog_value,  # invoice_backlog_pence
            pay.overdue_value(day),  # invoice_overdue_pence
            pay.approved_value,  # payables_approved_pence
            sum(ledger.transfers.values()),  # supplier_payments_cum_pence
            pc.received if pc else 0,  # parts_orders_cum
            pc.dispatched if pc else 0,  # parts_dispatched_cum
            pc.backlog if pc else 0,  # parts_backlog_orders
            pc.lost if pc else 0,  # parts_orders_lost_cum
            ledger.oem_cash,  # oem_cash_pence
            treasury.drawn,  # facility_drawn_pence
            treasury.government_drawn,  # government_loan_drawn_pence
            ledger.oem_flows["wholesale_receipts"] + ledger.oem_flows["parts_receipts"],  # oem_receipts_cum_pence
            cash_total,  # supplier_cash_pence
            shortfall,  # supplier_cash_shortfall_pence
            len(supply.state) - insolvent,  # suppliers_active
            insolvent,  # suppliers_insolvent
            fin.replaced_now,  # suppliers_replaced
            short,  # suppliers_under_7_days_cash
            fin.jobs_lost_total,  # supplier_jobs_lost
            fin.stw_paid,  # short_time_work_cum_pence
            scheme.outstanding if scheme else 0,  # early_payment_outstanding_pence
            world.intervention_cost(),  # intervention_cost_cum_pence
        )
