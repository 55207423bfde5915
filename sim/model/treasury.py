"""The OEM's treasury: fixed costs, investment, the incident's own costs, and credit facilities drawn when
cash runs low and repaid when it recovers, with their interest.

Each day's close pays, in this order: fixed costs, investment (capital expenditure), the day's part of
each incident cost, interest on what is drawn; then repays drawings (the latest first) from cash above a
facility's floor plus the policy's margin, or, when cash is below a floor, draws the facilities in the
policy's order, at least the minimum draw at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.calendar import Calendar
from sim.model.ledger import Ledger, pence
from sim.scenario.schema import OutageSpec, TreasurySpec


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

    def terms(self) -> tuple[Any, ...]:
        return self.name, self.size, self.available_day, self.floor, self.government, self.annual_rate


@dataclass(frozen=True)
class Draw:
    """A drawing (``amount`` > 0) or a repayment (``amount`` < 0) of a facility, in pence."""

    day: int
    facility: str
    amount: int


def daily_parts(amount: int, first: int, last: int, horizon: int) -> np.ndarray:
    """``amount`` pence paid in equal whole-pence parts on days ``first`` to ``last`` (both inclusive), the
    remainder of the division on the last day; the parts that fall within days 0 to ``horizon - 1``."""
    out = np.zeros(horizon, dtype=np.int64)
    days = last - first + 1
    if days <= 0:
        return out
    each = np.full(days, amount // days, dtype=np.int64)
    each[-1] += amount - int(each.sum())
    a, b = max(first, 0), min(last + 1, horizon)
    if a < b:
        out[a:b] = each[a - first : b - first]
    return out


class Treasury:
    """The OEM's own cash flows other than suppliers and sales: fixed costs, other costs per vehicle
    (booked by production), investment, incident costs, credit facilities and their interest."""

    name = "treasury"
    STATE: ClassVar[tuple[str, ...]] = (
        "draws",
        "lines",
        "tranches",
        "invested",
        "incident_paid",
    )  # what changes as the run goes on (each line's own STATE)

    @classmethod
    def create(
        cls, spec: TreasurySpec[float, Any], outages: dict[str, OutageSpec[float, Any]], calendar: Calendar, ledger: Ledger
    ) -> Treasury:
        """The treasury as ``spec`` says, paying the costs of ``outages`` (each item evenly over its dates)."""
        policy = spec.draw_policy
        floor = pence(policy.floor_gbp)
        order = list(policy.order) + [name for name in spec.facilities if name not in policy.order]
        lines = [
            CreditLine(
                name,
                pence(f.size_gbp),
                calendar.day(f.available_from),
                floor if f.draw_below_gbp is None else pence(f.draw_below_gbp),
                f.government_guaranteed,
                f.annual_interest_rate,
            )
            for name, f in ((name, spec.facilities[name]) for name in order)
        ]
        horizon = calendar.horizon_days
        incident = np.zeros(horizon, dtype=np.int64)
        items = []  # (first day paid in the run, name, GBP paid in the run)
        for outage in outages.values():
            for name, cost in outage.costs.items():
                parts = daily_parts(pence(cost.amount_gbp), calendar.day(cost.first), calendar.day(cost.last), horizon)
                incident += parts
                if parts.any():
                    items.append((int(np.flatnonzero(parts)[0]), name, int(parts.sum()) / 100.0))
        treasury = cls(
            pence(spec.fixed_costs_gbp_per_day),
            pence(spec.investment_gbp_per_day),
            pence(spec.other_cost_per_unit_gbp),
            incident,
            lines,
            ledger,
        )
        treasury.minimum_draw = pence(policy.minimum_draw_gbp)
        treasury.repays = policy.repay != "never"
        treasury.repay_margin = pence(policy.repay_margin_gbp)
        treasury.floors = floors = np.full(horizon, -1, dtype=np.int64)  # the floor in force: the highest floor
        for line in lines:  # of the facilities available that day; the policy's when none is (floors are >= 0)
            first = max(line.available_day, 0)
            floors[first:] = np.maximum(floors[first:], line.floor)
        floors[floors < 0] = floor
        treasury.offered = [(calendar.day(f.available_from), name, f.size_gbp) for name, f in spec.facilities.items()]
        treasury.incidents = items
        return treasury

    def __init__(
        self,
        fixed_per_day: int,
        investment_per_day: int,
        cost_per_unit: int,
        incident: np.ndarray,
        lines: list[CreditLine],
        ledger: Ledger,
    ) -> None:
        self.fixed_per_day = fixed_per_day
        self.investment_per_day = investment_per_day
        self.cost_per_unit = cost_per_unit
        self.incident = incident  # pence of incident costs paid each day
        self.lines = lines  # in the order they are drawn
        self.ledger = ledger
        self.minimum_draw = 0
        self.repays = False
        self.repay_margin = 0
        self.floors = np.zeros(len(incident), dtype=np.int64)  # the floor in force each day (pence)
        self.draws: list[Draw] = []
        self.tranches: list[tuple[int, int]] = []  # drawings not yet repaid, oldest first: (line index, pence)
        self.invested = 0
        self.incident_paid = 0
        self.offered: list[tuple[int, str, float]] = []  # each facility: (day available, name, size GBP)
        self.incidents: list[tuple[int, str, float]] = []  # each incident cost: (first day, name, GBP in the run)

    def close_day(self, day: int) -> None:
        """Pay the day's fixed costs, investment, incident costs and interest; then repay drawings from cash
        well above the floor, or draw facilities if cash is below it."""
        ledger = self.ledger
        ledger.oem("fixed_costs", -self.fixed_per_day)
        if self.investment_per_day:
            ledger.oem("investment", -self.investment_per_day)
            self.invested += self.investment_per_day
        cost = int(self.incident[day])
        if cost:
            ledger.oem("incident_costs", -cost)
            self.incident_paid += cost
        for line in self.lines:
            if line.drawn and line.annual_rate:
                interest = int(line.drawn * line.annual_rate / 365)
                line.interest_paid += interest
                ledger.oem(f"interest:{line.name}", -interest, intervention=line.government)
        if self.repays and self.tranches:
            self.repay(day)
        self.draw(day)

    def draw(self, day: int) -> None:
        """Each facility in turn, if available with room left and cash is below its floor: draw what brings
        cash back to the floor, at least the minimum draw, at most the room left."""
        ledger = self.ledger
        for i, line in enumerate(self.lines):
            if day >= line.available_day and ledger.oem_cash < line.floor and line.drawn < line.size:
                amount = min(line.size - line.drawn, max(line.floor - ledger.oem_cash, self.minimum_draw))
                line.drawn += amount
                ledger.oem(f"facility:{line.name}", amount)
                self.draws.append(Draw(day, line.name, amount))
                self.tranches.append((i, amount))

    def repay(self, day: int) -> None:
        """Repay drawings, the latest first, from the cash above the drawing facility's floor plus the
        margin: a whole drawing, or at least the minimum draw of it."""
        ledger = self.ledger
        while self.tranches:
            i, owed = self.tranches[-1]
            line = self.lines[i]
            amount = min(owed, ledger.oem_cash - line.floor - self.repay_margin)
            if amount <= 0 or (amount < owed and amount < self.minimum_draw):
                return
            line.drawn -= amount
            ledger.oem(f"facility_repayment:{line.name}", -amount)
            self.draws.append(Draw(day, line.name, -amount))
            if amount < owed:
                self.tranches[-1] = (i, owed - amount)
                return
            self.tranches.pop()

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
        """Cash, the floor in force, what is drawn (commercial, government-backed, each facility), receipts,
        free cash flow (the change in cash other than drawings and repayments), incident costs and interest so far."""
        ledger = self.ledger
        flows = ledger.oem_flows
        borrowed = self.drawn + self.government_drawn
        out: Readings = {
            "oem_cash_pence": ledger.oem_cash,
            "oem_cash_floor_pence": int(self.floors[day]),
            "facility_drawn_pence": self.drawn,
            "government_loan_drawn_pence": self.government_drawn,
            "oem_receipts_cum_pence": flows["wholesale_receipts"] + flows["parts_receipts"],
            "oem_free_cash_flow_cum_pence": ledger.oem_cash - ledger.oem_opening - borrowed,
            "incident_costs_cum_pence": self.incident_paid,
            "oem_interest_cum_pence": sum(line.interest_paid for line in self.lines),
        }
        for line in self.lines:
            out[f"facility_{line.name}_drawn_pence"] = line.drawn
        return out

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Each facility draw and repayment (GBP), each facility becoming available (its size, GBP), and each
        incident cost on the first day it is paid (what the run pays of it, GBP)."""
        draws = [
            (d.day, "facility_draw" if d.amount > 0 else "facility_repay", d.facility, abs(d.amount) / 100.0, "gbp")
            for d in self.draws
        ]
        available = [(day, "facility_available", name, size, "gbp") for day, name, size in self.offered]
        incidents = [(day, "incident_cost", name, gbp, "gbp") for day, name, gbp in self.incidents]
        return EventColumns.of(draws + available + incidents)

    def violations(self) -> list[str]:
        """Money: each facility's balance = its booked drawings less repayments, within its size, and = its
        drawings not yet repaid; investment and incident costs paid = booked."""
        flows = self.ledger.oem_flows
        out = []
        for i, line in enumerate(self.lines):
            booked = flows.get(f"facility:{line.name}", 0) + flows.get(f"facility_repayment:{line.name}", 0)
            owed = sum(amount for j, amount in self.tranches if j == i)
            if not (0 <= line.drawn <= line.size) or line.drawn != booked or line.drawn != owed:
                out.append(
                    f"money (facility {line.name}): drawn {line.drawn} != booked drawings less repayments "
                    f"{booked} or drawings outstanding {owed}, or outside 0 to {line.size}"
                )
        if self.invested != -flows.get("investment", 0) or self.incident_paid != -flows.get("incident_costs", 0):
            out.append("money (treasury): investment or incident costs paid != booked")
        return out

    def _terms(self) -> tuple[Any, ...]:
        return (
            self.fixed_per_day,
            self.investment_per_day,
            self.cost_per_unit,
            self.minimum_draw,
            self.repays,
            self.repay_margin,
            [line.terms() for line in self.lines],
        )

    def diverges(self, other: Any, horizon: int) -> int:
        """Two treasuries act alike until their incident costs differ (given the same costs, facilities and
        policy)."""
        if not isinstance(other, Treasury) or self._terms() != other._terms():
            return 0
        return min(
            first_difference(self.incident, other.incident, 0, horizon), first_difference(self.floors, other.floors, 0, horizon)
        )
