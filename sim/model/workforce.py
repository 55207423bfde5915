"""Suppliers' staff, as firms manage them when work stops: short time first, redundancies only when cash
forces it, and a recall that takes weeks.

Each day a supplier compares its call-offs over the last week with a normal week's. After a number of days
of low demand (under 80% of normal) it puts the staff it has no work for on short time (up to a most), paying
them a share of their pay; when work comes back it recalls them at a steady pace, so its capacity (which
follows the staff at work) ramps up behind the plants'. A government short-time-work scheme, where the
scenario has one, pays a share of the normal pay of staff on short time, and a supplier it supports makes no
redundancies. Redundancies (a share of staff, once, with redundancy pay) come only when a supplier's runway
at idle costs falls below its threshold.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import NO_EVENTS, Close, EventColumns, Morning, Process, Readings, Step
from sim.model.calendar import Calendar
from sim.model.ledger import Ledger
from sim.model.supplier_finance import SupplierFinance
from sim.model.supply import INSOLVENT, SupplyBase
from sim.scenario.schema import ShortTimeWork

LOW_DEMAND = 0.8  # a week's call-offs under this share of normal is low demand
NEVER = 1 << 40


@njit(cache=True)
def _expected_week(
    day: int,
    cum_plan: np.ndarray,
    lane_sup: np.ndarray,
    lane_plant: np.ndarray,
    lane_parts: np.ndarray,
    lead: np.ndarray,
    out: np.ndarray,
) -> None:
    """Each supplier's call-offs over the week ending ``day`` in a normal year: the parts its lanes feed into
    the plants' normal plans over the week they were called off for (``cum_plan``: cumulative normal plan per
    plant; planned shutdowns and weekends included, so a planned stop is no lack of work)."""
    out[:] = 0.0
    last = cum_plan.shape[1] - 1
    for lane in range(len(lane_sup)):
        s = lane_sup[lane]
        a = min(max(day - 6 + lead[s], 0), last)
        b = min(max(day + 1 + lead[s], 0), last)
        out[s] += lane_parts[lane] * (cum_plan[lane_plant[lane], b] - cum_plan[lane_plant[lane], a])


@njit(cache=True)
def _short_time(
    asked: np.ndarray,
    asked_day: np.ndarray,
    day: int,
    normal: np.ndarray,
    peak: np.ndarray,
    tier2_rows: np.ndarray,
    tier2_customer: np.ndarray,
    oem_share: np.ndarray,
    low_days: np.ndarray,
    short: np.ndarray,
    after: np.ndarray,
    max_share: np.ndarray,
    recall_step: np.ndarray,
    demand: np.ndarray,
    today: np.ndarray,
) -> bool:
    """Each supplier's share of staff on short time for tomorrow. Its demand is its call-offs over the week
    ending ``day`` as a share of that week's in a normal year (``normal``; at most 1, and 1 when none were
    due), and today's call-offs a share of a normal working day's (a tier-2 supplier's are its customer's); of
    all its work only the OEM's share (``oem_share``) moves with them, the rest goes on as usual. Called off a
    near-normal day's parts today, it recalls staff; after ``after`` days in a row of low demand it puts the
    staff it lacks work for on short time at once (up to ``max_share``). Staff come back at most ``recall_step``
    a day. True when any share changed."""
    n = len(short)
    for s in range(n):
        total = 0.0
        now = 0.0
        for r in range(7):
            if asked_day[r] > day - 7:
                total += asked[r, s]
            if asked_day[r] == day:
                now = asked[r, s]
        demand[s] = min(total / normal[s], 1.0) if normal[s] > 0 else 1.0
        today[s] = now / peak[s] if peak[s] > 0 else 1.0
    for j in range(len(tier2_rows)):
        demand[tier2_rows[j]] = demand[tier2_customer[j]]
        today[tier2_rows[j]] = today[tier2_customer[j]]
    for s in range(n):  # other customers' work goes on: a supplier's demand is a share of all its work
        demand[s] = 1.0 - oem_share[s] * (1.0 - demand[s])
        today[s] = 1.0 - oem_share[s] * (1.0 - today[s])
    changed = False
    for s in range(n):
        target = 0.0
        if today[s] >= LOW_DEMAND or demand[s] >= LOW_DEMAND:
            low_days[s] = 0
        else:
            low_days[s] += 1
            if low_days[s] >= after[s]:
                target = min(1.0 - demand[s], max_share[s])
        share = short[s]
        if target > share + 1e-12:
            short[s] = target
            changed = True
        elif target < share - 1e-12:
            share = max(target, share - recall_step[s])
            short[s] = share if share > 1e-9 else 0.0  # no residue of the steps' rounding
            changed = True
    return changed


@njit(cache=True)
def _any_short_of_runway(
    cash: np.ndarray,
    credit: np.ndarray,
    fixed: np.ndarray,
    margin: np.ndarray,
    below: np.ndarray,
    made: np.ndarray,
    low_days: np.ndarray,
    state: np.ndarray,
) -> bool:
    """Whether any supplier that might make redundancies today (yet to make them, short of work: ``low_days``
    above nothing, not insolvent) has cash and credit for fewer days of idle costs than its threshold (NaN:
    none), with a hair of slack so that rounding never hides one."""
    for s in range(len(cash)):
        if (
            not made[s]
            and low_days[s] > 0
            and state[s] != INSOLVENT
            and cash[s] + credit[s] < below[s] * max(fixed[s] - margin[s], 1) * (1 + 1e-9) + 1
        ):
            return True
    return False


class NormalWeeks:
    """Each supplier's call-offs over the week ending each day in a normal year (see :func:`_expected_week`),
    worked out once per day for every world of a run: the run, its baseline and its counterfactual trade with
    the same suppliers over the same normal plans, so they would each work out the same numbers. A world
    whose suppliers or normal plans differ from the first one's gets its own. Derived values, not state: a
    copy or a pickle starts empty and works them out again."""

    def __init__(self) -> None:
        self._weeks: dict[int, np.ndarray] = {}
        self._inputs: tuple[np.ndarray, ...] | None = None

    def serves(self, supply: SupplyBase) -> NormalWeeks:
        """This cache, if ``supply``'s normal year is the one it holds; otherwise a cache of its own."""
        inputs = (
            supply.cum_plan[0],
            supply.lane_sup,
            supply.lane_plant,
            supply.base_share,
            supply.lane_ppu,
            supply.table.lead_time,
        )
        if self._inputs is None:
            self._inputs = inputs
            return self
        same = all(a is b or np.array_equal(a, b) for a, b in zip(self._inputs, inputs, strict=True))
        return self if same else NormalWeeks().serves(supply)

    def week(self, day: int, supply: SupplyBase) -> np.ndarray:
        """Each supplier's normal call-offs over the week ending ``day`` (read only)."""
        week = self._weeks.get(day)
        if week is None:
            week = np.empty(supply.table.n)
            _expected_week(
                day,
                supply.cum_plan[0],
                supply.lane_sup,
                supply.lane_plant,
                supply.base_share * supply.lane_ppu,
                supply.table.lead_time,
                week,
            )
            self._weeks[day] = week
        return week

    def clear(self) -> None:
        """Forget the weeks worked out (once every world that shares them has run: they cost 8 bytes per
        supplier-day)."""
        self._weeks.clear()

    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__()  # type: ignore[misc]

    def __deepcopy__(self, memo: dict[int, object]) -> NormalWeeks:
        return NormalWeeks()


class Workforce:
    """Every supplier's staff: on short time, made redundant, at work."""

    name = "workforce"
    STATE: ClassVar[tuple[str, ...]] = (
        "short",
        "low_days",
        "redundant",
        "ever_short",
        "made_redundant",
        "stw_paid",
        "_settled",
        "ever_short_count",
        "made_redundant_count",
    )

    def __init__(
        self,
        finance: SupplierFinance,
        ledger: Ledger,
        stw: ShortTimeWork[float, Any] | None,
        calendar: Calendar,
        normal_weeks: NormalWeeks | None = None,
    ) -> None:
        """``normal_weeks``: the normal year's weekly call-offs, shared with the other worlds of a run."""
        self.finance = finance
        self.supply: SupplyBase = finance.supply
        self.normal_weeks = (normal_weeks or NormalWeeks()).serves(self.supply)
        self.ledger = ledger
        t = self.supply.table
        n = t.n
        after = np.rint(np.nan_to_num(t.short_time_after))
        self.after = np.where(np.isnan(t.short_time_after), NEVER, after).astype(np.int64)
        if stw is not None:  # under a government scheme, eligible suppliers use short time even without a policy of their own
            uses = np.isin(t.tier, list(stw.tiers)) & (self.after == NEVER)
            self.after[uses] = int(round(stw.short_time_after_idle_days))
        self.recall_step = 1.0 / np.maximum(t.recall_days, 1e-9)
        self.active = bool((self.after < NEVER).any() or np.isfinite(t.redundancy_below).any() or stw is not None)
        self.short = np.zeros(n)  # share of its staff on short time
        self.low_days = np.zeros(n, dtype=np.int64)
        self.redundant = np.zeros(n)  # share of its normal staff made redundant
        self.ever_short = np.zeros(n, dtype=bool)
        self.made_redundant = np.zeros(n, dtype=bool)
        self.ever_short_count = self.made_redundant_count = 0  # how many of each, counted when they change
        self._settled = True  # everyone at work and nothing changing
        self._thresholds = np.asarray(t.redundancy_below, dtype=np.float64)
        self._redundancies_possible = bool(np.isfinite(self._thresholds).any())
        self.stw_start = self.stw_end = None
        self.stw_share = self.stw_min_short = 0.0
        self.stw_eligible = np.zeros(n, dtype=bool)
        if stw is not None:
            self.stw_start = calendar.day(stw.start)
            self.stw_end = None if stw.end is None else calendar.day(stw.end)
            self.stw_share = stw.payroll_share_covered
            self.stw_min_short = stw.min_idle_share
            self.stw_eligible = np.isin(t.tier, list(stw.tiers))
        self.stw_paid = 0  # pence the government scheme has paid

    def close_day(self, day: int) -> None:
        """Short time and recall for tomorrow, redundancies when cash forces them, the scheme's grants; the
        suppliers' fixed costs and capacities follow."""
        s = self.supply
        n = len(self.short)
        expected = self.normal_weeks.week(day, s)
        changed = _short_time(
            s.week_asked,
            s.week_asked_day,
            day,
            expected,
            s.peak_units,
            s.tier2_rows,
            s.tier2_customer,
            s.table.oem_share,
            self.low_days,
            self.short,
            self.after,
            s.table.short_time_max_share,
            self.recall_step,
            np.empty(n),
            np.empty(n),
        )
        if changed:
            self.ever_short |= self.short > 0
            self.ever_short_count = int(self.ever_short.sum())
        supported = self._grants(day)
        cut = self._redundancies(day, supported)
        if changed or cut:
            self._follow()
        self._settled = not changed and not cut and not self.short.any()

    def _grants(self, day: int) -> np.ndarray | None:
        """The government scheme's grants for the day: a share of the normal pay of staff on short time, for
        eligible suppliers with enough of it; returns who it supports (None: no scheme running)."""
        if self.stw_start is None or day < self.stw_start or (self.stw_end is not None and day > self.stw_end):
            return None
        alive = self.supply.state != INSOLVENT
        supported = alive & self.stw_eligible & (self.short > 0) & (self.short >= self.stw_min_short)
        staff_pay = self.finance.payroll * (1 - self.redundant) * self.short
        grant = np.floor(self.stw_share * staff_pay).astype(np.int64) * supported
        self.ledger.suppliers("short_time_work", grant, intervention=True)
        self.stw_paid += int(grant.sum())
        return np.asarray(supported)

    def _may_cut(self) -> bool:
        """Whether any supplier might make redundancies today (a quick look at everyone's runway)."""
        if not self._redundancies_possible:
            return False
        f = self.finance
        return bool(
            _any_short_of_runway(
                self.ledger.supplier_cash,
                f.credit,
                f.fixed,
                f.other_margin,
                self._thresholds,
                self.made_redundant,
                self.low_days,
                self.supply.state,
            )
        )

    def _redundancies(self, day: int, supported: np.ndarray | None) -> bool:
        """A supplier short of work (its call-offs low) whose runway at idle costs is below its threshold makes its
        share of staff redundant, once (not while the government scheme supports it); returns whether any did."""
        t = self.supply.table
        if not self._may_cut():
            return False
        # a firm cuts staff it lacks work for: only while its call-offs are low
        may = ~self.made_redundant & np.isfinite(t.redundancy_below) & (self.supply.state != INSOLVENT) & (self.low_days > 0)
        if supported is not None:
            may &= ~supported
        if not may.any():
            return False
        rows = np.flatnonzero(may)
        rows = rows[self.finance.idle_runway(rows) < t.redundancy_below[rows]]
        if len(rows) == 0:
            return False
        share = t.redundancy_share[rows] * (1 - self.redundant[rows])
        self.redundant[rows] += share
        self.made_redundant[rows] = True
        self.made_redundant_count = int(self.made_redundant.sum())
        pay = np.zeros(t.n, dtype=np.int64)
        pay[rows] = np.rint(t.redundancy_pay_weeks[rows] * 7 * self.finance.payroll[rows] * share).astype(np.int64)
        self.ledger.suppliers("redundancy_pay", -pay)
        self.finance.record_redundancies(rows, self.finance.normal_jobs[rows] * share, day)
        return True

    def _follow(self) -> None:
        """Fixed costs (overheads plus the pay of the staff kept, those on short time at their share) and
        capacities (the share of normal staff at work) follow the staff."""
        t = self.supply.table
        kept = 1 - self.redundant
        pay = self.finance.payroll * kept * (1 - self.short * (1 - t.short_time_pay_share))
        self.finance.set_fixed(self.finance.overheads + np.rint(pay).astype(np.int64))
        staffing = kept * (1 - self.short)
        self.supply.staffing = staffing
        self.supply.fully_staffed = bool((staffing >= 1).all())

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.WORKFORCE, self.close_day)] if self.active else []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        jobs_short = float((self.finance.normal_jobs * (1 - self.redundant) * self.short).sum()) if not self._settled else 0.0
        return {
            "supplier_jobs_short_time": jobs_short,
            "suppliers_short_time": int((self.short > 0).sum()) if not self._settled else 0,
            "suppliers_ever_short_time": self.ever_short_count,
            "suppliers_made_redundancies": self.made_redundant_count,
            "short_time_work_cum_pence": self.stw_paid,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """The start of a government short-time-work scheme (the pay share it covers)."""
        if self.stw_start is None:
            return NO_EVENTS
        return EventColumns.of([(self.stw_start, "scheme_start", "short_time_work", self.stw_share, "share")])

    def violations(self) -> list[str]:
        if (self.short < 0).any() or (self.short > 1).any() or (self.redundant < 0).any() or (self.redundant > 1).any():
            return ["workforce: a share of staff outside 0 to 1"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """A government scheme on other terms than the other world's acts from the first of their starts; but
        the days of low demand after which suppliers without a policy of their own use short time under a
        scheme hold from the first day, so where those differ the worlds may part on any day."""
        if not isinstance(other, Workforce):
            return 0
        if not np.array_equal(self.after, other.after):
            return 0
        mine = (self.stw_start, self.stw_end, self.stw_share, self.stw_min_short, self.stw_eligible.tobytes(), self.active)
        theirs = (other.stw_start, other.stw_end, other.stw_share, other.stw_min_short, other.stw_eligible.tobytes(), other.active)
        if mine == theirs:
            return horizon
        return min([d for d in (self.stw_start, other.stw_start) if d is not None] or [0])
