"""Who supplies what to which plant: parts, their sources, and the delivery lanes between them.

A *part* is one component a plant needs (``ppu`` of them per unit built), made by a first-source
tier-1 supplier member serving that plant. A part may have second sources, each with a share of its
volume in normal times (the first source has the rest). A *lane* is one source of one part, shipping
to the part's plant. Lanes are contiguous per plant and, within a plant, grouped by lead time (one
call-off plan per group); parts are contiguous per plant.
"""

from __future__ import annotations

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
    ``parts`` slices."""
    firsts = np.flatnonzero((table.tier == 1) & (table.primary < 0))
    seconds = np.flatnonzero((table.tier == 1) & (table.primary >= 0))
    co_sources: dict[int, list[int]] = {}
    for row in seconds.tolist():
        co_sources.setdefault(int(table.primary[row]), []).append(row)
    part_plant, part_ppu, lane_sup, lane_part, lane_plant, lane_share, lane_surge = [], [], [], [], [], [], []
    group_bounds: list[tuple[int, int, int]] = []  # (plant, lead, lanes)
    lane_count = part_count = 0
    for plant in plants:
        first_lane, first_part = lane_count, part_count
        plant_lanes: list[tuple[int, int, float, float]] = []  # (supplier, part, share, surge)
        for row in (r for r in firsts.tolist() if plant.name in table.serves[r]):
            part = part_count
            part_plant.append(plant.index)
            part_ppu.append(int(table.parts_per_unit[row]))
            part_count += 1
            others = co_sources.get(row, [])
            shares = [float(table.source_share[r]) for r in others]
            plant_lanes.append((row, part, 1.0 - sum(shares), 1.0))
            for r, share in zip(others, shares, strict=True):
                surge = float(table.surge_share[r])
                plant_lanes.append((r, part, share, share if np.isnan(surge) else max(surge, share)))
        leads = np.array([table.lead_time[s] for s, _, _, _ in plant_lanes], dtype=np.int64)
        order = np.argsort(leads, kind="stable")  # lanes grouped by lead time
        for k in order.tolist():
            s, part, share, surge = plant_lanes[k]
            lane_sup.append(s)
            lane_part.append(part)
            lane_plant.append(plant.index)
            lane_share.append(share)
            lane_surge.append(surge)
        for lead, count in zip(*np.unique(leads, return_counts=True), strict=True):
            group_bounds.append((plant.index, int(lead), int(count)))
        lane_count += len(plant_lanes)
        plant.lanes = slice(first_lane, lane_count)
        plant.parts = slice(first_part, part_count)
    return Lanes(
        part_plant=np.array(part_plant, dtype=np.int64),
        part_ppu=np.array(part_ppu, dtype=np.int64),
        parts_per_plant=np.array([p.parts.stop - p.parts.start for p in plants], dtype=np.int64),
        lane_sup=np.array(lane_sup, dtype=np.int64),
        lane_part=np.array(lane_part, dtype=np.int64),
        lane_plant=np.array(lane_plant, dtype=np.int64),
        lane_share=np.array(lane_share, dtype=np.float64),
        lane_surge=np.array(lane_surge, dtype=np.float64),
        group_plant=np.array([g[0] for g in group_bounds], dtype=np.int64),
        group_lead=np.array([g[1] for g in group_bounds], dtype=np.int64),
        group_size=np.array([g[2] for g in group_bounds], dtype=np.int64),
    )
