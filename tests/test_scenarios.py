"""Scenario files: every committed one validates and runs; bad ones fail with file, line, field and rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.schema_export import schema_json
from sim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_scenarios() -> None:
    """The flagship, the baseline and the brief's other cases are shipped."""
    names = {p.stem for p in SCENARIOS}
    assert {"jlr_2025", "baseline", "supplier_fire", "jlr_2025_no_support"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_committed_scenario_validates_and_runs_briefly(path: Path) -> None:
    """Each scenario runs 200 days with every conservation identity checked daily."""
    scenario = load_scenario(path, {"horizon_days": 200})
    result = simulate(scenario, check_daily=True)
    assert len(result.daily) == 200
    assert not result.daily.drop(columns=["date"]).isna().any().any()


def test_schema_file_matches_the_code() -> None:
    """scenarios/scenario.schema.json is what `supplysim schema` prints (regenerate it if this fails)."""
    committed = (ROOT / "scenarios" / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == schema_json()


def error_for(tmp_path: Path, text: str | bytes, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


GOOD = (ROOT / "tests" / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")


def test_unknown_key_names_line_and_path(tmp_path: Path) -> None:
    """A misspelt key is rejected with its line and dotted path."""
    text = GOOD.replace("    daily_rate: 100", "    daily_rat: 100")
    line = text.splitlines().index("    daily_rat: 100") + 1
    msg = error_for(tmp_path, text)
    assert "bad.yaml" in msg and f"line {line}" in msg and "plants.plant_a.daily_rat" in msg and "unknown key" in msg


def test_wrong_type_names_the_value(tmp_path: Path) -> None:
    """A word where a number belongs is named with its value."""
    msg = error_for(tmp_path, GOOD.replace("daily_rate: 100", "daily_rate: fast"))
    assert "plants.plant_a.daily_rate" in msg and "'fast'" in msg


def test_missing_required_field(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("  price_per_vehicle_gbp: 1000\n", ""))
    assert "sales.price_per_vehicle_gbp" in msg and "required" in msg


def test_out_of_range_share(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("cash_days: 10", "cash_days: 10\n    variable_cost_share: 1.5"))
    assert "suppliers.seat_co.variable_cost_share" in msg and "between 0 and 1" in msg and "1.5" in msg


def test_unknown_system_cross_reference(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("    systems: [erp]\nsuppliers", "    systems: [mes]\nsuppliers"))
    assert "plants.plant_a.systems.0" in msg and "unknown system 'mes'" in msg


def test_restart_before_outage(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("erp: [{date: 2025-01-27}]", "erp: [{date: 2025-01-10}]"))
    assert "outages.attack.restore.erp.0.date" in msg and "before its outage" in msg


def test_outage_outside_horizon(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("start: 2025-01-20", "start: 2026-01-20"))
    assert "outages.attack.start" in msg and "within the horizon" in msg


def test_supplier_for_a_family_no_plant_uses(tmp_path: Path) -> None:
    text = GOOD.replace("part_families:\n  seats: {}", "part_families:\n  seats: {}\n  glass: {}")
    text = text.replace("    part_family: seats", "    part_family: glass")
    msg = error_for(tmp_path, text)
    assert "suppliers.seat_co.part_family" in msg and "no plant uses" in msg


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("horizon_days: 60", "horizon_days: [60"))
    assert "YAML syntax error" in msg and "line" in msg


def test_duplicate_key(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("horizon_days: 60", "horizon_days: 60\nhorizon_days: 61"))
    assert "horizon_days" in msg and "duplicate key" in msg


@pytest.mark.parametrize(
    ("content", "expected"),
    [("", "empty"), (b"name: \xff\xfe\n", "not UTF-8"), ("- a\n- b\n", "expected a mapping")],
    ids=["empty", "not-utf8", "a-list"],
)
def test_unreadable_files(tmp_path: Path, content: str | bytes, expected: str) -> None:
    assert expected in error_for(tmp_path, content)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_huge_number(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("opening_cash_gbp: 1000000", "opening_cash_gbp: 1.0e30"))
    assert "treasury.opening_cash_gbp" in msg and "at most" in msg


def test_distribution_with_bad_parameters(tmp_path: Path) -> None:
    msg = error_for(tmp_path, GOOD.replace("daily_rate: 100", "daily_rate: {dist: uniform, low: 5, high: 1}"))
    assert "plants.plant_a.daily_rate" in msg and "high" in msg


def test_cli_validate_exits_2_without_traceback(tmp_path: Path) -> None:
    """`supplysim validate` on a bad file: one paragraph on stderr, exit code 2, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("daily_rate: 100", "daily_rate: -5"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "plants.plant_a.daily_rate" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
