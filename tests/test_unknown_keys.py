"""A misspelt key in a scenario file names the nearest field the schema has there."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "line", "path", "hint"),
    [
        ("plants:\n  plant_a:\n    daily_rte: 50\n", 3, "plants.plant_a.daily_rte", "did you mean 'daily_rate'?"),
        (
            "payables:\n  automated_invoice_per_day: 5\n",
            2,
            "payables.automated_invoice_per_day",
            "did you mean 'automated_invoices_per_day'?",
        ),
        ("suppliers:\n  seat_co:\n    runway_dayz: 20\n", 3, "suppliers.seat_co.runway_dayz", "did you mean 'runway_days'?"),
        ("plants:\n  plant_a:\n    zzz: 1\n", 3, "plants.plant_a.zzz", "check the spelling"),
    ],
)
def test_a_misspelt_key_names_the_nearest_field(tmp_path: Path, text: str, line: int, path: str, hint: str) -> None:
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"base: {ROOT / 'tests' / 'scenarios' / 'tiny.yaml'}\nname: variant\n{text}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(variant, allow_base_outside=True)
    message = str(info.value)
    assert f"line {line + 2}, {path}: unknown key" in message and hint in message
