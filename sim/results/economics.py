"""What the incident cost, and who bore it: the economic loss of a run against its baseline, by stakeholder,
component and country, measured from what the two worlds booked (a measure of their flows, not a flow).

Every amount is the baseline's income less the run's (or the run's cost less the baseline's), in whole pence,
over the run's horizon. For the OEM, on a profit basis (revenue when a vehicle is wholesaled, its standard
cost with it):

- ``contribution``: wholesale revenue + parts revenue - standard variable cost x vehicles wholesaled, where the
  standard variable cost of a vehicle is its bought-in parts at their suppliers' prices (the vehicle plants'
  bills of materials, engine included, weighted by their normal output) plus the OEM's other cost per vehicle;
  the vehicles' part falls in the plants' countries, in proportion to the vehicles each lost, the parts
  revenue in the OEM's country;
- ``incident_costs``, ``facility_interest``, ``guaranteed_loan_interest``, ``supplier_finance_charge``,
  ``tooling_moves`` and ``supplier_support`` (money put into suppliers kept trading): what it paid, in the
  OEM's country.

For each supplier (tier 1 and tier 2, in its own country): ``value_added`` = its sales (to the OEM, or to its
tier-1 customer) + the margin of its other customers - its variable costs - its tier-2 suppliers' bills - its
overheads; its staff's pay comes out of that value added: what it did not pay its staff (short time,
redundancies, insolvency) lowers its own loss and is the staff's loss, less the redundancy pay they got;
short-time-work grants move a loss from the supplier to the government, support money from it to the OEM.

``downstream`` (only when the scenario sets a multiplier): the multiplier x the wholesale revenue lost in
each market, in the market's country.

Transfers between stakeholders (support, grants, pay, redundancy pay) appear on both sides and sum to nothing,
so the stakeholders' losses add up to the same total as the components that are not transfers: the OEM's
contribution, incident costs, tooling moves and financing, the suppliers' value added, and downstream.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the results are read without the engine (a redraw, the KPI registry)
    from sim.model.world import World
    from sim.scenario.schema import Realised

ECONOMICS_COLUMNS = ("stakeholder", "component", "country", "unit", "value", "transfer", "intervention")
STAKEHOLDERS = ("oem", "tier1_suppliers", "tier2_suppliers", "supplier_staff", "government", "downstream")
TIERS = {1: "tier1_suppliers", 2: "tier2_suppliers"}
UNSPECIFIED = "unspecified"  # the country of whatever the scenario gives none (and cannot inherit one)
FINANCING = ("facility_interest", "guaranteed_loan_interest", "supplier_finance_charge")  # the OEM's, as components
EBIT = ("contribution", "incident_costs", "tooling_moves", "supplier_support")  # the OEM's components above EBIT
Row = tuple[str, str, str, str, int, bool, bool]  # stakeholder, component, country, unit, value (pence or count), ...


@dataclass(frozen=True)
class Component:
    """One line of the table: who bears it, what it is, whether it moves a loss between stakeholders (it then
    appears on both sides) and whether it is the cost of an intervention to whoever pays it."""

    stakeholder: str
    name: str
    meaning: str
    transfer: bool = False
    intervention: bool = False


SUPPLIER_LINES = (
    ("value_added", "sales + other customers' margin - variable costs - tier-2 bills - overheads", False, False),
    ("wages_not_paid", "pay its staff did not get (short time, redundancies, insolvency): saved by the supplier", True, False),
    ("redundancy_pay", "redundancy pay it paid", True, False),
    ("short_time_work_grants", "short-time-work grants it received", True, False),
    ("supplier_support", "money the OEM put into it to keep it trading", True, False),
)
COMPONENTS: tuple[Component, ...] = (
    Component("oem", "contribution", "wholesale and parts revenue less the standard variable cost of the vehicles wholesaled"),
    Component("oem", "incident_costs", "the incident's own costs (IT recovery, advisers, claims)"),
    Component("oem", "facility_interest", "interest on commercial credit facilities"),
    Component("oem", "guaranteed_loan_interest", "interest on government-guaranteed loans", intervention=True),
    Component("oem", "supplier_finance_charge", "the financing charge of supplier early payment", intervention=True),
    Component("oem", "tooling_moves", "expediting the move of failed suppliers' tooling", intervention=True),
    Component("oem", "supplier_support", "money put into suppliers to keep them trading", True, True),
    *(
        Component(TIERS[tier], name, meaning, transfer, intervention)
        for tier in (1, 2)
        for name, meaning, transfer, intervention in SUPPLIER_LINES
    ),
    Component("supplier_staff", "wages", "pay suppliers' staff did not get (short time, redundancies, insolvency)", True),
    Component("supplier_staff", "redundancy_pay", "redundancy pay they got", True),
    Component("government", "short_time_work_grants", "short-time-work grants paid to suppliers", True, True),
    Component(
        "downstream",
        "downstream",
        "the multiplier x wholesale revenue lost in each market (dealers, logistics, the local spending they support)",
    ),
)


_COMPONENT = {(c.stakeholder, c.name): c for c in COMPONENTS}


def standard_cost(world: World) -> int:
    """The standard variable cost of a vehicle (pence): its bought-in parts at their suppliers' prices (each
    vehicle plant's bill of materials, each part at its sources' normal shares, plus its engine plant's) weighted
    by the vehicle plants' normal output over the run, rounded to the penny, plus the OEM's other cost per vehicle."""
    s, plants = world.supply, world.plants
    content = np.bincount(s.lane_plant, weights=s.lane_ppu * s.base_share * s.lane_price, minlength=len(plants))
    vehicles = [p for p in plants if not p.is_engine_plant]
    per_vehicle = np.array([content[p.index] + (content[p.engine_source.index] if p.engine_source else 0.0) for p in vehicles])
    horizon = world.calendar.horizon_days
    weights = np.array([float(p.normal_plan[:horizon].sum()) for p in vehicles])
    if not vehicles:
        return world.treasury.cost_per_unit
    if weights.sum() <= 0:
        weights = np.ones(len(vehicles))
    return int(np.rint(float(per_vehicle @ weights) / float(weights.sum()))) + world.treasury.cost_per_unit


@dataclass(frozen=True)
class Accounts:
    """What one finished world earned and spent over the run, as the economic loss reads it (pence)."""

    vehicle_contribution: int  # wholesale revenue less the standard cost of the vehicles wholesaled
    parts_revenue: int
    market_revenue: np.ndarray  # wholesale revenue by market
    built: np.ndarray  # vehicles built by vehicle plant
    incident_costs: int
    facility_interest: int
    guaranteed_interest: int
    scheme_charge: int
    tooling_moves: int
    support_paid: int
    grants_paid: int
    # per supplier
    value_added: np.ndarray
    pay: np.ndarray
    redundancy_pay: np.ndarray
    grants: np.ndarray
    support: np.ndarray
    revenue: np.ndarray  # all its revenue (float): sales, and other customers' while it traded

    @classmethod
    def of(cls, world: World, cost: int) -> Accounts:
        """The accounts of a finished ``world`` whose vehicles' standard cost is ``cost`` pence."""
        sales, f, ledger, supply = world.sales, world.finance, world.ledger, world.supply
        t = supply.table
        zeros = np.zeros(t.n, dtype=np.int64)
        flows = ledger.supplier_flows
        traded = f.traded_days()
        overheads = f.overheads * traded
        tier2_bills = np.zeros(t.n, dtype=np.int64)
        np.add.at(tier2_bills, supply.tier2_customer, f.sales[supply.tier2_rows])
        value_added = (
            f.sales + flows.get("other_customers_margin", zeros) + flows.get("variable_costs", zeros) - tier2_bills - overheads
        )
        lines = world.treasury.lines
        oem = ledger.oem_flows
        vehicles = [p for p in world.plants if not p.is_engine_plant]
        return cls(
            vehicle_contribution=sales.revenue - cost * sales.wholesaled,
            parts_revenue=world.parts_centre.revenue,
            market_revenue=sales.sold.sum(axis=1) * sales.price,
            built=np.array([int(p.built.sum()) for p in vehicles], dtype=np.int64),
            incident_costs=world.treasury.incident_paid,
            facility_interest=sum(line.interest_paid for line in lines if not line.government),
            guaranteed_interest=sum(line.interest_paid for line in lines if line.government),
            scheme_charge=world.early_payment.cost,
            tooling_moves=-oem.get("tooling_moves", 0),
            support_paid=-oem.get("to_suppliers:support", 0),
            grants_paid=world.workforce.stw_paid,
            value_added=value_added,
            pay=-flows.get("fixed_costs", zeros) - overheads,
            redundancy_pay=-flows.get("redundancy_pay", zeros),
            grants=flows.get("short_time_work", zeros),
            support=flows.get("from_oem:support", zeros),
            revenue=f.sales + f.total_revenue * (1 - t.oem_share) * traded,
        )


@dataclass(frozen=True)
class Where:
    """The countries of a run's stakeholders, as codes into ``names``: the OEM's, each vehicle plant's, each
    supplier's and each market's."""

    names: list[str]
    oem: int
    plants: np.ndarray
    suppliers: np.ndarray
    markets: np.ndarray

    @classmethod
    def of(cls, scenario: Realised, world: World) -> Where:
        """From the scenario: a supplier entry without a country gives each tier-1 member the country of the plants
        it serves when they share one, each tier-2 member its customer's; the OEM without one, the country its
        vehicle plants share; anything else is unspecified."""
        names: dict[str | None, int] = {None: 0}  # None: unspecified, until named below

        def code(country: str | None) -> int:
            return names.setdefault(country, len(names))

        t = world.supply.table
        vehicle_plants = [p for p in world.plants if not p.is_engine_plant]
        plants = np.array([code(scenario.plants[p.name].country) for p in vehicle_plants], dtype=np.int64)
        oem = scenario.economics.oem_country
        shared = set(plants.tolist())
        oem_code = code(oem) if oem is not None else (int(plants[0]) if len(shared) == 1 else 0)
        served = np.array([code(scenario.plants[name].country) for name in t.plant_names], dtype=np.int64)
        given = np.array(
            [-1 if scenario.suppliers[e].country is None else code(scenario.suppliers[e].country) for e in t.entry_names],
            dtype=np.int64,
        )
        suppliers = given[t.entry] if t.n else np.zeros(0, dtype=np.int64)
        if t.n and len(served):
            mask = t.serves_mask.astype(bool)
            low = np.where(mask, served, np.iinfo(np.int64).max).min(axis=1)
            high = np.where(mask, served, -1).max(axis=1)
            inherited = np.where(low == high, np.maximum(high, 0), 0)
            suppliers = np.where((suppliers < 0) & (t.tier == 1), inherited, suppliers)
            tier2 = np.flatnonzero((t.tier == 2) & (suppliers < 0))
            suppliers[tier2] = suppliers[t.customer[tier2]]
        suppliers = np.maximum(suppliers, 0)
        markets = np.array([code(m.country) for m in scenario.sales.markets.values()] or [0], dtype=np.int64)
        labels = [UNSPECIFIED if k is None else k for k in names]
        return cls(labels, oem_code, plants, suppliers, markets)

    def order(self, *codes: np.ndarray | int) -> list[int]:
        """The countries among ``codes``, in the order first met, unspecified last."""
        flat = np.concatenate([np.atleast_1d(np.asarray(c, dtype=np.int64)) for c in codes])
        found, first = np.unique(flat, return_index=True)
        seen = found[np.argsort(first, kind="stable")].tolist()
        return [c for c in seen if c != 0] + ([0] if 0 in seen else [])


def allocate(amount: int, weights: np.ndarray) -> np.ndarray:
    """``amount`` pence shared in proportion to ``weights`` (none negative, some positive), in whole pence that add up
    to it exactly: the remainders go to the largest fractions (the first on a tie)."""
    share = amount * weights / weights.sum()
    whole = np.floor(share).astype(np.int64)
    rest = amount - int(whole.sum())
    order = np.argsort(-(share - whole), kind="stable")
    whole[order[:rest]] += 1
    return np.asarray(whole)


@dataclass(frozen=True)
class Economics:
    """The economic loss of one run: one row per component and country (money in pence, counts of suppliers), and
    the countries in the order the table lists them."""

    rows: tuple[Row, ...]
    countries: tuple[str, ...]

    def frame(self) -> pd.DataFrame:
        """The table (fixed columns, even when empty): stakeholder, component, country, unit (``gbp`` or
        ``suppliers``), value (money in pounds: a loss, or a gain when negative), transfer, intervention."""
        columns: list[Sequence[Any]] = (
            [list(c) for c in zip(*self.rows, strict=True)] if self.rows else [[] for _ in ECONOMICS_COLUMNS]
        )
        frame = pd.DataFrame(dict(zip(ECONOMICS_COLUMNS, columns, strict=True)))
        money = frame["unit"] == "gbp"
        frame["value"] = np.where(money, frame["value"].to_numpy(np.float64) / 100.0, frame["value"].to_numpy(np.float64))
        return frame.astype(
            {
                "stakeholder": "string",
                "component": "string",
                "country": "string",
                "unit": "string",
                "value": "float64",
                "transfer": "bool",
                "intervention": "bool",
            }
        )

    @cached_property
    def _money(self) -> list[tuple[str, str, str, int, bool, bool]]:
        return [(s, c, k, v, tr, iv) for s, c, k, u, v, tr, iv in self.rows if u == "gbp"]

    def loss(
        self,
        stakeholder: str | Iterable[str] | None = None,
        component: str | Iterable[str] | None = None,
        country: str | None = None,
        transfer: bool | None = None,
        intervention: bool | None = None,
    ) -> float:
        """The loss (GBP) of the rows that match (a name, several names, or None for any)."""

        def hit(value: str, wanted: str | Iterable[str] | None) -> bool:
            return wanted is None or (value == wanted if isinstance(wanted, str) else value in set(wanted))

        pence = sum(
            v
            for s, c, k, v, tr, iv in self._money
            if hit(s, stakeholder)
            and hit(c, component)
            and hit(k, country)
            and (transfer is None or tr == transfer)
            and (intervention is None or iv == intervention)
        )
        return pence / 100.0

    def suppliers(self, component: str = "affected") -> int:
        """Suppliers counted in a ``suppliers`` row (``affected`` or ``all``), every tier and country."""
        return sum(v for s, c, k, u, v, tr, iv in self.rows if u == "suppliers" and c == component)

    def problems(self) -> list[str]:
        """Transfers move a loss between stakeholders and sum to nothing: support paid by the OEM = support its
        suppliers received, grants paid = grants received, pay and redundancy pay on both sides."""
        left = sum(v for s, c, k, v, tr, iv in self._money if tr)
        return [] if left == 0 else [f"economics: transfers between stakeholders do not sum to zero ({left} pence)"]


def _by(codes: np.ndarray, order: Sequence[int], values: np.ndarray) -> np.ndarray:
    """``values`` (one per item) summed by the item's country code, in ``order`` (exact in whole pence)."""
    out = np.zeros(max(order, default=0) + 1 if len(order) else 1, dtype=np.int64)
    np.add.at(out, codes, values.astype(np.int64))
    return out[list(order)] if len(order) else np.zeros(0, dtype=np.int64)


def economics(scenario: Realised, run: World, baseline: World) -> Economics:
    """The economic loss of ``run`` against ``baseline`` (its no-outage baseline, finished), by stakeholder, component
    and country (see the module's docstring)."""
    cost = standard_cost(run)
    r, b = Accounts.of(run, cost), Accounts.of(baseline, cost)
    where = Where.of(scenario, run)
    tiers = run.supply.table.tier
    rows = _oem_rows(run, r, b, where)
    rows += _supplier_rows(tiers, r, b, where)
    multiplier = scenario.economics.downstream_multiplier
    markets = where.order(where.markets)
    if multiplier is not None:
        lost_sales = (b.market_revenue - r.market_revenue).astype(np.float64)
        rows += _rows(
            "downstream",
            "downstream",
            where,
            markets,
            _by(where.markets, markets, np.rint(multiplier * lost_sales).astype(np.int64)),
        )
    rows += _affected_rows(tiers, r, b, where, scenario.economics.affected_revenue_share)
    every = where.order(where.oem, where.plants, where.suppliers, *([where.markets] if multiplier is not None else []))
    return Economics(tuple(rows), tuple(where.names[k] for k in every))


def _rows(stakeholder: str, component: str, where: Where, countries: Sequence[int], values: np.ndarray) -> list[Row]:
    """A component's rows, one per country (codes of ``where``), money in pence."""
    c = _COMPONENT[(stakeholder, component)]
    return [
        (stakeholder, component, where.names[k], "gbp", int(v), c.transfer, c.intervention)
        for k, v in zip(countries, values.tolist(), strict=True)
    ]


def _oem_rows(run: World, r: Accounts, b: Accounts, where: Where) -> list[Row]:
    """The OEM's lines: the contribution of its vehicles in the plants' countries, in proportion to the vehicles
    each plant lost (to their normal output when none lost any), its parts revenue and its own costs in its country."""
    lost = np.maximum(b.built - r.built, 0).astype(np.float64)
    if lost.sum() <= 0:
        lost = np.array([float(p.normal_plan.sum()) for p in run.plants if not p.is_engine_plant])
    if len(lost) and lost.sum() <= 0:
        lost = np.ones(len(lost))
    countries = where.order(where.plants, where.oem)
    vehicles = allocate(b.vehicle_contribution - r.vehicle_contribution, lost) if len(lost) else np.zeros(0, np.int64)
    contribution = _by(where.plants, countries, vehicles)
    contribution[countries.index(where.oem)] += b.parts_revenue - r.parts_revenue
    rows = _rows("oem", "contribution", where, countries, contribution)
    for name, value in (
        ("incident_costs", r.incident_costs - b.incident_costs),
        ("facility_interest", r.facility_interest - b.facility_interest),
        ("guaranteed_loan_interest", r.guaranteed_interest - b.guaranteed_interest),
        ("supplier_finance_charge", r.scheme_charge - b.scheme_charge),
        ("tooling_moves", r.tooling_moves - b.tooling_moves),
        ("supplier_support", r.support_paid - b.support_paid),
    ):
        rows += _rows("oem", name, where, [where.oem], np.array([value]))
    return rows


def _supplier_rows(tiers: np.ndarray, r: Accounts, b: Accounts, where: Where) -> list[Row]:
    """Each tier's lines, its staff's and the government's, in each supplier's country."""
    if len(tiers) == 0:
        return []
    lines = {
        "value_added": b.value_added - r.value_added,
        "wages_not_paid": r.pay - b.pay,
        "redundancy_pay": r.redundancy_pay - b.redundancy_pay,
        "short_time_work_grants": b.grants - r.grants,
        "supplier_support": b.support - r.support,
    }
    rows: list[Row] = []
    for tier, stakeholder in TIERS.items():
        mine = np.flatnonzero(tiers == tier)
        here = where.order(where.suppliers[mine])
        for name, values in lines.items():
            rows += _rows(stakeholder, name, where, here, _by(where.suppliers[mine], here, values[mine]))
    countries = where.order(where.suppliers)
    rows += _rows("supplier_staff", "wages", where, countries, _by(where.suppliers, countries, b.pay - r.pay))
    rows += _rows(
        "supplier_staff", "redundancy_pay", where, countries, _by(where.suppliers, countries, b.redundancy_pay - r.redundancy_pay)
    )
    grants = _by(where.suppliers, countries, r.grants - b.grants)
    # the government's side totals what its scheme paid out, the suppliers' what they booked: should the two ever
    # differ, the transfers no longer sum to zero (see Economics.problems)
    grants[0] += (r.grants_paid - b.grants_paid) - int(grants.sum())
    return rows + _rows("government", "short_time_work_grants", where, countries, grants)


def _affected_rows(tiers: np.ndarray, r: Accounts, b: Accounts, where: Where, share: float) -> list[Row]:
    """Suppliers that lost more than ``share`` of their revenue over the run in the baseline, and all suppliers, by
    tier and country."""
    affected = (b.revenue > 0) & ((b.revenue - r.revenue) > share * b.revenue)
    rows: list[Row] = []
    for tier, stakeholder in TIERS.items():
        mine = np.flatnonzero(tiers == tier)
        here = where.order(where.suppliers[mine])
        for name, counted in (("affected", affected[mine]), ("all", np.ones(len(mine), dtype=bool))):
            rows += [
                (stakeholder, name, where.names[k], "suppliers", int(v), False, False)
                for k, v in zip(here, _by(where.suppliers[mine], here, counted).tolist(), strict=True)
            ]
    return rows
