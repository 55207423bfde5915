"""Tables of a batch of runs: one row of KPIs per run, and KPI quantiles over the runs that succeeded."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.executors import Outcome

RUN_COLUMNS = ("replication", "seed", "status", "error")


def typed_column(values: list[Any]) -> Any:
    """A table column with a fixed type: nullable integers, floats with NaN, dates, true/false or text.

    Values of mixed kinds (a sweep axis mixing a number and a distribution, say) become text, each as it
    reads in a scenario file, so that the table can always be written (parquet refuses mixed columns).
    """
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in present):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values])
    for kind in (date, str, (bool, np.bool_)):
        if all(isinstance(v, kind) for v in present):
            return pd.Series(values, dtype=object)
    return pd.Series([None if v is None else _text(v) for v in values], dtype=object)


def _text(value: Any) -> str:
    """A value as text in a column of mixed kinds: dates in ISO form, mappings and lists as JSON."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, sort_keys=True)
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


def outcome_table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """seed, status, error, then every KPI (in the engine's order); failed runs have empty KPIs."""
    kpis: dict[str, None] = {}
    for o in outcomes:
        kpis.update(dict.fromkeys(o.summary))
    columns: dict[str, Any] = {
        "seed": pd.Series([o.label for o in outcomes], dtype=object),
        "status": pd.Series(["ok" if o.error is None else "failed" for o in outcomes], dtype=object),
        "error": pd.Series([o.error for o in outcomes], dtype=object),
    }
    for name in kpis:
        columns[name] = typed_column([o.summary.get(name) for o in outcomes])
    return pd.DataFrame(columns)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _stats(x: np.ndarray) -> list[float]:
    return [float(np.mean(x)), *map(float, np.percentile(x, [5, 50, 95]))]


def kpi_summary(table: pd.DataFrame, exclude: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """KPI -> mean, p05, p50, p95 over the ok runs (dates as ISO strings), and n: runs with a value."""
    ok = table[table["status"] == "ok"]
    out: dict[str, dict[str, Any]] = {}
    for name in table.columns:
        if name in RUN_COLUMNS or name in exclude:
            continue
        values = [v for v in ok[name].tolist() if not _missing(v)]
        keys = ("mean", "p05", "p50", "p95")
        if not values:
            out[name] = {**dict.fromkeys(keys), "n": 0}
        elif all(isinstance(v, date) for v in values):
            stats = _stats(np.array([v.toordinal() for v in values], dtype=float))
            out[name] = {**{k: date.fromordinal(round(s)).isoformat() for k, s in zip(keys, stats, strict=True)},
                         "n": len(values)}
        elif all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
            out[name] = {**dict(zip(keys, _stats(np.array(values, dtype=float)), strict=True)), "n": len(values)}
    return out


