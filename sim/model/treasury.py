"""The OEM's treasury: fixed costs, credit facilities drawn when cash runs low, and their interest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step
from sim.model.calendar import Calendar
from sim.model.ledger import Ledger, pence
from sim.scenario.schema import TreasurySpec


@dataclass
class CreditLine:
    """A facility of ``size`` pence from ``available_day``, drawn to keep cash above ``floor``."""

    name: str
    size: int
    available_day: int
    floor: int
    government: bool
    annual_rate: float
    drawn: int = 0
    interest_paid: int = 0

    STATE: ClassVar[tuple[str, ...]] = ("drawn", "interest_paid")  # what changes as the run goes on


@dataclass(frozen=True)
class Draw:
    day: int
    facility: str
    amount: int


class Treasury:
    """The OEM's own cash flows other than suppliers and sales: fixed costs, other costs per vehicle
    (booked by production), credit facilities and their interest."""

    name = "treasury"
    STATE: ClassVar[tuple[str, ...]] = ("draws", "lines")  # what changes as the run goes on (each line's own STATE)

    @classmethod
    def create(cls, spec: TreasurySpec[float, Any], calendar: Calendar, ledger: Ledger) -> Treasury:
        lines = [
            CreditLine(name, pence(f.size_gbp), calendar.day(f.available_from), pence(f.draw_below_gbp),
                       f.government_guaranteed, f.annual_interest_rate)
            for name, f in spec.facilities.items()
        ]
        treasury = cls(pence(spec.fixed_costs_gbp_per_day), pence(spec.other_cost_per_unit_gbp), lines, ledger)
        treasury.offered = [(calendar.day(f.available_from), name, f.size_gbp) for name, f in spec.facilities.items()]
        return treasury

    def __init__(self, fixed_per_day: int, cost_per_unit: int, lines: list[CreditLine], ledger: Ledger) -> None:
        self.fixed_per_day = fixed_per_day
        self.cost_per_unit = cost_per_unit
        self.lines = lines
        self.ledger = ledger
        self.draws: list[Draw] = []
        self.offered: list[tuple[int, str, float]] = []  # each facility: (day available, name, size GBP)

    def close_day(self, day: int) -> None:
        """Pay the day's fixed costs and interest; draw facilities if cash is below their floor."""
        ledger = self.ledger
        ledger.oem("fixed_costs", -self.fixed_per_day)
        for line in self.lines:
            if line.drawn and line.annual_rate:
                interest = int(line.drawn * line.annual_rate / 365)
                line.interest_paid += interest
                ledger.oem(f"interest:{line.name}", -interest, intervention=line.government)
        for line in self.lines:
            if day >= line.available_day and ledger.oem_cash < line.floor and line.drawn < line.size:
                amount = min(line.size - line.drawn, line.floor - ledger.oem_cash)
                line.drawn += amount
                ledger.oem(f"facility:{line.name}", amount)
                self.draws.append(Draw(day, line.name, amount))

    @property
    def drawn(self) -> int:
        return sum(line.drawn for line in self.lines if not line.government)

    @property
    def government_drawn(self) -> int:
        return sum(line.drawn for line in self.lines if line.government)

    @property
    def government_interest(self) -> int:
        """Interest paid on government-guaranteed loans so far (pence)."""
        return sum(line.interest_paid for line in self.lines if line.government)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.TREASURY, self.close_day)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        flows = self.ledger.oem_flows
        return {
            "oem_cash_pence": self.ledger.oem_cash,
            "facility_drawn_pence": self.drawn,
            "government_loan_drawn_pence": self.government_drawn,
            "oem_receipts_cum_pence": flows["wholesale_receipts"] + flows["parts_receipts"],
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Each facility draw (GBP), and each facility becoming available (its size, GBP)."""
        draws = [(d.day, "facility_draw", d.facility, d.amount / 100.0, "gbp") for d in self.draws]
        available = [(day, "facility_available", name, size, "gbp") for day, name, size in self.offered]
        return EventColumns.of(draws + available)

    def violations(self) -> list[str]:
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """Two treasuries act alike unless their costs or facilities differ."""
        if not isinstance(other, Treasury):
            return 0
        same = (self.fixed_per_day, self.cost_per_unit) == (other.fixed_per_day, other.cost_per_unit) and \
            [(x.name, x.size, x.available_day, x.floor, x.government, x.annual_rate) for x in self.lines] == \
            [(x.name, x.size, x.available_day, x.floor, x.government, x.annual_rate) for x in other.lines]
        return horizon if same else 0
