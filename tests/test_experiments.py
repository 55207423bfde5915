"""Replications, sweeps and sensitivity: reproducible across executors, processes and batch sizes.

Everything runs for real: process pools, a local Dask cluster, subprocesses and files on disk.
The tiny scenario gets a random ERP restore date so that replications differ.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.experiments import (
    BAND_SERIES,
    parse_grid,
    run_replications,
    run_sweep,
    sweep_summary,
    write_replications,
    write_sweep,
)
from sim.experiments.sensitivity import parse_params, run_sensitivity, write_sensitivity
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, read_yaml, validate_data
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
RANDOM_RESTORE = {"outages.attack.restore.erp.0.date": {"dist": "uniform", "low": "2025-01-24", "high": "2025-02-05"}}


def tiny_data(overrides: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[Any, int]]:
    data, lines = read_yaml(TINY)
    return apply_overrides(data, {**RANDOM_RESTORE, **(overrides or {})}, str(TINY)), lines


def tiny(overrides: dict[str, Any] | None = None) -> Scenario:
    data, lines = tiny_data(overrides)
    return validate_data(data, str(TINY), lines)


@pytest.mark.dask
def test_serial_pool_and_dask_give_identical_results() -> None:
    """The same replications in-process, on a 2-process pool and on a real 2-worker Dask cluster agree exactly."""
    pytest.importorskip("distributed")
    scenario = tiny()
    serial = run_replications(scenario, seed=11, replications=6, workers=1)
    pool = run_replications(scenario, seed=11, replications=6, workers=2)
    dask = run_replications(scenario, seed=11, replications=6, dask_workers=2)
    assert (serial.executor, pool.executor, dask.executor) == ("serial", "process_pool", "dask")
    assert serial.table["production_recovered_date"].nunique() > 1  # the replications really differ
    for other in (pool, dask):
        pd.testing.assert_frame_equal(serial.table, other.table)
        pd.testing.assert_frame_equal(serial.bands, other.bands)
        assert serial.summary == other.summary


def test_table_summary_and_bands_have_their_fixed_shape() -> None:
    """One row per replication with seed 'N/i'; KPI quantiles over ok runs; bands per date and series."""
    reps = run_replications(tiny(), seed=5, replications=4, workers=1)
    assert list(reps.table.columns[:4]) == ["replication", "seed", "status", "error"]
    assert reps.table["seed"].tolist() == ["5/0", "5/1", "5/2", "5/3"]
    assert (reps.table["status"] == "ok").all() and reps.failures == []
    lost = reps.table["vehicles_lost"].astype(float)
    assert reps.summary["vehicles_lost"]["mean"] == pytest.approx(lost.mean())
    assert reps.summary["vehicles_lost"]["p50"] == pytest.approx(lost.median())
    recovered = reps.summary["production_recovered_date"]
    assert isinstance(recovered["p05"], date) and recovered["p05"] <= recovered["p95"]  # dates as in a single run
    assert list(reps.bands.columns) == ["date", "series", "p05", "p50", "p95"]
    assert set(reps.bands["series"]) == set(BAND_SERIES) and len(reps.bands) == 60 * len(BAND_SERIES)
    assert (reps.bands["p05"] <= reps.bands["p50"]).all() and (reps.bands["p50"] <= reps.bands["p95"]).all()


def test_replication_does_not_depend_on_the_batch_size_or_workers() -> None:
    """Replication 3 of 5 (serial) equals replication 3 of 10 (two processes)."""
    scenario = tiny()
    five = run_replications(scenario, seed=3, replications=5, workers=1).table
    ten = run_replications(scenario, seed=3, replications=10, workers=2).table
    pd.testing.assert_frame_equal(five.iloc[[3]].reset_index(drop=True), ten.iloc[[3]].reset_index(drop=True))


SUBPROCESS = """
import json, sys
from sim.scenario.loader import apply_overrides, read_yaml, validate_data
from sim.experiments import run_replications
data, lines = read_yaml(sys.argv[1])
data = apply_overrides(data, json.loads(sys.argv[3]), sys.argv[1])
reps = run_replications(validate_data(data, sys.argv[1], lines), seed=21, replications=4, workers=1)
reps.table.to_parquet(sys.argv[2], index=False)
"""


def test_same_seed_in_two_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    """Two fresh interpreters with different PYTHONHASHSEED write identical replication tables."""
    tables = []
    for hash_seed in ("0", "12345"):
        out = tmp_path / f"reps_{hash_seed}.parquet"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        args = [sys.executable, "-c", SUBPROCESS, str(TINY), str(out), json.dumps(RANDOM_RESTORE)]
        subprocess.run(args, check=True, env=env, cwd=ROOT, timeout=120)
        tables.append(pd.read_parquet(out))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert tables[0]["production_recovered_date"].nunique() > 1


def test_a_failed_replication_is_recorded_and_the_rest_complete(tmp_path: Path) -> None:
    """Opening cash drawn above the 1e13 limit fails that replication only; the others run and are summarised."""
    scenario = tiny({"treasury.opening_cash_gbp": {"dist": "lognormal", "median": 1.0e13, "sigma": 1.0}})
    reps = run_replications(scenario, seed=1, replications=6, workers=2)
    failed = reps.table[reps.table["status"] == "failed"]
    ok = reps.table[reps.table["status"] == "ok"]
    assert 0 < len(failed) < 6
    assert failed["error"].str.contains("treasury.opening_cash_gbp").all()
    assert failed["vehicles_lost"].isna().all() and ok["vehicles_lost"].notna().all()
    assert [f["replication"] for f in reps.failures] == failed["replication"].tolist()
    assert [f["seed"] for f in reps.failures] == failed["seed"].tolist()
    assert reps.summary["vehicles_lost"]["n"] == len(ok)
    out = write_replications(tmp_path / "reps", reps, wall_s=1.0)
    run = json.loads((out / "run.json").read_text())
    assert run["replications"] == 6 and len(run["failures"]) == len(failed) and run["executor"] == "process_pool"
    assert {p.name for p in out.iterdir()} == {
        "replications.parquet",
        "summary.json",
        "daily_bands.parquet",
        "daily_paths.parquet",
        "daily_shares.parquet",
        "scenario.yaml",
        "run.json",
    }
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "replications.parquet")[["seed", "status"]], reps.table[["seed", "status"]], check_dtype=False
    )


def test_writing_never_overwrites_an_earlier_run(tmp_path: Path) -> None:
    """A second write to the same folder fails without force and leaves the first intact."""
    reps = run_replications(tiny(), seed=2, replications=2, workers=1)
    out = write_replications(tmp_path / "reps", reps, wall_s=1.0)
    before = (out / "summary.json").read_text()
    with pytest.raises(FileExistsError):
        write_replications(out, reps, wall_s=2.0)
    assert (out / "summary.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["reps"]


def test_sweep_uses_common_random_numbers(tmp_path: Path) -> None:
    """2 points x 2 replications: 4 rows; replication i has the same seed, and the same draws, at both points."""
    data, lines = tiny_data()
    grid = parse_grid(("parts_centre.orders_per_day=50,80",))
    table = run_sweep(data, str(TINY), grid, replications=2, seed=4, workers=2, lines=lines)
    assert len(table) == 4
    assert list(table.columns[:6]) == ["point", "parts_centre.orders_per_day", "replication", "seed", "status", "error"]
    assert table["parts_centre.orders_per_day"].tolist() == [50, 50, 80, 80]
    first, second = table[table["point"] == 0], table[table["point"] == 1]
    assert first["seed"].tolist() == second["seed"].tolist() == ["4/0", "4/1"]
    # parts orders do not touch production, so the drawn ERP restore (and recovery) match point by point
    assert first["production_recovered_date"].tolist() == second["production_recovered_date"].tolist()
    assert first["production_recovered_date"].nunique() == 2
    assert (second["parts_backlog_peak_orders"].to_numpy() > first["parts_backlog_peak_orders"].to_numpy()).all()
    out = write_sweep(tmp_path / "sweep", table, wall_s=1.0)
    assert len(pd.read_csv(out / "sweep.csv")) == 4 and len(pd.read_parquet(out / "sweep.parquet")) == 4
    assert sweep_summary(table)["runs_ok"].tolist() == [2, 2]
    assert json.loads((out / "run.json").read_text())["grid"] == {"parts_centre.orders_per_day": [50, 80]}


def test_grid_values_are_yaml_scalars() -> None:
    """Numbers (250e6 included), dates and several axes parse; malformed options are user errors."""
    grid = parse_grid(("interventions.supplier_finance.budget_gbp=0,250e6,1e9", "a.b.0.date=2025-09-05, 2025-09-15"))
    assert grid == {
        "interventions.supplier_finance.budget_gbp": [0, 250e6, 1e9],
        "a.b.0.date": [date(2025, 9, 5), date(2025, 9, 15)],
    }
    for bad in ("no_equals_sign", "path=", "=1,2", "path=1,,2"):
        with pytest.raises(ScenarioError, match="Command line"):
            parse_grid((bad,))


@pytest.mark.parametrize(
    ("option", "point", "line_at", "problem"),
    [
        (
            "plants.plant_a.daily_rte=1,2",
            "plants.plant_a.daily_rte=1",
            ("plants", "plant_a"),
            "plants.plant_a.daily_rte: unknown key",
        ),
        (
            "payables.automated_invoices_per_day=10,-5",
            "payables.automated_invoices_per_day=-5",
            ("payables", "automated_invoices_per_day"),
            "payables.automated_invoices_per_day: must be >= 0",
        ),
        ("nowhere.at_all=1", "nowhere.at_all=1", None, "nowhere"),
    ],
)
def test_bad_sweep_path_or_value_names_the_path(option: str, point: str, line_at: tuple[str, ...] | None, problem: str) -> None:
    """A misspelt path, an out-of-range value or a missing section: a ScenarioError naming point, line and path."""
    data, lines = read_yaml(TINY)
    with pytest.raises(ScenarioError) as info:
        run_sweep(data, str(TINY), parse_grid((option,)), workers=1, lines=lines)
    where, _, what = str(info.value).partition(" is invalid: ")
    assert where.endswith(f"(sweep point {point})")
    assert what.startswith(f"line {lines[line_at]}, {problem}" if line_at else problem)


def test_morris_sensitivity_ranks_both_parameters(tmp_path: Path) -> None:
    """Morris on a number and a date: every KPI ranks both; only the restore date moves production."""
    data, lines = read_yaml(TINY)
    params = parse_params(("payables.automated_invoices_per_day=20:200", "outages.attack.restore.erp.0.date=2025-01-23:2025-02-10"))
    assert params["outages.attack.restore.erp.0.date"] == (date(2025, 1, 23), date(2025, 2, 10))
    ranking = run_sensitivity(
        data,
        str(TINY),
        params,
        method="morris",
        samples=2,
        seed=1,
        workers=2,
        kpis=["vehicles_lost", "invoice_backlog_peak_gbp", "production_recovered_date"],
        lines=lines,
    )
    assert list(ranking.columns[:5]) == ["kpi", "parameter", "method", "importance", "rank"]
    for _, group in ranking.groupby("kpi"):
        assert set(group["parameter"]) == set(params) and (group["method"] == "morris").all()
    recovered = ranking[ranking["kpi"] == "production_recovered_date"].set_index("parameter")
    assert recovered.loc["outages.attack.restore.erp.0.date", "rank"] == 1
    assert recovered.loc["outages.attack.restore.erp.0.date", "importance"] > 0
    assert recovered.loc["payables.automated_invoices_per_day", "importance"] == 0
    out = write_sensitivity(tmp_path / "sens", ranking, wall_s=1.0)
    assert len(pd.read_csv(out / "design.csv")) == 2 * (2 + 1)
    assert json.loads((out / "run.json").read_text())["runs"] == 6


def test_bad_sensitivity_params_are_user_errors() -> None:
    """LOW:HIGH must be two numbers or two dates with LOW below HIGH."""
    for bad in ("x=1", "x=5:1", "x=1:2025-01-01", "x=a:b"):
        with pytest.raises(ScenarioError):
            parse_params((bad,))


def test_cli_replications_and_sweep_write_their_folders(tmp_path: Path) -> None:
    """`supplysim run --replications --workers 2` and `supplysim sweep` finish and write their files."""
    cli = [sys.executable, "-m", "sim"]
    run = subprocess.run(
        [*cli, "run", str(TINY), "--replications", "4", "--workers", "2", "--out", str(tmp_path / "reps"), "--no-figures"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "reps" / "replications.parquet").exists() and "4 replications (0 failed)" in run.stdout
    bad = subprocess.run(
        [*cli, "sweep", str(TINY), "--set", "plants.plant_a.daily_rte=1,2", "--out", str(tmp_path / "bad")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2 and "plants.plant_a.daily_rte" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()
