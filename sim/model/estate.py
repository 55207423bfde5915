"""The digital estate: named systems whose capacity (0 to 1) outages take away and restores give back.

A realised scenario fixes every outage and restore date, so each system's capacity is a step
function of the day. :class:`Estate` holds those schedules (plans look ahead with them) and a
SimPy process per system that changes its live capacity at each step and records the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, EventColumns, Morning, Process, Readings, Step
from sim.model.calendar import Calendar
from sim.scenario.schema import Realised


@dataclass(frozen=True)
class SystemChange:
    """A system's capacity changes to ``capacity`` on ``day`` because of ``outage``."""

    day: int
    system: str
    capacity: float
    outage: str


class Estate:
    """Capacity schedules of every system, and the processes that apply them."""

    name = "estate"
    STATE: ClassVar[tuple[str, ...]] = ("log",)  # what changes as the run goes on

    def __init__(self, scenario: Realised, calendar: Calendar) -> None:
        self.calendar = calendar
        self.names = list(scenario.systems)
        n = calendar.length
        self.schedule: dict[str, np.ndarray] = {name: np.ones(n) for name in self.names}
        self.changes: list[SystemChange] = []
        self.outage_start_days: dict[str, int] = {}
        for outage_name, outage in scenario.outages.items():
            start = calendar.day(outage.start)
            self.outage_start_days[outage_name] = start
            for system in outage.systems:
                level = np.ones(n)
                level[max(start, 0) :] = 0.0
                self.changes.append(SystemChange(start, system, 0.0, outage_name))
                for step in outage.restore.get(system, []):
                    if step.date is not None:
                        day = calendar.day(step.date)
                    else:
                        assert step.after_days is not None  # the schema requires one of the two
                        day = start + int(round(step.after_days))
                    level[max(day, 0) :] = step.capacity
                    self.changes.append(SystemChange(day, system, step.capacity, outage_name))
                self.schedule[system] = np.minimum(self.schedule[system], level)
        self.changes.sort(key=lambda c: (c.day, c.system))
        self.log: list[SystemChange] = []

    def availability(self, systems: Sequence[str]) -> np.ndarray:
        """Daily capacity of a function that needs all of ``systems`` (1.0 if it needs none)."""
        out = np.ones(self.calendar.length)
        for name in systems:
            out = np.minimum(out, self.schedule[name])
        return out

    def first_outage_day(self, systems: Sequence[str]) -> int:
        """First day any of ``systems`` loses capacity (horizon length if never)."""
        days = [int(np.argmax(self.schedule[s] < 1.0)) for s in systems if (self.schedule[s] < 1.0).any()]
        return min(days) if days else self.calendar.length

    def outage_began(self) -> int | None:
        """The day (0 at the earliest) the first system went down in the run, None if none did."""
        days = [max(c.day, 0) for c in self.log if c.capacity == 0]
        return min(days, default=None)

    @property
    def first_outage_start(self) -> int:
        """The first day within the horizon an outage starts (0 if none does)."""
        starts = [d for d in self.outage_start_days.values() if 0 <= d < self.calendar.horizon_days]
        return min(starts, default=0)

    def process(self, env: simpy.Environment, system: str, first_day: int = 0) -> Process:
        """Apply ``system``'s capacity changes at the start of their days from ``first_day`` (a world taking
        another's position has those before it in its log already), recording each."""
        for change in (c for c in self.changes if c.system == system and (c.day >= first_day or first_day == 0)):
            if change.day >= self.calendar.horizon_days:
                return
            if change.day > env.now:
                yield env.timeout(change.day - env.now)
            self.log.append(change)

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, system, first_day) for system in self.names]

    def closing(self) -> list[Step]:
        return []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Each system going down (``outage``) or coming back (``restore``), its capacity as the value."""
        if not self.log:
            return NO_EVENTS
        return EventColumns.of(
            [(max(c.day, 0), "outage" if c.capacity == 0 else "restore", c.system, c.capacity, c.outage) for c in self.log]
        )

    def violations(self) -> list[str]:
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """Two estates act alike until the first change in either."""
        theirs = other.changes if isinstance(other, Estate) else []
        return min([horizon] + [c.day for c in self.changes] + [c.day for c in theirs])
