"""The command line end to end: result folders, safety of earlier runs, reproducibility, golden summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.runner import jsonable
from sim.scenario.loader import load_scenario
from sim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
GOLDEN = ROOT / "tests" / "golden" / "jlr_2025_summary.json"


def supplysim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )


def test_run_writes_every_output(tmp_path: Path) -> None:
    """`supplysim run` writes tables, summary, resolved scenario and provenance; the summary has the KPIs."""
    out = tmp_path / "run"
    proc = supplysim("run", str(TINY), "--out", str(out), "--seed", "7", "--no-figures")
    assert proc.returncode == 0, proc.stderr
    for name in (
        "summary.json",
        "daily.parquet",
        "suppliers.parquet",
        "events.parquet",
        "quarters.parquet",
        "scenario.yaml",
        "run.json",
    ):
        assert (out / name).exists(), name
    quarters = pd.read_parquet(out / "quarters.parquet")
    assert quarters["quarter"].unique().tolist() == ["2025 Q1", "FY25 Q1"]  # calendar, and fiscal from January
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "vehicles_lost",
        "revenue_lost_gbp",
        "production_recovered_date",
        "invoice_backlog_peak_count",
        "invoice_backlog_peak_gbp",
        "invoice_backlog_peak_date",
        "invoice_backlog_cleared_date",
        "parts_backlog_peak_orders",
        "parts_backlog_cleared_date",
        "oem_cash_trough_gbp",
        "oem_cash_trough_date",
        "suppliers_insolvent",
        "supplier_jobs_lost",
        "suppliers_under_7_days_cash_peak",
        "suppliers_under_7_days_cash_peak_date",
        "supplier_cash_shortfall_gbp",
        "oem_facility_drawn_gbp",
        "government_loan_drawn_gbp",
        "intervention_cost_gbp",
    ):
        assert key in summary, key
    assert summary["vehicles_lost"] == 700 and summary["production_recovered_date"] == "2025-01-27"
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 7 and run["versions"]["simpy"] and run["wall_time_s"] > 0
    daily = pd.read_parquet(out / "daily.parquet")
    assert str(daily["date"].iloc[0].date()) == "2025-01-06" and len(daily) == 60
    # the resolved scenario reproduces the run exactly
    again = simulate(load_scenario(out / "scenario.yaml"), 7)
    assert jsonable(again.summary) == summary


@pytest.mark.slow
def test_existing_output_is_never_overwritten(tmp_path: Path) -> None:
    """An earlier result folder is kept unless --force; --force replaces it, and nothing but a result folder."""
    out = tmp_path / "run"
    assert supplysim("run", str(TINY), "--out", str(out), "--no-figures", "--seed", "1").returncode == 0
    before = (out / "run.json").read_text()
    proc = supplysim("run", str(TINY), "--out", str(out), "--no-figures")
    assert proc.returncode == 2 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "run.json").read_text() == before
    proc = supplysim("run", str(TINY), "--out", str(out), "--no-figures", "--force", "--seed", "2")
    assert proc.returncode == 0 and json.loads((out / "run.json").read_text())["seed"] == 2
    (out / "keep.txt").write_text("my notes")
    proc = supplysim("run", str(TINY), "--out", str(out), "--no-figures", "--force")
    assert proc.returncode == 2 and "keep.txt" in proc.stderr and (out / "keep.txt").read_text() == "my notes"


def test_failed_run_leaves_no_folder(tmp_path: Path) -> None:
    """A scenario error stops the run before anything is written; no partial folder is left behind."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("daily_rate: 100", "daily_rate: {dist: normal, mean: 100, sd: 500}"))
    out = tmp_path / "run"
    proc = supplysim("run", str(bad), "--out", str(out), "--no-figures", "--seed", "3")
    assert proc.returncode == 2 and "plants.plant_a.daily_rate" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_set_overrides_a_field(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = supplysim("run", str(TINY), "--out", str(out), "--no-figures", "--set", "plants.plant_a.daily_rate=200")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["vehicles_lost"] == 1400


def test_compare_writes_side_by_side_table(tmp_path: Path) -> None:
    other = tmp_path / "later.yaml"
    other.write_text(TINY.read_text().replace("erp: [{date: 2025-01-27}]", "erp: [{date: 2025-02-03}]"))
    out = tmp_path / "cmp"
    proc = supplysim("compare", str(TINY), str(other), "--out", str(out), "--no-figures")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "comparison.csv")
    row = table[table["kpi"] == "vehicles_lost"].iloc[0]
    assert int(row["tiny"]) == 700 and int(row["later"]) == 1400 and int(row["difference"]) == 700
    assert row["label"] == "Vehicles lost against the baseline" and row["unit"] == "vehicles"
    dates = table[table["kpi"] == "production_recovered_date"].iloc[0]
    assert dates["difference_days"] == 7 and pd.isna(dates["difference"])


def test_same_seed_same_tables_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Two processes with different PYTHONHASHSEED produce byte-identical daily tables."""
    outs = []
    for hash_seed in ("1", "12345"):
        out = tmp_path / f"run{hash_seed}"
        proc = supplysim(
            "run",
            str(ROOT / "scenarios" / "jlr_2025.yaml"),
            "--out",
            str(out),
            "--no-figures",
            "--set",
            "horizon_days=150",
            env={"PYTHONHASHSEED": hash_seed},
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for name in ("daily.parquet", "suppliers.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(outs[0] / name), pd.read_parquet(outs[1] / name))
    assert (outs[0] / "summary.json").read_text() == (outs[1] / "summary.json").read_text()


def test_different_seeds_differ_for_an_uncertain_scenario() -> None:
    s = load_scenario(ROOT / "scenarios" / "jlr_2025.yaml", {"horizon_days": 150})
    assert simulate(s, 1).summary != simulate(s, 2).summary


@pytest.mark.skipif(not GOLDEN.exists(), reason="golden summary not generated")
def test_flagship_matches_golden_summary() -> None:
    """The flagship's KPIs at its own seed are unchanged. If a model change is deliberate, regenerate with
    `python -m tests.golden` and review the diff."""
    result = simulate(load_scenario(ROOT / "scenarios" / "jlr_2025.yaml"))
    expected = json.loads(GOLDEN.read_text())
    assert jsonable(result.summary) == expected


def test_help_is_quick_to_import() -> None:
    """`supplysim --help` does not import pandas, matplotlib or dask."""
    code = "import sys, sim.cli; print(sorted(m for m in ('pandas','matplotlib','dask','simpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    assert out == "[]"


@pytest.mark.slow
def test_run_draws_figures_and_plot_redraws_them(tmp_path: Path) -> None:
    """A run writes the four figures and report.html; `supplysim plot` redraws them from the saved files."""
    out = tmp_path / "run"
    assert supplysim("run", str(TINY), "--out", str(out)).returncode == 0
    names = ("invoice_backlog.png", "parts_backlog.png", "production_recovery.png", "cash.png", "report.html")
    first = {n: (out / n).read_bytes() for n in names}
    for name in names:
        (out / name).unlink()
    proc = supplysim("plot", str(out))
    assert proc.returncode == 0, proc.stderr
    assert {n: (out / n).read_bytes() for n in names} == first
