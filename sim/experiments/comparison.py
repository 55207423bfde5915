"""Two scenarios side by side at the same seed (common random numbers): KPIs and differences."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from sim.scenario.schema import Scenario
from sim.simulation import RunResult, simulate


def kpi_table(results: dict[str, RunResult]) -> pd.DataFrame:
    """One row per KPI, one column per scenario, and the difference (second minus first)."""
    names = list(results)
    rows = []
    for kpi in results[names[0]].summary:
        row: dict[str, Any] = {"kpi": kpi}
        values = [results[n].summary.get(kpi) for n in names]
        for n, v in zip(names, values, strict=True):
            row[n] = v.isoformat() if isinstance(v, date) else v
        a, b = values[0], values[-1]
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            row["difference"] = b - a
        elif isinstance(a, date) and isinstance(b, date):
            row["difference"] = f"{(b - a).days:+d} days"
        else:
            row["difference"] = None if a == b else "changed"
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.astype({c: "object" for c in frame.columns})


def compare(scenarios: dict[str, Scenario], seed: int | None = None) -> tuple[dict[str, RunResult], pd.DataFrame]:
    """Run each scenario at the same seed; returns the runs and the KPI table."""
    first = next(iter(scenarios.values()))
    common = first.seed if seed is None else seed
    results = {name: simulate(s, common, source=name) for name, s in scenarios.items()}
    return results, kpi_table(results)
