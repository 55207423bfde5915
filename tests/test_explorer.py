"""The explorer without a browser: levers found from the scenario, fields set as ``--set`` sets them, the
downloaded scenario reproducing the page's run through the CLI, KPI cards and their changes, the page's
widgets, and the command line staying lean."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from sim.explorer.cards import card_names, cards, change_text
from sim.explorer.levers import levers, matches, value_text
from sim.explorer.session import Session
from sim.results.kpis import HEADLINE
from sim.runner import jsonable
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario, parse_override
from sim.scenario.schema import Scenario
from sim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
FLAGSHIP = ROOT / "scenarios" / "jlr_2025.yaml"


def supplysim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT)


# ----------------------------------------------------------------------------------------------- levers


def test_path_patterns() -> None:
    """``*`` is one segment, ``**`` any number of them, and ``*`` inside a segment works as in file names."""
    assert matches("outages.*.start", "outages.attack.start")
    assert not matches("outages.*.start", "outages.attack.restore.erp.0.date")
    assert matches("outages.*.restore.*.**", "outages.attack.restore.erp.0.date")
    assert matches("*polic*.**", "supplier_policies.small.cash_floor_days")
    assert not matches("payables.*", "payables.manual_teams.team.staff")


def test_flagship_levers_come_from_the_scenario() -> None:
    """Every restore step of every system is a lever, grouped by system, with the outage start, the manual
    team, invoicing, the supplier scheme, the facilities, supplier policies, the supplier-distress policy
    and the seed; distributions are marked as drawn."""
    scenario = load_scenario(FLAGSHIP)
    found = {lever.path: lever for lever in levers(scenario)}
    steps = [(system, i) for outage in scenario.outages.values() for system, s in outage.restore.items() for i in range(len(s))]
    for system, i in steps:
        for field in ("date", "capacity"):
            lever = found[f"outages.cyber_attack.restore.{system}.{i}.{field}"]
            assert lever.group == f"Restore: {system}"
    assert len(steps) == 13
    assert found["seed"].kind == "integer" and found["seed"].group == "Run"
    assert found["outages.cyber_attack.start"].kind == "date"
    assert found["outages.cyber_attack.restore.supplier_invoicing.0.capacity"].drawn
    assert found["outages.cyber_attack.restore.supplier_invoicing.0.capacity"].kind == "share"
    assert not found["outages.cyber_attack.restore.supplier_invoicing.1.capacity"].drawn
    assert found["outages.cyber_attack.restore.mes_nitra.1.date"].drawn
    assert found["payables.manual_teams.manual_payment_team.staff"].kind == "number"
    assert found["payables.automated_invoices_per_day"].group == "Invoicing"
    assert found["payables.priority"].choices == ("oldest_first", "least_cash_first")
    assert found["interventions.supplier_finance.budget_gbp"].label == "Budget (£)"
    assert found["interventions.supplier_finance.start"].kind == "date"
    assert found["interventions.supplier_finance.annual_cost_rate"].kind == "number"  # a rate is typed, not slid
    assert found["treasury.facilities.uk_loan_guarantee.available_from"].drawn
    assert found["suppliers.small_parts_common.redundancy_share"].group == "Supplier policy: small_parts_common"
    assert found["suppliers.small_parts_common.runway_days"].drawn  # a supplier's runway is a lever, drawn per member
    assert "suppliers.small_parts_common.unit_price_gbp" not in found  # prices are the network, not a lever
    distress = found["supplier_distress.keep_trading"]
    assert distress.group == "Supplier distress policy" and distress.value == "line_stopping" and "all" in distress.choices
    groups = [g for g, _ in itertools.groupby(lever.group for lever in levers(scenario))]
    assert len(groups) == len(set(groups)), "a group's levers are together"
    assert groups[:3] == ["Run", "Outage: cyber_attack", "Restore: supplier_invoicing"]


def test_steps_given_in_days_after_the_outage_are_number_levers() -> None:
    """tiny.yaml restores invoicing 14 and 21 days after the outage: those are numbers, not dates."""
    found = {lever.path: lever for lever in levers(load_scenario(TINY))}
    assert found["outages.attack.restore.invoicing.0.after_days"].kind == "number"
    assert found["outages.attack.restore.erp.0.date"].value == date(2025, 1, 27)
    assert "outages.attack.restore.erp.0.after_days" not in found  # not set in the file: no lever
    distress = found["supplier_distress.keep_trading"]  # not in the file: the schema's default policy, still a lever
    assert distress.value == "none" and "line_stopping" in distress.choices


@pytest.mark.parametrize(
    "value",
    [
        500e6,
        1.52e9,
        0.6,
        10000.0,
        123456789.0,
        0.46399822390023826,
        -5,
        True,
        date(2025, 9, 18),
        {"dist": "uniform", "low": 0.3, "high": 0.7},
    ],
)
def test_a_fields_text_reads_back_as_its_value(value: object) -> None:
    """What a field shows, typed back as ``--set PATH=TEXT``, is the same value."""
    assert parse_override(f"x={value_text(value)}")[1] == value


# ---------------------------------------------------------------------------------------------- session


def test_downloaded_scenario_reproduces_the_page_through_the_cli(tmp_path: Path) -> None:
    """A restore moved in the page, downloaded and run by ``supplysim run FILE --seed N`` gives the page's KPIs
    bit for bit (tiny.yaml: invoicing back at 75% after 10 days instead of 50% after 14, seed 7)."""
    session = Session.from_file(TINY)
    session.set("outages.attack.restore.invoicing.0.after_days", "10")
    session.set("outages.attack.restore.invoicing.0.capacity", "0.75")
    session.set("seed", "7")
    page = session.run()
    assert page.summary != session.run(session.original).summary
    path = tmp_path / "explored.yaml"
    path.write_text(session.yaml_text(), encoding="utf-8")
    out = tmp_path / "run"
    proc = supplysim("run", str(path), "--seed", str(session.seed), "--out", str(out), "--no-figures")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text()) == jsonable(page.summary)


def test_fixing_a_drawn_field_keeps_every_other_draw() -> None:
    """Fixing the flagship's drawn invoicing capacity at 0.5 replaces that draw only: each uncertain field
    has its own random stream, and the downloaded file holds 0.5 in place of the distribution."""
    session = Session.from_file(FLAGSHIP)
    before = session.run(session.original).draws
    session.set("outages.cyber_attack.restore.supplier_invoicing.0.capacity", "0.5")
    after = session.run().draws
    path = "outages.cyber_attack.restore.supplier_invoicing.0.capacity"
    assert path in before and path not in after
    assert {k: v for k, v in before.items() if k != path} == after
    text = session.yaml_text()
    assert "&id" not in text and "x-supplier" not in text
    assert f"#   changed: {path}=0.5" in text
    assert load_scenario_text(text).outages["cyber_attack"].restore["supplier_invoicing"][0].capacity == 0.5


def load_scenario_text(text: str) -> Scenario:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    try:
        return load_scenario(f.name)
    finally:
        os.unlink(f.name)


def test_setting_a_field_back_to_the_files_value_sets_nothing() -> None:
    """Typing the file's own value removes the change (the downloaded file then says nothing changed)."""
    session = Session.from_file(TINY)
    session.set("payables.automated_invoices_per_day", "150")
    session.set("payables.automated_invoices_per_day", "100")
    assert session.overrides == {} and "#   nothing changed" in session.yaml_text()


@pytest.mark.parametrize(
    "path,text",
    [
        ("payables.automated_invoices_per_day", "abc"),
        ("payables.automated_invoices_per_day", "-5"),
        ("outages.attack.restore.erp.0.date", "2025-01-10"),
    ],
)
def test_a_bad_value_gives_the_command_lines_message(path: str, text: str) -> None:
    """The page's message for a bad value is the CLI's for ``--set PATH=TEXT``, word for word."""
    session = Session.from_file(TINY)
    session.set(path, text)
    with pytest.raises(ScenarioError) as caught:
        session.scenario()
    proc = supplysim("run", str(TINY), "--set", f"{path}={text}", "--out", "unused", "--no-figures")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {caught.value}"
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------------------------------------ cards


def test_changes_read_in_the_kpis_unit() -> None:
    """Dates move in days, money in pounds, counts in whole numbers; equal values say so."""
    assert change_text("invoice_backlog_cleared_date", date(2025, 10, 6), date(2025, 10, 9)) == ("3 days earlier", False)
    assert change_text("invoice_backlog_cleared_date", date(2025, 10, 10), date(2025, 10, 9)) == ("1 day later", False)
    assert change_text("invoice_backlog_cleared_date", None, date(2025, 10, 9)) == ("was Thu 9 Oct 2025", False)
    assert change_text("invoice_backlog_peak_gbp", 895.1e6, 883.1e6) == ("+£12.0m", False)
    assert change_text("revenue_lost_gbp", 7.0e9, 7.42e9) == ("-£420.0m", False)
    assert change_text("vehicles_lost", 101_882, 103_082) == ("-1,200", False)
    assert change_text("suppliers_insolvent", 2, 2) == ("no change", True)


def test_cards_are_the_registrys_headline_kpis() -> None:
    """The cards are the registry's headline KPIs, in its order, with the Monte Carlo range when given."""
    summary = simulate(load_scenario(TINY), 7).summary
    names = card_names(summary)
    assert [k for k in names if k in HEADLINE] == [k for k in summary if k in HEADLINE]
    assert all(k in HEADLINE or "runway" in k or k.startswith(("vehicles_lost", "economic_loss")) for k in names)
    spread = {"vehicles_lost": {"p05": 600, "p50": 700, "p95": 800, "n": 10}}
    first = cards(summary, summary, spread)[0]
    assert (first.name, first.value, first.change, first.spread) == ("vehicles_lost", "700", "no change", "90% of runs: 600 to 800")


def test_cards_show_a_registry_kpi_of_the_named_families(monkeypatch: pytest.MonkeyPatch) -> None:
    """A KPI of the families asked for by name (here economic loss) becomes a card as soon as the registry
    has it, without a change to the explorer."""
    from sim.explorer import cards as cards_module
    from sim.results import kpis

    entry = kpis.KPI("economic_loss_gbp", "Economic loss", "gbp", "test", lambda m: 0.0)
    monkeypatch.setattr(cards_module, "kpi", lambda name: entry if name == entry.name else kpis.kpi(name))
    assert "economic_loss_gbp" in card_names({"vehicles_lost": 1, "economic_loss_gbp": 2.0, "unknown_gbp": 3.0})
    assert "unknown_gbp" not in card_names({"unknown_gbp": 3.0})


# ------------------------------------------------------------------------------------------- the page


@pytest.fixture
def panel() -> object:
    return pytest.importorskip("panel", reason="the explorer's page needs the extra supplysim[serve]")


@pytest.mark.usefixtures("panel")
def test_page_runs_on_a_change_and_shows_a_bad_value_next_to_its_field() -> None:
    """A lever changed in the page re-runs the scenario; a bad value shows the CLI's message beside the field
    and keeps the last valid results; emptying the field puts the file's value back."""
    from sim.explorer.app import Explorer

    page = Explorer(Session.from_file(TINY), workers=1)
    page.view.get_root()
    field = next(v for v in page.levers if v.lever.path == "outages.attack.restore.invoicing.0.after_days")
    assert field.text is not None and field.text.value == "14"
    runs = page.runs
    field.text.value = "7"
    assert page.runs == runs + 1 and 'data-state="ok"' in page.status.object
    assert page.current.summary != page.reference.summary and "changed from 14" in field.note.object
    good = page.current
    field.text.value = "-1"
    assert page.current is good and 'data-state="invalid"' in page.status.object
    assert field.error.visible and "after_days: must be between 0 and 3660, got -1" in field.error.object
    field.text.value = ""
    assert not field.error.visible and page.session.overrides == {} and field.text.value == "14"


@pytest.mark.usefixtures("panel")
def test_page_monte_carlo_runs_in_the_background_and_draws_bands() -> None:
    """The Monte Carlo button starts a thread; when it is done the charts hold bands and the cards a range."""
    from sim.explorer.app import Explorer

    page = Explorer(Session.from_file(TINY), workers=1)
    page.replications.value = 4
    page._start_monte_carlo()
    assert page.mc_button.disabled
    for thread in threading.enumerate():
        if thread.name == "supplysim-monte-carlo":
            thread.join(60)
    assert not page.mc_button.disabled and 'data-state="done"' in page.mc_status.object
    assert page.bands is not None and "90% of runs" in page.cards.object
    backlog = page.charts.charts[0]
    assert not all(x != x for x in backlog.source.data["band_p95"])  # numbers where there were only NaN


@pytest.mark.usefixtures("panel")
def test_charts_use_runway_percentiles_when_the_run_has_them() -> None:
    """The supplier chart shows runway percentiles where the daily table has them, else suppliers under a week."""
    from sim.report.charts import chart_specs

    plain = chart_specs(["date", "suppliers_under_7_days_cash", "baseline_suppliers_under_7_days_cash"], [])
    assert plain[-1].main == "suppliers_under_7_days_cash"
    runway = chart_specs(
        [
            "date",
            "supplier_runway_p05_days",
            "supplier_runway_p25_days",
            "supplier_runway_p50_days",
            "suppliers_runway_under_7_days",
        ],
        [],
    )[-1]
    assert runway.main == "supplier_runway_p50_days" and runway.right == (
        ("suppliers_runway_under_7_days", "suppliers under 7 days (right)"),
    )
    assert [c for c, _ in runway.extras] == ["supplier_runway_p05_days", "supplier_runway_p25_days"]


@pytest.mark.usefixtures("panel")
def test_explore_gives_the_page_for_a_loaded_scenario() -> None:
    """``sim.explore(scenario)`` is the same page, for a scenario loaded in Python."""
    import sim

    view = sim.explore(load_scenario(TINY), workers=1)
    assert view.get_root() is not None


# ---------------------------------------------------------------------------------------- command line


def test_serve_is_not_loaded_by_the_command_line(tmp_path: Path) -> None:
    """`supplysim --help` and `supplysim run` do not import Panel or Bokeh."""
    code = (
        "import sys; from sim.cli import main\n"
        "try:\n    main(['run', 'tests/scenarios/tiny.yaml', '--out', sys.argv[1], '--no-figures'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('panel', 'bokeh') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "run")], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stderr


def test_serve_on_a_bad_scenario_says_why_and_serves_nothing(tmp_path: Path) -> None:
    """A scenario mistake stops `supplysim serve` before it listens: exit 2, the one-paragraph message."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("automated_invoices_per_day: 100", "automated_invoices_per_day: -1"))
    proc = supplysim("serve", str(bad), "--port", "0")
    assert proc.returncode == 2 and "automated_invoices_per_day: must be >= 0" in proc.stderr
    assert "Traceback" not in proc.stderr
