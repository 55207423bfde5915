"""What every actor declares, and the registry a world keeps of them.

An actor is one part of the business a world simulates: the digital estate, the plants, the supply
base, accounts payable, sales, the parts centre, the treasury, the suppliers' books, an
intervention, the ledger. Next to its own state and behaviour each declares:

- ``processes``: its SimPy processes (plain generators), started at the beginning of a day;
- ``closing``: its steps in the day's close (the books), each at a :class:`Close` position;
- ``mornings``: decisions taken the next morning, before anything else happens that day, each with a
  question saying whether there is anything to decide (a world wakes for them only when there is);
- ``readings``: its facts for the day's record, by name (pure: reading changes nothing);
- ``series``: daily series it keeps itself, beyond its readings (most actors keep none);
- ``events``: what happened at a moment, as event records;
- ``violations``: its conservation identities that do not hold (empty when all balance);
- ``STATE`` and ``diverges``: the attributes that change as a run goes on, and the first day it could
  act differently from its counterpart in another world; a run and its baseline share the days
  before that (:mod:`sim.model.branching`).

A world registers each actor once, in the order its daily record lists their readings; starting,
branching, recording, checking and framing all iterate over the registry.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator, Iterator
from enum import IntEnum
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

import numpy as np
import simpy

# Within a day, actors act in a fixed order by waking at fixed fractions of it: systems change at the
# start, then plants build (engine plants first), suppliers ship, vehicles are wholesaled, the parts
# centre serves, and the day closes (payables, receipts, books, the day's record).
PLANTS = 0.25
SUPPLY = 0.5
SALES = 0.625
PARTS = 0.6875
CLOSE = 0.75
MORNING = 0.125  # decisions about the night before, before plants build

Process = Generator[simpy.Event, None, None]
Readings = dict[str, float]


class Close(IntEnum):
    """The steps of the day's close, in the order they happen."""

    PREPAYMENTS = 1  # early payments falling due today reach suppliers
    INVOICES = 2  # accounts payable process invoices and pay those due
    SURVIVAL = 3  # on the outage's first day: how long each supplier could last
    RECEIPTS = 4  # wholesale and parts receipts reach the OEM
    SUPPLIER_BOOKS = 5  # suppliers' fixed costs and tier-2 bills; whose cash and credit ran out
    WORKFORCE = 6  # short time, recall and redundancies for tomorrow; short-time-work grants
    DISTRESS = 7  # note suppliers in distress (the OEM decides about them the next morning)
    FINANCING = 8  # the day's financing charge on money advanced early
    TREASURY = 9  # the OEM's fixed costs, interest and facility draws


Step = tuple[Close, Callable[[int], object]]
Morning = tuple[Callable[[], bool], Callable[[int], object]]  # (anything to decide?, decide on the day)


class EventColumns(NamedTuple):
    """Events as columns: day index, kind, entity, value and what the value is (its unit)."""

    day: np.ndarray
    kind: list[str]
    entity: list[str]
    value: np.ndarray
    detail: list[str]

    @staticmethod
    def of(rows: list[tuple[int, str, str, float, str]]) -> EventColumns:
        """From a few records (day, kind, entity, value, detail)."""
        return EventColumns(
            np.array([r[0] for r in rows], dtype=np.int64),
            [r[1] for r in rows],
            [r[2] for r in rows],
            np.array([r[3] for r in rows], dtype=np.float64),
            [r[4] for r in rows],
        )


NO_EVENTS = EventColumns(np.zeros(0, dtype=np.int64), [], [], np.zeros(0), [])


class Actor(Protocol):
    """One registered part of a world (see the module docstring)."""

    name: str
    STATE: ClassVar[tuple[str, ...]]

    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]: ...

    def closing(self) -> list[Step]: ...

    def mornings(self) -> list[Morning]: ...

    def readings(self, day: int) -> Readings: ...

    def series(self) -> dict[str, np.ndarray]: ...

    def events(self) -> EventColumns: ...

    def violations(self) -> list[str]: ...

    def diverges(self, other: Any, horizon: int) -> int: ...


A = TypeVar("A", bound=Actor)


class Registry:
    """A world's actors by name, in the order they were registered."""

    def __init__(self) -> None:
        self._actors: dict[str, Actor] = {}

    def add(self, actor: A) -> A:
        """Register ``actor`` (its name must be new); returns it."""
        if actor.name in self._actors:
            raise ValueError(f"an actor named {actor.name!r} is registered already")
        self._actors[actor.name] = actor
        return actor

    def __iter__(self) -> Iterator[Actor]:
        return iter(self._actors.values())

    def __len__(self) -> int:
        return len(self._actors)

    def get(self, name: str) -> Actor | None:
        return self._actors.get(name)

    @property
    def names(self) -> list[str]:
        return list(self._actors)


def copy_state(mine: Any, theirs: Any) -> None:
    """Give ``mine`` the running state of ``theirs`` (an object of the same type): every attribute named in
    its type's ``STATE``. Arrays of the same shape are copied into the existing ones (views of them stay
    valid); a list of objects with a ``STATE`` of their own (plants, credit lines) is copied item by item;
    anything else is copied whole, so the two share nothing that either changes."""
    assert type(mine) is type(theirs), (type(mine), type(theirs))
    for name in type(mine).STATE:
        value, own = getattr(theirs, name), getattr(mine, name)
        if isinstance(value, np.ndarray) and isinstance(own, np.ndarray) and own.shape == value.shape and own.dtype == value.dtype:
            np.copyto(own, value)
        elif isinstance(value, list) and value and hasattr(type(value[0]), "STATE"):
            for a, b in zip(own, value, strict=True):
                copy_state(a, b)
        else:
            setattr(mine, name, copy.deepcopy(value))


def first_difference(a: np.ndarray | None, b: np.ndarray | None, day_axis: int, days: int) -> int:
    """The first day (index along ``day_axis``) on which two schedules differ; ``days`` if never.
    None is an availability schedule that is full every day (compared as all ones)."""
    if a is None and b is None:
        return days
    if a is None:
        a = np.ones_like(b)
    if b is None:
        b = np.ones_like(a)
    if a.shape != b.shape:
        return 0
    differs = a != b
    if differs.ndim > 1:
        differs = differs.any(axis=tuple(i for i in range(differs.ndim) if i != day_axis))
    hits = np.flatnonzero(differs)
    return int(hits[0]) if len(hits) else days
