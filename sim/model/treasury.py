"""The OEM's treasury: fixed costs, credit facilities drawn when cash runs low, and their interest."""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.ledger import Ledger


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

    STATE = ("drawn", "interest_paid")  # what changes as the run goes on


@dataclass(frozen=True)
class Draw:
    day: int
    facility: str
    amount: int


class Treasury:
    STATE = ("draws",)  # what changes as the run goes on (and each line's own)

    def __init__(self, fixed_per_day: int, cost_per_unit: int, lines: list[CreditLine]) -> None:
        self.fixed_per_day = fixed_per_day
        self.cost_per_unit = cost_per_unit
        self.lines = lines
        self.draws: list[Draw] = []

    def close_day(self, day: int, ledger: Ledger) -> None:
        """Pay the day's fixed costs and interest; draw facilities if cash is below their floor."""
        ledger.oem("fixed_costs", -self.fixed_per_day)
        for line in self.lines:
            if line.drawn and line.annual_rate:
                interest = int(line.drawn * line.annual_rate / 365)
                line.interest_paid += interest
                ledger.oem(f"interest:{line.name}", -interest)
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
