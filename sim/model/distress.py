"""Supplier distress: what the OEM does, the morning after a supplier's cash and credit run out.

The policy (:class:`~sim.scenario.schema.SupplierDistressSpec`) holds in normal years too. For each
supplier in distress, in order: pay it at once what it is owed (when the policy accelerates payment);
if it is of the kind the OEM keeps trading and the support budget allows, top it up to its cushion of
idle costs; otherwise it is insolvent: it stops shipping (its co-sources take over their share of its
parts once qualified), and its parts are made again after its tooling is moved (a drawn number of days,
at an expediting cost) or after a new source is qualified (its re-sourcing lead time).

In a counterfactual world where no supplier is allowed to fail (``decides=False``), the actor only notes
the first day any supplier was in distress: the run and that world are the same until then.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step
from sim.model.ledger import Ledger, pence
from sim.model.payables import Payables
from sim.model.supplier_finance import SupplierFinance
from sim.model.supply import INSOLVENT, SupplyBase
from sim.scenario.distributions import Param
from sim.scenario.schema import SupplierDistressSpec
from sim.scenario.streams import stream

KINDS = ("none", "line_stopping", "restart_critical", "all")


def line_stopping(supply: SupplyBase) -> np.ndarray:
    """Per supplier: whether its failure would stop a line, because some part of it has no co-sources able
    to make up its share (a tier-2 supplier: when its tier-1 customer's would)."""
    lanes = supply.lanes
    room = np.zeros(len(supply.part_ppu))  # what each part's sources could add above their normal shares
    np.add.at(room, supply.lane_part, lanes.lane_surge - lanes.lane_share)
    others = room[supply.lane_part] - (lanes.lane_surge - lanes.lane_share)
    stops = np.zeros(supply.table.n, dtype=bool)
    np.logical_or.at(stops, supply.lane_sup, others + 1e-9 < lanes.lane_share)
    stops[supply.tier2_rows] = stops[supply.tier2_customer]
    return stops


class SupplierDistress:
    """The OEM's decisions about suppliers in distress, and their outcomes."""

    name = "supplier_distress"
    STATE: ClassVar[tuple[str, ...]] = ("support_spent", "kept", "moved", "comebacks", "first_distress", "_event_groups", "_moves")

    def __init__(
        self,
        spec: SupplierDistressSpec[float],
        finance: SupplierFinance,
        payables: Payables,
        ledger: Ledger,
        root: np.random.SeedSequence,
        decides: bool = True,
    ) -> None:
        self.spec = spec
        self.finance = finance
        self.supply = finance.supply
        self.payables = payables
        self.ledger = ledger
        self.decides = decides
        self.budget = pence(spec.support_budget_gbp)
        table = self.supply.table
        stops = line_stopping(self.supply)
        self.kept_kind = self._kind(spec.keep_trading, stops, table.critical)
        self.moved_kind = self._kind(spec.move_tooling, stops, table.critical)
        self.move_cost = pence(spec.tooling_move_cost_gbp)
        self.move_days: Param = spec.tooling_move_days
        self.root = root
        self.support_spent = 0  # pence put into suppliers kept trading, and spent moving tooling
        self.kept = 0  # decisions to keep a supplier trading
        self.moved = 0  # tooling moves
        self.comebacks: dict[int, list[tuple[int, str]]] = defaultdict(list)  # day -> (row, how) of parts made again
        self.first_distress: int | None = None  # the first day any supplier's cash and credit ran out
        self._event_groups: list[tuple[int, str, np.ndarray, np.ndarray, str]] = []
        self._moves = 0  # tooling moves drawn so far (each draws its days from its own stream)

    @staticmethod
    def _kind(kind: str, stops: np.ndarray, critical: np.ndarray) -> np.ndarray:
        """Which suppliers a policy's kind (``none``, ``line_stopping``, ``restart_critical``, ``all``) covers."""
        if kind == "all":
            return np.ones(len(stops), dtype=bool)
        if kind == "line_stopping":
            return stops.copy()
        if kind == "restart_critical":
            return critical.astype(bool)
        return np.zeros(len(stops), dtype=bool)

    # --- the morning decisions -------------------------------------------------------------------
    def has_work(self) -> bool:
        """Whether there is anything to decide or anyone coming back tomorrow morning."""
        return self.decides and (len(self.finance.failing) > 0 or bool(self.comebacks))

    def decide(self, day: int) -> None:
        """Deal with every supplier whose cash and credit ran out at the last close, in supplier order; bring
        back the parts of those whose replacement or moved tooling is ready today."""
        for when in sorted(d for d in self.comebacks if d <= day):
            for row, how in self.comebacks.pop(when):
                rows = np.array([row], dtype=np.int64)
                self.supply.restore(rows, day)
                self.finance.record_replacement(rows, day, how)
        rows = self.finance.failing
        self.finance.failing = rows[:0]
        rows = rows[self.supply.state[rows] != INSOLVENT]
        if len(rows) == 0:
            return
        if self.spec.accelerate_payment:
            self.payables.pay_now(rows, day)
            rows = rows[self.ledger.supplier_cash[rows] < -self.finance.credit[rows]]
        kept = self._keep_trading(rows, day)
        failed = np.setdiff1d(rows, kept)
        if len(failed) == 0:
            return
        self.supply.fail(failed, day)
        self.finance.record_insolvency(failed, day)
        for row in failed.tolist():
            if self.moved_kind[row]:
                self._move_tooling(row, day)
            else:
                back = day + max(int(self.supply.table.resourcing[row]), 1)
                self.comebacks[back].append((row, "resourced"))

    def _keep_trading(self, rows: np.ndarray, day: int) -> np.ndarray:
        """Top up the suppliers of the kind kept trading to their cushion of idle costs, in order, while the
        budget lasts; returns those kept."""
        rows = rows[self.kept_kind[rows]]
        if len(rows) == 0:
            return rows
        cash = self.ledger.supplier_cash
        cushion = np.ceil(self.spec.support_cushion_days * self.finance.idle_burn(rows)).astype(np.int64)
        need = np.maximum(cushion - cash[rows], 0)
        fits = np.cumsum(need) <= self.budget - self.support_spent
        kept, amounts = rows[fits], need[fits]
        if len(kept):
            self.support_spent += self.ledger.oem_pays("support", kept, amounts, intervention=True)
            self.kept += len(kept)
            self._event_groups.append((day, "kept_trading", kept, amounts / 100.0, "gbp"))
        return kept

    def _move_tooling(self, row: int, day: int) -> None:
        """Move a failed supplier's tooling to another supplier: its parts ship again after the drawn number
        of days; the OEM pays the expediting cost now."""
        days = self.move_days
        if not isinstance(days, (int, float)):
            days = float(days.sample(stream(self.root, f"supplier_distress.tooling_move_days.{self._moves}")))
        self._moves += 1
        back = day + max(int(round(days)), 1)
        self.comebacks[back].append((row, "tooling_moved"))
        self.moved += 1
        if self.move_cost:
            self.ledger.oem("tooling_moves", -self.move_cost, intervention=True)
            self.support_spent += self.move_cost

    def note(self, day: int) -> None:
        """At the close: the first day any supplier's cash and credit ran out."""
        if self.first_distress is None and len(self.finance.failing):
            self.first_distress = day

    # --- as an actor ---------------------------------------------------------------------------
    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.DISTRESS, self.note)]

    def mornings(self) -> list[Morning]:
        return [(self.has_work, self.decide)]

    def readings(self, day: int) -> Readings:
        return {
            "suppliers_in_distress": len(self.finance.failing),
            "suppliers_kept_trading_cum": self.kept,
            "tools_moved_cum": self.moved,
            "supplier_support_cum_pence": self.support_spent,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Each decision to keep a supplier trading, with the money put in (GBP)."""
        groups = self._event_groups
        if not groups:
            return EventColumns(np.zeros(0, dtype=np.int64), [], [], np.zeros(0), [])
        names = np.asarray(self.supply.table.name, dtype=object)
        sizes = [len(g[2]) for g in groups]
        return EventColumns(
            np.repeat(np.array([g[0] for g in groups], dtype=np.int64), sizes),
            [g[1] for g, k in zip(groups, sizes, strict=True) for _ in range(k)],
            list(names[np.concatenate([g[2] for g in groups])]),
            np.concatenate([g[3] for g in groups]).astype(np.float64),
            [g[4] for g, k in zip(groups, sizes, strict=True) for _ in range(k)],
        )

    def violations(self) -> list[str]:
        if self.support_spent > self.budget + self.move_cost * self.moved:
            return [f"supplier support: spent {self.support_spent} beyond the budget {self.budget} and tooling moves"]
        return []

    def diverges(self, other: Any, horizon: int) -> int:
        """The same policy acts alike. (A world whose OEM takes no decision differs from one that does from the
        morning after the first distress; :func:`sim.model.branching.run_three` watches for that.)"""
        if not isinstance(other, SupplierDistress) or self.spec != other.spec:
            return 0
        return horizon
