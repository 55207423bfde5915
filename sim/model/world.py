"""The engine: wire a world of actors from a realised scenario and run it in SimPy.

Within a day, actors act in a fixed order by starting at fixed fractions of the day:
systems change at the start, then plants build (engine plants first), suppliers ship,
vehicles are wholesaled, the parts centre serves, payables process and pay, accounts close,
and the recorder takes the day's row. The engine does no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import simpy

from sim.model.calendar import Calendar
from sim.model.estate import Estate
from sim.model.interventions import EarlyPayment, Rescue
from sim.model.ledger import Ledger, pence
from sim.model.parts_centre import PartsCentre
from sim.model.payables import Batch, Payables
from sim.model.plants import Plant, production_process
from sim.model.recorder import Recorder
from sim.model.sales import Sales
from sim.model.supplier_finance import SupplierFinance
from sim.model.suppliers import SupplierTable, build_supplier_table
from sim.model.supply import Deliveries, SupplyBase, supply_process
from sim.model.treasury import CreditLine, Treasury
from sim.scenario.schema import WEEKDAYS, Scenario
from sim.scenario.streams import stream

PHASE_PLANTS = 0.25
PHASE_SUPPLY = 0.5
PHASE_SALES = 0.625
PHASE_PARTS = 0.6875
PHASE_PAYABLES = 0.75  # then, in the same wake-up, the books close and the recorder takes the row


def _f(x: Any) -> float:
    """A realised parameter as a float (distributions are drawn before the world is built)."""
    return float(x)


def _day(calendar: Calendar, when: Any) -> int:
    assert isinstance(when, date), "dates are realised before the world is built"
    return calendar.day(when)


@dataclass
class Counters:
    """Deterministic work counters (for regression guards on the amount of work done)."""

    events: int = 0


@dataclass(frozen=True)
class Opening:
    """Normal trading before day 0: the OEM's invoices not yet due, and the tier-2 bills not yet
    due as (due day, payers, payees, amounts). The same for every world of one network and seed
    (a run and its baseline); read only, so one copy serves both."""

    invoices: list[Batch]
    tier2_bills: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]


class World:
    """Every actor of one run, and the glue between them."""

    def __init__(self, scenario: Scenario, root: np.random.SeedSequence, source: str = "scenario",
                 suppliers: SupplierTable | None = None, opening: Opening | None = None) -> None:
        """``suppliers`` and ``opening``: the population drawn and the opening position of another
        world of the same network and seed (a run and its baseline trade with the same suppliers,
        from the same position); made here when not given."""
        self.scenario = scenario
        horizon = scenario.horizon_days
        table = build_supplier_table(scenario, root, source) if suppliers is None else suppliers
        pad = int(table.lead_time.max()) + 3 if table.n else 3
        self.calendar = cal = Calendar(scenario.start_date, horizon, pad_days=pad)
        self.estate = estate = Estate(scenario, cal)
        specs = sorted(scenario.plants.items(), key=lambda kv: kv[1].kind != "engine")
        self.plants = [Plant.create(name, spec, i, cal, estate) for i, (name, spec) in enumerate(specs)]
        by_name = {p.name: p for p in self.plants}
        for p in self.plants:
            if p.spec.engines_from:
                p.engine_source = by_name[p.spec.engines_from]
                p.engine_source.consumers.append(p)
        entry_avail = np.array([estate.availability(scenario.suppliers[e].systems) for e in table.entry_names])
        entry_avail = entry_avail.reshape(len(table.entry_names), cal.length)
        self.supply = supply = SupplyBase(table, self.plants, entry_avail, horizon)
        for p in self.plants:
            if p.is_engine_plant:
                rate = sum(_f(c.spec.daily_rate) for c in p.consumers)
                p.engine_target = int(round(_f(p.spec.engine_buffer_days) * rate))
                p.engine_stock = p.engine_target
        self.opening_engine_stock = sum(p.engine_stock for p in self.plants)
        # units each plant (rows, in index order) can build each day from its capacity alone
        self.plan_units = np.array([p.plan[:horizon] for p in self.plants]).astype(np.int64).reshape(len(self.plants), horizon)
        # money
        st = scenario.interventions.short_time_work
        self.finance = fin = SupplierFinance(
            supply,
            _day(cal, st.start) if st else None,
            _day(cal, st.end) if st and st.end is not None else None,
            _f(st.payroll_share_covered) if st else 0.0,
            list(st.tiers) if st else [],
            _f(st.min_idle_share) if st else 0.0,
        )
        tr = scenario.treasury
        self.ledger = Ledger(pence(_f(tr.opening_cash_gbp)), fin.opening_cash)
        lines = [
            CreditLine(name, pence(_f(f.size_gbp)), _day(cal, f.available_from), pence(_f(f.draw_below_gbp)),
                       f.government_guaranteed, _f(f.annual_interest_rate))
            for name, f in tr.facilities.items()
        ]
        self.treasury = Treasury(pence(_f(tr.fixed_costs_gbp_per_day)), pence(_f(tr.other_cost_per_unit_gbp)), lines)
        # payables
        pay = scenario.payables
        capacity = np.floor(_f(pay.automated_invoices_per_day) * estate.availability(pay.systems)[:horizon] + 1e-9)
        for team in pay.manual_teams.values():
            a = max(_day(cal, team.start), 0)
            b = horizon if team.end is None else min(_day(cal, team.end) + 1, horizon)
            if a < b:
                capacity[a:b] += np.floor(_f(team.staff) * _f(team.invoices_per_person_per_day) + 1e-9)
        self.payables = Payables(capacity.astype(np.int64), pay.priority, pay.process_invoices)
        self._no_prepayment = np.zeros(len(self.supply.lane_sup), dtype=np.int64)
        self._no_prepayment.flags.writeable = False  # shared by every invoice batch with nothing prepaid
        self.opening = self._opening_trade() if opening is None else opening
        self.payables.open_with(self.opening.invoices)
        for due, payer, payee, amount in self.opening.tier2_bills:
            self.finance.tier2_bills[due].append((payer, payee, amount))
        # supplier early payment
        sf = scenario.interventions.supplier_finance
        self.early_payment: EarlyPayment | None = None
        if sf is not None:
            eligible = np.isin(table.tier, sf.tiers) & (table.critical | (not sf.restart_critical_only))
            self.early_payment = EarlyPayment(
                _day(cal, sf.start), pence(_f(sf.budget_gbp)), _f(sf.prepay_share),
                int(round(_f(sf.days_after_order))), eligible.astype(np.int64), _f(sf.annual_cost_rate),
                sf.tier2_pass_through)
            self.payables.on_true_up.append(self.early_payment.true_up)
        rescue = scenario.interventions.rescue
        if rescue is not None:
            eligible = np.isin(table.tier, rescue.tiers) & (table.critical | (not rescue.restart_critical_only))
            fin.rescue = Rescue(_day(cal, rescue.start), pence(_f(rescue.budget_gbp)), _f(rescue.cushion_days), eligible)
        # sales
        sa = scenario.sales
        avail = np.maximum(estate.availability(sa.systems)[:horizon], _f(sa.manual_capacity))
        price = pence(_f(sa.price_per_vehicle_gbp))
        self.sales = Sales(np.floor(_f(sa.max_wholesale_per_day) * avail + 1e-9).astype(np.int64), price,
                           int(round(_f(sa.settlement_days))))
        vehicles_per_day = sum(
            _f(p.spec.daily_rate) * len(p.spec.working_days) / 7 for p in self.plants if not p.is_engine_plant
        )
        for d in range(self.sales.settlement_days):
            self.sales.receipts[d] += int(round(vehicles_per_day * price))
        # parts centre
        self.parts_centre: PartsCentre | None = None
        pc = scenario.parts_centre
        if pc is not None:
            rate = _f(pc.orders_per_day)
            if pc.order_randomness == "poisson":
                orders = stream(root, "parts_centre.orders").poisson(rate, horizon)
            else:
                orders = np.full(horizon, int(round(rate)))
            avail = np.maximum(estate.availability(pc.systems)[:horizon], _f(pc.manual_capacity))
            cap = np.floor(rate * _f(pc.recovery_boost) * avail + 1e-9).astype(np.int64)
            patience = None if pc.patience_days is None else int(round(_f(pc.patience_days)))
            self.parts_centre = PartsCentre(orders.astype(np.int64), cap, patience, pence(_f(pc.order_value_gbp)),
                                            int(round(_f(pc.settlement_days))))
            for d in range(self.parts_centre.settlement_days):
                self.parts_centre.receipts[d] += int(round(rate * self.parts_centre.order_value))
        self.recorder = Recorder(horizon)
        self.counters = Counters()
        self.check_daily: Callable[[World, int], None] | None = None  # e.g. sim.model.checks.daily_check
        starts = [d for d in estate.outage_start_days.values() if 0 <= d < horizon]
        self.survive_day = min(starts, default=0)
        self.time_to_survive = np.full(table.n, np.inf)

    def _opening_trade(self) -> Opening:
        """Normal trading before day 0: an invoice for each delivery lane and each of the plant's
        working days in the last ``terms`` days, and a tier-2 bill for each of the last tier-2
        terms days, not yet due."""
        t, supply = self.supply.table, self.supply
        first_weekday = self.calendar.start_date.weekday()
        by_due: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)  # due day -> (suppliers, values)
        for plant in self.plants:
            lanes = np.arange(plant.lanes.start, plant.lanes.stop)
            if len(lanes) == 0:
                continue
            working = np.array([d in plant.spec.working_days for d in WEEKDAYS])
            per_day = np.rint(supply.lane_ppu[lanes] * _f(plant.spec.daily_rate) * supply.lane_price[lanes]).astype(np.int64)
            rows = supply.lane_sup[lanes]
            terms = t.terms[rows]
            for term in np.unique(terms):
                group = (terms == term) & (per_day > 0)
                invoice = (rows[group], per_day[group])  # one per lane and past working day
                for back in range(int(term), 0, -1):  # the oldest (due first) first
                    if working[(first_weekday - back) % 7]:
                        by_due[int(term) - back].append(invoice)
        batches = []
        for due in sorted(by_due):
            sups = np.concatenate([s for s, _ in by_due[due]])
            values = np.concatenate([v for _, v in by_due[due]])
            batches.append(Batch(sups, values, np.zeros(len(values), dtype=np.int64), np.full(len(values), due, dtype=np.int64)))
        t2 = supply.tier2_rows
        bills = []
        for k in range(int(t.terms[t2].max()) if len(t2) else 0):
            has = t.terms[t2] > k
            daily2 = np.rint(supply.normal_units[t2] * t.price[t2]).astype(np.int64)
            bills.append((k, supply.tier2_customer[has], t2[has], daily2[has]))
        return Opening(batches, bills)

    # --- glue called by processes -------------------------------------------------------
    def build(self, day: int) -> None:
        """Build what capacity, parts and engines allow at every plant on ``day``: the engine
        plants first, then the vehicle plants in turn, each taking engines from its engine plant."""
        plan = self.plan_units[:, day].tolist()
        units = np.minimum(self.plan_units[:, day], self.supply.buildable()).tolist()
        for plant in self.plants:
            i = plant.index
            if plan[i] <= 0:
                continue
            made = units[i]
            if plant.is_engine_plant:
                need = sum(plan[c.index] for c in plant.consumers) + plant.engine_target
                made = min(made, max(need - plant.engine_stock, 0))
                plant.engine_stock += made
                plant.engines_made += made
            else:
                if plant.engine_source is not None:
                    made = min(made, plant.engine_source.engine_stock)
                    plant.engine_source.engine_stock -= made
                    plant.engine_source.engines_fitted += made
                self.sales.add(made)
                if made:
                    self.ledger.oem("other_costs", -made * self.treasury.cost_per_unit)
            units[i] = made
            plant.built[day] = made
        self.supply.consume(np.array(units, dtype=np.int64))

    def after_shipment(self, day: int, units: np.ndarray, value: np.ndarray, deliveries: Deliveries) -> None:
        """Suppliers pay for today's output and invoice the OEM, one invoice per delivery."""
        supply = self.supply
        rows, v, due = deliveries.supplier, deliveries.value, deliveries.due
        scheme = self.early_payment
        if scheme is not None and day >= scheme.start_day:
            prepaid = scheme.prepaid_part(day, rows, v)
        else:
            prepaid = self._no_prepayment[: len(v)]
        # with pass-through, a prepaid tier-1 supplier pays its tier-2 suppliers when its money comes
        fast = None
        if scheme is not None and scheme.pass_through and prepaid.any():
            fast = np.zeros(supply.table.n, dtype=bool)
            fast[rows[prepaid > 0]] = True
        self.finance.on_shipment(day, units, value, self.ledger, fast, day + scheme.delay if scheme else day)
        if len(v):
            terms_days = supply.uniform_terms
            self.payables.receive(Batch(rows, v, prepaid, due, deliveries.face), day,
                                  None if terms_days is None else day + terms_days)

    def intervention_cost(self) -> int:
        """Short-time work paid + early-payment financing + interest on government-backed loans + money the
        OEM put into rescued suppliers (pence)."""
        scheme = self.early_payment.cost if self.early_payment else 0
        gov = sum(line.interest_paid for line in self.treasury.lines if line.government)
        rescue = self.finance.rescue.spent if self.finance.rescue else 0
        return self.finance.stw_paid + scheme + gov + rescue

    # --- processes ------------------------------------------------------------------------
    def close_process(self, env: simpy.Environment, first_day: int = 0) -> Generator[simpy.Event, None, None]:
        """Each day: pay invoices and prepayments, collect receipts, close suppliers' and OEM's books."""
        horizon = self.calendar.horizon_days
        def urgency() -> np.ndarray:
            return self.finance.days_of_cash(self.ledger.supplier_cash)

        for day in range(first_day, horizon):
            # payables, then the books, then the day's record: nothing else acts in between,
            # so one wake-up a day does all three in that order
            yield env.timeout(day + PHASE_PAYABLES - env.now)
            if self.early_payment is not None:
                self.early_payment.pay_due(day, self.ledger)
            self.payables.process(day, urgency)
            self.payables.pay(day, self.ledger)
            if day == self.survive_day:
                self.time_to_survive = self.finance.time_to_survive(self.ledger.supplier_cash)
            self.sales.collect(day, self.ledger)
            if self.parts_centre is not None:
                self.parts_centre.collect(day, self.ledger)
            self.finance.close_day(day, self.ledger)
            if self.early_payment is not None:
                self.early_payment.charge(self.ledger)
            self.treasury.close_day(day, self.ledger)
            self.recorder.snapshot(day, self)
            if self.check_daily is not None:
                self.check_daily(self, day)

    def sales_process(self, env: simpy.Environment, first_day: int = 0) -> Generator[simpy.Event, None, None]:
        """Wholesale on days the wholesale function runs and there are vehicles to sell."""
        open_days = np.flatnonzero(self.sales.capacity[first_day:] > 0) + first_day
        for day in open_days.tolist():
            yield env.timeout(day + PHASE_SALES - env.now)
            if self.sales.stock:
                self.sales.wholesale(int(day))

    def parts_process(self, env: simpy.Environment, first_day: int = 0) -> Generator[simpy.Event, None, None]:
        assert self.parts_centre is not None
        for day in range(first_day, self.calendar.horizon_days):
            yield env.timeout(day + PHASE_PARTS - env.now)
            self.parts_centre.serve(day)

    def run(self) -> None:
        """Simulate the whole horizon."""
        self.advance(self.start(), self.calendar.horizon_days)

    def start(self, first_day: int = 0) -> simpy.Environment:
        """An environment with every actor's process, starting at the beginning of ``first_day``
        (a world continuing from another's position starts there; see :mod:`sim.model.branching`)."""
        env = simpy.Environment(initial_time=first_day)
        for system in self.estate.names:
            env.process(self.estate.process(env, system))
        env.process(production_process(env, self, PHASE_PLANTS, first_day))
        env.process(supply_process(env, self, PHASE_SUPPLY, first_day))
        env.process(self.sales_process(env, first_day))
        if self.parts_centre is not None:
            env.process(self.parts_process(env, first_day))
        env.process(self.close_process(env, first_day))
        return env

    def advance(self, env: simpy.Environment, until: int) -> None:
        """Run every event before the start of day ``until`` (counted as work)."""
        count = 0
        while env.peek() < until:  # infinite when nothing is left to happen
            env.step()
            count += 1
        self.counters.events += count
