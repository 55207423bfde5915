"""A sweep point, sensitivity sample or replication whose no-outage baseline is not steady is flagged in its
row and left out of the analysis, with a count printed.

The tiny scenario pays its one supplier's one invoice a day; with fewer than one invoice a day of automated
capacity its normal year piles up unpaid invoices and its supplier runs out of cash: not steady."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from sim.cli import main
from sim.experiments import parse_grid, run_sweep, sweep_summary, write_sweep
from sim.experiments.sensitivity import parse_params, run_sensitivity, write_sensitivity
from sim.scenario.loader import read_yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
CAPACITY = "payables.automated_invoices_per_day"


def test_unsteady_sweep_points_are_flagged_and_left_out_of_the_means(tmp_path: Path) -> None:
    """Capacity 0.5 (not steady) and 100 (steady), 2 replications each: the first point's rows are flagged, it has
    no run to average (its means are empty) and two runs left out; the second keeps both."""
    data, lines = read_yaml(TINY)
    table = run_sweep(data, str(TINY), parse_grid((f"{CAPACITY}=0.5,100",)), replications=2, seed=3, workers=1, lines=lines)
    assert table["baseline_steady"].tolist() == [False, False, True, True]
    assert table.attrs["runs_unsteady"] == 2
    summary = sweep_summary(table)
    assert summary["runs_ok"].tolist() == [0, 2] and summary["runs_unsteady"].tolist() == [2, 0]
    assert np.isnan(summary.loc[0, "vehicles_lost"]) and not np.isnan(summary.loc[1, "vehicles_lost"])
    out = write_sweep(tmp_path / "sweep", table, wall_s=1.0)
    assert pd.read_csv(out / "sweep_summary.csv")["runs_unsteady"].tolist() == [2, 0]


def test_the_sweep_command_prints_how_many_runs_it_left_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(TINY),
            "--set",
            f"{CAPACITY}=0.5,100",
            "--replications",
            "2",
            "--workers",
            "1",
            "--no-figures",
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 runs left out of the statistics: their no-outage baseline was not steady" in result.output


def test_morris_leaves_out_whole_trajectories_with_an_unsteady_run(tmp_path: Path) -> None:
    """Capacity from 0 to 4 on Morris's four levels (0, 1.33, 2.67, 4): runs at 0 are not steady. A trajectory
    (one parameter: two runs) with such a run is left out whole; the rest are analysed."""
    data, lines = read_yaml(TINY)
    ranking = run_sensitivity(
        data,
        str(TINY),
        parse_params((f"{CAPACITY}=0:4",)),
        method="morris",
        samples=6,
        seed=2,
        workers=1,
        kpis=["invoice_backlog_peak_gbp"],
        lines=lines,
    )
    design = pd.DataFrame(ranking.attrs["design"])
    flags = design["baseline_steady"].to_numpy().reshape(-1, 2)
    assert (design.loc[~design["baseline_steady"], CAPACITY] == 0).all()
    dropped = int((~flags.all(axis=1)).sum())
    assert 0 < dropped < len(flags), "the seed must give both kinds of trajectory"
    assert ranking.attrs["runs_unsteady"] == int((~design["baseline_steady"]).sum())
    assert ranking.attrs["runs_left_out"] == 2 * dropped
    assert np.isfinite(ranking["importance"]).all()
    out = write_sensitivity(tmp_path / "sens", ranking, wall_s=1.0)
    assert "baseline_steady" in pd.read_csv(out / "design.csv").columns
    assert json.loads((out / "run.json").read_text())["runs_left_out"] == 2 * dropped
