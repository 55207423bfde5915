"""Who supplies what to which plant: parts, their sources, and the delivery lanes between them.

A *part* is one component a plant needs (``ppu`` of them per unit built), made by a first-source
tier-1 supplier member serving that plant. A part may have second sources, each with a share of its
volume in normal times (the first source has the rest). A *lane* is one source of one part, shipping
to the part's plant. Lanes are contiguous per plant and, within a plant, grouped by lead time (one
call-off plan per group); parts are contiguous per plant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.plants import Plant
from sim.model.suppliers import SupplierTable


@dataclass(frozen=True)
class Lanes:
    """Parts and lanes as columns (one row per part or per lane)."""

    part_plant: np.ndarray  # the plant (index) each part is for
    part_ppu: np.ndarray  # parts per unit built
    parts_per_plant: np.ndarray  # parts of each plant (contiguous, in plant order)
    lane_sup: np.ndarray  # the supplier row of each lane
    lane_part: np.ndarray  # the part each lane delivers
    lane_plant: np.ndarray
    lane_share: np.ndarray  # the lane's share of its part's volume in normal times
    lane_surge: np.ndarray  # the share of its part's volume the lane can reach once qualified for more
    group_plant: np.ndarray  # lanes of one plant and one lead time are contiguous: one group each
    group_lead: np.ndarray
    group_size: np.ndarray

    @property
    def lane_group(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.group_size)), self.group_size)

    @property
    def single_sourced(self) -> bool:
        """Every part has one source (each lane carries its whole part)."""
        return bool((self.lane_share == 1.0).all())


def lay_out(table: SupplierTable, plants: list[Plant]) -> Lanes:
    """Parts and lanes of ``table``'s tier-1 suppliers for ``plants``; sets each plant's ``lanes`` and
    ``parts`` slices. A plant's parts are its first sources in row order; its lanes are those first sources
    then their second sources, sorted by lead time (stably)."""
    tier1 = table.tier == 1
    firsts_all = tier1 & (table.primary < 0)
    seconds_all = tier1 & (table.primary >= 0)
    share = np.nan_to_num(table.source_share)
    surge = np.where(np.isnan(table.surge_share), share, np.maximum(np.nan_to_num(table.surge_share), share))
    co_share = np.zeros(table.n)  # what its second sources take of each first source's parts
    np.add.at(co_share, table.primary[seconds_all], share[seconds_all])
    column = {name: k for k, name in enumerate(table.plant_names)}
    parts: list[tuple[np.ndarray, np.ndarray]] = []  # per plant: (part plant, part ppu)
    lanes: list[tuple[np.ndarray, ...]] = []  # per plant: (supplier, part, plant, share, surge)
    groups: list[tuple[int, int, int]] = []  # (plant, lead, lanes)
    lane_count = part_count = 0
    for plant in plants:
        serves = table.serves_mask[:, column[plant.name]]
        firsts = np.flatnonzero(firsts_all & serves)
        seconds = np.flatnonzero(seconds_all & serves)
        part_of = np.full(table.n, -1, dtype=np.int64)
        part_of[firsts] = part_count + np.arange(len(firsts))
        sup = np.concatenate([firsts, seconds])
        part = np.concatenate([part_of[firsts], part_of[table.primary[seconds]]])
        lane_share = np.concatenate([1.0 - co_share[firsts], share[seconds]])
        lane_surge = np.concatenate([np.ones(len(firsts)), surge[seconds]])
        order = np.argsort(table.lead_time[sup], kind="stable")  # lanes grouped by lead time
        sup, part, lane_share, lane_surge = sup[order], part[order], lane_share[order], lane_surge[order]
        lanes.append((sup, part, np.full(len(sup), plant.index, dtype=np.int64), lane_share, lane_surge))
        parts.append((np.full(len(firsts), plant.index, dtype=np.int64), table.parts_per_unit[firsts]))
        for lead, count in zip(*np.unique(table.lead_time[sup], return_counts=True), strict=True):
            groups.append((plant.index, int(lead), int(count)))
        plant.lanes = slice(lane_count, lane_count + len(sup))
        plant.parts = slice(part_count, part_count + len(firsts))
        lane_count += len(sup)
        part_count += len(firsts)

    def joined(k: int, source: Sequence[tuple[np.ndarray, ...]], dtype: type) -> np.ndarray:
        return np.concatenate([x[k] for x in source]).astype(dtype) if source else np.zeros(0, dtype=dtype)

    return Lanes(
        part_plant=joined(0, parts, np.int64),
        part_ppu=joined(1, parts, np.int64),
        parts_per_plant=np.array([p.parts.stop - p.parts.start for p in plants], dtype=np.int64),
        lane_sup=joined(0, lanes, np.int64),
        lane_part=joined(1, lanes, np.int64),
        lane_plant=joined(2, lanes, np.int64),
        lane_share=joined(3, lanes, np.float64),
        lane_surge=joined(4, lanes, np.float64),
        group_plant=np.array([g[0] for g in groups], dtype=np.int64),
        group_lead=np.array([g[1] for g in groups], dtype=np.int64),
        group_size=np.array([g[2] for g in groups], dtype=np.int64),
    )
