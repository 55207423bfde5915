"""Suppliers' money: fixed costs, margin from other customers, layoffs, insolvency and replacement.

Once a day (a single batch over all suppliers) each solvent supplier pays its fixed costs and
earns the contribution of its other customers; a supplier idle long enough cuts staff; one
whose cash falls below minus its credit line is insolvent: it stops shipping until a
replacement is qualified after its re-sourcing lead time. Tier-1 suppliers pay their tier-2
suppliers on the tier-2 terms; an insolvent tier 1 leaves those bills unpaid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step
from sim.model.calendar import Calendar
from sim.model.ledger import Ledger
from sim.model.supply import ACTIVE, INSOLVENT, REPLACED, SupplyBase
from sim.scenario.schema import ShortTimeWork

NEVER = 1 << 40  # a wait (in days) that never ends


@dataclass(frozen=True)
class SupplierEvent:
    day: int
    supplier: int
    kind: str  # "insolvency" | "replacement" | "layoff" | "rescue"
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


@dataclass(frozen=True)
class SupplierMoney:
    """Each supplier's money in normal trading, fixed when the world is built (pence per calendar day
    unless said otherwise): revenue from every customer, fixed costs and the payroll within them, the
    margin earned from other customers, normal total costs, opening cash and credit line (pence), jobs."""

    total_revenue: np.ndarray
    fixed: np.ndarray
    payroll: np.ndarray
    other_margin: np.ndarray
    normal_costs: np.ndarray
    opening_cash: np.ndarray
    credit: np.ndarray
    jobs: np.ndarray

    @classmethod
    def of(cls, supply: SupplyBase) -> SupplierMoney:
        t = supply.table
        oem_revenue = supply.normal_units * t.price  # pence per calendar day
        total_revenue = oem_revenue / t.oem_share
        fixed = np.rint(total_revenue * t.fixed_share).astype(np.int64)
        payroll = np.rint(fixed * t.payroll_share).astype(np.int64)
        normal_costs = fixed + total_revenue * t.variable_share  # pence per day
        return cls(
            total_revenue=total_revenue,
            fixed=fixed,
            payroll=payroll,
            other_margin=np.rint(total_revenue * (1 - t.oem_share) * (1 - t.variable_share)).astype(np.int64),
            normal_costs=normal_costs,
            opening_cash=np.rint(t.cash_days * normal_costs).astype(np.int64),
            credit=np.rint(t.credit_days * normal_costs).astype(np.int64),
            jobs=payroll * 365 / (t.wage * 100),
        )


class SupplierFinance:
    """Per-supplier cash flows other than OEM payments, and the states they lead to."""

    name = "supplier_finance"
    # what changes as the run goes on (everything else is fixed when the world is built)
    STATE: ClassVar[tuple[str, ...]] = ("fixed", "_minus_fixed", "_net_daily", "payroll", "jobs", "jobs_lost", "jobs_lost_total",
                                        "laid_off",
             "_layoff_wait", "_next_layoff_look", "insolvent_day", "replaced_day", "cash_out_day", "min_cash",
             "failing", "tier2_bills", "tier2_written_off", "_event_groups", "insolvencies", "replaced_now",
             "stw_paid", "time_to_survive")

    @classmethod
    def create(cls, supply: SupplyBase, money: SupplierMoney, ledger: Ledger, stw: ShortTimeWork[float, Any] | None,
               calendar: Calendar, survive_day: int) -> SupplierFinance:
        """The suppliers' books, with a government short-time-work scheme when ``stw`` is given; each
        supplier's time to survive is read at the start of ``survive_day`` (the first outage's first day)."""
        finance = cls(supply, money, ledger, survive_day)
        if stw is not None:
            finance.stw_start = calendar.day(stw.start)
            finance.stw_end = None if stw.end is None else calendar.day(stw.end)
            finance.stw_share = stw.payroll_share_covered
            finance.stw_min_idle = stw.min_idle_share
            finance.stw_eligible = np.isin(supply.table.tier, list(stw.tiers))
        return finance

    def __init__(self, supply: SupplyBase, money: SupplierMoney, ledger: Ledger, survive_day: int) -> None:
        t = supply.table
        self.supply = supply
        self.ledger = ledger
        self.survive_day = survive_day
        self.time_to_survive = np.full(t.n, np.inf)
        self.total_revenue = money.total_revenue
        self.fixed = money.fixed.copy()
        self.payroll = money.payroll.copy()
        self._minus_fixed = -self.fixed
        self.other_margin = money.other_margin
        self.normal_costs = money.normal_costs
        self.week_of_costs = 7 * self.normal_costs
        self.opening_cash = money.opening_cash
        self.credit = money.credit
        self.jobs = money.jobs.copy()
        self.jobs_lost = np.zeros(t.n)
        self.laid_off = np.zeros(t.n, dtype=bool)
        self.may_lay_off = (t.layoff_after >= 0) & (t.layoff_share > 0)  # fixed for the run
        self.insolvent_day = np.full(t.n, -1, dtype=np.int64)
        self.replaced_day = np.full(t.n, -1, dtype=np.int64)
        self.cash_out_day = np.full(t.n, -1, dtype=np.int64)  # first day cash went below zero
        self.min_cash = self.opening_cash.copy()
        self.failing = np.zeros(0, dtype=np.int64)  # suppliers whose cash and credit ran out at the last close
        self.tier2_bills: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = defaultdict(list)
        self.tier2_written_off = np.zeros(t.n, dtype=np.int64)
        # supplier events in the order they happened, a group of suppliers per entry:
        # (day, kind, supplier rows, jobs each)
        self._event_groups: list[tuple[int, str, np.ndarray, np.ndarray]] = []
        self.insolvencies = np.zeros(t.n, dtype=np.int64)  # a replacement firm may fail again
        self.replaced_now = 0
        self.jobs_lost_total = 0.0
        # a government short-time-work scheme (see create): none by default
        self.stw_start: int | None = None
        self.stw_end: int | None = None
        self.stw_share = 0.0
        self.stw_min_idle = 0.0
        self.stw_eligible = np.zeros(t.n, dtype=bool)
        self.stw_paid = 0
        # variable cost per pound of OEM sales, net of what tier 2 supplies (paid on terms)
        t2_per_unit = np.zeros(t.n)
        if len(supply.tier2_rows):
            np.add.at(t2_per_unit, supply.tier2_customer, t.price[supply.tier2_rows] * t.parts_per_unit[supply.tier2_rows])
        # whole pence per unit (the usual case) keep the daily cost in integers
        self.tier2_cost_per_unit = t2_per_unit.astype(np.int64) if (t2_per_unit == np.rint(t2_per_unit)).all() else t2_per_unit
        # the tier-2 payment terms when every tier-2 supplier has the same (the usual case)
        t2_terms = np.unique(t.terms[supply.tier2_rows])
        self._tier2_terms = int(t2_terms[0]) if len(t2_terms) == 1 else None
        self._net_daily = self.other_margin - self.fixed  # other customers' margin less fixed costs, per day
        self._minus_credit = -self.credit
        self._week_less_credit = self.week_of_costs - self.credit
        self._next_layoff_look = 0  # the first day anyone could be idle long enough to cut staff
        self._layoff_wait = np.where(self.may_lay_off, t.layoff_after, NEVER).astype(np.int64)  # idle days
        self._everyone = np.ones(t.n, dtype=bool)
        self._nobody = np.zeros(0, dtype=np.int64)

    def event_columns(self) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
        """Every supplier event in order: days, kinds, supplier rows and jobs (lost, for layoffs
        and insolvencies)."""
        groups = self._event_groups
        if not groups:
            return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64), np.zeros(0)
        sizes = [len(g[2]) for g in groups]
        days = np.repeat(np.array([g[0] for g in groups], dtype=np.int64), sizes)
        kinds = [g[1] for g, k in zip(groups, sizes, strict=True) for _ in range(k)]
        return days, kinds, np.concatenate([g[2] for g in groups]), np.concatenate([g[3] for g in groups])

    @property
    def insolvent_now(self) -> int:
        """Suppliers insolvent and not yet replaced."""
        return self.supply.insolvent_count

    def on_shipment(self, day: int, units: np.ndarray, value: np.ndarray, fast: np.ndarray | None = None,
                    fast_day: int = 0) -> None:
        """Pay variable costs of today's output and book tier-2 bills on their terms (or, for tier-1
        suppliers flagged ``fast``, on ``fast_day``)."""
        t = self.supply.table
        self.ledger.suppliers("variable_costs", _variable_costs(units, self.tier2_cost_per_unit, value, t.variable_share))
        rows = self.supply.tier2_rows
        if len(rows) == 0:
            return
        billed = value[self.supply.tier2]  # one bill per tier-2 supplier (zero when it shipped nothing)
        if fast is None and self._tier2_terms is not None:
            self.tier2_bills[day + self._tier2_terms].append((self.supply.tier2_customer, rows, billed))
            return
        has = billed > 0
        payer, payee, amount = self.supply.tier2_customer[has], rows[has], billed[has]
        due = day + t.terms[payee]
        if fast is not None:
            due = np.where(fast[payer], np.minimum(due, fast_day), due)
        if len(due) and due.min() == due.max():
            self.tier2_bills[int(due[0])].append((payer, payee, amount))
        else:
            for d in np.unique(due):
                pick = due == d
                self.tier2_bills[int(d)].append((payer[pick], payee[pick], amount[pick]))

    def close_day(self, day: int) -> None:
        """The day's fixed costs, other margin, tier-2 payments, subsidies and layoffs; which suppliers' cash
        and credit ran out (``failing``: the OEM decides about them the next morning)."""
        ledger = self.ledger
        supply = self.supply
        state = supply.state
        any_insolvent = supply.insolvent_count > 0
        alive = state != INSOLVENT if any_insolvent else self._everyone
        for payer, payee, amount in self.tier2_bills.pop(day, []):
            if any_insolvent:
                can_pay = alive[payer]
                np.add.at(self.tier2_written_off, payee[~can_pay], amount[~can_pay])
                payer, payee, amount = payer[can_pay], payee[can_pay], amount[can_pay]
            ledger.supplier_pays_supplier("tier2_invoices", payer, payee, amount)
        if any_insolvent:
            ledger.suppliers("fixed_costs", -self.fixed * alive)
            ledger.suppliers("other_customers_margin", self.other_margin * alive)
        else:
            ledger.suppliers_each_day(("fixed_costs", self._minus_fixed), ("other_customers_margin", self.other_margin),
                                      self._net_daily)
        supported = None
        if self.stw_start is not None and day >= self.stw_start and (self.stw_end is None or day <= self.stw_end):
            expected = supply.normal_units * 7
            with np.errstate(divide="ignore", invalid="ignore"):
                idle = np.where(expected > 0, np.clip(1 - supply.units_last_week(day) / expected, 0, 1), 0.0)
            supported = alive & self.stw_eligible & (idle >= self.stw_min_idle)
            grant = np.floor(self.stw_share * self.payroll * idle).astype(np.int64) * supported
            ledger.suppliers("short_time_work", grant, intervention=True)
            self.stw_paid += int(grant.sum())
        # idle long enough to cut staff (the wait is huge for those who never, or no longer, lay off)
        # (last ship days only grow, so nobody can be idle long enough before the earliest day
        # found at the last look)
        if day >= self._next_layoff_look:
            earliest = supply.last_ship_day + self._layoff_wait
            idle_enough = earliest <= day
            if idle_enough.any():
                # short-time work exists to keep staff: a supported supplier cuts hours, not jobs
                cut = idle_enough & alive if supported is None else idle_enough & alive & ~supported
                if cut.any():
                    self._lay_off(day, np.flatnonzero(cut))
                self._next_layoff_look = day + 1
            else:
                self._next_layoff_look = int(earliest.min())
        cash = ledger.supplier_cash
        self.failing = self._nobody
        if _low_water(cash, self.min_cash) < 0:
            newly_short = (cash < 0) & (self.cash_out_day < 0)
            self.cash_out_day[newly_short] = day
            self.failing = np.flatnonzero(alive & (cash < self._minus_credit))

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
        return np.maximum(self.fixed[rows] - self.other_margin[rows], 0)

    def _lay_off(self, day: int, rows: np.ndarray) -> None:
        t = self.supply.table
        saving = (self.payroll[rows] * t.layoff_share[rows]).astype(np.int64)
        lost = self.jobs[rows] * t.layoff_share[rows]
        self.fixed[rows] -= saving
        self._minus_fixed = -self.fixed
        self._net_daily = self.other_margin - self.fixed
        self.payroll[rows] -= saving
        self.jobs[rows] -= lost
        self.jobs_lost[rows] += lost
        self.jobs_lost_total = float(self.jobs_lost.sum())
        self.laid_off[rows] = True
        self._layoff_wait[rows] = NEVER
        self._event_groups.append((day, "layoff", rows.astype(np.int64), lost.astype(np.float64)))

    def cash_readings(self, cash: np.ndarray) -> tuple[int, int, int]:
        """The suppliers' total cash, their total shortfall below zero, and how many (not
        insolvent) have cash plus unused credit for less than 7 days of normal costs."""
        total, shortfall, short = _cash_readings(cash, self._week_less_credit, self.supply.state, INSOLVENT)
        return int(total), int(shortfall), int(short)

    def days_of_cash(self, cash: np.ndarray) -> np.ndarray:
        """Cash plus unused credit, in days of normal total costs."""
        return (cash + self.credit) / np.maximum(self.normal_costs, 1.0)

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
        cash_total, shortfall, short = self.cash_readings(self.ledger.supplier_cash)
        insolvent = self.insolvent_now
        return {
            "supplier_cash_pence": cash_total,
            "supplier_cash_shortfall_pence": shortfall,
            "suppliers_active": len(self.supply.state) - insolvent,
            "suppliers_insolvent": insolvent,
            "suppliers_replaced": self.replaced_now,
            "suppliers_under_7_days_cash": short,
            "supplier_jobs_lost": self.jobs_lost_total,
            "short_time_work_cum_pence": self.stw_paid,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Insolvencies, replacements, layoffs and rescues (jobs lost as the value), and the start of a
        short-time-work scheme (the payroll share it covers)."""
        days, kinds, rows, jobs = self.event_columns()
        names = np.asarray(self.supply.table.name, dtype=object)
        events = EventColumns(days, kinds, list(names[rows]) if len(rows) else [], jobs, ["jobs"] * len(rows))
        if self.stw_start is None:
            return events
        start = EventColumns.of([(self.stw_start, "scheme_start", "short_time_work", self.stw_share, "share")])
        return EventColumns(np.concatenate([events.day, start.day]), events.kind + start.kind,
                            events.entity + start.entity, np.concatenate([events.value, start.value]),
                            events.detail + start.detail)

    def violations(self) -> list[str]:
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """This world's survival reading is taken on its own day; a short-time-work scheme on other terms
        than the other world's acts from the first of their starts."""
        days = [self.survive_day]
        if isinstance(other, SupplierFinance):
            mine = (self.stw_start, self.stw_end, self.stw_share, self.stw_min_idle, self.stw_eligible.tobytes())
            theirs = (other.stw_start, other.stw_end, other.stw_share, other.stw_min_idle, other.stw_eligible.tobytes())
            if mine != theirs:
                days += [d for d in (self.stw_start, other.stw_start) if d is not None]
        else:
            days.append(0)
        return min(days)


__all__ = ["SupplierFinance", "SupplierMoney", "SupplierEvent", "ACTIVE", "INSOLVENT", "REPLACED"]
