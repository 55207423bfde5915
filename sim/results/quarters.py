"""A run by quarter, as companies report: production, wholesale, revenue, the OEM's profit (contribution, incident
costs, supplier support, operating profit, financing costs) and free cash flow summed over each quarter, and cash,
drawings and suppliers' cash at its end, each against the baseline.

Quarters come twice: calendar quarters (``2025 Q3``) and fiscal quarters for a fiscal year starting in a
given month, named by the calendar year the fiscal year ends in (JLR's year starts in April: July to
September 2025 is ``FY26 Q2``). A quarter the run covers only in part has ``complete`` false. Pure
functions of the daily table (no SimPy here).
"""

from __future__ import annotations

import calendar
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

QUARTER_COLUMNS = (
    "basis",
    "quarter",
    "first_date",
    "last_date",
    "days",
    "complete",
    "measure",
    "unit",
    "run",
    "baseline",
    "difference",
)


class QuarterMeasure(NamedTuple):
    """One row kind of the table: its name, unit, the daily columns added together, and whether the quarter's
    value is their sum over its days (a flow) or their value on its last day (a stock)."""

    name: str
    unit: Literal["vehicles", "gbp"]
    columns: tuple[str, ...]
    how: Literal["sum", "end"]
    meaning: str


MEASURES: tuple[QuarterMeasure, ...] = (
    QuarterMeasure("production", "vehicles", ("production_total",), "sum", "vehicles built"),
    QuarterMeasure("wholesale", "vehicles", ("wholesale_vehicles",), "sum", "vehicles wholesaled (on arrival at their market)"),
    QuarterMeasure(
        "revenue", "gbp", ("wholesale_revenue_gbp", "parts_revenue_gbp"), "sum", "wholesale revenue and parts revenue recognised"
    ),
    # the OEM's profit view, beside its cash: a quarter's lost EBIT is minus the operating profit's difference
    QuarterMeasure(
        "oem_contribution",
        "gbp",
        ("oem_contribution_gbp",),
        "sum",
        "wholesale and parts revenue less the standard variable cost of the vehicles wholesaled (bought-in "
        "parts at their prices and other costs per vehicle)",
    ),
    QuarterMeasure(
        "oem_incident_costs", "gbp", ("oem_incident_costs_gbp",), "sum", "the incident's own costs (IT recovery, advisers, claims)"
    ),
    QuarterMeasure(
        "oem_supplier_support",
        "gbp",
        ("oem_supplier_support_gbp",),
        "sum",
        "money put into suppliers to keep them trading, and the cost of moving failed suppliers' tooling",
    ),
    QuarterMeasure(
        "oem_operating_profit",
        "gbp",
        ("oem_operating_profit_gbp",),
        "sum",
        "contribution less fixed costs, incident costs and supplier support: EBIT before depreciation, which "
        "the model does not hold and the incident does not change (so the difference is the EBIT lost)",
    ),
    QuarterMeasure(
        "oem_financing_costs",
        "gbp",
        ("oem_financing_costs_gbp",),
        "sum",
        "interest on credit facilities and government-backed loans, and the early-payment scheme's charge",
    ),
    QuarterMeasure(
        "oem_free_cash_flow",
        "gbp",
        ("oem_free_cash_flow_gbp",),
        "sum",
        "the OEM's change in cash other than facility drawings and repayments",
    ),
    QuarterMeasure("oem_cash_end", "gbp", ("oem_cash_gbp",), "end", "the OEM's cash at the quarter's last day"),
    QuarterMeasure(
        "facilities_drawn_end",
        "gbp",
        ("facility_drawn_gbp", "government_loan_drawn_gbp"),
        "end",
        "credit facilities and government-backed loans drawn at the quarter's last day",
    ),
    QuarterMeasure("supplier_cash_end", "gbp", ("supplier_cash_gbp",), "end", "suppliers' total cash at the quarter's last day"),
)


def fiscal_frequency(start_month: int) -> str:
    """The pandas period frequency of quarters in a fiscal year starting in ``start_month`` (1-12): quarterly,
    the year ending in the month before (April: ``Q-MAR``)."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"start_month must be a month 1-12, got {start_month}")
    return f"Q-{calendar.month_abbr[(start_month - 2) % 12 + 1].upper()}"


def quarters(daily: pd.DataFrame, fiscal_year_start_month: int = 1) -> pd.DataFrame:
    """The run of ``daily`` (a run's daily table with its baseline columns) by calendar quarter and by fiscal
    quarter: one row per basis, quarter and measure (see :data:`MEASURES`), in that order, with the run's
    value, the baseline's and their difference (run less baseline). Money in pounds."""
    dates = pd.DatetimeIndex(daily["date"])
    values = {m.name: (_total(daily, m.columns), _total(daily, tuple(f"baseline_{c}" for c in m.columns))) for m in MEASURES}
    parts = []
    for basis, freq in (("calendar", "Q-DEC"), ("fiscal", fiscal_frequency(fiscal_year_start_month))):
        periods = dates.to_period(freq)
        codes, uniques = pd.factorize(periods, sort=True)
        ends = np.flatnonzero(np.diff(codes, append=-1))  # each quarter's last row (dates are in order)
        days = np.bincount(codes, minlength=len(uniques))
        for m in MEASURES:
            run, base = values[m.name]
            if m.how == "sum":
                run_q, base_q = np.bincount(codes, run, len(uniques)), np.bincount(codes, base, len(uniques))
            else:
                run_q, base_q = run[ends], base[ends]
            parts.append(
                pd.DataFrame(
                    {
                        "basis": basis,
                        "quarter": [_label(p, basis) for p in uniques],
                        "first_date": [p.start_time.normalize() for p in uniques],
                        "last_date": [p.end_time.normalize() for p in uniques],
                        "days": days,
                        "complete": days == np.array([(p.end_time - p.start_time).days + 1 for p in uniques]),
                        "measure": m.name,
                        "unit": m.unit,
                        "run": run_q,
                        "baseline": base_q,
                        "difference": run_q - base_q,
                        "_order": np.arange(len(uniques)),
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    basis_order = frame["basis"].map({"calendar": 0, "fiscal": 1})
    measure_order = frame["measure"].map({m.name: i for i, m in enumerate(MEASURES)})
    frame = frame.assign(_basis=basis_order, _measure=measure_order).sort_values(["_basis", "_order", "_measure"], kind="stable")
    frame = frame.astype(
        {
            "basis": "string",
            "quarter": "string",
            "first_date": "datetime64[ns]",
            "last_date": "datetime64[ns]",
            "days": "int64",
            "complete": "bool",
            "measure": "string",
            "unit": "string",
            "run": "float64",
            "baseline": "float64",
            "difference": "float64",
        }
    )
    return frame[list(QUARTER_COLUMNS)].reset_index(drop=True)


def _total(daily: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    return np.asarray(np.sum([daily[c].to_numpy(np.float64) for c in columns], axis=0))


def _label(period: pd.Period, basis: str) -> str:
    """``2025 Q3`` for a calendar quarter, ``FY26 Q2`` for a fiscal one (the year the fiscal year ends in)."""
    year, quarter = period.qyear, period.quarter
    return f"{year} Q{quarter}" if basis == "calendar" else f"FY{year % 100:02d} Q{quarter}"
