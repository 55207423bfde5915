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

from sim.model.branching import run_three
from sim.model.checks import ConservationError, daily_check, violations
from sim.model.world import World
from sim.results import steady
from sim.results.economics import Economics, economics
from sim.results.frames import daily_columns, events_frame, suppliers_frame, with_baseline
from sim.results.kpis import summarise
from sim.results.quarters import quarters
from sim.scenario.realise import realise
from sim.scenario.schema import Realised, Scenario
from sim.scenario.streams import seed_sequence


@dataclass
class RunResult:
    """Everything one run produced. DataFrames carry real dates; money is in pounds. The supplier,
    event and quarter tables are built when first asked for (a Monte Carlo replication keeps only
    its summary and daily series, and never pays for them)."""

    scenario: Scenario  # as given (distributions intact)
    realised: Realised  # every scalar drawn
    seed: int | list[int]
    draws: dict[str, Any]
    daily: pd.DataFrame
    summary: dict[str, Any]
    work: dict[str, int] = field(default_factory=dict)
    world: World | None = field(default=None, repr=False, compare=False)
    baseline_problems: list[str] = field(default_factory=list)  # what is not steady about the baseline (empty: steady)
    loss: Economics | None = field(default=None, repr=False)  # the economic loss against the baseline

    @cached_property
    def economics(self) -> pd.DataFrame:
        """What the incident cost, and who bore it: one row per stakeholder, component and country (see
        :mod:`sim.results.economics`)."""
        assert self.loss is not None
        return self.loss.frame()

    @cached_property
    def suppliers(self) -> pd.DataFrame:
        """One row per supplier (see :func:`sim.results.frames.suppliers_frame`)."""
        assert self.world is not None
        return suppliers_frame(self.world)

    @cached_property
    def quarters(self) -> pd.DataFrame:
        """The run by calendar and fiscal quarter against its baseline (see :func:`sim.results.quarters.quarters`)."""
        return quarters(self.daily, self.realised.fiscal_year_start_month)

    @cached_property
    def events(self) -> pd.DataFrame:
        """Everything that happened at a moment (see :func:`sim.results.frames.events_frame`)."""
        assert self.world is not None
        return events_frame(self.world, self.daily)


def _build(
    scenario: Realised,
    root: np.random.SeedSequence,
    source: str,
    check_daily: bool,
    like: World | None = None,
    suppliers_fail: bool = True,
) -> World:
    """A world ready to run; ``like``: a world of the same network and seed to share suppliers
    and opening position with."""
    if like is None:
        world = World(scenario, root, source, suppliers_fail=suppliers_fail)
    else:
        world = World(scenario, root, source, like.supply.table, like.opening, suppliers_fail=suppliers_fail)
    if check_daily:
        world.check_daily = daily_check
    return world


def _check(*worlds: World) -> None:
    broken = [v for world in worlds for v in violations(world)]
    if broken:
        raise ConservationError(f"conservation broken at the end of the run: {'; '.join(broken)}")


@dataclass
class Worlds:
    """The three worlds of a run: the run itself, its counterfactual in which no supplier fails (the
    same world when none was in distress), and its no-outage baseline; the days the counterfactual
    shared with the baseline, and the day the run branched from the counterfactual (None: it did not)."""

    run: World
    counterfactual: World
    baseline: World
    shared: int
    branched: int | None


def _run_worlds(scenario: Realised, calm: Realised, root: np.random.SeedSequence, source: str, check_daily: bool) -> Worlds:
    """Run a scenario, its counterfactual without supplier failures and its baseline, each day they share
    once (see :func:`sim.model.branching.run_three`), then check every world's books."""
    counterfactual = _build(scenario, root, source, check_daily, suppliers_fail=False)
    baseline = _build(calm, root, source, check_daily, counterfactual)  # the same suppliers and opening
    run, shared, branched, finished = run_three(
        counterfactual, baseline, lambda: _build(scenario, root, source, check_daily, counterfactual)
    )
    if not finished:  # no supplier failed in the run: it built and sold what the counterfactual would have
        counterfactual = run
    baseline.opening.normal_weeks.clear()  # every world has run: what they shared to run faster is not kept
    try:
        _check(run, counterfactual, baseline)
    except ConservationError:
        if not check_daily:  # again, checking every day, to name the first date it broke
            _run_worlds(scenario, calm, root, source, True)
        raise
    return Worlds(run, counterfactual, baseline, shared, branched)


def baseline_of(scenario: Realised) -> Realised:
    """Business as usual: the same scenario without its outages and without the interventions
    that respond to them (so every variant of a scenario shares one baseline)."""
    return scenario.model_copy(update={"outages": {}, "interventions": type(scenario.interventions)()})


def seed_label(root: np.random.SeedSequence) -> int | list[int]:
    """A JSON-able seed: the integer, or [seed, replication] for a spawned child."""
    entropy = int(root.entropy)  # type: ignore[arg-type]
    return entropy if not root.spawn_key else [entropy, *map(int, root.spawn_key)]


def simulate(
    scenario: Scenario, seed: int | np.random.SeedSequence | None = None, *, check_daily: bool = False, source: str = "scenario"
) -> RunResult:
    """Run ``scenario`` (and its no-outage baseline, and its counterfactual without supplier failures)
    at ``seed`` (default: the scenario's seed)."""
    root = seed_sequence(scenario.seed if seed is None else seed)
    realised, draws = realise(scenario, root, source)
    worlds = _run_worlds(realised, baseline_of(realised), root, source, check_daily)
    world = worlds.run
    plants = [p.name for p in world.plants]
    daily = with_baseline(
        daily_columns(world),
        daily_columns(worlds.baseline),
        plants,
        daily_columns(worlds.counterfactual) if worlds.counterfactual is not world else None,
    )
    price = realised.sales.price_per_vehicle_gbp
    unsteady = steady.problems(worlds.baseline, daily)
    loss = economics(realised, world, worlds.baseline)
    if loss.problems():
        raise ConservationError(f"conservation broken at the end of the run: {'; '.join(loss.problems())}")
    summary = summarise(
        daily,
        world.estate.outage_began(),
        int(world.finance.insolvencies.sum()),
        plants,
        price,
        baseline_steady=not unsteady,
        economics=loss,
    )
    distinct = {id(w): w for w in (world, worlds.counterfactual, worlds.baseline)}.values()
    work = {
        "events": sum(w.counters.events for w in distinct),
        "world_days": sum(w.counters.days for w in distinct),
        "shared_days": worlds.shared,
        "branched_day": -1 if worlds.branched is None else worlds.branched,
    }
    return RunResult(scenario, realised, seed_label(root), draws, daily, summary, work, world, unsteady, loss)


def baseline_problems(scenario: Scenario, seed: int | np.random.SeedSequence | None = None, source: str = "scenario") -> list[str]:
    """What is not steady about ``scenario``'s no-outage baseline at ``seed`` (default: its own): only the
    baseline is simulated. Empty when it is steady (see :mod:`sim.results.steady`)."""
    root = seed_sequence(scenario.seed if seed is None else seed)
    realised, _ = realise(scenario, root, source)
    world = _build(baseline_of(realised), root, source, False)
    world.run()
    _check(world)
    columns = daily_columns(world)
    return steady.problems(world, with_baseline(columns, columns, [p.name for p in world.plants]))
