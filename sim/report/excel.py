"""One ``.xlsx`` workbook of a run's tables for treasury and finance teams: the KPI summary, quarters (when the
run has a quarterly table) and suppliers; for replications, the KPI percentiles and one row per replication.

Needs openpyxl (``pip install 'supplysim[excel]'``). Money is in pounds to the penny, counts whole, dates as
spreadsheet dates.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.results.kpis import STATISTICS, label, plain, plain_value, unit_of

MISSING = "openpyxl is not installed, so --excel cannot write a workbook; pip install 'supplysim[excel]'"


def available() -> bool:
    """True when openpyxl can be imported."""
    return importlib.util.find_spec("openpyxl") is not None


def summary_sheet(summary: Mapping[str, Any]) -> pd.DataFrame:
    """One row per KPI: its label, value (or percentiles over replications), unit and key."""
    rows = []
    for key, value in summary.items():
        row: dict[str, Any] = {"KPI": label(key)}
        if isinstance(value, Mapping):
            row.update({stat: plain(key, value.get(stat)) for stat in STATISTICS})
            row["runs"] = value.get("n")
        else:
            row["value"] = plain(key, value)
        row.update({"unit": unit_of(key), "key": key})
        rows.append(row)
    return pd.DataFrame(rows)


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for a spreadsheet: money columns (``*_gbp``) to the penny, KPI columns in their units."""
    out = frame.copy()
    for column in out.columns:
        name = str(column)
        if name.endswith("_gbp"):
            out[column] = [plain_value("gbp", v) for v in out[column]]
        elif out[column].dtype == object and unit_of(name) == "date":
            out[column] = [plain_value("date", v) for v in out[column]]
    return out


def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame | None]) -> Path:
    """Write each non-empty table as a sheet of one workbook, with its header row frozen."""
    if not available():
        raise ModuleNotFoundError(MISSING)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            if frame is None:
                continue
            plain_table(frame).to_excel(writer, sheet_name=name[:31], index=False, freeze_panes=(1, 0))
    return Path(path)


def run_sheets(
    summary: Mapping[str, Any], suppliers: pd.DataFrame | None, quarters: pd.DataFrame | None
) -> dict[str, pd.DataFrame | None]:
    """The sheets of a run's workbook: summary, quarters (when the run has them), suppliers."""
    return {"summary": summary_sheet(summary), "quarters": quarters, "suppliers": suppliers}


def replication_sheets(summary: Mapping[str, Any], table: pd.DataFrame) -> dict[str, pd.DataFrame | None]:
    """The sheets of a replications workbook: KPI percentiles, one row per replication."""
    return {"summary": summary_sheet(summary), "replications": table}
