"""Key outcomes of a run, as pure functions of its DataFrames (no SimPy here).

Dates come back as ``datetime.date`` (or None); money in pounds; counts as integers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

RECOVERY_SHARE = 0.95
RECOVERY_DAYS = 7


def _date(days: np.ndarray, i: int | None) -> date | None:
    """The date of day ``i`` (None for None) from a run's days as ``datetime64[D]``."""
    return None if i is None else days[i].astype(object)


def recovered_index(actual: np.ndarray, baseline: np.ndarray, from_day: int) -> int | None:
    """First production day >= ``from_day`` from which ``actual`` stays >= 95% of ``baseline`` for
    7 consecutive days. Days the baseline builds nothing (weekends, shutdowns) count as kept, but a
    recovery must start on a day the baseline builds something."""
    ok = actual >= RECOVERY_SHARE * baseline - 1e-9
    n = len(ok)
    held = np.zeros(n, dtype=bool)
    if n >= RECOVERY_DAYS:  # held on day i: ok on each of days i .. i + 6 (no miss among them)
        misses = np.concatenate([[0], np.cumsum(~ok)])
        held[: n - RECOVERY_DAYS + 1] = misses[RECOVERY_DAYS:] == misses[: n - RECOVERY_DAYS + 1]
    hits = np.flatnonzero(held[from_day:] & (baseline[from_day:] > 0))
    return int(from_day + hits[0]) if len(hits) else None


def peak_and_clearance(values: np.ndarray, baseline: np.ndarray) -> tuple[int | None, int | None]:
    """Index of the peak (None if never above zero), and of the first day from the peak on with
    values back at baseline (None if never)."""
    if len(values) == 0 or values.max() <= 0:
        return None, None
    peak = int(np.argmax(values))
    back = np.flatnonzero(values[peak:] <= baseline[peak:] + 1e-6)
    return peak, (peak + int(back[0]) if len(back) else None)


def summarise(daily: pd.DataFrame, start: int | None, insolvencies: int, plants: list[str],
              price_gbp: float) -> dict[str, Any]:
    """The KPI summary of one run against its baseline: ``daily`` with its baseline columns, the
    day index the first outage began (None without one) and the number of supplier insolvencies."""
    out: dict[str, Any] = {}
    days = daily["date"].to_numpy("datetime64[D]")
    prod = daily["production_total"].to_numpy(float)
    base = daily["baseline_production_total"].to_numpy(float)
    out["vehicles_built"] = int(prod.sum())
    out["vehicles_lost"] = int(base.sum() - prod.sum())
    sold_gap = daily["baseline_wholesale_vehicles"].sum() - daily["wholesale_vehicles"].sum()
    out["revenue_lost_gbp"] = float(sold_gap * price_gbp)
    out["outage_start_date"] = _date(days, start)
    rec = None if start is None else recovered_index(prod, base, start)
    out["production_recovered_date"] = _date(days, rec)
    out["days_to_recover"] = None if rec is None or start is None else rec - start
    for plant in plants:
        own = daily[f"production_{plant}"].to_numpy(float)
        own_base = daily[f"baseline_production_{plant}"].to_numpy(float)
        i = None if start is None else recovered_index(own, own_base, start)
        out[f"recovered_date_{plant}"] = _date(days, i)
    value = daily["invoice_backlog_gbp"].to_numpy(float)
    peak, cleared = peak_and_clearance(value, daily["baseline_invoice_backlog_gbp"].to_numpy(float))
    out["invoice_backlog_peak_count"] = int(daily["invoice_backlog_count"].max())
    out["invoice_backlog_peak_gbp"] = float(value.max())
    out["invoice_backlog_peak_date"] = _date(days, peak)
    out["invoice_backlog_cleared_date"] = _date(days, cleared)
    out["invoice_overdue_peak_gbp"] = float(daily["invoice_overdue_gbp"].max())
    orders = daily["parts_backlog_orders"].to_numpy(float)
    ppeak, pclear = peak_and_clearance(orders, daily["baseline_parts_backlog_orders"].to_numpy(float))
    out["parts_backlog_peak_orders"] = int(orders.max())
    out["parts_backlog_peak_date"] = _date(days, ppeak)
    out["parts_backlog_cleared_date"] = _date(days, pclear)
    out["parts_orders_lost"] = int(daily["parts_orders_lost_cum"].iloc[-1])
    cash = daily["oem_cash_gbp"].to_numpy(float)
    trough = int(np.argmin(cash))
    out["oem_cash_trough_gbp"] = float(cash[trough])
    out["oem_cash_trough_date"] = _date(days, trough)
    out["oem_cash_gap_end_gbp"] = float(daily["baseline_oem_cash_gbp"].iloc[-1] - cash[-1])
    out["suppliers_insolvent"] = insolvencies
    out["supplier_jobs_lost"] = float(daily["supplier_jobs_lost"].iloc[-1])
    under = daily["suppliers_under_7_days_cash"].to_numpy()
    upeak = int(np.argmax(under))
    out["suppliers_under_7_days_cash_peak"] = int(under[upeak])
    out["suppliers_under_7_days_cash_peak_date"] = _date(days, upeak) if under[upeak] > 0 else None
    out["supplier_cash_shortfall_gbp"] = float(daily["supplier_cash_shortfall_gbp"].max())
    out["supplier_cash_trough_gbp"] = float(daily["supplier_cash_gbp"].min())
    out["oem_facility_drawn_gbp"] = float(daily["facility_drawn_gbp"].iloc[-1])
    out["government_loan_drawn_gbp"] = float(daily["government_loan_drawn_gbp"].iloc[-1])
    out["intervention_cost_gbp"] = float(daily["intervention_cost_cum_gbp"].iloc[-1])
    return out
