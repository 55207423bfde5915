"""Random streams: one independent ``numpy.random.Generator`` per named source of randomness.

A stream is keyed by a stable name (a dotted scenario path such as
``plants.solihull.daily_rate`` or an actor name such as ``parts_centre.orders``), so two
scenarios run at the same seed see the same draws wherever they agree (common random
numbers), adding or removing one feature never shifts another's draws, and the result does
not depend on ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import zlib

import numpy as np


def seed_sequence(seed: int | np.random.SeedSequence) -> np.random.SeedSequence:
    """The root ``SeedSequence`` for a run from an integer seed (or one already built)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(int(seed))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Replication i gets the i-th child of ``SeedSequence(seed).spawn(replications)``."""
    return np.random.SeedSequence(int(seed)).spawn(replications)


def stream(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The generator for source ``name`` under ``root``; same inputs, same draws."""
    key = zlib.crc32(name.encode("utf-8"))
    child = np.random.SeedSequence(entropy=root.entropy, spawn_key=(*root.spawn_key, key))
    return np.random.default_rng(child)
