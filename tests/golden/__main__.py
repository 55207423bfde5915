"""Regenerate the golden flagship summary: ``python -m tests.golden`` (after a deliberate model change)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.runner import jsonable
from sim.scenario.loader import load_scenario
from sim.simulation import simulate

ROOT = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    result = simulate(load_scenario(ROOT / "scenarios" / "jlr_2025.yaml"))
    path = ROOT / "tests" / "golden" / "jlr_2025_summary.json"
    path.write_text(json.dumps(jsonable(result.summary), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}")
