"""Measurements of a run against its baseline, as pure functions of its daily DataFrame (no SimPy here).

:class:`Measures` computes each quantity once, when first asked for; the KPI registry
(:mod:`sim.results.kpis`) names the KPIs and reads them from it. Dates come back as
``datetime.date`` (or None); money in pounds; counts as integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.results.economics import Economics

RECOVERY_SHARE = 0.95
RECOVERY_DAYS = 7
LINE_STOP_SHARE = 0.5  # a line stopped by supplier failure builds under half of what it would have without


def recovered_index(actual: np.ndarray, baseline: np.ndarray, from_day: int) -> int | None:
    """First production day >= ``from_day`` from which ``actual`` stays >= 95% of ``baseline`` for
    7 consecutive days. Days the baseline builds nothing (weekends, shutdowns) count as kept, but a
    recovery must start on a day the baseline builds something."""
    ok = actual >= RECOVERY_SHARE * baseline - 1e-9
    n = len(ok)
    held = np.zeros(n, dtype=bool)
    if n >= RECOVERY_DAYS:  # held on day i: ok on each of days i .. i + 6 (no miss among them)
        misses = np.concatenate([[0], np.cumsum(~ok)])
        held[: n - RECOVERY_DAYS + 1] = misses[RECOVERY_DAYS:] == misses[: n - RECOVERY_DAYS + 1]
    hits = np.flatnonzero(held[from_day:] & (baseline[from_day:] > 0))
    return int(from_day + hits[0]) if len(hits) else None


def peak_and_clearance(values: np.ndarray, baseline: np.ndarray) -> tuple[int | None, int | None]:
    """Index of the peak (None if never above zero), and of the first day from the peak on with
    values back at baseline (None if never)."""
    if len(values) == 0 or values.max() <= 0:
        return None, None
    peak = int(np.argmax(values))
    back = np.flatnonzero(values[peak:] <= baseline[peak:] + 1e-6)
    return peak, (peak + int(back[0]) if len(back) else None)


def line_stops(actual: np.ndarray, no_failure: np.ndarray) -> list[tuple[int, int]]:
    """Spells of days a line built under half of what it would have built had no supplier failed, as (first
    day, last day) index pairs; days it would have built nothing (weekends, shutdowns) neither start nor end
    a spell."""
    working = np.flatnonzero(no_failure > 0)
    stopped = actual[working] < LINE_STOP_SHARE * no_failure[working] - 1e-9
    spells, start = [], None
    for k, is_stopped in enumerate(stopped.tolist()):
        if is_stopped and start is None:
            start = k
        elif not is_stopped and start is not None:
            spells.append((int(working[start]), int(working[k - 1])))
            start = None
    if start is not None:
        spells.append((int(working[start]), int(working[-1])))
    return spells


@dataclass(frozen=True)
class Peak:
    """A series' peak (its value and day index, None if it never rises above zero) and the day it is
    back at its baseline (None if never)."""

    value: float
    day: int | None
    cleared: int | None


class Measures:
    """What a run measured, against its baseline: ``daily`` with its baseline columns, the day index the
    first outage began (None without one), the number of supplier insolvencies, the plants, the price of a
    vehicle (GBP), whether the baseline is a business running normally (see :mod:`sim.results.steady`) and the
    run's economic loss (see :mod:`sim.results.economics`; None: not measured)."""

    def __init__(
        self,
        daily: pd.DataFrame,
        start: int | None,
        insolvencies: int,
        plants: list[str],
        price_gbp: float,
        baseline_steady: bool = True,
        economics: Economics | None = None,
    ) -> None:
        self.daily = daily
        self.economics = economics
        self.baseline_steady = baseline_steady
        self.start = start
        self.insolvencies = insolvencies
        self.plants = plants
        self.price_gbp = price_gbp
        self.days = daily["date"].to_numpy("datetime64[D]")

    def date_of(self, i: int | None) -> date | None:
        """The date of day ``i`` (None for None)."""
        return None if i is None else self.days[i].astype(object)

    def column(self, name: str) -> np.ndarray:
        return self.daily[name].to_numpy(float)

    def last(self, name: str) -> float:
        return float(self.daily[name].iloc[-1])

    # --- production ---------------------------------------------------------------------------
    @cached_property
    def production(self) -> np.ndarray:
        return self.column("production_total")

    @cached_property
    def baseline_production(self) -> np.ndarray:
        return self.column("baseline_production_total")

    @property
    def vehicles_lost(self) -> int:
        return int(self.baseline_production.sum() - self.production.sum())

    @property
    def revenue_lost_gbp(self) -> float:
        sold_gap = self.daily["baseline_wholesale_vehicles"].sum() - self.daily["wholesale_vehicles"].sum()
        return float(sold_gap * self.price_gbp)

    def lost_between(self, more: str, less: str) -> int:
        """Vehicles built in the ``more`` series and not in the ``less`` one (columns of production)."""
        return int(self.column(more).sum() - self.column(less).sum())

    def revenue_between(self, more: str, less: str) -> float:
        """Wholesale revenue (GBP) sold in the ``more`` series of wholesales and not in the ``less`` one."""
        return float((self.daily[more].sum() - self.daily[less].sum()) * self.price_gbp)

    @cached_property
    def line_stops(self) -> list[tuple[str, int, int]]:
        """Every spell a plant's line was stopped by supplier failure: (plant, first day, last day)."""
        return [
            (plant, a, b)
            for plant in self.plants
            for a, b in line_stops(self.column(f"production_{plant}"), self.column(f"no_failure_production_{plant}"))
        ]

    @property
    def wholesale_vehicles_lost(self) -> int:
        return int(self.daily["baseline_wholesale_vehicles"].sum() - self.daily["wholesale_vehicles"].sum())

    @property
    def awaiting_wholesale_peak(self) -> int:
        """Most vehicles on any day that had arrived (at their market, or at the plant gate) but were not
        yet wholesaled."""
        return int((self.daily["vehicles_at_plants"] + self.daily["vehicles_at_markets"]).max())

    @cached_property
    def recovered(self) -> int | None:
        """Day index total production is back to 95% of baseline for a week (None: never, or no outage)."""
        return None if self.start is None else recovered_index(self.production, self.baseline_production, self.start)

    @property
    def days_to_recover(self) -> int | None:
        return None if self.recovered is None or self.start is None else self.recovered - self.start

    def plant_recovered(self, plant: str) -> date | None:
        """The date a plant is back to 95% of its baseline for a week (None: never, or no outage)."""
        if self.start is None:
            return None
        own, base = self.column(f"production_{plant}"), self.column(f"baseline_production_{plant}")
        return self.date_of(recovered_index(own, base, self.start))

    # --- backlogs -----------------------------------------------------------------------------
    def peak(self, name: str) -> Peak:
        values = self.column(name)
        day, cleared = peak_and_clearance(values, self.column(f"baseline_{name}"))
        return Peak(float(values.max()), day, cleared)

    @cached_property
    def invoice_backlog(self) -> Peak:
        return self.peak("invoice_backlog_gbp")

    @cached_property
    def parts_backlog(self) -> Peak:
        return self.peak("parts_backlog_orders")

    # --- money --------------------------------------------------------------------------------
    @cached_property
    def oem_cash_trough(self) -> int:
        return int(np.argmin(self.column("oem_cash_gbp")))

    def peak_day(self, name: str) -> int:
        """Day index of the highest value of a daily column (the first such day)."""
        return int(np.argmax(self.daily[name].to_numpy()))

    def peak_date(self, name: str) -> date | None:
        """The date of a column's highest value (None if it never rises above zero)."""
        i = self.peak_day(name)
        return self.date_of(i) if self.daily[name].iloc[i] > 0 else None

    @property
    def suppliers(self) -> int:
        """How many suppliers the run has."""
        return int(self.daily["suppliers_active"].iloc[0] + self.daily["suppliers_insolvent"].iloc[0])

    def share_of_suppliers(self, name: str) -> float:
        """A count of suppliers on the last day (a cumulative column) as a share of all suppliers."""
        return self.last(name) / max(self.suppliers, 1)

    @property
    def free_cash_flow(self) -> float:
        """The OEM's free cash flow over the run (GBP): its change in cash other than drawings and repayments."""
        return float(self.daily["oem_free_cash_flow_gbp"].sum())

    @property
    def free_cash_flow_lost(self) -> float:
        return float(self.daily["baseline_oem_free_cash_flow_gbp"].sum()) - self.free_cash_flow

    @cached_property
    def facilities_drawn(self) -> Peak:
        """Commercial facilities and government-backed loans drawn together: the most on any day and the
        first such day (None if never drawn); ``cleared``: the first day after it with nothing drawn."""
        drawn = self.column("facility_drawn_gbp") + self.column("government_loan_drawn_gbp")
        day, cleared = peak_and_clearance(drawn, np.zeros_like(drawn))
        return Peak(float(drawn.max()), day, cleared)

    @cached_property
    def under_week_peak(self) -> int:
        """Day index of the most suppliers under 7 days of cash (the first such day)."""
        return int(np.argmax(self.daily["suppliers_under_7_days_cash"].to_numpy()))

    # --- economic loss --------------------------------------------------------------------------
    def loss(
        self,
        stakeholder: str | None = None,
        component: str | Iterable[str] | None = None,
        country: str | None = None,
        intervention: bool | None = None,
    ) -> float | None:
        """The economic loss (GBP) of the matching rows of the run's economics table (None when not measured)."""
        if self.economics is None:
            return None
        return self.economics.loss(stakeholder, component, country, intervention=intervention)

    @property
    def suppliers_affected(self) -> int | None:
        return None if self.economics is None else self.economics.suppliers("affected")
