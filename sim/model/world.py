"""The world: one run's actors, each built from its part of a realised scenario and registered once,
and the day's close that steps through their books. The world does no I/O.

Within a day, actors act in a fixed order by waking at fixed fractions of it (see
:mod:`sim.model.actor`): systems change at the start, then plants build (engine plants first),
suppliers ship, vehicles are wholesaled, the parts centre serves, and the day closes: each
actor's close steps in :class:`~sim.model.actor.Close` order, then the recorder takes the day's row.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model import opening
from sim.model.actor import CLOSE, MORNING, Actor, Process, Registry
from sim.model.calendar import Calendar
from sim.model.distress import SupplierDistress
from sim.model.estate import Estate
from sim.model.interventions import EarlyPayment
from sim.model.invoicing import Invoicing
from sim.model.ledger import Ledger, pence
from sim.model.opening import Opening
from sim.model.parts_centre import PartsCentre
from sim.model.payables import Payables
from sim.model.plants import Plant, plants_of
from sim.model.production import Production
from sim.model.recorder import Recorder
from sim.model.sales import Sales
from sim.model.supplier_finance import SupplierFinance
from sim.model.suppliers import SupplierTable, build_supplier_table
from sim.model.supply import SupplyBase
from sim.model.treasury import Treasury
from sim.model.workforce import Workforce
from sim.scenario.schema import Realised


@dataclass
class Counters:
    """Deterministic work counters (for regression guards on the amount of work done)."""

    events: int = 0
    days: int = 0  # days closed


class World:
    """Every actor of one run, registered once; starting, branching, recording and checking iterate
    over :attr:`actors`."""

    # simulation bookkeeping rather than the business: each world counts its own work, and a daily
    # check is a hook, so neither is registered state
    BOOKKEEPING = ("counters", "check_daily")
    # links between actors that hold no state of their own
    GLUE = ("invoicing",)

    def __init__(
        self,
        scenario: Realised,
        root: np.random.SeedSequence,
        source: str = "scenario",
        suppliers: SupplierTable | None = None,
        start: Opening | None = None,
        extra: Sequence[Callable[[World], Actor]] = (),
        suppliers_fail: bool = True,
    ) -> None:
        """``suppliers`` and ``start``: the population drawn and the opening trade of another world of
        the same network and seed (a run and its baseline trade with the same suppliers, from the same
        position); made here when not given. ``extra``: makers of further actors, each given the world
        with its standard actors, registered after them (their readings come last in the record).
        ``suppliers_fail``: False for the counterfactual in which no supplier is let go (or kept trading):
        the OEM takes no decision about suppliers in distress."""
        self.scenario = scenario
        horizon = scenario.horizon_days
        table = build_supplier_table(scenario, root, source) if suppliers is None else suppliers
        pad = int(table.lead_time.max()) + 3 if table.n else 3
        self.calendar = calendar = Calendar(scenario.start_date, horizon, pad_days=pad)
        self.estate = estate = Estate(scenario, calendar)
        plants = plants_of(scenario.plants, calendar, estate)
        self.supply = supply = SupplyBase.create(table, plants, estate, horizon)
        opening.fill_lanes(supply)
        self.opening = opening.trade(supply, plants, calendar.start_date) if start is None else start
        money = self.opening.money
        self.ledger = ledger = Ledger(pence(scenario.treasury.opening_cash_gbp), money.opening_cash)
        self.treasury = Treasury.create(scenario.treasury, scenario.outages, calendar, ledger)
        interventions = scenario.interventions
        self.finance = finance = SupplierFinance.create(supply, money, ledger, estate.first_outage_start)
        self.workforce = Workforce(finance, ledger, interventions.short_time_work, calendar, self.opening.normal_weeks)
        self.payables = Payables.create(
            scenario.payables, estate, calendar, ledger, lambda: finance.days_of_cash(ledger.supplier_cash)
        )
        self.payables.open_with(self.opening.invoices)
        finance.open_with(self.opening.tier2_bills)
        self.distress = SupplierDistress(scenario.supplier_distress, finance, self.payables, ledger, root, suppliers_fail)
        self.early_payment = EarlyPayment.create(interventions.supplier_finance, table, calendar, ledger)
        self.payables.on_true_up.append(self.early_payment.true_up)
        self.sales = Sales.create(
            scenario.sales, estate, horizon, ledger, functools.partial(opening.vehicles_built_before, plants, calendar.start_date)
        )
        self.parts_centre = PartsCentre.create(scenario.parts_centre, estate, horizon, ledger, root)
        self.production = Production(plants, supply, self.sales, ledger, self.treasury.cost_per_unit, horizon)
        self.invoicing = Invoicing(finance, self.payables, self.early_payment)
        supply.on_shipment = weakref.WeakMethod(self.invoicing.__call__)
        self.actors = Registry()
        for actor in (
            self.estate,
            self.production,
            self.sales,
            supply,
            self.payables,
            self.parts_centre,
            self.treasury,
            finance,
            self.workforce,
            self.distress,
            self.early_payment,
            ledger,
        ):
            self.actors.add(actor)  # in this order the day's record lists their readings
        for make in extra:
            self.actors.add(make(self))
        self.recorder = self.actors.add(Recorder(horizon, self.actors))
        self.counters = Counters()
        self.check_daily: Callable[[World, int], None] | None = None  # e.g. sim.model.checks.daily_check

    @property
    def plants(self) -> list[Plant]:
        return self.production.plants

    # --- running ----------------------------------------------------------------------------------
    def close(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """Each day, once: every actor's close steps in order, then the day's record (and the daily
        check, when asked for); and, only when an actor has something to decide, its decisions the next
        morning before anything else happens that day."""
        steps = sorted(
            ((step, i, fn) for i, actor in enumerate(self.actors) for step, fn in actor.closing()), key=lambda s: (s[0], s[1])
        )
        day_close = [fn for _, _, fn in steps]
        mornings = [m for actor in self.actors for m in actor.mornings()]
        horizon = self.calendar.horizon_days
        for day in range(first_day, horizon):
            if any(wanted() for wanted, _ in mornings):
                yield env.timeout(day + MORNING - env.now)
                for wanted, decide in mornings:
                    if wanted():
                        decide(day)
            yield env.timeout(day + CLOSE - env.now)
            for step in day_close:
                step(day)
            self.recorder.record(day)
            self.counters.days += 1
            if self.check_daily is not None:
                self.check_daily(self, day)

    def run(self) -> None:
        """Simulate the whole horizon."""
        self.advance(self.start(), self.calendar.horizon_days)

    def start(self, first_day: int = 0) -> simpy.Environment:
        """An environment with every actor's processes and the day's close, starting at the beginning of
        ``first_day`` (a world continuing from another's position starts there; see :mod:`sim.model.branching`)."""
        env = simpy.Environment(initial_time=first_day)
        for actor in self.actors:
            for process in actor.processes(env, first_day):
                env.process(process)
        env.process(self.close(env, first_day))
        return env

    def advance(self, env: simpy.Environment, until: int) -> None:
        """Run every event before the start of day ``until`` (counted as work)."""
        count = 0
        while env.peek() < until:  # infinite when nothing is left to happen
            env.step()
            count += 1
        self.counters.events += count

    def violations(self) -> list[str]:
        """Every conservation identity of every actor, and of the links between them, that does not hold now
        (empty when all balance)."""
        return [v for actor in self.actors for v in actor.violations()] + self.invoicing.violations()

    def actor(self, name: str) -> Actor:
        found = self.actors.get(name)
        if found is None:
            raise KeyError(f"no actor named {name!r} (registered: {', '.join(self.actors.names)})")
        return found
