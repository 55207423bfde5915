"""Figures and report: what each figure shows, the self-contained HTML, and redrawing from saved results."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.cli import main  # noqa: E402
from sim.report import html as report  # noqa: E402
from sim.report import plots  # noqa: E402
from sim.report.experiment_reports import write_replication_figures  # noqa: E402
from sim.report.redraw import NotAResultsFolder, redraw  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.simulation import RunResult, simulate  # noqa: E402

TINY = Path(__file__).parent / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny() -> RunResult:
    return simulate(load_scenario(TINY))


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder written by `supplysim run` on the tiny scenario."""
    out = tmp_path_factory.mktemp("cli") / "run"
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def labels(ax: Any) -> list[str]:
    return [str(line.get_label()) for line in ax.get_lines() if not str(line.get_label()).startswith("_")]


def texts(fig: Figure) -> str:
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return "\n".join(found)


def assert_dates_on_x(fig: Figure) -> None:
    assert isinstance(fig.axes[-1].xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_invoice_backlog_shows_backlog_baseline_capacity_and_events(tiny: RunResult) -> None:
    """The invoice figure has value, count and capacity panels, the peak, the clearance and the events."""
    fig = plots.invoice_backlog(tiny.daily, tiny.events, tiny.summary, title="tiny", note="supplysim, tiny, seed 0")
    assert isinstance(fig, Figure)
    value, count, capacity = fig.axes
    assert labels(value) == ["baseline (no outage)", "backlog (invoices not yet processed)", "of which overdue"]
    assert all(len(line.get_xdata()) == len(tiny.daily) for line in value.get_lines() if line.get_label()[0] != "_")
    assert value.get_ylabel() == "backlog value (£k)"  # peak £14,000
    assert count.get_ylabel() == "backlog (invoices)"
    assert capacity.get_ylabel() == "invoices/day"
    assert "processing capacity" in labels(capacity)
    words = texts(fig)
    assert "peak £14.0k on 2 Feb 2025\ncleared 3 Feb 2025, 14 days after the outage began" in words
    assert "peak 14 invoices" in words
    assert "20 Jan: outage 'attack': erp and invoicing down" in words
    assert "3 Feb: back: invoicing at 50%" in words
    assert "10 Feb: back: invoicing" in words
    assert "supplysim, tiny, seed 0" in words
    assert_dates_on_x(fig)


def test_parts_backlog_shows_orders_waiting_and_clearance(tiny: RunResult) -> None:
    """The parts figure plots orders waiting against the baseline and annotates 350 orders on 26 Jan."""
    fig = plots.parts_backlog(tiny.daily, tiny.events, tiny.summary)
    backlog, flows = fig.axes
    assert labels(backlog) == ["baseline (no outage)", "orders waiting"]
    assert backlog.get_ylabel() == "backlog (orders)"
    assert flows.get_ylabel() == "orders/day"
    assert labels(flows) == ["orders received", "orders dispatched"]
    assert "peak 350 orders on 26 Jan 2025\ncleared 9 Feb 2025, 20 days after the outage began" in texts(fig)
    assert_dates_on_x(fig)


LOST_LINE = "vehicles lost against the baseline over the whole run (cumulative)"


def test_production_recovery_shows_smoothed_output_restart_and_vehicles_lost(tiny: RunResult) -> None:
    """Production is drawn as trailing 7-day means against the baseline, with the restart and 700 vehicles lost."""
    fig = plots.production_recovery(tiny.daily, tiny.events, tiny.summary)
    rate, lost = fig.axes
    assert labels(rate) == [
        "baseline total (no outage)",
        "all vehicle plants",
        "plant_a restarts 27 Jan",
        "back to 95% of baseline 27 Jan 2025",
    ]
    assert rate.get_ylabel() == "vehicles/day\n(trailing 7-day mean)"
    assert lost.get_ylabel() == "vehicles lost (cumulative)"
    (lost_line,) = [line for line in lost.get_lines() if line.get_label() == LOST_LINE]
    assert lost_line.get_ydata()[-1] == 700
    assert "700 vehicles lost by 6 Mar 2025" in texts(fig)


def test_cash_shows_oem_supplier_cash_and_supplier_counts(tiny: RunResult) -> None:
    """Without runway columns (an older run's tables) the cash figure shows OEM cash (£), supplier cash (£), says
    why, and supplier counts, each against the baseline."""
    runway = [c for c in tiny.daily.columns if "runway" in c]
    fig = plots.cash(tiny.daily.drop(columns=runway), tiny.events, tiny.summary)
    oem, supplier, counts = fig.axes
    assert labels(oem)[:2] == ["baseline (no outage)", "OEM cash"]
    assert any("not in this run's tables" in text for text in labels(supplier))
    assert oem.get_ylabel() == "OEM cash (£m)"
    assert supplier.get_ylabel() == "supplier cash (£k)"
    assert counts.get_ylabel() == "suppliers"
    assert "under 7 days of cash" in labels(counts)
    assert "trough £1.1m on 6 Jan 2025" in texts(fig)


def test_engine_plants_are_told_apart_from_vehicle_plants() -> None:
    """Vehicle plants are those whose output adds up to production_total; the rest build engines."""
    a, b = np.array([5, 5, 0]), np.array([3, 0, 3])
    daily = pd.DataFrame(
        {
            "production_total": a + b,
            "engines_built": a + b,
            "production_a": a,
            "production_b": b,
            "production_eng": a + b,
            "baseline_production_total": a + b,
            "baseline_production_a": a,
            "baseline_production_b": b,
            "baseline_production_eng": a + b,
        }
    )
    assert plots.plant_names(daily) == (["a", "b"], ["eng"])


def test_restart_date_needs_lost_working_days() -> None:
    """A plant restarts on the first day it builds after three or more lost working days; weekends don't count."""
    dates = pd.date_range("2025-01-06", periods=10)  # Mon..Wed
    daily = pd.DataFrame(
        {"date": dates, "production_p": [9, 9, 0, 0, 0, 0, 0, 9, 9, 9], "baseline_production_p": [9, 9, 9, 9, 9, 0, 0, 9, 9, 9]}
    )
    assert plots.restart_date(daily, "p", dates[2]) == pd.Timestamp("2025-01-13")
    weekend = daily.assign(production_p=daily["baseline_production_p"])
    assert plots.restart_date(weekend, "p", dates[2]) is None


def bands_frame() -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", periods=10)
    rows = []
    for series, scale in (("oem_cash_gbp", 1e6), ("parts_backlog_orders", 10.0)):
        for i, d in enumerate(dates):
            rows.append({"date": d, "series": series, "p05": i * scale, "p50": (i + 1) * scale, "p95": (i + 2) * scale})
    return pd.DataFrame(rows)


def test_fan_chart_draws_median_and_band() -> None:
    """A fan chart has a median line over every date, a 5–95% band and a money unit for _gbp series."""
    fig = plots.fan_chart(bands_frame(), "oem_cash_gbp", "OEM cash", "OEM cash", note="n")
    ax = fig.axes[0]
    assert labels(ax) == ["median"]
    assert list(ax.get_lines()[0].get_ydata()) == [float(i + 1) for i in range(10)]  # in £m
    assert ax.get_ylabel() == "OEM cash (£m)"
    assert any(c.get_label() == "5–95% of replications" for c in ax.collections)
    with pytest.raises(ValueError, match="'nope' is not in bands"):
        plots.fan_chart(bands_frame(), "nope", "t", "y")


def test_comparison_overlays_runs_and_one_shared_baseline() -> None:
    """Two runs with the same baseline give two run lines and one baseline line."""
    dates = pd.date_range("2025-01-01", periods=5)
    first = pd.DataFrame({"date": dates, "parts_backlog_orders": [0, 5, 9, 4, 0], "baseline_parts_backlog_orders": 0})
    second = first.assign(parts_backlog_orders=[0, 3, 2, 1, 0])
    fig = plots.comparison({"slow": first, "fast": second}, "parts_backlog_orders", "Parts", "backlog (orders)")
    ax = fig.axes[0]
    assert labels(ax) == ["baseline (no outage)", "slow", "fast"]
    assert ax.get_ylabel() == "backlog (orders)"
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [5, 5, 5]


def assert_self_contained(page: str, images: int) -> None:
    """The page's markup names no address beyond itself: no script, style sheet, link or image from elsewhere. (The
    code of BokehJS written into a run's report mentions addresses it fetches only for features the report does not
    use; the browser test checks what a browser opening the report asks for.)"""
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", page, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup)
    assert "http://" not in markup and "https://" not in markup
    assert "<link" not in markup and "@import" not in markup
    assert markup.count('src="data:image/png;base64,') == images
    assert markup.count("<img") == images


def test_cli_run_writes_figures_and_a_self_contained_report(run_folder: Path) -> None:
    """`supplysim run` writes four PNGs and report.html with the KPI values and embedded images."""
    out = run_folder
    for name in ("invoice_backlog", "parts_backlog", "production_recovery", "cash"):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page, images=4)
    for shown in ("£14.0k", "Mon 3 Feb 2025", "Sun 2 Feb 2025", "700", "seat_co", "scenario tiny, seed 0"):
        assert shown in page


def test_redraw_reproduces_the_figures_of_a_run(run_folder: Path, tmp_path: Path) -> None:
    """Redrawing a saved run folder (summary dates read back as ISO strings) gives byte-identical PNGs and report."""
    out = Path(shutil.copytree(run_folder, tmp_path / "run"))
    files = ["invoice_backlog.png", "parts_backlog.png", "production_recovery.png", "cash.png", "report.html"]
    before = {f: (out / f).read_bytes() for f in files}
    for f in files:
        (out / f).unlink()
    written = redraw(out)
    assert sorted(p.name for p in written) == sorted(files)
    assert {f: (out / f).read_bytes() for f in files} == before


def test_comparison_report_and_redraw(tmp_path: Path) -> None:
    """`supplysim compare` writes overlays and a KPI table that redraw() reproduces."""
    later = tmp_path / "later.yaml"
    later.write_text(
        TINY.read_text(encoding="utf-8").replace("erp: [{date: 2025-01-27}]", "erp: [{date: 2025-02-03}]"), encoding="utf-8"
    )
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(TINY), str(later), "--out", str(out)])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in out.glob("compare_*.png"))
    # a week's later restart of the plants' systems moves production, parts and cash; invoices are processed as before
    assert pngs == [
        "compare_oem_cash_gbp.png",
        "compare_parts_backlog_orders.png",
        "compare_production_total.png",
        "compare_supplier_runway_p05_days.png",
        "compare_suppliers_runway_under_7_days.png",
        "compare_suppliers_under_7_days_cash.png",
        "compare_vehicles_lost_cum.png",
    ]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page, images=7)
    assert "<th>tiny</th><th>later</th><th>difference</th>" in page
    assert "Identical in both runs: invoice backlog; credit drawn by the OEM; suppliers insolvent" in page
    assert "Identical in both runs: invoice backlog;" in result.output
    before = {p.name: p.read_bytes() for p in [*out.glob("compare_*.png"), out / "report.html"]}
    redraw(out)
    assert {p.name: p.read_bytes() for p in [*out.glob("compare_*.png"), out / "report.html"]} == before


@dataclass
class FakeReplications:
    bands: pd.DataFrame
    summary: dict[str, Any]
    scenario_name: str


def test_replication_figures_and_report(tmp_path: Path) -> None:
    """One fan chart per series and a report with mean and percentiles of each KPI."""
    summary = {
        "vehicles_lost": {"mean": 700.0, "p05": 650.0, "p50": 700.0, "p95": 760.0},
        "invoice_backlog_peak_gbp": {"mean": 1.5e6, "p05": 1.0e6, "p50": 1.5e6, "p95": 2.0e6},
    }
    written = write_replication_figures(tmp_path, FakeReplications(bands_frame(), summary, "tiny"))
    assert sorted(p.name for p in written) == ["fan_oem_cash_gbp.png", "fan_parts_backlog_orders.png", "report.html"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page, images=2)
    for shown in ("<th>mean</th><th>p05</th><th>p50</th><th>p95</th>", "760", "£1.5m", "£2.0m"):
        assert shown in page
    bands_only = tmp_path / "saved"
    bands_only.mkdir()
    bands_frame().to_parquet(bands_only / "daily_bands.parquet")
    (bands_only / "summary.json").write_text('{"vehicles_lost": {"mean": 1, "p05": 1, "p50": 1, "p95": 1}}')
    assert len(redraw(bands_only)) == 3


def test_redraw_of_a_folder_without_results_says_what_it_needs(tmp_path: Path) -> None:
    """redraw() on an empty folder raises NotAResultsFolder naming the files it looks for."""
    with pytest.raises(NotAResultsFolder, match="daily.parquet, events.parquet and summary.json"):
        redraw(tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("invoice_backlog_peak_gbp", 14000.0, "£14.0k"),
        ("oem_cash_trough_gbp", -2.009e9, "-£2.01bn"),
        ("invoice_backlog_cleared_date", "2025-02-03", "Mon 3 Feb 2025"),
        ("invoice_backlog_cleared_date", None, "not reached in the run"),
        ("vehicles_lost", 40583, "40,583"),
        ("days_to_recover", 7, "7 days"),
        ("supplier_jobs_lost", 7079.51, "7,080"),
    ],
)
def test_kpi_values_carry_their_units(key: str, value: Any, text: str) -> None:
    """KPI values are shown with pounds scaled, dates spelled out and counts with thousands separators."""
    assert report.kpi_value(key, value) == text
