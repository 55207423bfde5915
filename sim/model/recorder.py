"""The recorder: one row of facts per simulated day, read by name from every registered actor.

Processes never aggregate; the recorder copies each actor's readings into preallocated columns
(cumulative counters stay cumulative; daily flows are differenced at the end). The columns are the
readings' names, in registry order, learned from the actors when the recorder is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, Actor, EventColumns, Morning, Process, Readings, Step


class Recorder:
    """Daily facts, one row per day, one column per reading."""

    name = "recorder"
    STATE: ClassVar[tuple[str, ...]] = ("table",)  # what changes as the run goes on

    def __init__(self, horizon: int, actors: Iterable[Actor]) -> None:
        self.actors = [a for a in actors if a.readings(0)]  # readings are pure: asking changes nothing
        self.names = [name for actor in self.actors for name in actor.readings(0)]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"two actors read the same column: {sorted(n for n in self.names if self.names.count(n) > 1)}")
        self.table = np.zeros((horizon, len(self.names)), dtype=np.float64)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """One array per column (copies)."""
        by_column = np.ascontiguousarray(self.table.T)
        return dict(zip(self.names, by_column, strict=True))

    def record(self, day: int) -> None:
        """Take the day's row from every actor's readings."""
        self.table[day] = [value for actor in self.actors for value in actor.readings(day).values()]

    def check_names(self, day: int) -> list[str]:
        """Whether every actor still reads the columns it read when the recorder was made (in order)."""
        names = [name for actor in self.actors for name in actor.readings(day)]
        return [] if names == self.names else [f"recorder: the readings changed their names on day {day}"]

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {}

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        return horizon
