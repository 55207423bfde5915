"""Redraw the figures and report of a saved results folder (a run, replications, a comparison, a sweep or a
sensitivity analysis) without running anything again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.report.context import figure_context, scenario_title
from sim.report.experiment_reports import (
    SavedReplications,
    write_comparison_figures,
    write_replication_figures,
    write_sensitivity_figures,
    write_sweep_figures,
)
from sim.report.html import write_run_figures

KINDS = (
    "a run (daily.parquet, events.parquet and summary.json)",
    "replications (daily_bands.parquet and summary.json)",
    "a comparison (comparison.csv and daily_*.parquet)",
    "a sweep (sweep.parquet and run.json)",
    "a sensitivity analysis (ranking.parquet and run.json)",
)


class NotAResultsFolder(ValueError):
    """The folder holds none of the sets of files supplysim writes."""


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _scenario_data(folder: Path) -> dict[str, Any] | None:
    """The resolved scenario saved beside the results (None without one)."""
    path = folder / "scenario.yaml"
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def _stem(name: str) -> str:
    """The daily_<stem>.parquet name the command line gives a compared run."""
    return Path(name).stem.replace(":", "_")


def _has(folder: Path, *names: str) -> bool:
    return all((folder / n).is_file() for n in names)


def redraw(folder: Path) -> list[Path]:
    """Redraw the figures and report of a saved results folder; :class:`NotAResultsFolder` names what is expected."""
    folder = Path(folder)
    run_info = _read_json(folder / "run.json")
    if (folder / "comparison.csv").is_file() and list(folder.glob("daily_*.parquet")):
        return _redraw_comparison(folder)
    if _has(folder, "sweep.parquet", "run.json"):
        return write_sweep_figures(folder, pd.read_parquet(folder / "sweep.parquet"), run_info)
    if _has(folder, "ranking.parquet", "run.json"):
        return write_sensitivity_figures(folder, pd.read_parquet(folder / "ranking.parquet"), run_info)
    if _has(folder, "daily_bands.parquet", "summary.json"):
        name = str(run_info.get("scenario") or folder.name)
        data = _scenario_data(folder) or {}

        def optional(file: str) -> pd.DataFrame | None:
            return pd.read_parquet(folder / file) if (folder / file).is_file() else None

        reps = SavedReplications(
            pd.read_parquet(folder / "daily_bands.parquet"),
            _read_json(folder / "summary.json"),
            name,
            run_info.get("replications"),
            run_info.get("seed"),
            optional("replications.parquet"),
            optional("daily_paths.parquet"),
            optional("daily_shares.parquet"),
            run_info.get("failures"),
            scenario_title(data.get("description"), name),
        )
        return write_replication_figures(folder, reps)
    if _has(folder, "daily.parquet", "events.parquet", "summary.json"):
        suppliers = pd.read_parquet(folder / "suppliers.parquet") if (folder / "suppliers.parquet").is_file() else pd.DataFrame()
        context = figure_context(
            _scenario_data(folder), str(run_info.get("scenario") or folder.name), _read_json(folder / "draws.json")
        )
        return write_run_figures(
            folder,
            pd.read_parquet(folder / "daily.parquet"),
            pd.read_parquet(folder / "events.parquet"),
            _read_json(folder / "summary.json"),
            suppliers,
            context,
        )
    raise NotAResultsFolder(
        f"{folder} is not a supplysim results folder, so there is nothing to redraw. `supplysim plot` redraws the "
        f"folder written by `supplysim run`, `compare`, `sweep` or `sensitivity`; it looks for the files of "
        f"{', '.join(KINDS[:-1])} or {KINDS[-1]}. Give the folder you passed as --out."
    )


def _redraw_comparison(folder: Path) -> list[Path]:
    table = pd.read_csv(folder / "comparison.csv", dtype=object, keep_default_na=False, na_values=[""])
    table = table.astype(object).where(table.notna(), None)
    files = {p.stem.removeprefix("daily_"): p for p in sorted(folder.glob("daily_*.parquet"))}
    from sim.results.kpis import COMPARISON_COLUMNS

    names = [c for c in table.columns if c not in COMPARISON_COLUMNS]
    if not all(_stem(n) in files for n in names):
        names = list(files)
    dailies = {n: pd.read_parquet(files[_stem(n)] if _stem(n) in files else files[n]) for n in names}
    summaries = _read_json(folder / "summary.json")
    events = {
        n: pd.DataFrame({"date": [pd.Timestamp(s)], "kind": ["outage"]})
        for n in names
        if (s := (summaries.get(n) or {}).get("outage_start_date"))
    }
    titles = _read_json(folder / "run.json").get("titles")
    return write_comparison_figures(folder, dailies, events, table, titles if isinstance(titles, dict) else None)
