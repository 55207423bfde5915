"""What a scenario must stay within for a run to be computed exactly: finite numbers, dates the calendar
and figures handle, a supplier population that fits in memory, and money and counts that fit in 64-bit
integers.

The engine books money in whole pence and counts parts, vehicles, orders and invoices in 64-bit
integers, which wrap around silently past 9.2e18. Rather than check every sum in every run, a scenario
is refused when an upper bound of what it could ever move in a run, computed from the largest value
each parameter can take, exceeds a limit a few times below that (see :func:`money_fits_in_pence`
and :func:`counts_fit`). The bound over-estimates real flows by two to three orders of magnitude, and
the limit is set so that a manufacturer a hundred times the flagship's size still passes: only absurd
scenarios are refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from sim.scenario.distributions import Choice, Constant, LogNormal, Normal, Triangular, Uniform
from sim.scenario.errors import Problem
from sim.scenario.schema import Scenario

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
MAX_SUPPLIERS = 200_000  # supplier members in one scenario, all entries together
SUPPLIER_MEMORY_KB = 12  # a member's memory in a 365-day run (both worlds), measured with one plant
MONEY_LIMIT_GBP = 2e16  # 2e18 pence: 4.6 times below the largest 64-bit integer (9.2e18), on a bound already loose
COUNT_LIMIT = 2e18  # parts, vehicles, orders or invoices in a run, the same margin below 64 bits
# days around the horizon the engine books in: invoices outstanding at the start (payment terms, up to 730
# days), deliveries under way (lead times, up to 365), receipts in settlement (up to 365)
LOOK_AROUND_DAYS = 1500

Rule = Callable[[Scenario], list[Problem]]


def support(value: Any) -> tuple[float, float] | None:
    """The smallest and largest value a number or distribution can take (None if not numeric)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value), float(value)
    if isinstance(value, Constant):
        return value.value, value.value
    if isinstance(value, (Uniform, Triangular)):
        return value.low, value.high
    if isinstance(value, Choice):
        return min(value.values), max(value.values)
    if isinstance(value, (Normal, LogNormal)):
        floor = -math.inf if isinstance(value, Normal) else 0.0
        lo = value.low if value.low is not None else floor
        hi = value.high if value.high is not None else math.inf
        return lo, hi
    return None


def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) of a number, date or text anywhere below ``value``, distributions included."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from leaves(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}.{i}")
    elif value is not None:
        yield path, value


def numbers_are_finite(s: Scenario) -> list[Problem]:
    """Every number is finite: NaN passes every comparison, so a range check alone would let it through to
    the run, and an infinity has no place in a bound or a rate."""
    return [
        Problem(path, f"must be a finite number, got {value}")
        for path, value in leaves(s, "")
        if isinstance(value, float) and not math.isfinite(value)
    ]


def dates_in_calendar(s: Scenario) -> list[Problem]:
    """Every date, and the last day of the horizon, lies between FIRST_DATE and LAST_DATE: the engine looks
    years either side of the horizon, and the figures' date axes are not drawn beyond these."""
    rule = f"must lie between {FIRST_DATE} and {LAST_DATE}"
    p = [
        Problem(path, f"{rule}, got {value}")
        for path, value in leaves(s, "")
        if isinstance(value, date) and not FIRST_DATE <= value <= LAST_DATE
    ]
    if not p and (LAST_DATE - s.start_date).days < s.horizon_days - 1:
        end = s.start_date + timedelta(days=s.horizon_days - 1) if s.start_date.year < 9000 else "beyond 9000"
        p.append(
            Problem(
                "horizon_days", f"the horizon must end by {LAST_DATE}, but {s.horizon_days} days from {s.start_date} end on {end}"
            )
        )
    return p


def population_fits_in_memory(s: Scenario) -> list[Problem]:
    """At most MAX_SUPPLIERS supplier members in all: each member is a row of every per-supplier array of both
    worlds of a run, and a population beyond this would exhaust the memory of a typical machine."""
    total = sum(sup.count for sup in s.suppliers.values())
    if total <= MAX_SUPPLIERS:
        return []
    largest = max(s.suppliers, key=lambda n: s.suppliers[n].count)
    gb = MAX_SUPPLIERS * SUPPLIER_MEMORY_KB / 1e6
    return [
        Problem(
            f"suppliers.{largest}.count",
            f"the suppliers have {total:,} members in all, over the limit of {MAX_SUPPLIERS:,} (each member "
            f"needs about {SUPPLIER_MEMORY_KB} KB of memory in a run, so {MAX_SUPPLIERS:,} need about {gb:.1f} GB); "
            "model fewer, larger suppliers",
        )
    ]


def _practical(value: Any, per_member: bool) -> tuple[float, float] | None:
    """:func:`support`, with the open tail of a normal or log-normal distribution cut: for a supplier
    entry's parameters (drawn per member inside the run) at 10 standard deviations (of its log; a draw
    beyond has a chance below 1e-23), for any other parameter at its centre, since the rules are checked
    again on every value a replication draws (see :func:`sim.scenario.realise.realise`)."""
    bounds = support(value)
    if bounds is None or not isinstance(value, (Normal, LogNormal)):
        return bounds
    if isinstance(value, Normal):
        centre, spread_down, spread_up = value.mean, value.mean - 10 * value.sd, value.mean + 10 * value.sd
    else:
        factor = math.exp(min(10 * value.sigma, 700.0))
        centre, spread_down, spread_up = value.median, value.median / factor, value.median * factor
    low, high = (spread_down, spread_up) if per_member else (centre, centre)
    return max(bounds[0], min(low, bounds[1])), min(bounds[1], max(high, bounds[0]))


def _hi(value: Any, default: float = 0.0, per_member: bool = False) -> float:
    """The largest value a parameter can take in practice (``default`` when it is not set), at least 0."""
    bounds = _practical(value, per_member)
    return default if bounds is None else max(bounds[1], 0.0)


def _lo(value: Any, default: float, per_member: bool = False) -> float:
    """The smallest value a parameter can take in practice (``default`` when it is not set)."""
    bounds = _practical(value, per_member)
    return default if bounds is None else bounds[0]


def _entry_volumes(s: Scenario) -> dict[str, tuple[float, float]]:
    """Per supplier entry, the most parts all its members together can ship in a day, and what the OEM (or
    their tier-1 customers) pay for them in GBP: each member's parts per unit times the daily rates of the
    plants using its family (for tier 2: its customer's parts), times the capacity margin."""
    out: dict[str, tuple[float, float]] = {}
    for name, sup in s.suppliers.items():
        if sup.tier == 1:
            rate = sum(_hi(pl.daily_rate) for pl in s.plants.values() if sup.part_family in pl.part_families)
            per_unit = _hi(sup.parts_per_unit, 1.0, per_member=True) * (1 + _hi(sup.capacity_margin, per_member=True))
            parts = sup.count * per_unit * rate
            out[name] = parts, parts * _hi(sup.unit_price_gbp, per_member=True)
    for name, sup in s.suppliers.items():
        if sup.tier == 2:
            customers = [c for c in sup.customers or [] if c in out]
            # members are shared out round-robin over the customers' members: at most this many per customer member
            share = math.ceil(sup.count / max(sum(s.suppliers[c].count for c in customers), 1))
            per_part = share * _hi(sup.parts_per_unit, 1.0, per_member=True) * (1 + _hi(sup.capacity_margin, per_member=True))
            parts = per_part * sum(out[c][0] for c in customers)
            if sup.unit_price_gbp is not None:
                money = parts * _hi(sup.unit_price_gbp, per_member=True)
            else:
                money = per_part * _hi(sup.customer_price_share, per_member=True) * sum(out[c][1] for c in customers)
            out[name] = parts, money
    return out


def _supplier_terms(s: Scenario, days: float) -> Iterator[tuple[float, float, str]]:
    """(money in GBP, parts, field path) each supplier entry could move over ``days`` days, at most: its whole
    business (sales to the OEM or its customers over their share of its revenue) every day, in (sales) and out
    (variable and fixed costs, each at most the sales), plus the cash and credit it holds in days of costs
    (costs a day are at most twice the sales; a runway is in days of idle costs, which are at most the sales;
    a working-capital line covers at most its payment terms and a month of sales), the OEM's support (a
    cushion of idle costs) and its staff's redundancy pay (payroll is at most the sales)."""
    distress = s.supplier_distress
    for name, (parts, money) in _entry_volumes(s).items():
        sup = s.suppliers[name]
        business = money / max(_lo(sup.oem_revenue_share, 1.0, per_member=True), 1e-6)
        held_days = _hi(sup.cash_days, per_member=True) + _hi(sup.credit_days, per_member=True)
        if sup.runway_days is not None:
            held_days += _hi(sup.runway_days, per_member=True)
        if sup.working_capital == "normal_year":
            held_days += _hi(sup.payment_terms_days, per_member=True) + 30
        held_days += _hi(distress.support_cushion_days) + 7 * _hi(sup.redundancy_pay_weeks, per_member=True)
        yield business * (3 * days + 2 * held_days), parts * days, f"suppliers.{name}"


def _oem_terms(s: Scenario, days: float) -> Iterator[tuple[float, str]]:
    """(money in GBP, field path) of each of the OEM's own stocks and flows over ``days`` days, at most."""
    vehicles = sum(_hi(pl.daily_rate) for pl in s.plants.values() if pl.kind == "vehicle")
    tr = s.treasury
    yield _hi(tr.opening_cash_gbp), "treasury.opening_cash_gbp"
    yield _hi(tr.fixed_costs_gbp_per_day) * days, "treasury.fixed_costs_gbp_per_day"
    yield _hi(tr.other_cost_per_unit_gbp) * vehicles * days, "treasury.other_cost_per_unit_gbp"
    yield _hi(s.sales.price_per_vehicle_gbp) * vehicles * days, "sales.price_per_vehicle_gbp"
    for name, facility in tr.facilities.items():
        yield _hi(facility.size_gbp) + _hi(facility.draw_below_gbp), f"treasury.facilities.{name}.size_gbp"
    pc = s.parts_centre
    if pc is not None:
        orders = _hi(pc.orders_per_day) * max(_hi(pc.recovery_boost, 1.0), 1.0)
        yield _hi(pc.order_value_gbp) * orders * days, "parts_centre.order_value_gbp"
    iv = s.interventions
    if iv.supplier_finance is not None:
        yield _hi(iv.supplier_finance.budget_gbp), "interventions.supplier_finance.budget_gbp"
    distress = s.supplier_distress
    members = sum(sup.count for sup in s.suppliers.values())
    yield _hi(distress.support_budget_gbp), "supplier_distress.support_budget_gbp"
    yield _hi(distress.tooling_move_cost_gbp) * members * 4, "supplier_distress.tooling_move_cost_gbp"
    yield _hi(tr.investment_gbp_per_day) * days, "treasury.investment_gbp_per_day"
    yield _hi(tr.draw_policy.minimum_draw_gbp) * len(tr.facilities), "treasury.draw_policy.minimum_draw_gbp"
    for name, outage in s.outages.items():
        for key, cost in outage.costs.items():
            yield _hi(cost.amount_gbp), f"outages.{name}.costs.{key}.amount_gbp"


def money_fits_in_pence(s: Scenario) -> list[Problem]:
    """The money a run could move, bounded from above (every stock, and every daily flow over the horizon and
    the days around it, at the largest value its parameters can take), stays below MONEY_LIMIT_GBP: beyond
    it the engine's whole-pence sums could wrap around and give wrong results with every check passing."""
    days = s.horizon_days + LOOK_AROUND_DAYS
    terms = [(money, path) for money, _, path in _supplier_terms(s, days)] + list(_oem_terms(s, days))
    total = sum(money for money, _ in terms)
    if total <= MONEY_LIMIT_GBP:
        return []
    money, path = max(terms)
    return [
        Problem(
            path,
            f"this scenario could move up to GBP {total:.3g} in a run ({money / total:.0%} of it from "
            f"here), over the GBP {MONEY_LIMIT_GBP:g} that whole pence in 64-bit integers hold with a "
            "safe margin; use smaller amounts, volumes or a shorter horizon",
        )
    ]


def counts_fit(s: Scenario) -> list[Problem]:
    """Parts, vehicles, engines, orders and invoices counted over a run stay below COUNT_LIMIT (64-bit counts);
    parts include the line-side buffers, engines the engine plants' buffers."""
    buffers = max((_hi(pl.line_side_buffer_days) for pl in s.plants.values()), default=0.0)
    days = s.horizon_days + LOOK_AROUND_DAYS
    terms = [(count, path) for _, count, path in _supplier_terms(s, days + buffers)]
    terms += [
        (_hi(pl.daily_rate) * (days + _hi(pl.engine_buffer_days)), f"plants.{name}.daily_rate") for name, pl in s.plants.items()
    ]
    if s.parts_centre is not None:
        terms.append(
            (_hi(s.parts_centre.orders_per_day) * _hi(s.parts_centre.recovery_boost, 1.0) * days, "parts_centre.orders_per_day")
        )
    pay = s.payables
    invoices = _hi(pay.automated_invoices_per_day) + sum(
        _hi(t.staff) * _hi(t.invoices_per_person_per_day)
        for t in pay.manual_teams.values()
        if t.invoices_per_person_per_day is not None
    )
    terms.append((invoices * days, "payables.automated_invoices_per_day"))
    total = sum(count for count, _ in terms)
    if total <= COUNT_LIMIT:
        return []
    count, path = max(terms)
    return [
        Problem(
            path,
            f"this scenario could count up to {total:.3g} parts, vehicles, orders or invoices in a run "
            f"({count / total:.0%} of it from here), over the {COUNT_LIMIT:g} that 64-bit integers hold "
            "with a safe margin; use smaller rates or a shorter horizon",
        )
    ]


def _all_plain(value: Any) -> bool:
    """True when every number below ``value`` is finite and every date in the calendar: one quick pass without
    paths (the rules above name the fields only when something is wrong)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                return False
        elif kind is date:
            if not FIRST_DATE <= item <= LAST_DATE:
                return False
        elif isinstance(item, BaseModel):
            stack.extend(item.__dict__.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True


def numbers_and_dates_are_plain(s: Scenario) -> list[Problem]:
    """:func:`numbers_are_finite` and :func:`dates_in_calendar`, after one quick pass finds no cause to run them
    (a scenario is checked again every time a replication draws its values)."""
    if _all_plain(s) and (LAST_DATE - s.start_date).days >= s.horizon_days - 1:
        return []
    return numbers_are_finite(s) + dates_in_calendar(s)


GATE_RULES: tuple[Rule, ...] = (numbers_and_dates_are_plain,)
"""Rules every other rule relies on (finite numbers, dates with room around them): checked first, alone."""
CAPACITY_RULES: tuple[Rule, ...] = (population_fits_in_memory, money_fits_in_pence, counts_fit)
