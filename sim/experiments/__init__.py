"""The experiments layer: Monte Carlo replications, parameter sweeps, sensitivity analysis and
comparisons, run through one executor interface (in-process, a process pool, or Dask)."""

from sim.experiments.replications import (
    BAND_COLUMNS,
    BAND_SERIES,
    LOCAL_WORKER_CONFIG,
    RUN_COLUMNS,
    Execution,
    InlineExecutor,
    Job,
    Outcome,
    ReplicationSet,
    bands_frame,
    chunk_size,
    execute,
    failures_of,
    kpi_summary,
    open_executor,
    outcome_table,
    parse_grid,
    run_chunk,
    run_replications,
    run_sweep,
    scalar,
    sweep_points,
    sweep_summary,
    write_replications,
    write_sweep,
)

__all__ = [
    "BAND_COLUMNS", "BAND_SERIES", "LOCAL_WORKER_CONFIG", "RUN_COLUMNS", "Execution", "InlineExecutor", "Job", "Outcome",
    "ReplicationSet", "bands_frame", "chunk_size", "execute", "failures_of", "kpi_summary", "open_executor",
    "outcome_table", "parse_grid", "run_chunk", "run_replications", "run_sweep", "scalar", "sweep_points",
    "sweep_summary", "write_replications", "write_sweep",
]
