"""Production: every plant builds what its capacity, its line-side parts and (for vehicle plants)
engines allow, once a day, the engine plants first.

Production wakes only on days some plant has capacity and sleeps through the rest (an outage, a
weekend, a shutdown). Finished vehicles leave for their markets (the sales actor); each costs the
OEM its other (non-supplier) cost per unit.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import NO_EVENTS, PLANTS, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.ledger import Ledger
from sim.model.plants import Plant
from sim.model.sales import Sales
from sim.model.supply import SupplyBase


class Production:
    """The plants, built once a day in turn (engine plants first)."""

    name = "production"
    STATE: ClassVar[tuple[str, ...]] = ("plants",)  # each plant's own STATE

    def __init__(
        self, plants: list[Plant], supply: SupplyBase, sales: Sales, ledger: Ledger, cost_per_unit: int, horizon: int
    ) -> None:
        self.plants = plants
        self.supply = supply
        self.sales = sales
        self.ledger = ledger
        self.cost_per_unit = cost_per_unit  # pence of other costs per vehicle built
        self.horizon = horizon
        # units each plant (rows, in index order) can build each day from its capacity alone
        self.plan_units = np.array([p.plan[:horizon] for p in plants]).astype(np.int64).reshape(len(plants), horizon)
        self.opening_engine_stock = sum(p.engine_stock for p in plants)

    def build(self, day: int) -> None:
        """Build what capacity, parts and engines allow at every plant on ``day``: the engine
        plants first, then the vehicle plants in turn, each taking engines from its engine plant."""
        plan = self.plan_units[:, day].tolist()
        units = np.minimum(self.plan_units[:, day], self.supply.buildable()).tolist()
        vehicles = 0
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
                vehicles += made
                if made:
                    self.ledger.oem("other_costs", -made * self.cost_per_unit)
            units[i] = made
            plant.built[day] = made
        self.sales.add(vehicles, day)
        self.supply.consume(np.array(units, dtype=np.int64))

    def process(self, env: simpy.Environment, first_day: int = 0) -> Process:
        """The daily build on each day (from ``first_day``) some plant has capacity."""
        productive = np.flatnonzero((self.plan_units[:, first_day:] > 0).any(axis=0)) + first_day
        for day in productive.tolist():
            wait = day + PLANTS - env.now
            if wait > 0:
                yield env.timeout(wait)
            self.build(int(day))

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return [self.process(env, first_day)]

    def closing(self) -> list[Step]:
        return []

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        return {"engine_stock": sum(p.engine_stock for p in self.plants)}

    def series(self) -> dict[str, np.ndarray]:
        """Vehicles built per day in total (vehicle plants), engines built, and each plant's output."""
        out = {
            "production_total": sum((p.built for p in self.plants if not p.is_engine_plant), np.zeros(self.horizon, np.int64)),
            "engines_built": sum((p.built for p in self.plants if p.is_engine_plant), np.zeros(self.horizon, np.int64)),
        }
        for p in self.plants:
            out[f"production_{p.name}"] = p.built.copy()
        return out

    def events(self) -> EventColumns:
        return NO_EVENTS

    def violations(self) -> list[str]:
        """Engines: opening + made - fitted = stock; vehicles: every vehicle built was handed to sales."""
        out = []
        made = sum(p.engines_made for p in self.plants)
        fitted = sum(p.engines_fitted for p in self.plants)
        stock = sum(p.engine_stock for p in self.plants)
        if self.opening_engine_stock + made - fitted != stock or stock < 0:
            out.append(f"engines: opening {self.opening_engine_stock} + made {made} - fitted {fitted} != stock {stock}")
        built = sum(int(p.built.sum()) for p in self.plants if not p.is_engine_plant)
        if built != self.sales.built:
            out.append(f"vehicles: built {built} != vehicles received for sale {self.sales.built}")
        return out

    def diverges(self, other: Any, horizon: int) -> int:
        """Two productions act alike until their plans differ."""
        if not isinstance(other, Production):
            return 0
        return first_difference(self.plan_units, other.plan_units, 1, horizon)
