"""A run and its baseline live the same days until their inputs first differ: simulate those
days once, in the baseline, and let the run carry on from the baseline's position.

The baseline of a scenario is the same scenario without its outages and interventions
(:func:`sim.simulation.baseline_of`), so the two worlds can only part on the first day one of
their actors could act differently: an outage changes a schedule (a plant's plan, its call-offs,
a supplier's systems, invoice processing, wholesale, the parts centre), a system changes, an
intervention starts, or the run takes its supplier survival reading. Each actor says when that is
for itself (``diverges``) and names the attributes that change as a run goes on (``STATE``);
everything else is fixed when the world is built.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.model.actor import copy_state
from sim.model.world import World


def shared_days(run: World, baseline: World) -> int:
    """How many opening days ``run`` and ``baseline`` (built from the run's baseline scenario, with the
    same suppliers and opening position) simulate identically."""
    horizon = run.calendar.horizon_days
    if run.actors.names != baseline.actors.names:
        return 0
    days = [horizon] + [actor.diverges(baseline.actors.get(actor.name), horizon) for actor in run.actors]
    return max(min(days), 0)


def take_position(run: World, baseline: World) -> None:
    """Give ``run`` the running state ``baseline`` has now (at the start of a day both share): every
    registered actor's ``STATE``, copied so that the two worlds share nothing that either changes."""
    for actor in run.actors:
        theirs = baseline.actors.get(actor.name)
        assert theirs is not None, actor.name
        copy_state(actor, theirs)


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


def run_three(counterfactual: World, baseline: World, make_run: Callable[[], World]) -> tuple[World, int, int | None, bool]:
    """Simulate a scenario's counterfactual without supplier failures (the OEM takes no decision about
    suppliers in distress), its baseline and, only if some supplier is in distress, the run itself: the
    counterfactual shares the baseline's opening days (see :func:`shared_days`), and the run is the
    counterfactual until the morning after the first distress, when it takes the counterfactual's
    position and decides. The counterfactual goes on only if some supplier then failed in the run: while
    none does, the two build and sell the same. Returns the run (the counterfactual itself when no supplier
    was in distress), the days shared with the baseline, the day the run branched from the counterfactual
    (None if it did not) and whether the counterfactual was simulated to the end."""
    horizon = counterfactual.calendar.horizon_days
    shared = shared_days(counterfactual, baseline)
    env_b = baseline.start()
    if shared:
        baseline.advance(env_b, shared)
        first = baseline.distress.first_distress
        if first is not None and first < shared - 1:
            shared = 0  # the baseline decided about a supplier, the counterfactual would not have: nothing shared
    if shared:
        take_position(counterfactual, baseline)
    env_c = counterfactual.start(shared)
    day = shared
    while day < horizon and counterfactual.distress.first_distress is None:
        day += 1
        counterfactual.advance(env_c, day)
    branched = None if counterfactual.distress.first_distress is None else day
    run, finished = counterfactual, branched is None
    if branched is not None:
        run = make_run()
        take_position(run, counterfactual)
        run.advance(run.start(branched), horizon)
        if run.finance.insolvencies.any():  # a supplier stopped shipping: the two may build differently
            counterfactual.advance(env_c, horizon)
            finished = True
    baseline.advance(env_b, horizon)
    return run, shared, branched, finished
