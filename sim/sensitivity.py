"""``sim.sensitivity``, global sensitivity analysis in the public API; it lives in
:mod:`sim.experiments.sensitivity`."""

from sim.experiments.sensitivity import DEFAULT_KPIS, RANKING_COLUMNS, parse_params, run_sensitivity, write_sensitivity

__all__ = ["DEFAULT_KPIS", "RANKING_COLUMNS", "parse_params", "run_sensitivity", "write_sensitivity"]
