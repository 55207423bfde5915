"""Suppliers' money: fixed costs, margin from other customers, tier-2 bills, and who is running out.

Once a day (a single batch over all suppliers) each solvent supplier pays its fixed costs (which its
workforce decisions change: :mod:`sim.model.workforce`) and earns the contribution of its other
customers. Tier-1 suppliers pay their tier-2 suppliers on the tier-2 terms, late while their own runway
is short (as far as their policy allows); an insolvent tier 1 leaves its bills unpaid. A supplier whose
cash falls below minus its credit line is in distress, and the OEM decides about it the next morning
(:mod:`sim.model.distress`). The day's record reads each supplier's runway on its current burn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step
from sim.model.ledger import Ledger
from sim.model.plants import Plant
from sim.model.supply import ACTIVE, INSOLVENT, REPLACED, SupplyBase
from sim.model.working_capital import normal_year_dip

NEVER = 1 << 40  # a wait (in days) that never ends


@dataclass(frozen=True)
class SupplierEvent:
    day: int
    supplier: int
    kind: str  # "insolvency" | "resourced" | "tooling_moved" | "redundancy"
    jobs: float


@njit(cache=True)
def _variable_costs(units: np.ndarray, tier2_cost: np.ndarray, value: np.ndarray, variable_share: np.ndarray) -> np.ndarray:
    """Minus each supplier's variable costs of an output of ``units`` worth ``value`` (whole
    pence, rounded down), net of what its tier-2 suppliers supply (paid on their terms); never
    positive."""
    out = np.empty(len(units), dtype=np.int64)
    for s in range(len(units)):
        # tier-2 parts at whole pence (rounded when their cost per unit has fractions), less the costs
        net = np.rint(units[s] * tier2_cost[s] * 1.0) - np.floor(value[s] * variable_share[s])
        cost = np.int64(net)
        out[s] = cost if cost < 0 else 0
    return out


@njit(cache=True)
def _cash_readings(cash: np.ndarray, week_less_credit: np.ndarray, state: np.ndarray, insolvent: int) -> tuple[int, int, int]:
    total = 0
    shortfall = 0
    short = 0
    for s in range(len(cash)):
        total += cash[s]
        if cash[s] < 0:
            shortfall -= cash[s]
        if cash[s] < week_less_credit[s] and state[s] != insolvent:
            short += 1
    return total, shortfall, short


@njit(cache=True)
def _low_water(cash: np.ndarray, min_cash: np.ndarray) -> int:
    """Lower each supplier's lowest cash so far (``min_cash``) to today's; the lowest cash today."""
    lowest = cash[0] if len(cash) else 0
    for s in range(len(cash)):
        if cash[s] < min_cash[s]:
            min_cash[s] = cash[s]
        if cash[s] < lowest:
            lowest = cash[s]
    return lowest


RUNWAY_CAP = 365  # days: a supplier not burning cash reads as a year of runway


@njit(cache=True)
def _below_runway(
    cash: np.ndarray, credit: np.ndarray, fixed: np.ndarray, margin: np.ndarray, below: np.ndarray, out: np.ndarray
) -> bool:
    """Which suppliers' runway at idle costs ((cash + credit) / (fixed - margin), at least a penny a day) is below
    their ``below`` days (NaN: never), into ``out``; whether any is."""
    found = False
    for s in range(len(cash)):
        out[s] = (cash[s] + credit[s]) / max(fixed[s] - margin[s], 1) < below[s]
        found |= out[s]
    return found


@njit(cache=True)
def _runway(
    cash: np.ndarray, week_ago: np.ndarray, credit: np.ndarray, state: np.ndarray, insolvent: int, tier: np.ndarray
) -> tuple[int, int, int, int, float, float, float]:
    """Runway of every supplier not insolvent on its current burn (its cash fall over the last 7 days, per
    day): cash plus unused credit over the burn, capped at RUNWAY_CAP (no burn: the cap; nothing left: 0).
    Returns how many have under 7 and under 14 days, each by tier (1, 2), and the 5th, 25th and 50th
    percentiles of their runway (whole days, from a histogram of days; NaN when no supplier is trading)."""
    counts = np.zeros(RUNWAY_CAP + 1, dtype=np.int64)
    u7_1 = u7_2 = u14_1 = u14_2 = 0
    total = 0
    for s in range(len(cash)):
        if state[s] == insolvent:
            continue
        left = cash[s] + credit[s]
        burn = (week_ago[s] - cash[s]) / 7.0
        if left <= 0:
            days = 0.0
        elif burn <= 0:
            days = float(RUNWAY_CAP)
        else:
            days = min(left / burn, float(RUNWAY_CAP))
        if days < 7:
            if tier[s] == 1:
                u7_1 += 1
            else:
                u7_2 += 1
        if days < 14:
            if tier[s] == 1:
                u14_1 += 1
            else:
                u14_2 += 1
        counts[int(days)] += 1
        total += 1
    marks = np.array([0.05, 0.25, 0.5])
    found = np.full(3, np.nan if total == 0 else float(RUNWAY_CAP))
    seen = 0
    k = 0
    for d in range(RUNWAY_CAP + 1):
        seen += counts[d]
        while k < 3 and total > 0 and seen > marks[k] * total:
            found[k] = d
            k += 1
    return u7_1, u7_2, u14_1, u14_2, found[0], found[1], found[2]


Bills = tuple[np.ndarray, np.ndarray, np.ndarray, "int | np.ndarray"]  # payers, payees, amounts, day(s) each fell due


def _joined(groups: list[Bills]) -> Bills:
    """Several groups of tier-2 bills as one, each bill with the day it fell due."""
    fell = np.concatenate([np.broadcast_to(g[3], g[0].shape) for g in groups]).astype(np.int64)
    return (
        np.concatenate([g[0] for g in groups]),
        np.concatenate([g[1] for g in groups]),
        np.concatenate([g[2] for g in groups]),
        fell,
    )


IDLE_FLOOR = 0.1  # of fixed costs: the least idle burn an opening runway is counted on


@dataclass(frozen=True)
class SupplierMoney:
    """Each supplier's money in normal trading, fixed when the world is built (pence per calendar day
    unless said otherwise): revenue from every customer, fixed costs and the payroll within them, the
    margin earned from other customers, normal total costs, what its tier-2 suppliers charge per unit it
    makes, opening cash and credit line (pence, a working-capital line included), jobs."""

    total_revenue: np.ndarray
    fixed: np.ndarray
    payroll: np.ndarray
    other_margin: np.ndarray
    normal_costs: np.ndarray
    tier2_cost: np.ndarray
    opening_cash: np.ndarray
    credit: np.ndarray
    jobs: np.ndarray

    @classmethod
    def of(cls, supply: SupplyBase, plants: list[Plant], start_date: date) -> SupplierMoney:
        """Opening cash is ``cash_days`` of normal total costs, or (``runway_days``) the runway in days of idle
        costs less the credit line; a supplier with a working-capital line has one as deep as its cash dips in
        a normal year, on top."""
        t = supply.table
        oem_revenue = supply.normal_units * t.price  # pence per calendar day
        total_revenue = oem_revenue / t.oem_share
        fixed = np.rint(total_revenue * t.fixed_share).astype(np.int64)
        payroll = np.rint(fixed * t.payroll_share).astype(np.int64)
        normal_costs = fixed + total_revenue * t.variable_share  # pence per day
        other_margin = np.rint(total_revenue * (1 - t.oem_share) * (1 - t.variable_share)).astype(np.int64)
        per_unit = np.zeros(t.n)  # tier-2 parts in each unit a tier-1 supplier makes (paid on tier-2 terms)
        if len(supply.tier2_rows):
            np.add.at(per_unit, supply.tier2_customer, t.price[supply.tier2_rows] * t.parts_per_unit[supply.tier2_rows])
        # whole pence per unit (the usual case) keep the daily cost in integers
        tier2_cost = per_unit.astype(np.int64) if (per_unit == np.rint(per_unit)).all() else per_unit
        credit = np.rint(t.credit_days * normal_costs).astype(np.int64)
        cash = np.rint(t.cash_days * normal_costs).astype(np.int64)
        by_runway = ~np.isnan(t.runway_days)
        if by_runway.any():
            # a supplier whose other customers' margin covers its fixed costs still holds some cash: its runway
            # is counted on at least IDLE_FLOOR of its fixed costs
            idle = np.maximum(fixed - other_margin, np.rint(IDLE_FLOOR * fixed).astype(np.int64))
            cash[by_runway] = np.rint(t.runway_days[by_runway] * idle[by_runway]).astype(np.int64) - credit[by_runway]
        if t.working_capital.any():
            dip = normal_year_dip(supply, plants, start_date, fixed, other_margin, np.asarray(tier2_cost, dtype=np.float64))
            credit = credit + np.where(t.working_capital, np.ceil(dip), 0).astype(np.int64)
        return cls(
            total_revenue=total_revenue,
            fixed=fixed,
            payroll=payroll,
            other_margin=other_margin,
            normal_costs=normal_costs,
            tier2_cost=tier2_cost,
            opening_cash=cash,
            credit=credit,
            jobs=payroll * 365 / (t.wage * 100),
        )


class SupplierFinance:
    """Per-supplier cash flows other than OEM payments, and the states they lead to."""

    name = "supplier_finance"
    # what changes as the run goes on (everything else is fixed when the world is built)
    STATE: ClassVar[tuple[str, ...]] = (
        "fixed",
        "_minus_fixed",
        "_net_daily",
        "jobs",
        "jobs_lost",
        "jobs_lost_total",
        "insolvent_day",
        "replaced_day",
        "cash_out_day",
        "min_cash",
        "failing",
        "tier2_bills",
        "tier2_written_off",
        "tier2_paid_late",
        "_event_groups",
        "insolvencies",
        "replaced_now",
        "time_to_survive",
        "cash_week",
        "sales",
        "alive_days",
        "days_all_alive",
    )

    @classmethod
    def create(cls, supply: SupplyBase, money: SupplierMoney, ledger: Ledger, survive_day: int) -> SupplierFinance:
        """The suppliers' books; each supplier's time to survive is read at the start of ``survive_day`` (the
        first outage's first day)."""
        return cls(supply, money, ledger, survive_day)

    def __init__(self, supply: SupplyBase, money: SupplierMoney, ledger: Ledger, survive_day: int) -> None:
        t = supply.table
        self.supply = supply
        self.ledger = ledger
        self.survive_day = survive_day
        self.time_to_survive = np.full(t.n, np.inf)
        self.total_revenue = money.total_revenue
        self.fixed = money.fixed.copy()  # the fixed costs of the day (workforce decisions change them)
        self.payroll = money.payroll  # the full normal payroll within them
        self.overheads = money.fixed - money.payroll
        self._minus_fixed = -self.fixed
        self.other_margin = money.other_margin
        self._net_daily = self.other_margin - self.fixed  # other customers' margin less fixed costs, per day
        self.normal_costs = money.normal_costs
        self.week_of_costs = 7 * self.normal_costs
        self.opening_cash = money.opening_cash
        self.credit = money.credit
        self.tier2_cost_per_unit = money.tier2_cost
        self.jobs = money.jobs.copy()  # staff employed now
        self.normal_jobs = money.jobs
        self.jobs_lost = np.zeros(t.n)  # for good: redundancies and insolvencies
        self.insolvent_day = np.full(t.n, -1, dtype=np.int64)
        self.replaced_day = np.full(t.n, -1, dtype=np.int64)
        self.cash_out_day = np.full(t.n, -1, dtype=np.int64)  # first day cash went below zero
        self.min_cash = self.opening_cash.copy()
        self.failing = np.zeros(0, dtype=np.int64)  # suppliers whose cash and credit ran out at the last close
        # tier-2 bills by the day they are to be paid: (payers, payees, amounts, the day each fell due)
        self.tier2_bills: dict[int, list[Bills]] = defaultdict(list)
        self.tier2_written_off = np.zeros(t.n, dtype=np.int64)
        self.tier2_paid_late = 0  # tier-2 bills paid after the day they fell due
        self.pays_late = bool(np.isfinite(t.pay_late_below).any())
        # supplier events in the order they happened, a group of suppliers per entry:
        # (day, kind, supplier rows, jobs each)
        self._event_groups: list[tuple[int, str, np.ndarray, np.ndarray]] = []
        self.insolvencies = np.zeros(t.n, dtype=np.int64)  # a replacement firm may fail again
        self.replaced_now = 0
        self.jobs_lost_total = 0.0
        # the tier-2 payment terms when every tier-2 supplier has the same (the usual case)
        t2_terms = np.unique(t.terms[supply.tier2_rows])
        self._tier2_terms = int(t2_terms[0]) if len(t2_terms) == 1 else None
        self._minus_credit = -self.credit
        self._week_less_credit = self.week_of_costs - self.credit
        self._everyone = np.ones(t.n, dtype=bool)
        self._nobody = np.zeros(0, dtype=np.int64)
        self.cash_week = np.tile(self.opening_cash, (8, 1))  # each supplier's cash at the last 8 closes
        # what economics reads at the end: each supplier's sales to the OEM (tier 1) or its tier-1 customer (tier 2)
        # in the run, pence, and the closes it traded at (not insolvent): those of its own when some supplier
        # was insolvent, plus the closes at which every supplier traded
        self.sales = np.zeros(t.n, dtype=np.int64)
        self.alive_days = np.zeros(t.n, dtype=np.int64)
        self.days_all_alive = 0
        self.opening_tier2_billed = np.zeros(t.n, dtype=np.int64)  # tier-2 bills of the opening trade, by payee

    def set_fixed(self, fixed: np.ndarray) -> None:
        """The suppliers' fixed costs from today (pence per day)."""
        self.fixed = fixed
        self._minus_fixed = -fixed
        self._net_daily = self.other_margin - fixed

    def record_redundancies(self, rows: np.ndarray, jobs: np.ndarray, day: int) -> None:
        """Suppliers ``rows`` make ``jobs`` staff redundant (for good) on ``day``."""
        self.jobs[rows] -= jobs
        self.jobs_lost[rows] += jobs
        self.jobs_lost_total = float(self.jobs_lost.sum())
        self._event_groups.append((day, "redundancy", rows.astype(np.int64), jobs.astype(np.float64)))

    def idle_runway(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Days each supplier's cash and unused credit would last with no OEM business (its idle costs)."""
        burn = np.maximum(self.fixed[rows] - self.other_margin[rows], 1)
        return np.asarray((self.ledger.supplier_cash[rows] + self.credit[rows]) / burn)

    def event_columns(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """Every supplier event in order: days, kinds, supplier rows and jobs (lost, for redundancies
        and insolvencies)."""
        groups = self._event_groups
        if not groups:
            return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64), np.zeros(0)
        sizes = [len(g[2]) for g in groups]
        days = np.repeat(np.array([g[0] for g in groups], dtype=np.int64), sizes)
        kinds = [g[1] for g, k in zip(groups, sizes, strict=True) for _ in range(k)]
        return days, kinds, np.concatenate([g[2] for g in groups]), np.concatenate([g[3] for g in groups])

    def open_with(self, bills: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """The tier-2 bills of the opening trade (due day, payers, payees, amounts), to be paid on their due days."""
        for due, payer, payee, amount in bills:
            self.tier2_bills[due].append((payer, payee, amount, due))
            np.add.at(self.opening_tier2_billed, payee, amount)

    def traded_days(self) -> np.ndarray:
        """The closes each supplier traded at (was not insolvent) so far."""
        return self.alive_days + self.days_all_alive

    @property
    def insolvent_now(self) -> int:
        """Suppliers insolvent and not yet replaced."""
        return self.supply.insolvent_count

    def on_shipment(
        self, day: int, units: np.ndarray, value: np.ndarray, fast: np.ndarray | None = None, fast_day: int = 0
    ) -> None:
        """Pay variable costs of today's output and book tier-2 bills on their terms (or, for tier-1
        suppliers flagged ``fast``, on ``fast_day``)."""
        t = self.supply.table
        np.add(self.sales, value, out=self.sales)
        self.ledger.suppliers("variable_costs", _variable_costs(units, self.tier2_cost_per_unit, value, t.variable_share))
        rows = self.supply.tier2_rows
        if len(rows) == 0:
            return
        billed = value[self.supply.tier2]  # one bill per tier-2 supplier (zero when it shipped nothing)
        if fast is None and self._tier2_terms is not None:
            due_day = day + self._tier2_terms
            self.tier2_bills[due_day].append((self.supply.tier2_customer, rows, billed, due_day))
            return
        has = billed > 0
        payer, payee, amount = self.supply.tier2_customer[has], rows[has], billed[has]
        due = day + t.terms[payee]
        if fast is not None:
            due = np.where(fast[payer], np.minimum(due, fast_day), due)
        if len(due) and due.min() == due.max():
            self.tier2_bills[int(due[0])].append((payer, payee, amount, int(due[0])))
        else:
            for d in np.unique(due):
                pick = due == d
                self.tier2_bills[int(d)].append((payer[pick], payee[pick], amount[pick], int(d)))

    def close_day(self, day: int) -> None:
        """The day's tier-2 payments, fixed costs and other margin; which suppliers' cash and credit ran out
        (``failing``: the OEM decides about them the next morning)."""
        ledger = self.ledger
        supply = self.supply
        any_insolvent = supply.insolvent_count > 0
        alive = supply.state != INSOLVENT if any_insolvent else self._everyone
        bills = self.tier2_bills.pop(day, [])
        short = self._short_of_cash() if self.pays_late and bills else None
        if short is not None and len(bills) > 1:  # bills put off from earlier days with today's: decided at once
            bills = [_joined(bills)]
        for payer, payee, amount, fell_due in bills:
            if any_insolvent:
                can_pay = alive[payer]
                np.add.at(self.tier2_written_off, payee[~can_pay], amount[~can_pay])
                payer, payee, amount = payer[can_pay], payee[can_pay], amount[can_pay]
                if isinstance(fell_due, np.ndarray):
                    fell_due = fell_due[can_pay]
            if short is not None and len(payer):
                payer, payee, amount = self._pay_late(day, payer, payee, amount, fell_due, short)
            elif np.ndim(fell_due) == 0:
                self.tier2_paid_late += len(payer) if day > fell_due else 0
            else:
                self.tier2_paid_late += int(np.count_nonzero(day > fell_due))
            ledger.supplier_pays_supplier("tier2_invoices", payer, payee, amount)
        if any_insolvent:
            ledger.suppliers("fixed_costs", -self.fixed * alive)
            ledger.suppliers("other_customers_margin", self.other_margin * alive)
            self.alive_days += alive
        else:
            self.days_all_alive += 1
            ledger.suppliers_each_day(
                ("fixed_costs", self._minus_fixed), ("other_customers_margin", self.other_margin), self._net_daily
            )
        cash = ledger.supplier_cash
        self.cash_week[day % 8] = cash
        self.failing = self._nobody
        if _low_water(cash, self.min_cash) < 0:
            newly_short = (cash < 0) & (self.cash_out_day < 0)
            self.cash_out_day[newly_short] = day
            self.failing = np.flatnonzero(alive & (cash < self._minus_credit))

    def _short_of_cash(self) -> np.ndarray | None:
        """Which suppliers' runway at idle costs is below their threshold for paying tier-2 bills late, at the
        start of the day's tier-2 payments (None: nobody's)."""
        short = np.empty(len(self.fixed), dtype=np.bool_)
        found = _below_runway(
            self.ledger.supplier_cash, self.credit, self.fixed, self.other_margin, self.supply.table.pay_late_below, short
        )
        return short if found else None

    def _pay_late(
        self, day: int, payer: np.ndarray, payee: np.ndarray, amount: np.ndarray, fell_due: int | np.ndarray, short: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A tier-1 supplier ``short`` of cash puts a tier-2 bill off to tomorrow, up to its most days late;
        returns the bills paid today. ``fell_due``: the day each bill fell due (one day for all, or one each)."""
        t = self.supply.table
        fell = np.broadcast_to(fell_due, payer.shape)
        late = short[payer] & (day - fell < t.max_pay_late[payer])
        if late.any():
            self.tier2_bills[day + 1].append((payer[late], payee[late], amount[late], fell[late].copy()))
            payer, payee, amount, fell = payer[~late], payee[~late], amount[~late], fell[~late]
        self.tier2_paid_late += int(np.count_nonzero(day > fell))
        return payer, payee, amount

    def record_insolvency(self, rows: np.ndarray, day: int) -> None:
        """Suppliers ``rows`` are insolvent from ``day``: their jobs are lost."""
        for row in rows.tolist():
            self.insolvencies[row] += 1
            self.insolvent_day[row] = day
            self.jobs_lost[row] += self.jobs[row]
            self._event_groups.append((day, "insolvency", np.array([row], dtype=np.int64), np.array([float(self.jobs[row])])))
        self.jobs_lost_total = float(self.jobs_lost.sum())

    def record_replacement(self, rows: np.ndarray, day: int, kind: str) -> None:
        """The parts of failed suppliers ``rows`` are made again from ``day`` (``kind``: ``resourced`` by a
        newly qualified firm, or ``tooling_moved`` to another): the firm now in each row is an established
        one, with the opening cash of the one it replaces plus the working capital to carry its first
        deliveries until they are paid (terms x normal sales)."""
        t = self.supply.table
        cash = self.ledger.supplier_cash
        top_up = np.zeros(t.n, dtype=np.int64)
        for back in rows.tolist():
            self.replaced_now += 1
            self.replaced_day[back] = day
            working_capital = int(t.terms[back] * self.supply.normal_units[back] * t.price[back])
            top_up[back] = self.opening_cash[back] + working_capital - cash[back]
            self._event_groups.append((day, kind, np.array([back], dtype=np.int64), np.zeros(1)))
        self.ledger.suppliers("replacement_capital", top_up)

    def idle_burn(self, rows: np.ndarray) -> np.ndarray:
        """What suppliers ``rows`` spend a day when idle: fixed costs less other customers' margin (pence, at
        least nothing)."""
        return np.asarray(np.maximum(self.fixed[rows] - self.other_margin[rows], 0))

    def cash_readings(self, cash: np.ndarray) -> tuple[int, int, int]:
        """The suppliers' total cash, their total shortfall below zero, and how many (not
        insolvent) have cash plus unused credit for less than 7 days of normal costs."""
        total, shortfall, short = _cash_readings(cash, self._week_less_credit, self.supply.state, INSOLVENT)
        return int(total), int(shortfall), int(short)

    def days_of_cash(self, cash: np.ndarray) -> np.ndarray:
        """Cash plus unused credit, in days of normal total costs."""
        return np.asarray((cash + self.credit) / np.maximum(self.normal_costs, 1.0))

    def days_to_survive(self, cash: np.ndarray) -> np.ndarray:
        """Days until cash and credit run out with no OEM business and no OEM payments."""
        burn = self.fixed - self.other_margin
        with np.errstate(divide="ignore"):
            return np.where(burn > 0, (cash + self.credit) / np.maximum(burn, 1), np.inf)

    def take_survival_reading(self, day: int) -> None:
        """On the first outage's first day: how long each supplier could last (``time_to_survive``)."""
        if day == self.survive_day:
            self.time_to_survive = self.days_to_survive(self.ledger.supplier_cash)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.SURVIVAL, self.take_survival_reading), (Close.SUPPLIER_BOOKS, self.close_day)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        cash = self.ledger.supplier_cash
        cash_total, shortfall, short = self.cash_readings(cash)
        insolvent = self.insolvent_now
        # a burn is a week's fall in cash (a week's receipts and payments, whatever the weekday); in the first
        # week of a run there is no such week yet, so no burn is read
        week_ago = self.cash_week[(day + 1) % 8] if day >= 7 else cash
        u7_1, u7_2, u14_1, u14_2, p05, p25, p50 = _runway(
            cash, week_ago, self.credit, self.supply.state, INSOLVENT, self.supply.table.tier
        )
        return {
            "supplier_cash_pence": cash_total,
            "supplier_cash_shortfall_pence": shortfall,
            "suppliers_active": len(self.supply.state) - insolvent,
            "suppliers_insolvent": insolvent,
            "suppliers_replaced": self.replaced_now,
            "suppliers_under_7_days_cash": short,
            "supplier_jobs_lost": self.jobs_lost_total,
            "suppliers_runway_under_7_days": u7_1 + u7_2,
            "suppliers_runway_under_14_days": u14_1 + u14_2,
            "suppliers_runway_under_7_days_tier1": u7_1,
            "suppliers_runway_under_7_days_tier2": u7_2,
            "suppliers_runway_under_14_days_tier1": u14_1,
            "suppliers_runway_under_14_days_tier2": u14_2,
            "supplier_runway_p05_days": p05,
            "supplier_runway_p25_days": p25,
            "supplier_runway_p50_days": p50,
            "tier2_bills_paid_late_cum": self.tier2_paid_late,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Insolvencies and redundancies (jobs lost as the value), and parts made again (resourced, tooling
        moved)."""
        days, kinds, rows, jobs = self.event_columns()
        names = np.asarray(self.supply.table.name, dtype=object)
        return EventColumns(days, kinds, list(names[rows]) if len(rows) else [], jobs, ["jobs"] * len(rows))

    def tier2_outstanding(self) -> np.ndarray:
        """Tier-2 bills booked and not yet paid or written off, by payee (pence)."""
        out = np.zeros(self.supply.table.n, dtype=np.int64)
        for bills in self.tier2_bills.values():
            for _, payee, amount, _ in bills:
                np.add.at(out, payee, amount)
        return out

    def violations(self) -> list[str]:
        """Tier-2 suppliers' sales, in pence, each supplier: opening bills + sales in the run = paid by its customer
        + written off + still owed."""
        rows = self.supply.tier2_rows
        if len(rows) == 0:
            return []
        paid = self.ledger.supplier_flows.get("between_suppliers:tier2_invoices")
        paid = np.zeros(self.supply.table.n, dtype=np.int64) if paid is None else paid
        billed = self.opening_tier2_billed + self.sales
        settled = paid + self.tier2_written_off + self.tier2_outstanding()
        if not np.array_equal(billed[rows], settled[rows]):
            return ["money (tier-2 sales): opening bills + sales != paid + written off + still owed, for some supplier"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """This world's survival reading is taken on its own day."""
        return self.survive_day if isinstance(other, SupplierFinance) else 0


__all__ = ["SupplierFinance", "SupplierMoney", "SupplierEvent", "ACTIVE", "INSOLVENT", "REPLACED"]
