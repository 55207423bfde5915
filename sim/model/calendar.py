"""Simulated time: day ``d`` is ``start_date + d`` days; everything the model outputs carries dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from sim.scenario.schema import WEEKDAYS, PlantSpec


class Calendar:
    """Converts between dates and day indices for a run of ``horizon_days`` days."""

    def __init__(self, start_date: date, horizon_days: int, pad_days: int = 0) -> None:
        if horizon_days < 1:
            raise ValueError(f"horizon_days must be >= 1, got {horizon_days}")
        self.start_date = start_date
        self.horizon_days = horizon_days
        self.length = horizon_days + pad_days  # schedules extend past the horizon for look-ahead

    def day(self, when: date) -> int:
        """Day index of a date (may be negative or past the horizon)."""
        return (when - self.start_date).days

    def date(self, day: int) -> date:
        return self.start_date + timedelta(days=int(day))

    def dates(self) -> np.ndarray:
        """The horizon's dates as ``datetime64[D]``."""
        return np.datetime64(self.start_date, "D") + np.arange(self.horizon_days)

    def working_mask(self, plant: PlantSpec[Any]) -> np.ndarray:
        """True on the plant's working days, false on other weekdays and planned shutdowns."""
        first_weekday = self.start_date.weekday()
        weekday = (first_weekday + np.arange(self.length)) % 7
        allowed = np.array([name in plant.working_days for name in WEEKDAYS])
        mask = allowed[weekday]
        for shutdown in plant.shutdowns:
            a = max(0, self.day(shutdown.first))
            b = min(self.length, self.day(shutdown.last) + 1)
            if a < b:
                mask[a:b] = False
        return mask
