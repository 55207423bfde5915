"""Plants: vehicle assembly plants and the engine plant feeding them, and their capacity plans.

A plant's capacity on a day is its normal rate on working days, times the capacity of the
systems it depends on, times its ramp-up curve after a restart. What it actually builds is
also limited by the parts at its line side and, for vehicle plants, by engines (see
:mod:`sim.model.production`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.model.calendar import Calendar
from sim.model.estate import Estate
from sim.scenario.schema import PlantSpec


def ramp_curve(spec: PlantSpec[float], days: int) -> np.ndarray:
    """Capacity share 0..days-1 days after a restart (linear between the ramp points)."""
    if not spec.ramp_up:
        return np.ones(days)
    xs = np.array([p.after_days for p in spec.ramp_up])
    ys = np.array([p.capacity for p in spec.ramp_up])
    return np.asarray(np.interp(np.arange(days), xs, ys, left=ys[0], right=ys[-1]))


def capacity_plan(spec: PlantSpec[float], working: np.ndarray, availability: np.ndarray) -> np.ndarray:
    """Units the plant can build each day: rate x working day x systems x ramp-up (whole units)."""
    n = len(working)
    ramp = np.ones(n)
    down = availability <= 0
    restarts = np.flatnonzero(~down[1:] & down[:-1]) + 1
    curve = ramp_curve(spec, n)
    for r in restarts:
        ramp[r:] = curve[: n - r]
    return np.asarray(np.floor(spec.daily_rate * working * availability * ramp + 1e-9))


@dataclass
class Plant:
    """One plant's plans and running state; ``lanes`` is its slice of the supply lanes."""

    name: str
    spec: PlantSpec[float]
    index: int
    plan: np.ndarray  # capacity plan with the outage (units/day)
    normal_plan: np.ndarray  # capacity plan as if nothing happened
    calloff_availability: np.ndarray
    outage_known_day: int  # from this day on, call-offs plan with the outage schedule
    lanes: slice = field(default_factory=lambda: slice(0, 0))  # its delivery lanes (sim.model.lanes)
    parts: slice = field(default_factory=lambda: slice(0, 0))  # the parts it needs
    engine_source: Plant | None = None
    consumers: list[Plant] = field(default_factory=list)
    engine_stock: int = 0
    engine_target: int = 0
    built: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    engines_fitted: int = 0
    engines_made: int = 0

    STATE: ClassVar[tuple[str, ...]] = (
        "engine_stock",
        "built",
        "engines_fitted",
        "engines_made",
    )  # what changes as the run goes on

    @classmethod
    def create(cls, name: str, spec: PlantSpec[float], index: int, calendar: Calendar, estate: Estate) -> Plant:
        working = calendar.working_mask(spec).astype(float)
        availability = estate.availability(spec.systems)
        calloff_systems = spec.systems if spec.call_off_systems is None else spec.call_off_systems
        return cls(
            name=name,
            spec=spec,
            index=index,
            plan=capacity_plan(spec, working, availability),
            normal_plan=capacity_plan(spec, working, np.ones_like(availability)),
            calloff_availability=estate.availability(calloff_systems),
            outage_known_day=estate.first_outage_day(list(spec.systems) + list(calloff_systems)),
            built=np.zeros(calendar.horizon_days, dtype=np.int64),
        )

    @property
    def is_engine_plant(self) -> bool:
        return self.spec.kind == "engine"


def plants_of(specs: Mapping[str, PlantSpec[float]], calendar: Calendar, estate: Estate) -> list[Plant]:
    """Every plant, the engine plants first, each vehicle plant linked to the engine plant feeding it;
    an engine plant opens with its target stock of finished engines (its buffer days of its consumers'
    normal daily rate)."""
    ordered = sorted(specs.items(), key=lambda kv: kv[1].kind != "engine")
    plants = [Plant.create(name, spec, i, calendar, estate) for i, (name, spec) in enumerate(ordered)]
    by_name = {p.name: p for p in plants}
    for p in plants:
        if p.spec.engines_from:
            p.engine_source = by_name[p.spec.engines_from]
            p.engine_source.consumers.append(p)
    for p in plants:
        if p.is_engine_plant:
            rate = sum(c.spec.daily_rate for c in p.consumers)
            p.engine_target = int(round(p.spec.engine_buffer_days * rate))
            p.engine_stock = p.engine_target
    return plants


def material_plan(plant: Plant, known_outage: bool) -> np.ndarray:
    """Daily units the plant expects to build, as its call-offs see them."""
    own = plant.plan if known_outage else plant.normal_plan
    if not plant.is_engine_plant:
        return own
    demand = sum((material_plan(c, known_outage) for c in plant.consumers), np.zeros_like(own))
    return np.asarray(np.minimum(own, demand))
