"""From a finished world to tidy DataFrames with real dates (fixed columns, even when empty)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.actor import NO_EVENTS, EventColumns
from sim.model.supply import STATE_NAMES
from sim.model.world import World
from sim.results.economics import standard_cost
from sim.results.metrics import line_stops

# recorded cumulative counters that become daily flows, with their output names
DAILY_FLOWS = {
    "wholesale_vehicles_cum": "wholesale_vehicles",
    "invoices_received_cum": "invoices_received",
    "invoices_processed_cum": "invoices_processed",
    "supplier_payments_cum_pence": "supplier_payments_pence",
    "parts_orders_cum": "parts_orders",
    "parts_dispatched_cum": "parts_dispatched",
    "oem_receipts_cum_pence": "oem_receipts_pence",
    "short_time_work_cum_pence": "short_time_work_pence",
    "wholesale_revenue_cum_pence": "wholesale_revenue_pence",
    "parts_revenue_cum_pence": "parts_revenue_pence",
    "oem_free_cash_flow_cum_pence": "oem_free_cash_flow_pence",
    "oem_interest_cum_pence": "oem_interest_pence",
    "early_payment_cost_cum_pence": "early_payment_cost_pence",
    # the OEM's profit view (see profit_readings)
    "oem_contribution_cum_pence": "oem_contribution_pence",
    "oem_fixed_costs_cum_pence": "oem_fixed_costs_pence",
    "oem_incident_costs_cum_pence": "oem_incident_costs_pence",
    "oem_supplier_support_cum_pence": "oem_supplier_support_pence",
    "oem_operating_profit_cum_pence": "oem_operating_profit_pence",
    "oem_financing_costs_cum_pence": "oem_financing_costs_pence",
}
# readings that are not whole numbers (or may be missing)
FRACTIONAL = {
    "supplier_jobs_lost",
    "supplier_jobs_short_time",
    "supplier_runway_p05_days",
    "supplier_runway_p25_days",
    "supplier_runway_p50_days",
}
BASELINE_COLUMNS = (
    "production_total",
    "invoice_backlog_count",
    "invoice_backlog_gbp",
    "parts_backlog_orders",
    "oem_cash_gbp",
    "supplier_cash_gbp",
    "suppliers_under_7_days_cash",
    "wholesale_vehicles",
    "wholesale_revenue_gbp",
    "parts_revenue_gbp",
    "oem_free_cash_flow_gbp",
    "facility_drawn_gbp",
    "government_loan_drawn_gbp",
    "oem_contribution_gbp",
    "oem_fixed_costs_gbp",
    "oem_incident_costs_gbp",
    "oem_supplier_support_gbp",
    "oem_operating_profit_gbp",
    "oem_financing_costs_gbp",
)
NO_FAILURE_COLUMNS = ("production_total", "wholesale_vehicles")
EVENT_COLUMNS = ("date", "kind", "entity", "value", "detail")
SUPPLIER_COLUMNS = (
    "supplier",
    "entry",
    "tier",
    "part_family",
    "customer",
    "restart_critical",
    "unit_price_gbp",
    "normal_units_per_day",
    "oem_revenue_per_day_gbp",
    "revenue_per_day_gbp",
    "fixed_costs_per_day_gbp",
    "jobs",
    "opening_cash_gbp",
    "credit_line_gbp",
    "time_to_survive_days",
    "cash_gbp",
    "min_cash_gbp",
    "cash_ran_out_date",
    "insolvent_date",
    "replaced_date",
    "state",
    "insolvencies",
    "jobs_lost",
    "written_off_gbp",
)


def daily_columns(world: World) -> dict[str, np.ndarray]:
    """One array per column, one row per date: the series actors keep themselves (production per plant and
    in total), then every actor's daily readings. Counts are integers, money is in pounds (``_gbp``
    columns, after the others)."""
    counts: dict[str, np.ndarray] = {}
    for actor in world.actors:
        counts.update(actor.series())
    money: dict[str, np.ndarray] = {}
    recorded = world.recorder.columns
    recorded.update(profit_readings(world, recorded))
    for name, values in recorded.items():
        if name in DAILY_FLOWS:
            name, values = DAILY_FLOWS[name], np.diff(values, prepend=0.0)
        if name.endswith("_pence"):
            money[name.replace("_pence", "_gbp")] = values / 100.0
        elif name in FRACTIONAL:
            counts[name] = values
        else:
            counts[name] = values.astype(np.int64)
    dates = world.calendar.dates().astype("datetime64[ns]")
    return {"date": dates, **counts, **money}


def profit_readings(world: World, recorded: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The OEM's profit view, cumulative pence by day, from the day's ``recorded`` readings: its contribution
    (wholesale and parts revenue less the standard variable cost of the vehicles wholesaled, see
    :func:`sim.results.economics.standard_cost`), fixed costs, incident costs, supplier support (money put into
    suppliers, tooling moves), operating profit (contribution less those three: EBIT before depreciation, which the
    model does not hold) and financing costs (interest on facilities, the early-payment scheme's charge)."""
    cost = standard_cost(world)
    days = len(next(iter(recorded.values()))) if recorded else world.calendar.horizon_days
    contribution = (
        recorded["wholesale_revenue_cum_pence"] + recorded["parts_revenue_cum_pence"] - cost * recorded["wholesale_vehicles_cum"]
    )
    fixed = world.treasury.fixed_per_day * np.arange(1, days + 1, dtype=np.float64)
    incident, support = recorded["incident_costs_cum_pence"], recorded["supplier_support_cum_pence"]
    return {
        "oem_contribution_cum_pence": contribution,
        "oem_fixed_costs_cum_pence": fixed,
        "oem_incident_costs_cum_pence": incident.copy(),
        "oem_supplier_support_cum_pence": support.copy(),
        "oem_operating_profit_cum_pence": contribution - fixed - incident - support,
        "oem_financing_costs_cum_pence": recorded["oem_interest_cum_pence"] + recorded["early_payment_cost_cum_pence"],
    }


def with_baseline(
    run: dict[str, np.ndarray], baseline: dict[str, np.ndarray], plants: list[str], no_failure: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """The run's daily frame (columns from :func:`daily_columns`) with the no-outage baseline's key series,
    the key series of the counterfactual in which no supplier fails (``no_failure``; None: the same as the
    run, no supplier having been in distress), and the cumulative vehicles lost: in all, to the outage
    (baseline less counterfactual) and to supplier failures (counterfactual less run)."""
    columns = dict(run)
    for name in (*BASELINE_COLUMNS, *(f"production_{p}" for p in plants)):
        columns[f"baseline_{name}"] = baseline[name]
    unfailed = run if no_failure is None else no_failure
    for name in (*NO_FAILURE_COLUMNS, *(f"production_{p}" for p in plants)):
        columns[f"no_failure_{name}"] = unfailed[name]
    columns["vehicles_lost_cum"] = np.cumsum(columns["baseline_production_total"] - columns["production_total"])
    columns["vehicles_lost_outage_cum"] = np.cumsum(columns["baseline_production_total"] - columns["no_failure_production_total"])
    columns["vehicles_lost_supplier_failure_cum"] = np.cumsum(columns["no_failure_production_total"] - columns["production_total"])
    return pd.DataFrame(columns, copy=False)


def suppliers_frame(world: World) -> pd.DataFrame:
    """One row per supplier: who it is, its money, when its cash ran out, its end state."""
    t, fin, cal = world.supply.table, world.finance, world.calendar
    min_cash, survive = fin.min_cash, fin.time_to_survive

    def dates(days: np.ndarray) -> pd.Series:
        when = np.datetime64(cal.start_date, "D") + days.astype("timedelta64[D]")
        return pd.Series(np.where(days >= 0, when, np.datetime64("NaT")).astype("datetime64[ns]"))

    cash = world.ledger.supplier_cash
    frame = pd.DataFrame(
        {
            "supplier": pd.Series(t.name, dtype="string"),
            "entry": pd.Series([t.entry_names[i] for i in t.entry], dtype="string"),
            "tier": t.tier.astype(np.int64),
            "part_family": pd.Series(t.family, dtype="string"),
            "customer": pd.Series([t.name[c] if c >= 0 else None for c in t.customer], dtype="string"),
            "restart_critical": t.critical.astype(bool),
            "unit_price_gbp": t.price / 100.0,
            "normal_units_per_day": world.supply.normal_units,
            "oem_revenue_per_day_gbp": world.supply.normal_units * t.price / 100.0,
            "revenue_per_day_gbp": fin.total_revenue / 100.0,
            "fixed_costs_per_day_gbp": fin.fixed / 100.0,
            "jobs": fin.jobs + fin.jobs_lost,
            "opening_cash_gbp": fin.opening_cash / 100.0,
            "credit_line_gbp": fin.credit / 100.0,
            "time_to_survive_days": survive,
            "cash_gbp": cash / 100.0,
            "min_cash_gbp": min_cash / 100.0,
            "cash_ran_out_date": dates(fin.cash_out_day),
            "insolvent_date": dates(fin.insolvent_day),
            "replaced_date": dates(fin.replaced_day),
            "state": pd.Series([STATE_NAMES[s] for s in world.supply.state], dtype="string"),
            "insolvencies": fin.insolvencies,
            "written_off_gbp": fin.tier2_written_off / 100.0,  # tier 2: bills its failed customer never paid
            "jobs_lost": fin.jobs_lost,
        }
    )
    return frame[list(SUPPLIER_COLUMNS)]


def events_frame(world: World, daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """Everything that happened at a moment, from every actor: outages and restores, insolvencies,
    replacements, layoffs, support, facility draws, teams and schemes starting; and, from the run's
    ``daily`` frame when given, each plant's line stopping and restarting because suppliers failed."""
    start = np.datetime64(world.calendar.start_date, "D")
    sources = [actor.events() for actor in world.actors]
    if daily is not None:
        sources.append(_line_stop_events(daily, [p.name for p in world.plants]))
    parts = []
    for ev in sources:
        if len(ev.day):
            parts.append(
                pd.DataFrame(
                    {
                        "date": (start + ev.day.astype("timedelta64[D]")).astype("datetime64[s]"),
                        "kind": ev.kind,
                        "entity": np.asarray(ev.entity, dtype=object),
                        "value": ev.value,
                        "detail": ev.detail,
                    }
                )
            )
    if not parts:
        parts.append(pd.DataFrame({c: [] for c in EVENT_COLUMNS}))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.astype({"date": "datetime64[s]", "kind": "string", "entity": "string", "value": "float64", "detail": "string"})
    return frame.sort_values(["date", "kind", "entity"], kind="stable").reset_index(drop=True)


def _line_stop_events(daily: pd.DataFrame, plants: list[str]) -> EventColumns:
    """A ``line_stop`` on the first day of each spell a plant built under half of what it would have had no
    supplier failed (the vehicles it lost in the spell as the value), and a ``line_restart`` the day after."""
    rows: list[tuple[int, str, str, float, str]] = []
    for plant in plants:
        actual = daily[f"production_{plant}"].to_numpy(float)
        unfailed = daily[f"no_failure_production_{plant}"].to_numpy(float)
        for first, last in line_stops(actual, unfailed):
            lost = float(unfailed[first : last + 1].sum() - actual[first : last + 1].sum())
            rows.append((first, "line_stop", plant, lost, "vehicles"))
            if last + 1 < len(actual):
                rows.append((last + 1, "line_restart", plant, 0.0, "vehicles"))
    return EventColumns.of(rows) if rows else NO_EVENTS
