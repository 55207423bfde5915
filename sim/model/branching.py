"""A run and its baseline live the same days until their inputs first differ: simulate those
days once, in the baseline, and let the run carry on from the baseline's position.

The baseline of a scenario is the same scenario without its outages and interventions
(:func:`sim.simulation.baseline_of`), so the two worlds can only part on the first day an
outage changes a schedule (a plant's plan, its call-offs, a supplier's systems, invoice
processing, wholesale, the parts centre), a system changes, an intervention starts, or the run
takes its supplier survival reading. Before that day every actor does exactly the same in both.
Each actor names the attributes that change as a run goes on (its ``STATE``); everything else
is fixed when the world is built.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np

from sim.model.world import World


def _first_difference(a: np.ndarray | None, b: np.ndarray | None, day_axis: int, days: int) -> int:
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


def shared_days(run: World, baseline: World) -> int:
    """How many opening days ``run`` and ``baseline`` (built from the run's baseline scenario,
    with the same suppliers and opening position) simulate identically."""
    horizon = run.calendar.horizon_days
    if baseline.early_payment is not None or baseline.finance.rescue is not None or baseline.finance.stw_start is not None:
        return 0  # not a baseline: it has interventions
    days = [horizon]
    if run.early_payment is not None:
        days.append(run.early_payment.start_day)
    if run.finance.rescue is not None:
        days.append(run.finance.rescue.start_day)
    if run.finance.stw_start is not None:
        days.append(run.finance.stw_start)
    days.append(run.survive_day)  # the run's supplier survival reading (the baseline keeps its own)
    days += [c.day for c in run.estate.changes] + [c.day for c in baseline.estate.changes]
    rs, bs = run.supply, baseline.supply
    schedules = [
        (run.plan_units, baseline.plan_units, 1),
        (rs.calloff_ok, bs.calloff_ok, 1),
        (rs.group_ahead, bs.group_ahead, 0),
        (rs.availability_by_day, bs.availability_by_day, 0),
        (run.payables.capacity, baseline.payables.capacity, 0),
        (run.sales.capacity, baseline.sales.capacity, 0),
    ]
    if (run.parts_centre is None) != (baseline.parts_centre is None):
        return 0
    if run.parts_centre is not None and baseline.parts_centre is not None:
        schedules += [(run.parts_centre.orders, baseline.parts_centre.orders, 0),
                      (run.parts_centre.capacity, baseline.parts_centre.capacity, 0)]
    days += [_first_difference(a, b, axis, horizon) for a, b, axis in schedules]
    return max(min(days), 0)


def _actors(world: World) -> Iterator[Any]:
    """Every object of a world that holds running state, in a fixed order."""
    yield world.supply
    yield from world.plants
    yield world.finance
    yield world.ledger
    yield world.treasury
    yield from world.treasury.lines
    yield world.payables
    yield world.sales
    if world.parts_centre is not None:
        yield world.parts_centre
    yield world.recorder
    yield world.estate


def take_position(run: World, baseline: World) -> None:
    """Give ``run`` the running state ``baseline`` has now (at the start of a day both share).
    Arrays are copied into the run's own (views of them stay valid); everything else is copied
    whole, so the two worlds share nothing that either changes."""
    for mine, theirs in zip(_actors(run), _actors(baseline), strict=True):
        assert type(mine) is type(theirs)
        for name in type(mine).STATE:
            value = getattr(theirs, name)
            own = getattr(mine, name)
            if isinstance(value, np.ndarray) and isinstance(own, np.ndarray) and own.shape == value.shape \
                    and own.dtype == value.dtype:
                np.copyto(own, value)
            else:
                setattr(mine, name, copy.deepcopy(value))


def run_pair(run: World, baseline: World) -> int:
    """Simulate ``run`` and its ``baseline`` to the horizon, their shared opening days once;
    returns how many days were shared."""
    horizon = run.calendar.horizon_days
    shared = shared_days(run, baseline)
    if shared == 0:
        run.run()
        baseline.run()
        return 0
    env = baseline.start()
    baseline.advance(env, shared)
    take_position(run, baseline)
    run.advance(run.start(shared), horizon)
    baseline.advance(env, horizon)
    return shared
