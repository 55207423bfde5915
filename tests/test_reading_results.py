"""Results an analyst can read and quote: figures that show the whole loss, comparisons that draw what differs,
tables in the registry's units, `plot` on any folder, help on every option, progress, logging and exports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import click  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from sim import kpi_table  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.experiments.executors import Outcome  # noqa: E402
from sim.experiments.replications import shares_frame  # noqa: E402
from sim.report import plots  # noqa: E402
from sim.report.context import figure_context, scenario_title  # noqa: E402
from sim.report.events import EVENT_KINDS, FIGURES, event_groups  # noqa: E402
from sim.report.experiment_reports import write_replication_figures  # noqa: E402
from sim.report.series import split_compared  # noqa: E402
from sim.results.kpis import plain, plain_value  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.simulation import RunResult, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
FLAGSHIP = ROOT / "scenarios" / "jlr_2025.yaml"


@pytest.fixture(scope="module")
def tiny() -> RunResult:
    return simulate(load_scenario(TINY))


def labels(ax: Any) -> list[str]:
    return [str(a.get_label()) for a in [*ax.get_lines(), *ax.collections] if not str(a.get_label()).startswith("_")]


# ---------------------------------------------------------------- figures


def test_cumulative_loss_spans_the_whole_run_and_ends_at_the_headline(tiny: RunResult) -> None:
    """The lower panel of the production figure runs from the first to the last day and ends at vehicles_lost."""
    daily = tiny.daily.assign(
        vehicles_lost_outage_cum=tiny.daily["vehicles_lost_cum"] - 100, vehicles_lost_supplier_failure_cum=100
    )
    fig = plots.production_recovery(daily, tiny.events, tiny.summary)
    _, lost = fig.axes
    first, last = daily["date"].iloc[0], daily["date"].iloc[-1]
    assert lost.get_xlim() == (mdates.date2num(first), mdates.date2num(last))
    (line,) = [x for x in lost.get_lines() if "whole run" in str(x.get_label())]
    assert line.get_ydata()[-1] == tiny.summary["vehicles_lost"] == 700
    assert {"lost to the outage and restart", "lost to supplier failures"} <= set(labels(lost))


def test_cumulative_loss_of_an_older_run_says_the_split_is_missing(tiny: RunResult) -> None:
    """Tables without the loss-by-cause columns (saved by an older version) draw the total and say why there is
    no split."""
    older = tiny.daily.drop(columns=["vehicles_lost_outage_cum", "vehicles_lost_supplier_failure_cum"])
    fig = plots.production_recovery(older, tiny.events, tiny.summary)
    assert any("not in this run's tables" in text for text in labels(fig.axes[1]))


def test_cash_figure_shows_the_floor_and_runway_percentiles(tiny: RunResult) -> None:
    """With the runway columns, the middle panel draws their percentiles in days on a log scale; the floor is drawn
    (the floor in force each day, or the scenario's for tables without that column)."""
    n = len(tiny.daily)
    in_force = plots.cash(tiny.daily, tiny.events, tiny.summary, cash_floor_gbp=1e6)
    assert "cash floor (credit is drawn below it)" in labels(in_force.axes[0])
    daily = tiny.daily.drop(columns="oem_cash_floor_gbp").assign(
        supplier_runway_p05_days=np.full(n, 5.0),
        supplier_runway_p25_days=np.full(n, 30.0),
        supplier_runway_p50_days=np.full(n, 365.0),
        suppliers_runway_under_7_days=1,
        suppliers_runway_under_14_days=2,
    )
    fig = plots.cash(daily, tiny.events, tiny.summary, cash_floor_gbp=1e6)
    oem, runway, counts = fig.axes
    assert "cash floor £1.0m (credit is drawn below it)" in labels(oem)
    assert runway.get_yscale() == "log" and "supplier runway, days" in runway.get_ylabel()
    assert "the 5% of suppliers shortest of cash have under" in labels(runway)
    assert "under 14 days of runway" in labels(counts)


def test_a_figure_shows_only_its_events_and_its_systems() -> None:
    """Plant restarts are not on the parts-centre figure; an outage names the figure's systems and counts the rest."""
    day = pd.Timestamp("2025-09-01")
    events = pd.DataFrame(
        {
            "date": [day, day, day + pd.Timedelta(days=9), day + pd.Timedelta(days=9), day],
            "kind": ["outage", "outage", "restore", "restore", "manual_team_start"],
            "entity": ["gplc_wms", "mes_solihull", "gplc_wms", "mes_solihull", "team"],
            "value": [0.0, 0.0, 1.0, 1.0, 50.0],
            "detail": ["attack", "attack", "attack", "attack", "staff"],
        }
    )
    groups = event_groups(events, "parts_backlog", ("gplc_wms",))
    assert [text for _, _, text in groups] == ["outage 'attack': gplc_wms (and 1 other systems) down", "back: gplc_wms"]
    assert [kind for _, kind, _ in event_groups(events, "invoice_backlog", ())] == ["manual_team_start"]
    assert all(set(kind.figures) <= set(FIGURES) for kind in EVENT_KINDS.values())


def test_scenario_titles_are_the_description_in_words() -> None:
    """A figure's title is the description's first clause, not the file's key."""
    text = "JLR 2025 cyber attack: all IT shut down on 31 Aug 2025; phased restart."
    assert scenario_title(text, "jlr_2025") == "JLR 2025 cyber attack"
    assert scenario_title("A normal year with no outage.", "baseline") == "A normal year with no outage"
    assert scenario_title("", "tiny") == "tiny"
    context = figure_context(
        {
            "name": "x",
            "description": "X.",
            "treasury": {"facilities": {"a": {"draw_below_gbp": 1e9}, "b": {"draw_below_gbp": 5e8}}},
            "parts_centre": {"systems": ["wms"]},
        }
    )
    assert context.cash_floor_gbp == 1e9 and context.systems["parts_backlog"] == ("wms",)


# ---------------------------------------------------------------- comparisons and tables


def test_compare_picks_the_series_that_differ() -> None:
    """A series equal day by day in both runs is identical; one that moves on any day differs."""
    dates = pd.date_range("2025-01-01", periods=4)
    a = pd.DataFrame({"date": dates, "production_total": [5, 5, 5, 5], "suppliers_insolvent": [0, 0, 1, 1]})
    b = a.assign(suppliers_insolvent=[0, 1, 2, 2])
    assert split_compared({"a": a, "b": b}) == (["suppliers_insolvent"], ["production_total"])


def test_csv_money_has_at_most_two_decimals_and_counts_are_whole(tmp_path: Path) -> None:
    """comparison.csv of two flagship variants: money to the penny, counts integers, date differences in days."""
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        main, ["compare", str(FLAGSHIP), str(ROOT / "scenarios" / "jlr_2025_no_support.yaml"), "--out", str(out), "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    rows = list(pd.read_csv(out / "comparison.csv", dtype=str, keep_default_na=False).itertuples(index=False))
    for row in rows:
        values = [v for v in (row[3], row[4], row.difference) if v]
        if row.unit == "gbp":
            assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", v) for v in values), row
        elif row.unit in ("vehicles", "count", "jobs", "orders", "invoices"):
            assert all(re.fullmatch(r"-?\d+", v) for v in values), row
        elif row.unit == "date":  # days between two dates; none when either run never reached it
            assert row.difference == "", row
            assert re.fullmatch(r"-?\d+", row.difference_days) or not (row[3] and row[4]), row
    assert "Supplier jobs lost" in result.output and "£" in result.output and "days" in result.output


@pytest.mark.parametrize(
    ("key", "value", "cell"),
    [
        ("revenue_lost_gbp", 7421904000.000001, 7421904000.0),
        ("supplier_cash_shortfall_gbp", 754123.456789, 754123.46),
        ("supplier_jobs_lost", 24900.401663, 24900),
        ("oem_cash_trough_date", "2025-10-27", pd.Timestamp("2025-10-27").date()),
        ("production_recovered_date", None, None),
    ],
)
def test_plain_values_are_rounded_in_their_units(key: str, value: Any, cell: Any) -> None:
    """Money to the penny, counts whole, dates as dates, missing as None."""
    assert plain(key, value) == cell
    assert plain_value("gbp", -0.001) == 0.0 and str(plain_value("gbp", -0.001)) == "0.0"


def test_one_kpi_table_for_runs_comparisons_and_replications() -> None:
    """sim.kpi_table gives labels and text in the registry's units for any summary shape."""
    one = kpi_table({"vehicles_lost": 103082, "revenue_lost_gbp": 7.42e9}, ["vehicles_lost", "revenue_lost_gbp"])
    assert one.to_dict() == {"value": {"Vehicles lost against the baseline": "103,082", "Revenue lost": "£7.42bn"}}
    two = kpi_table({"a": {"suppliers_insolvent": 2}, "b": {"suppliers_insolvent": 6}}, ["suppliers_insolvent"])
    assert two.loc["Suppliers insolvent"].tolist() == ["2", "6"]
    reps = kpi_table(
        {"vehicles_lost": {"p05": 48400.0, "p50": 50800.0, "p95": 123500.0, "mean": 65400.0, "n": 200}}, ["vehicles_lost"]
    )
    assert list(reps.columns) == ["p05", "p50", "p95", "mean"] and reps.iloc[0, 2] == "123,500"


# ---------------------------------------------------------------- replications


def test_share_of_replications_stopped_is_counted_by_hand() -> None:
    """Two runs over 8 days: one builds nothing from day 4, so from day 7 (a full week under half) half are stopped."""
    dates = np.arange(np.datetime64("2025-01-01"), np.datetime64("2025-01-09"))
    normal = np.full(8, 10)
    runs = [
        Outcome("0", None, {}, {"production_total": normal, "baseline_production_total": normal}),
        Outcome("1", None, {}, {"production_total": np.array([10, 10, 10, 10, 0, 0, 0, 0]), "baseline_production_total": normal}),
        Outcome("2", "failed", {}, {}),
    ]
    shares = shares_frame(dates, runs)["share"].tolist()
    # trailing 7 days of run 1: 40 of 70 on day 7 (index 6), 30 of 70 on day 8: under half only on day 8
    assert shares == [0, 0, 0, 0, 0, 0, 0, 0.5]


@dataclass
class FakeReplications:
    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str
    table: pd.DataFrame
    paths: pd.DataFrame
    shares: pd.DataFrame


def test_replication_report_has_runs_histograms_and_the_chance_of_an_insolvency(tmp_path: Path) -> None:
    """With the table, a sample of runs and shares: a runs chart, histograms and P(at least one insolvency)."""
    dates = pd.date_range("2025-01-01", periods=10)
    bands = pd.concat(
        [
            pd.DataFrame({"date": dates, "series": s, "p05": 0.0, "p50": 9.0, "p95": 10.0})
            for s in ("production_total", "baseline_production_total")
        ],
        ignore_index=True,
    )
    paths = pd.concat(
        [pd.DataFrame({"date": dates, "replication": r, "series": "production_total", "value": 10.0 - r}) for r in range(3)],
        ignore_index=True,
    )
    shares = pd.DataFrame({"date": dates, "series": "production_total_below_half", "share": np.linspace(0, 0.5, 10)})
    table = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "status": ["ok", "ok", "ok", "failed"],
            "vehicles_lost": [100, 120, 5000, None],
            "suppliers_insolvent": [0, 0, 2, None],
        }
    )
    reps = FakeReplications(
        bands, {"vehicles_lost": {"mean": 1740.0, "p05": 102.0, "p50": 120.0, "p95": 4512.0}}, "tiny", table, paths, shares
    )
    written = write_replication_figures(tmp_path, reps)
    assert [p.name for p in written] == ["runs_production_total.png", "distributions.png", "report.html"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Chance of at least one supplier insolvency: <b>33%</b> (1 of 3 replications)" in page


# ---------------------------------------------------------------- the command line


def test_plot_on_a_foreign_folder_says_so_in_one_paragraph_and_exits_2(tmp_path: Path) -> None:
    """`supplysim plot` on a folder of other files: no traceback, exit 2, a message naming what it looks for."""
    (tmp_path / "notes.txt").write_text("not results")
    proc = subprocess.run([sys.executable, "-m", "sim", "plot", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "is not a supplysim result" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0  # one paragraph


def test_sweep_and_sensitivity_print_tables_draw_and_redraw(tmp_path: Path) -> None:
    """A sweep and a Morris analysis print a table, write a figure and report, and `plot` redraws both folders."""
    runner = CliRunner()
    sweep = runner.invoke(
        main, ["sweep", str(TINY), "--set", "plants.plant_a.daily_rate=100,200", "--out", str(tmp_path / "sweep"), "--workers", "1"]
    )
    assert sweep.exit_code == 0, sweep.output
    assert "daily_rate=100" in sweep.output and "Vehicles lost against the baseline" in sweep.output
    sens = runner.invoke(
        main,
        [
            "sensitivity",
            str(TINY),
            "--param",
            "plants.plant_a.daily_rate=50:150",
            "--samples",
            "2",
            "--out",
            str(tmp_path / "sens"),
            "--workers",
            "1",
            "--kpi",
            "vehicles_lost",
        ],
    )
    assert sens.exit_code == 0, sens.output
    assert "mu* " in sens.output and "plants.plant_a.daily_rate" in sens.output
    for folder, png in ((tmp_path / "sweep", "sweep.png"), (tmp_path / "sens", "sensitivity.png")):
        assert (folder / png).is_file() and (folder / "report.html").is_file()
        (folder / png).unlink()
        again = runner.invoke(main, ["plot", str(folder)])
        assert again.exit_code == 0, again.output
        assert (folder / png).is_file()


def all_commands() -> list[tuple[str, click.Command]]:
    assert isinstance(main, click.Group)
    return [("supplysim", main), *((name, command) for name, command in main.commands.items())]


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_option_has_help_and_a_default_and_every_command_an_example(name: str, command: click.Command) -> None:
    """Every option says what it does and its default (or that it is required); every command shows an example."""
    context = click.Context(command, info_name=name, show_default=True)
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in ("help", "version"):
            continue
        record = param.get_help_record(context)
        assert record is not None and param.help, f"{name} {param.opts}: no help"
        assert param.required or "[default:" in record[1], f"{name} {param.opts}: no default shown ({record[1]!r})"
    assert "Example" in (command.help or ""), f"{name}: no example in its help"


def test_headline_names_overrides_and_the_report_and_counts_are_whole(tmp_path: Path) -> None:
    """The run's headline says which --set were applied and where report.html is; -v logs what is happening."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["-v", "run", str(TINY), "--out", str(out), "--set", "plants.plant_a.daily_rate=200", "--excel"]
    )
    assert result.exit_code == 0, result.output
    assert "overrides applied: plants.plant_a.daily_rate=200" in result.output
    assert f"report: {out / 'report.html'}" in result.output
    assert re.search(r"Vehicles lost against the baseline +1,400\n", result.output)
    workbook = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert list(workbook) == ["summary", "quarters", "suppliers"]
    summary = workbook["summary"].set_index("key")
    assert summary.loc["vehicles_lost", "value"] == 1400 and summary.loc["vehicles_lost", "unit"] == "vehicles"
    run = json.loads((out / "run.json").read_text())
    assert run["versions"]["numba"] != "not installed" and run["versions"]["llvmlite"] != "not installed"


def test_progress_is_shown_when_asked_and_not_otherwise(capfd: pytest.CaptureFixture[str]) -> None:
    """A replication batch shows a tqdm bar on standard error with progress=True, and nothing by default here."""
    from sim.experiments import run_replications

    scenario = load_scenario(TINY)
    run_replications(scenario, seed=1, replications=2, workers=1, progress=True)
    assert "2/2" in capfd.readouterr().err
    run_replications(scenario, seed=1, replications=2, workers=1)
    assert capfd.readouterr().err == ""
