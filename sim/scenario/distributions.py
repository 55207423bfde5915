"""Uncertain scenario parameters: distributions that a YAML number may be replaced by.

Any numeric field typed ``Param`` accepts a plain number or a mapping with a ``dist`` key;
date fields typed ``DateParam`` accept a date or a date distribution. Sampling is done with a
``numpy.random.Generator`` handed in by the caller (one stream per parameter path, see
:mod:`sim.scenario.streams`), never with global state.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Constant(_Dist):
    """Always ``value``."""

    dist: Literal["constant"]
    value: float

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        return float(self.value) if size is None else np.full(size, float(self.value))


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        return rng.uniform(self.low, self.high, size)


class Triangular(_Dist):
    """Triangular with minimum ``low``, most likely ``mode`` and maximum ``high``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"needs low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        if self.low == self.high:
            return self.low if size is None else np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)


class Normal(_Dist):
    """Normal with ``mean`` and standard deviation ``sd``, optionally clipped to [low, high]."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float | None = None
    high: float | None = None

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        x = rng.normal(self.mean, self.sd, size)
        if self.low is not None or self.high is not None:
            x = np.clip(x, self.low, self.high)
        return x


class LogNormal(_Dist):
    """Log-normal given by its ``median`` and the standard deviation ``sigma`` of its log."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)
    low: float | None = None
    high: float | None = None

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        x = rng.lognormal(np.log(self.median), self.sigma, size)
        if self.low is not None or self.high is not None:
            x = np.clip(x, self.low, self.high)
        return x


class Choice(_Dist):
    """One of ``values``, with optional ``weights`` (normalised)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 with a positive sum")
        return self

    def sample(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        p = None if self.weights is None else np.asarray(self.weights) / sum(self.weights)
        x = rng.choice(np.asarray(self.values, dtype=float), size=size, p=p)
        return float(x) if size is None else x


Distribution = Annotated[Constant | Uniform | Triangular | Normal | LogNormal | Choice, Field(discriminator="dist")]
Param = float | Distribution
"""A number, or a distribution to draw it from."""


class DateUniform(_Dist):
    """A whole-day date drawn uniformly from ``low`` to ``high`` inclusive."""

    dist: Literal["uniform"]
    low: date
    high: date

    @model_validator(mode="after")
    def _ordered(self) -> DateUniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must not be before low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator) -> date:
        span = (self.high - self.low).days
        return self.low + timedelta(days=int(rng.integers(0, span + 1)))


class DateChoice(_Dist):
    """One of ``values`` (dates), with optional ``weights``."""

    dist: Literal["choice"]
    values: list[date] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> DateChoice:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError("weights must have one entry per value")
        return self

    def sample(self, rng: np.random.Generator) -> date:
        p = None if self.weights is None else np.asarray(self.weights) / sum(self.weights)
        return self.values[int(rng.choice(len(self.values), p=p))]


DateDistribution = Annotated[DateUniform | DateChoice, Field(discriminator="dist")]
DateParam = date | DateDistribution
"""A calendar date, or a distribution to draw it from."""

RANDOM_TYPES = (Uniform, Triangular, Normal, LogNormal, Choice, Constant, DateUniform, DateChoice)
