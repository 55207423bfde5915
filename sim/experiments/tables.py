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


def unsteady(table: pd.DataFrame) -> pd.Series:
    """Which runs of a table finished with a baseline that is not steady (their losses against it mean nothing:
    see :mod:`sim.results.steady`)."""
    if "baseline_steady" not in table:
        return pd.Series(False, index=table.index)
    return (table["status"] == "ok") & table["baseline_steady"].eq(False)


def analysed(table: pd.DataFrame) -> pd.DataFrame:
    """The runs an analysis uses: those that finished, with a steady baseline."""
    return table[(table["status"] == "ok") & ~unsteady(table)]


def kpi_summary(table: pd.DataFrame, exclude: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """KPI -> mean, p05, p50, p95 over the ok runs with a steady baseline, and n: runs with a value. Dates are
    ``datetime.date``, as in a single run's summary (and ISO strings once written to summary.json)."""
    ok = analysed(table)
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
            out[name] = {**{k: date.fromordinal(round(s)) for k, s in zip(keys, stats, strict=True)}, "n": len(values)}
        elif all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
            out[name] = {**dict(zip(keys, _stats(np.array(values, dtype=float)), strict=True)), "n": len(values)}
    return out


# ---------------------------------------------------------------------------------- tables for readers


def grid_columns(table: pd.DataFrame) -> list[str]:
    """The grid's columns of a sweep table: those between ``point`` and ``replication``."""
    columns = list(table.columns)
    return columns[1 : columns.index("replication")] if "point" in columns and "replication" in columns else []


def point_names(table: pd.DataFrame) -> dict[int, str]:
    """Each sweep point's grid values in words, e.g. ``budget_gbp=250000000.0``: the last part of each path."""
    grid = grid_columns(table)
    first = table.groupby("point", sort=True).first()
    return {int(str(p)): ", ".join(f"{c.rsplit('.', 1)[-1]}={_value_text(row[c])}" for c in grid) for p, row in first.iterrows()}


def _value_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{value:,.0f}"
    return str(value)


def varying(table: pd.DataFrame, kpis: Sequence[str]) -> list[str]:
    """Those of ``kpis`` whose value differs between the successful runs of ``table``."""
    ok = table[table["status"] == "ok"] if "status" in table else table
    return [k for k in kpis if k in ok and ok[k].astype(str).nunique() > 1]


def sweep_kpis(table: pd.DataFrame, limit: int = 6) -> list[str]:
    """The KPIs a sweep's figure shows: the sensitivity defaults, then other headline KPIs that vary, ``limit`` at
    most."""
    from sim.results.kpis import HEADLINE, SENSITIVITY_DEFAULTS

    chosen = [k for k in SENSITIVITY_DEFAULTS if k in table]
    chosen += [k for k in varying(table, HEADLINE) if k not in chosen]
    return chosen[:limit]


def sweep_points_table(table: pd.DataFrame, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per KPI (its label; default: the headline KPIs), one column per sweep point: the mean over its
    successful replications, as text in the KPI's unit."""
    from sim.results.kpis import HEADLINE, label, text

    names = [k for k in (HEADLINE if kpis is None else kpis) if k in table]
    names_of = point_names(table)
    columns = {}
    for point, group in table.groupby("point", sort=True):
        stats = kpi_summary(group, exclude=("point", *grid_columns(table)))
        columns[names_of[int(str(point))]] = [text(k, (stats.get(k) or {}).get("mean")) for k in names]
    return pd.DataFrame(columns, index=pd.Index([label(k) for k in names], name="KPI"))


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """A sensitivity ranking as a reader sees it: the KPI's label, rank, parameter, and the importance (Morris mu*
    in the KPI's unit, dates in days; Sobol ST as a share) with the method's spread beside it."""
    from sim.results.kpis import label, text, unit_of, value_text

    rows = []
    for r in ranking.to_dict("records"):
        kpi = str(r["kpi"])
        if r["method"] == "morris":
            unit = "days" if unit_of(kpi) == "date" else None

            def shown(value: Any, kpi: str = kpi, unit: str | None = unit) -> str:
                return value_text("days", value) if unit else text(kpi, value)

            importance, spread = f"mu* {shown(r['mu_star'])}", f"sigma {shown(r['sigma'])}"
        else:
            importance, spread = f"ST {r['ST']:.2f}", f"S1 {r['S1']:.2f}"
        rows.append(
            {
                "KPI": label(kpi),
                "rank": int(str(r["rank"])),
                "parameter": r["parameter"],
                "importance": importance,
                "spread": spread,
            }
        )
    return pd.DataFrame(rows, columns=["KPI", "rank", "parameter", "importance", "spread"])
