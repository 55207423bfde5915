"""Is a scenario's no-outage baseline a business running normally? Every loss is measured against it, so a
baseline that loses suppliers, falls short of its plan, or piles up invoices or parts orders would make the
losses meaningless (a run could "lose" a negative number of vehicles).

Each rule says what fails and which parameters drive it, in a sentence a user can act on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.world import World

PLAN_SHARE = 0.98  # a steady baseline builds at least this share of its plants' plans
GROWTH_DAYS = 60  # a backlog "keeps growing" when it ends higher than this many days earlier ...
GROWTH_FLOOR_DAYS = 2.0  # ... by more than this many days of normal arrivals


def problems(baseline: World, daily: pd.DataFrame) -> list[str]:
    """What is not steady about a baseline world (empty when it is steady); ``daily`` is the run's daily frame
    with its baseline columns."""
    return _failures(baseline) + _short_of_plan(baseline) + _growing_backlogs(baseline, daily)


def _failures(baseline: World) -> list[str]:
    """No supplier fails, and none runs out of cash and credit, in a normal year."""
    finance = baseline.finance
    failed = np.flatnonzero(finance.insolvencies > 0)
    distressed = np.flatnonzero((finance.cash_out_day >= 0) & (finance.min_cash < -finance.credit))
    rows = np.union1d(failed, distressed)
    if len(rows) == 0:
        return []
    t = baseline.supply.table
    entries = sorted({t.entry_names[t.entry[r]] for r in rows.tolist()})
    first = int(rows[0])
    return [
        f"{len(rows)} supplier(s) run out of cash and credit in a normal year (e.g. {t.name[first]} on "
        f"{baseline.calendar.date(int(max(finance.cash_out_day[first], 0)))}), in entries {', '.join(entries)}: give "
        f"them more cash (cash_days or runway_days), credit (credit_days) or a working-capital line "
        f"(working_capital: normal_year), or check their costs (variable_cost_share, fixed_cost_share, "
        f"oem_revenue_share), or keep the thresholds at which they stretch tier-2 payments "
        f"(pay_late_below_runway_days) below their runway"
    ]


def _short_of_plan(baseline: World) -> list[str]:
    """Every plant builds at least 98% of its plan (its normal capacity): parts arrive in time."""
    out = []
    for plant in baseline.plants:
        if plant.is_engine_plant:  # it builds only what the vehicle plants need, whatever its capacity
            continue
        plan = float(plant.plan[: baseline.calendar.horizon_days].sum())
        built = float(plant.built.sum())
        if plan > 0 and built < PLAN_SHARE * plan:
            out.append(
                f"plant {plant.name} builds {built:,.0f} of its plan of {plan:,.0f} ({built / plan:.0%}) in a normal "
                f"year: its suppliers cannot keep up (check their capacity_margin, lead_time_days and the "
                f"plant's line_side_buffer_days) or its engine plant cannot (engine_buffer_days)"
            )
    return out


def _growing_backlogs(baseline: World, daily: pd.DataFrame) -> list[str]:
    """Neither the invoice backlog nor the parts centre's order backlog keeps growing in a normal year."""
    out: list[str] = []
    horizon = len(daily)
    if horizon <= GROWTH_DAYS:
        return out
    invoices = daily["baseline_invoice_backlog_count"].to_numpy(float)
    per_day = baseline.payables.received_count / horizon
    if invoices[-1] > invoices[-1 - GROWTH_DAYS] + GROWTH_FLOOR_DAYS * per_day and invoices[-1] > 0:
        out.append(
            f"the invoice backlog keeps growing in a normal year ({invoices[-1 - GROWTH_DAYS]:,.0f} to "
            f"{invoices[-1]:,.0f} invoices over the last {GROWTH_DAYS} days, about {per_day:,.0f} arriving a day): "
            f"raise payables.automated_invoices_per_day"
        )
    orders = daily["baseline_parts_backlog_orders"].to_numpy(float)
    centre = baseline.parts_centre
    per_day = centre.received / horizon if centre.configured else 0.0
    if orders[-1] > orders[-1 - GROWTH_DAYS] + GROWTH_FLOOR_DAYS * per_day and orders[-1] > 0:
        out.append(
            f"the parts centre's order backlog keeps growing in a normal year ({orders[-1 - GROWTH_DAYS]:,.0f} to "
            f"{orders[-1]:,.0f} orders over the last {GROWTH_DAYS} days): its dispatch capacity "
            f"(parts_centre.recovery_boost) is below its orders (parts_centre.orders_per_day)"
        )
    return out
