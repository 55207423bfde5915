"""Actors are registered once: a new actor gets its readings recorded, its identities checked and its state
carried over when a run branches from its baseline, without editing the recorder, the checks or branching."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, EventColumns, Morning, Process, Readings, Step
from sim.model.branching import run_pair
from sim.model.production import Production
from sim.model.world import World
from sim.results.frames import daily_columns
from sim.scenario.realise import realise
from sim.scenario.streams import seed_sequence
from sim.simulation import baseline_of
from tests.micro import micro, outage


class BuildDays:
    """A toy actor: counts the days its plant built anything, looking each day just after production."""

    name = "build_days"
    STATE: ClassVar[tuple[str, ...]] = ("days", "looked")

    def __init__(self, production: Production) -> None:
        self.plant = production.plants[0]
        self.days = 0  # days the plant built anything so far
        self.looked = 0  # days looked at so far

    def process(self, env: simpy.Environment, first_day: int) -> Process:
        for day in range(first_day, len(self.plant.built)):
            yield env.timeout(day + 0.3 - env.now)
            self.days += int(self.plant.built[day] > 0)
            self.looked = day + 1

    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)]

    def closing(self) -> list[Step]:
        return []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {"days_with_production": self.days}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        if self.days != int((self.plant.built[: self.looked] > 0).sum()):
            return ["build days: counted days != days the plant built anything"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        return horizon


def _worlds(scenario: Any) -> tuple[World, World, World, int]:
    root = seed_sequence(1)
    realised, _ = realise(scenario, root)
    alone = World(realised, root, extra=[lambda w: BuildDays(w.production)])
    alone.run()
    run = World(realised, root, extra=[lambda w: BuildDays(w.production)])
    baseline = World(
        baseline_of(realised), root, "scenario", run.supply.table, run.opening, extra=[lambda w: BuildDays(w.production)]
    )
    return alone, run, baseline, run_pair(run, baseline)


def test_a_new_actor_is_recorded_checked_and_branched() -> None:
    """ERP down 16-22 Jan in a 60-day run from 6 Jan: the plant builds on 53 days; the run branches from
    its baseline after the 10 shared days and counts the same as when simulated alone."""
    alone, run, baseline, shared = _worlds(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-23"}]})))
    assert shared == 10
    for world, days in ((alone, 53), (run, 53), (baseline, 60)):
        column = daily_columns(world)["days_with_production"]
        assert column[-1] == days
        assert column[9] == 10  # the shared days, counted once and carried over
        assert world.violations() == []
    np.testing.assert_array_equal(daily_columns(alone)["days_with_production"], daily_columns(run)["days_with_production"])
    toy = run.actor("build_days")
    assert isinstance(toy, BuildDays)
    toy.days += 1  # a day counted twice
    assert run.violations() == ["build days: counted days != days the plant built anything"]
