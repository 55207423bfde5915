"""Replications benchmark: serial, a 2-process pool and a 2-worker local Dask cluster.

    .venv/bin/python benchmarks/replications.py --replications 40 --scenario scenarios/jlr_2025.yaml

Prints wall time, replications per second, parallel efficiency of the pool (serial time over
workers x pool time), the Dask/pool time ratio (with and without cluster start-up) and the time
1,000 replications would take on the pool; checks that every mode gives the identical table.
Wall times include everything a user waits for (pool or cluster start-up, worker imports).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.experiments import LOCAL_WORKER_CONFIG, ReplicationSet, run_replications
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def cpu_s() -> float:
    """CPU seconds of this process and of its finished children (pool workers, a closed local cluster)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(label: str, run: Callable[[], ReplicationSet]) -> tuple[float, float, ReplicationSet]:
    cpu, started = cpu_s(), time.perf_counter()
    reps = run()
    wall, cpu = time.perf_counter() - started, cpu_s() - cpu
    print(
        f"  {label:<32} {wall:7.2f} s wall {cpu:7.2f} s CPU  {reps.replications / wall:5.2f} reps/s  "
        f"({reps.executor}, {reps.workers} workers, chunks of {reps.chunk_size}, {len(reps.failures)} failed, "
        f"load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return wall, cpu, reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "jlr_2025.yaml")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    r, w = args.replications, args.workers
    print(f"{scenario.name}: {r} replications, {w} workers, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")

    serial_s, serial_cpu, serial = timed("serial (in-process)", lambda: run_replications(scenario, args.seed, r, workers=1))
    pool_s, pool_cpu, pool = timed(f"process pool, {w} workers", lambda: run_replications(scenario, args.seed, r, workers=w))
    dask_s, _, dask = timed(f"Dask LocalCluster, {w} workers", lambda: run_replications(scenario, args.seed, r, dask_workers=w))
    from dask import config
    from distributed import Client, LocalCluster

    with config.set(LOCAL_WORKER_CONFIG):  # the worker settings the README recommends for a cluster
        cluster = LocalCluster(
            n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
    with cluster, Client(cluster) as client:
        client.submit(__import__, "sim.simulation").result()  # workers warm, as a long-lived cluster would be
        warm_s, _, warm = timed(
            "Dask cluster already running", lambda: run_replications(scenario, args.seed, r, scheduler=cluster.scheduler_address)
        )

    for other in (pool, dask, warm):
        pd.testing.assert_frame_equal(serial.table, other.table)
        pd.testing.assert_frame_equal(serial.bands, other.bands)
    print("  tables and bands identical across all modes: yes")
    print(f"  serial time per replication        {serial_s / r:8.3f} s")
    print(f"  parallel efficiency at {w} workers   {serial_s / (w * pool_s):8.1%}   (target >= 85%)")
    print(
        f"  CPU per replication, serial/pool   {serial_cpu / pool_cpu:8.1%}   (work added by the pool; "
        "robust to other load on the machine)"
    )
    print(f"  Dask / pool wall time              {dask_s / pool_s:8.3f}   (with cluster start-up; target <= 1.10)")
    print(f"  Dask (running cluster) / pool      {warm_s / pool_s:8.3f}")
    print(f"  1,000 replications on the pool     {pool_s / r * 1000:8.0f} s   (projected; target < 180 s)")


if __name__ == "__main__":
    main()
