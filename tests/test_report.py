"""A run's report.html: its sections, the scenario and assumptions behind the run, every supplier in the table
(capped, and safe inside the page), charts that do not depend on the process drawing them, and the static
report written, and said so in one line, where Bokeh is not installed. (tests/test_report_browser.py opens it.)"""

from __future__ import annotations

import json
import re
import subprocess
import sysconfig
import venv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.report.html import STATIC_NOTE
from sim.report.supplier_table import MAX_ROWS, supplier_table_html, table_data
from tests.test_plots import assert_self_contained

ROOT = Path(__file__).resolve().parents[1]
TINY = "tests/scenarios/tiny.yaml"
SETS = ["plants.plant_a.daily_rate={dist: uniform, low: 90, high: 110}", "payables.automated_invoices_per_day=120"]


def run(python: str | Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``supplysim run`` on the tiny scenario with ``python``, from the repository (as a reader types it)."""
    return subprocess.run(
        [str(python), "-m", "sim", "run", TINY, "--out", str(out), *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario's results folder, its daily rate drawn and invoicing capacity set on the command line."""
    out = tmp_path_factory.mktemp("report") / "tiny"
    result = CliRunner().invoke(main, ["run", str(ROOT / TINY), "--out", str(out), *[a for s in SETS for a in ("--set", s)]])
    assert result.exit_code == 0, result.output
    return out


def section(page: str, heading: str) -> str:
    """The text of a section of the page: from its heading to the next one, without tags."""
    found = re.search(rf'<h2 id="[^"]*">{re.escape(heading)}</h2>(.*?)(<h2 |<script|$)', page, flags=re.S)
    assert found, heading
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).replace("&#x27;", "'")


def test_sections_in_order_with_links(tiny_run: Path) -> None:
    """The report's sections in order, each linked from the top of the page."""
    page = (tiny_run / "report.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="([^"]+)">', page)
    assert headings == ["key-results", "what-the-incident-cost-and-who-bore-it", "charts", "suppliers", "scenario-and-assumptions"]
    assert re.findall(r'<a href="#([^"]+)">', page) == headings


def test_scenario_and_assumptions_of_the_tiny_run(tiny_run: Path) -> None:
    """What was run (seed, the two --set, the commit) and the key dates of tiny.yaml, worked out by hand: both
    systems down on Mon 20 Jan; erp back a week later (27 Jan), so the plant builds again that day at full rate
    (no ramp-up); invoicing back at half capacity 14 days after the outage (3 Feb) and fully after 21 (10 Feb).
    The drawn daily rate shows its distribution and the value in draws.json."""
    page = (tiny_run / "report.html").read_text(encoding="utf-8")
    text = section(page, "Scenario and assumptions")
    run_info = json.loads((tiny_run / "run.json").read_text())
    assert run_info["overrides"] == SETS
    assert "period Mon 6 Jan 2025 to Thu 6 Mar 2025 (60 days)" in text
    assert "seed 0 (the same scenario and seed give the same results)" in text
    assert f"overrides (--set) {', '.join(SETS)}" in text
    assert f"supplysim 0.1.0, commit {run_info['versions']['supplysim_commit']}" in text
    assert re.search(r"commit [0-9a-f]{40}", text)  # the tests run from a checkout
    dates = text[text.index("Key dates") : text.index("Interventions and policies")]
    assert dates == (
        "Key dates date what happened "
        "Mon 20 Jan 2025 outage 'attack': erp and invoicing down "
        "Mon 27 Jan 2025 back: erp "
        "Mon 27 Jan 2025 plant_a builds again (first vehicles after the outage) "
        "Mon 27 Jan 2025 plant_a back to 95% of normal for a week "
        "Mon 3 Feb 2025 back: invoicing at 50% "
        "Mon 10 Feb 2025 back: invoicing "
    )
    assert "invoicing systems: invoicing; automated invoices per day: 120; priority: oldest_first" in text
    drawn = json.loads((tiny_run / "draws.json").read_text())["plants.plant_a.daily_rate"]
    assert f"plants.plant_a.daily_rate uniform 90 to 110 {drawn:,.4g}" in text


def test_every_supplier_is_in_the_table(tiny_run: Path) -> None:
    """The table's data holds every supplier of suppliers.parquet, with its values."""
    page = (tiny_run / "report.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="supplier-data">(.*?)</script>', page).group(1))
    suppliers = pd.read_parquet(tiny_run / "suppliers.parquet")
    keys = [c["key"] for c in data["columns"]]
    assert data["total"] == len(data["rows"]) == len(suppliers) == 1
    row = dict(zip(keys, data["rows"][0], strict=True))
    assert row["supplier"] == "seat_co" and row["tier"] == 1 and row["state"] == suppliers["state"].iloc[0]
    assert row["min_cash_gbp"] == round(suppliers["min_cash_gbp"].iloc[0])


def test_a_large_supply_base_is_capped_with_those_closest_to_running_out_first() -> None:
    """Beyond 20,000 suppliers the page carries the 20,000 whose cash ran out first (then the fewest days of
    cash), and says where the rest are; an endless runway travels as "inf" and a missing date as null."""
    n = MAX_ROWS + 3
    suppliers = pd.DataFrame(
        {
            "supplier": [f"s{i:05d}" for i in range(n)],
            "time_to_survive_days": [float("inf")] + [float(n - i) for i in range(1, n)],
            "min_cash_gbp": [100.0] * n,
            "cash_ran_out_date": [pd.NaT] * (n - 1) + [pd.Timestamp("2025-09-10")],
        }
    )
    data = table_data(suppliers)
    assert data["total"] == n and len(data["rows"]) == MAX_ROWS
    assert data["rows"][0] == ["s20002", 1.0, 100, "2025-09-10"]  # ran out of cash: first
    assert data["rows"][1] == ["s20001", 2.0, 100, None]  # then the fewest days of cash
    assert "s00000" not in {r[0] for r in data["rows"]}  # the endless runway is last, and left out
    assert "The page holds the 20,000 closest to running out of cash; suppliers.parquet has all of them." in supplier_table_html(
        suppliers
    )
    assert table_data(suppliers.head(1))["rows"] == [["s00000", "inf", 100, None]]


def test_a_name_cannot_end_the_table_data_early() -> None:
    """A supplier named like markup stays data: the page's JSON holds no ``</script>`` or ``<!--``."""
    name = "</script><script>alert(1)</script><!--"
    page = supplier_table_html(pd.DataFrame({"supplier": [name], "min_cash_gbp": [1.0]}))
    data = re.search(r'id="supplier-data">(.*?)</script>', page, flags=re.S).group(1)
    assert "<" not in data and json.loads(data)["rows"] == [[name, 1]]


def test_charts_are_the_same_whichever_process_draws_them(tiny_run: Path) -> None:
    """Bokeh numbers its models per process and draws random document ids; the report's charts are renumbered,
    so drawing them twice in one process gives the same page twice, and a look-alike text keeps its value. The
    charts mark the run's events as its figures do (invoicing back at half capacity on 3 Feb)."""
    pytest.importorskip("bokeh", reason="the report's interactive charts need Bokeh")
    from sim.report.interactive import interactive_charts, stable_ids

    daily, events = pd.read_parquet(tiny_run / "daily.parquet"), pd.read_parquet(tiny_run / "events.parquet")
    summary = json.loads((tiny_run / "summary.json").read_text())
    first, second = (interactive_charts(daily, summary, ["plant_a"], events) for _ in range(2))
    assert first == second
    assert '"id":"p1"' in first.scripts and 'data-root-id="p' in first.html
    assert '"name":"VSpan"' in first.scripts and "back: invoicing at 50%" in first.scripts
    assert stable_ids(['{"id":"p1011","attributes":{"text":"p77"}}', '<div data-root-id="p1011"></div>']) == [
        '{"id":"p1","attributes":{"text":"p77"}}',
        '<div data-root-id="p1"></div>',
    ]


def environment_without(folder: Path, *packages: str) -> Path:
    """A Python environment with every package of this one except ``packages`` (a virtual environment whose
    site-packages links each entry of ours but theirs), so they are really not installed; its python."""
    venv.create(folder, with_pip=False, symlinks=True)
    python = folder / "bin" / "python"
    theirs = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.split("-")[0].lower() not in packages:
            (theirs / entry.name).symlink_to(entry)
    return python


def test_without_bokeh_the_report_has_its_figures_and_says_so(tmp_path: Path) -> None:
    """In an environment without Bokeh, `supplysim run` writes the report with the PNG figures in place of the
    charts (the supplier table and the assumptions as ever) and says so in one line; `plot` does the same."""
    python = environment_without(tmp_path / "env", "bokeh", "panel")
    check = subprocess.run([python, "-c", "import bokeh"], capture_output=True, text=True)
    assert "No module named 'bokeh'" in check.stderr
    out = tmp_path / "run"
    proc = run(python, out)
    assert proc.returncode == 0, proc.stderr
    line = (
        f"  report: {out / 'report.html'} (static figures: Bokeh is not installed; pip install 'supplysim[report]' "
        "adds interactive charts)"
    )
    assert proc.stdout.splitlines()[-1] == line
    page = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(page, images=4)
    assert STATIC_NOTE in page and "Bokeh.safely" not in page and "<details><summary>The four figures" not in page
    assert section(page, "Suppliers").startswith(" 1 suppliers at the end of the run")
    assert "Key dates" in section(page, "Scenario and assumptions")
    assert json.loads((out / "run.json").read_text())["versions"]["bokeh"] == "not installed"
    replot = subprocess.run([python, "-m", "sim", "plot", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert replot.returncode == 0 and replot.stdout.splitlines()[-1] == line, replot.stderr
