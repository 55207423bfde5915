"""Conservation identities, checked at the end of every run (and every day with ``check_daily``).

Parts, engines, vehicles, invoices, parts-centre orders and money (integer pence) must all
balance exactly. A failure names the identity and the first date it broke.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.world import World


class ConservationError(AssertionError):
    """A conservation identity does not hold: a defect in the model, never a user mistake."""


def violations(world: World) -> list[str]:
    """Names and details of every identity that does not hold now (empty when all balance)."""
    out: list[str] = []
    s = world.supply
    if not np.array_equal(s.opening_stock + s.received - s.used, s.stock):
        out.append("parts: opening + received - used != line-side stock")
    if not np.array_equal(s.opening_in_transit + s.shipped_lane - s.received, s.in_transit):
        out.append("parts: opening in transit + shipped - received != in transit")
    if (s.stock < 0).any() or (s.in_transit < 0).any():
        out.append("parts: negative stock or parts in transit")
    made = sum(p.engines_made for p in world.plants)
    fitted = sum(p.engines_fitted for p in world.plants)
    stock = sum(p.engine_stock for p in world.plants)
    if world.opening_engine_stock + made - fitted != stock or stock < 0:
        out.append(f"engines: opening {world.opening_engine_stock} + made {made} - fitted {fitted} != stock {stock}")
    built = sum(int(p.built.sum()) for p in world.plants if not p.is_engine_plant)
    sales = world.sales
    if built != sales.built or sales.built != sales.stock + sales.wholesaled or sales.stock < 0:
        out.append(f"vehicles: built {built} != stock {sales.stock} + wholesaled {sales.wholesaled}")
    pay = world.payables
    held = pay.paid_count + pay.backlog_count + pay.approved_count + pay.awaiting_count
    if pay.opening_count + pay.received_count != held:
        out.append("invoices (count): opening + received != paid + backlog + approved + awaiting due date")
    held_value = pay.paid_value + pay.backlog_value + pay.approved_value + pay.awaiting_value
    if pay.opening_value + pay.received_value != held_value:
        out.append("invoices (value): opening + received != paid + backlog + approved + awaiting due date")
    pc = world.parts_centre
    if pc is not None and pc.received != pc.dispatched + pc.lost + pc.backlog:
        out.append("parts-centre orders: received != dispatched + lost + backlog")
    led = world.ledger
    if led.oem_cash != led.oem_opening + sum(led.oem_flows.values()):
        out.append("money (OEM): closing cash != opening cash + booked flows")
    booked = led.supplier_opening.copy()
    for flows in led.supplier_flows.values():
        booked += flows
    if not np.array_equal(booked, led.supplier_cash):
        out.append("money (suppliers): closing cash != opening cash + booked flows, for some supplier")
    into_suppliers = sum(int(v.sum()) for k, v in led.supplier_flows.items() if k.startswith("from_oem:"))
    out_of_oem = -sum(v for k, v in led.oem_flows.items() if k.startswith("to_suppliers:"))
    if into_suppliers != out_of_oem or out_of_oem != sum(led.transfers.values()):
        out.append(f"money (transfers): OEM paid {out_of_oem} but suppliers received {into_suppliers}")
    between = sum(int(v.sum()) for k, v in led.supplier_flows.items() if k.startswith("between_suppliers:"))
    if between != 0:
        out.append(f"money (tier 2): payments between suppliers do not sum to zero ({between})")
    return out


def processed_within_capacity(world: World) -> list[str]:
    done = np.diff(world.recorder.columns["invoices_processed_cum"], prepend=0)
    over = np.flatnonzero(done > world.payables.capacity)
    if len(over):
        return [f"invoices: processed {int(done[over[0]])} > capacity {int(world.payables.capacity[over[0]])}"]
    return []


def daily_check(world: World, day: int) -> None:
    """Raise at the first day any identity breaks (used by ``--check-daily``)."""
    broken = violations(world)
    if broken:
        when = world.calendar.date(day)
        raise ConservationError(f"conservation broken on {when}: " + "; ".join(broken))
