"""Two scenarios side by side at the same seed (common random numbers): KPIs and differences."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from sim.results.kpis import label, plain, unit_of
from sim.scenario.schema import Scenario
from sim.simulation import RunResult, simulate


def kpi_table(results: dict[str, RunResult]) -> pd.DataFrame:
    """One row per KPI: its key, label and unit, one column per scenario, and the difference (last minus first).

    Values are as a program reads them (:func:`sim.results.kpis.plain_value`): money in pounds to the penny,
    counts as integers, dates as dates. ``difference`` is numeric (empty for dates and missing values);
    ``difference_days`` holds the days between two dates.
    """
    names = list(results)
    rows = []
    for kpi in results[names[0]].summary:
        values = [plain(kpi, results[n].summary.get(kpi)) for n in names]
        row: dict[str, Any] = {"kpi": kpi, "label": label(kpi), "unit": unit_of(kpi), **dict(zip(names, values, strict=True))}
        a, b = values[0], values[-1]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        row["difference"] = plain(kpi, b - a) if numbers else None
        row["difference_days"] = (b - a).days if isinstance(a, date) and isinstance(b, date) else None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["kpi", "label", "unit", *names, "difference", "difference_days"], dtype=object)
    frame["difference_days"] = frame["difference_days"].astype("Int64")
    return frame


def compare(scenarios: dict[str, Scenario], seed: int | None = None) -> tuple[dict[str, RunResult], pd.DataFrame]:
    """Run each scenario at the same seed; returns the runs and the KPI table (see :func:`kpi_table`)."""
    first = next(iter(scenarios.values()))
    common = first.seed if seed is None else seed
    results = {name: simulate(s, common, source=name) for name, s in scenarios.items()}
    return results, kpi_table(results)
