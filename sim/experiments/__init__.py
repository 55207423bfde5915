"""The experiments layer: Monte Carlo replications, parameter sweeps, sensitivity analysis and
comparisons, run through one executor interface (in-process, a process pool, or Dask)."""

from sim.experiments.executors import LOCAL_WORKER_CONFIG, Execution, InlineExecutor, Job, Outcome, execute, open_executor
from sim.experiments.replications import BAND_COLUMNS, BAND_SERIES, ReplicationSet, run_replications, write_replications
from sim.experiments.sweeps import parse_grid, run_sweep, scalar, sweep_points, sweep_summary, write_sweep
from sim.experiments.tables import RUN_COLUMNS, kpi_summary, outcome_table, ranking_table, sweep_points_table

__all__ = [
    "BAND_COLUMNS",
    "BAND_SERIES",
    "LOCAL_WORKER_CONFIG",
    "RUN_COLUMNS",
    "Execution",
    "InlineExecutor",
    "Job",
    "Outcome",
    "ReplicationSet",
    "execute",
    "kpi_summary",
    "open_executor",
    "outcome_table",
    "parse_grid",
    "ranking_table",
    "run_replications",
    "run_sweep",
    "scalar",
    "sweep_points",
    "sweep_points_table",
    "sweep_summary",
    "write_replications",
    "write_sweep",
]
