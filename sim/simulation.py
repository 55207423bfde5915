"""The public entry point for one run: a scenario and a seed in, tables and KPIs out.

Every run also simulates its baseline (the same scenario and seed with no outages and no
interventions), so that "lost" is always measured against what would have happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sim.model.branching import run_pair
from sim.model.checks import ConservationError, daily_check, violations
from sim.model.world import World
from sim.results.frames import daily_columns, events_frame, suppliers_frame, with_baseline
from sim.results.kpis import summarise
from sim.scenario.realise import realise
from sim.scenario.schema import Realised, Scenario
from sim.scenario.streams import seed_sequence


@dataclass
class RunResult:
    """Everything one run produced. DataFrames carry real dates; money is in pounds. The supplier
    and event tables are built from the finished world when first asked for (a Monte Carlo
    replication keeps only its summary and daily series, and never pays for them)."""

    scenario: Scenario  # as given (distributions intact)
    realised: Realised  # every scalar drawn
    seed: int | list[int]
    draws: dict[str, Any]
    daily: pd.DataFrame
    summary: dict[str, Any]
    work: dict[str, int] = field(default_factory=dict)
    world: World | None = field(default=None, repr=False, compare=False)

    @cached_property
    def suppliers(self) -> pd.DataFrame:
        """One row per supplier (see :func:`sim.results.frames.suppliers_frame`)."""
        assert self.world is not None
        return suppliers_frame(self.world)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Everything that happened at a moment (see :func:`sim.results.frames.events_frame`)."""
        assert self.world is not None
        return events_frame(self.world)


def _build(scenario: Realised, root: np.random.SeedSequence, source: str, check_daily: bool,
           like: World | None = None) -> World:
    """A world ready to run; ``like``: a world of the same network and seed to share suppliers
    and opening position with."""
    if like is None:
        world = World(scenario, root, source)
    else:
        world = World(scenario, root, source, like.supply.table, like.opening)
    if check_daily:
        world.check_daily = daily_check
    return world


def _check(world: World) -> None:
    broken = violations(world)
    if broken:
        raise ConservationError(f"conservation broken at the end of the run: {'; '.join(broken)}")


def _run_world(scenario: Realised, root: np.random.SeedSequence, source: str, check_daily: bool,
               like: World | None = None) -> World:
    """Build and run a world, then check its books."""
    world = _build(scenario, root, source, check_daily, like)
    world.run()
    try:
        _check(world)
    except ConservationError:
        if not check_daily:  # run again checking every day, to name the first date it broke
            _run_world(scenario, root, source, True, like)
        raise
    return world


def _run_with_baseline(scenario: Realised, calm: Realised, root: np.random.SeedSequence, source: str,
                       check_daily: bool) -> tuple[World, World, int]:
    """Run a scenario and its baseline, their shared opening days once (see
    :mod:`sim.model.branching`); returns both worlds and the days shared."""
    world = _build(scenario, root, source, check_daily)
    baseline = _build(calm, root, source, check_daily, world)  # the same suppliers and opening
    shared = run_pair(world, baseline)
    try:
        _check(world)
        _check(baseline)
    except ConservationError:
        if not check_daily:  # each world again on its own, checking every day, to name the first date it broke
            _run_world(scenario, root, source, True)
            _run_world(calm, root, source, True, world)
        raise
    return world, baseline, shared


def baseline_of(scenario: Realised) -> Realised:
    """Business as usual: the same scenario without its outages and without the interventions
    that respond to them (so every variant of a scenario shares one baseline)."""
    return scenario.model_copy(update={"outages": {}, "interventions": type(scenario.interventions)()})


def seed_label(root: np.random.SeedSequence) -> int | list[int]:
    """A JSON-able seed: the integer, or [seed, replication] for a spawned child."""
    entropy = int(root.entropy)  # type: ignore[arg-type]
    return entropy if not root.spawn_key else [entropy, *map(int, root.spawn_key)]


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence | None = None, *,
             check_daily: bool = False, source: str = "scenario") -> RunResult:
    """Run ``scenario`` (and its no-outage baseline) at ``seed`` (default: the scenario's seed)."""
    root = seed_sequence(scenario.seed if seed is None else seed)
    realised, draws = realise(scenario, root, source)
    calm = baseline_of(realised)
    if calm != realised:
        world, baseline_world, shared = _run_with_baseline(realised, calm, root, source, check_daily)
    else:
        world = baseline_world = _run_world(realised, root, source, check_daily)
        shared = 0
    plants = [p.name for p in world.plants]
    daily = with_baseline(daily_columns(world), daily_columns(baseline_world), plants)
    price = realised.sales.price_per_vehicle_gbp
    summary = summarise(daily, world.estate.outage_began(), int(world.finance.insolvencies.sum()), plants, price)
    work = {"events": world.counters.events + (baseline_world.counters.events if baseline_world is not world else 0),
            "shared_days": shared}
    return RunResult(scenario, realised, seed_label(root), draws, daily, summary, work, world)
