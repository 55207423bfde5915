"""Daily series as figures name them: a heading, the y axis's quantity and unit, and the days of smoothing
(a trailing mean, to read through weekends). Shared by fan charts and comparisons; no plotting here, so the
command line can say which series two runs share without loading matplotlib."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

# daily column -> (heading, y label (a money series gets its unit appended), days of smoothing); in reading order
SERIES: dict[str, tuple[str, str, int]] = {
    "production_total": ("Vehicles built per day", "vehicles/day", 7),
    "vehicles_lost_cum": ("Vehicles lost (cumulative)", "vehicles", 1),
    "invoice_backlog_gbp": ("Invoice backlog", "backlog value", 1),
    "invoice_backlog_count": ("Invoice backlog", "backlog (invoices)", 1),
    "parts_backlog_orders": ("Parts-centre order backlog", "backlog (orders)", 1),
    "oem_cash_gbp": ("OEM cash", "OEM cash", 1),
    "facility_drawn_gbp": ("Credit drawn by the OEM", "credit drawn", 1),
    "supplier_runway_p05_days": ("Runway of the 5% of suppliers shortest of cash", "days", 1),
    "suppliers_runway_under_7_days": ("Suppliers with under 7 days of runway", "suppliers", 1),
    "suppliers_under_7_days_cash": ("Suppliers with under 7 days of cash", "suppliers", 1),
    "supplier_cash_shortfall_gbp": ("Suppliers' cash below zero", "cash below zero", 1),
    "suppliers_insolvent": ("Suppliers insolvent (not yet replaced)", "suppliers", 1),
    "supplier_jobs_lost": ("Supplier jobs lost (cumulative)", "jobs", 1),
    "supplier_cash_gbp": ("Suppliers' cash", "supplier cash", 1),
    "intervention_cost_cum_gbp": ("Cost of interventions (cumulative)", "cost", 1),
}
# the series a comparison looks at, in this order
COMPARED = (
    "production_total",
    "vehicles_lost_cum",
    "invoice_backlog_gbp",
    "parts_backlog_orders",
    "oem_cash_gbp",
    "facility_drawn_gbp",
    "supplier_runway_p05_days",
    "suppliers_runway_under_7_days",
    "suppliers_under_7_days_cash",
    "suppliers_insolvent",
    "supplier_jobs_lost",
    "intervention_cost_cum_gbp",
)


def spec(series: str) -> tuple[str, str, int]:
    """The heading, y label and smoothing of a series (its name in words when it has none)."""
    if series in SERIES:
        return SERIES[series]
    words = series.removesuffix("_gbp").replace("_", " ")
    return words[:1].upper() + words[1:], words, 1


def same_in_every_run(dailies: Mapping[str, pd.DataFrame], series: str) -> bool:
    """True when ``series`` is the same, day by day, in every run (NaN equal to NaN)."""
    frames = list(dailies.values())
    first = frames[0][series].to_numpy()
    return all(len(d) == len(first) and np.array_equal(d[series].to_numpy(), first, equal_nan=True) for d in frames[1:])


def split_compared(dailies: Mapping[str, pd.DataFrame]) -> tuple[list[str], list[str]]:
    """(series that differ between the runs, series identical in every run), of those every run's table has."""
    present = [s for s in COMPARED if all(s in d for d in dailies.values())]
    differ = [s for s in present if not same_in_every_run(dailies, s)]
    return differ, [s for s in present if s not in differ]
