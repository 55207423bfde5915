"""supplysim: a supply-chain disruption and recovery simulator.

The public API (imported lazily, so that ``supplysim --help`` stays fast)::

    from sim import load_scenario, simulate
    result = simulate(load_scenario("scenarios/jlr_2025.yaml"), seed=1)
    result.summary["vehicles_lost"], result.daily, result.suppliers, result.events
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_scenario": "sim.scenario.loader",
    "apply_overrides": "sim.scenario.loader",
    "read_yaml": "sim.scenario.loader",
    "validate_data": "sim.scenario.loader",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.errors",
    "simulate": "sim.simulation",
    "RunResult": "sim.simulation",
    "ConservationError": "sim.model.checks",
    "run_replications": "sim.experiments",
    "run_sweep": "sim.experiments",
    "compare": "sim.experiments.comparison",
    "kpi_table": "sim.results.kpis",
    "explore": "sim.explorer",  # needs the extra supplysim[serve]
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
