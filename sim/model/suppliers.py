"""The supply base as columns: every supplier's parameters drawn, one row per supplier.

Suppliers are many (thousands) and alike, so they are held as numpy arrays and advanced in
batches; a supplier entry in the scenario is a population of ``count`` members whose
parameters are drawn from that entry's own random streams.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import Param
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Realised, SupplierSpec
from sim.scenario.streams import stream
from sim.scenario.validation import RANGES

FIELDS = (
    "parts_per_unit",
    "capacity_margin",
    "lead_time_days",
    "payment_terms_days",
    "oem_revenue_share",
    "variable_cost_share",
    "fixed_cost_share",
    "payroll_share",
    "cash_days",
    "credit_days",
    "average_wage_gbp",
    "resourcing_lead_time_days",
    "qualification_days",
    "short_time_pay_share",
    "short_time_max_share",
    "recall_days",
    "redundancy_share",
    "redundancy_pay_weeks",
    "max_pay_late_days",
)
# drawn when given, NaN (never, or not used) when not
OPTIONAL = ("runway_days", "short_time_after_idle_days", "redundancy_below_runway_days", "pay_late_below_runway_days")


def draw(param: Param, rng_name: str, count: int, root: np.random.SeedSequence) -> np.ndarray:
    """``count`` values of a parameter: a constant repeated, or draws from its stream."""
    if isinstance(param, (int, float)):
        return np.full(count, float(param))
    return np.asarray(param.sample(stream(root, rng_name), count), dtype=float)


@dataclass
class SupplierTable:
    """Per-supplier parameters (one entry per row); money in pence, time in days."""

    name: list[str]
    entry: np.ndarray  # index into entry_names
    entry_names: list[str]
    entry_systems: dict[str, list[str]]  # each entry's own systems or facilities
    tier: np.ndarray
    family: list[str | None]
    customer: np.ndarray  # tier 2: row of the tier-1 supplier it feeds; -1 otherwise
    price: np.ndarray  # pence per part
    parts_per_unit: np.ndarray
    capacity_margin: np.ndarray
    lead_time: np.ndarray
    terms: np.ndarray
    oem_share: np.ndarray
    variable_share: np.ndarray
    fixed_share: np.ndarray
    payroll_share: np.ndarray
    cash_days: np.ndarray
    credit_days: np.ndarray
    wage: np.ndarray
    runway_days: np.ndarray  # opening cash + credit in days of idle costs (NaN: cash_days gives the opening cash)
    working_capital: np.ndarray  # whether it has a working-capital line sized to its normal year's deepest dip
    short_time_after: np.ndarray  # days of low demand before short time (NaN: never)
    short_time_pay_share: np.ndarray
    short_time_max_share: np.ndarray
    recall_days: np.ndarray
    redundancy_below: np.ndarray  # runway (days of idle costs) below which it makes redundancies (NaN: never)
    redundancy_share: np.ndarray
    redundancy_pay_weeks: np.ndarray
    pay_late_below: np.ndarray  # tier 1: runway below which it pays tier-2 bills late (NaN: never)
    max_pay_late: np.ndarray  # whole days
    critical: np.ndarray
    resourcing: np.ndarray
    plant_names: list[str]  # the scenario's plants, in its order (the columns of serves_mask)
    serves_mask: np.ndarray  # tier 1: the plants each member serves (rows: members; a second source: its first's)
    primary: np.ndarray  # a second source: the row of the first source whose parts it shares; -1 otherwise
    source_share: np.ndarray  # a second source: its share of each part's volume in normal times (others: nan)
    surge_share: np.ndarray  # share of a part's volume it can supply once qualified for extra volume (nan: its normal share)
    qualification_days: np.ndarray  # days to qualify extra volume after a co-source fails

    @property
    def n(self) -> int:
        return len(self.name)

    @property
    def serves(self) -> list[tuple[str, ...]]:
        """The plants each member serves, by name."""
        return [tuple(self.plant_names[k] for k in np.flatnonzero(row)) for row in self.serves_mask]


@functools.lru_cache(maxsize=1024)
def _member_names(entry: str, count: int) -> tuple[str, ...]:
    """The names of an entry's members ("entry-001"...), the same for every replication."""
    return (entry,) if count == 1 else tuple(f"{entry}-{k + 1:0{len(str(count))}d}" for k in range(count))


def build_supplier_table(scenario: Realised, root: np.random.SeedSequence, source: str) -> SupplierTable:
    """Draw every supplier member's parameters; tier 1 rows come first, then tier 2."""
    entries = sorted(scenario.suppliers.items(), key=lambda kv: kv[1].tier)
    cols: dict[str, list[np.ndarray]] = {f: [] for f in FIELDS}
    names: list[str] = []
    entry_idx: list[np.ndarray] = []
    tiers: list[np.ndarray] = []
    families: list[str | None] = []
    optional: dict[str, list[np.ndarray]] = {f: [] for f in OPTIONAL}
    working_capital: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    price_shares: list[np.ndarray] = []
    source_shares: list[np.ndarray] = []
    surge_shares: list[np.ndarray] = []
    critical: list[np.ndarray] = []
    problems: list[Problem] = []
    for i, (entry, spec) in enumerate(entries):
        n = spec.count
        names += _member_names(entry, n)
        entry_idx.append(np.full(n, i))
        tiers.append(np.full(n, spec.tier))
        families += [spec.part_family] * n
        critical.append(np.full(n, spec.restart_critical))
        for f in FIELDS:
            values = draw(getattr(spec, f), f"suppliers.{entry}.{f}", n, root)
            problems += _range_problems(f"suppliers.{entry}.{f}", f, values)
            cols[f].append(values)
        for f, out in (
            ("unit_price_gbp", prices),
            ("customer_price_share", price_shares),
            ("source_share", source_shares),
            ("surge_share", surge_shares),
        ):
            param = getattr(spec, f)
            values = np.full(n, np.nan) if param is None else draw(param, f"suppliers.{entry}.{f}", n, root)
            if param is not None:
                problems += _range_problems(f"suppliers.{entry}.{f}", f, values)
            out.append(values)
        for f in OPTIONAL:
            param = getattr(spec, f)
            values = np.full(n, np.nan) if param is None else draw(param, f"suppliers.{entry}.{f}", n, root)
            if param is not None:
                problems += _range_problems(f"suppliers.{entry}.{f}", f, values)
            optional[f].append(values)
        working_capital.append(np.full(n, spec.working_capital == "normal_year"))
    if problems:
        raise ScenarioError(source, problems)
    cat = {f: np.concatenate(v) if v else np.zeros(0) for f, v in cols.items()}
    opt = {f: np.concatenate(v) if v else np.zeros(0) for f, v in optional.items()}
    table = SupplierTable(
        name=names,
        entry=np.concatenate(entry_idx) if entry_idx else np.zeros(0, dtype=int),
        entry_names=[e for e, _ in entries],
        entry_systems={e: list(spec.systems) for e, spec in entries},
        tier=np.concatenate(tiers) if tiers else np.zeros(0, dtype=int),
        family=families,
        customer=np.full(len(names), -1),
        price=np.zeros(len(names), dtype=np.int64),
        parts_per_unit=np.rint(cat["parts_per_unit"]).astype(np.int64),
        capacity_margin=cat["capacity_margin"],
        lead_time=np.rint(cat["lead_time_days"]).astype(np.int64),
        terms=np.rint(cat["payment_terms_days"]).astype(np.int64),
        oem_share=cat["oem_revenue_share"],
        variable_share=cat["variable_cost_share"],
        fixed_share=cat["fixed_cost_share"],
        payroll_share=cat["payroll_share"],
        cash_days=cat["cash_days"],
        credit_days=cat["credit_days"],
        wage=np.maximum(cat["average_wage_gbp"], 1.0),
        runway_days=opt["runway_days"],
        working_capital=np.concatenate(working_capital) if working_capital else np.zeros(0, dtype=bool),
        short_time_after=opt["short_time_after_idle_days"],
        short_time_pay_share=cat["short_time_pay_share"],
        short_time_max_share=cat["short_time_max_share"],
        recall_days=cat["recall_days"],
        redundancy_below=opt["redundancy_below_runway_days"],
        redundancy_share=cat["redundancy_share"],
        redundancy_pay_weeks=cat["redundancy_pay_weeks"],
        pay_late_below=opt["pay_late_below_runway_days"],
        max_pay_late=np.rint(cat["max_pay_late_days"]).astype(np.int64),
        critical=np.concatenate(critical) if critical else np.zeros(0, dtype=bool),
        resourcing=np.rint(cat["resourcing_lead_time_days"]).astype(np.int64),
        plant_names=list(scenario.plants),
        serves_mask=np.zeros((len(names), len(scenario.plants)), dtype=bool),
        primary=np.full(len(names), -1, dtype=np.int64),
        source_share=np.concatenate(source_shares) if source_shares else np.zeros(0),
        surge_share=np.concatenate(surge_shares) if surge_shares else np.zeros(0),
        qualification_days=np.rint(cat["qualification_days"]).astype(np.int64),
    )
    _assign_customers(table, scenario, entries)
    _assign_plants(table, scenario, entries)
    price_gbp = np.concatenate(prices) if prices else np.zeros(0)
    share = np.concatenate(price_shares) if price_shares else np.zeros(0)
    by_share = ~np.isnan(share)
    price_gbp[by_share] = share[by_share] * price_gbp[table.customer[by_share]]
    table.price = np.rint(price_gbp * 100).astype(np.int64)
    problems = _tier2_content_problems(table)
    if problems:
        raise ScenarioError(source, problems)
    return table


def _tier2_content_problems(table: SupplierTable) -> list[Problem]:
    """A tier-1 supplier's bought-in tier-2 content (its tier-2 suppliers' prices times their parts per unit)
    must stay within its own variable cost (variable cost share times its price): otherwise it would buy
    for more than it sells, and lose money on every part even in a normal year."""
    tier2 = np.flatnonzero(table.tier == 2)
    if len(tier2) == 0:
        return []
    content = np.zeros(table.n)
    np.add.at(content, table.customer[tier2], table.price[tier2] * table.parts_per_unit[tier2])
    allowed = table.variable_share * table.price + 0.5  # whole pence
    over = np.flatnonzero((table.tier == 1) & (content > allowed))
    if len(over) == 0:
        return []
    row = int(over[0])
    feeding = sorted({table.entry_names[table.entry[k]] for k in tier2[table.customer[tier2] == row]})
    return [
        Problem(
            f"suppliers.{feeding[0]}.customer_price_share",
            f"tier-2 parts worth GBP {content[row] / 100:,.2f} a unit exceed the variable cost of their customer "
            f"{table.name[row]} (GBP {table.variable_share[row] * table.price[row] / 100:,.2f} a unit) for "
            f"{len(over)} tier-1 supplier(s); lower customer_price_share or parts_per_unit of "
            f"{', '.join(feeding)}, or raise the customers' variable_cost_share",
        )
    ]


def _range_problems(path: str, field: str, values: np.ndarray) -> list[Problem]:
    low, high = RANGES.get(field, (0.0, np.inf))
    bad = (values < low) | (values > high) | ~np.isfinite(values)
    if not bad.any():
        return []
    example = float(values[bad][0])
    return [Problem(path, f"must be between {low:g} and {high:g}; {int(bad.sum())} drawn value(s) are not, e.g. {example:g}")]


def _assign_customers(table: SupplierTable, scenario: Realised, entries: list[tuple[str, SupplierSpec]]) -> None:
    """Share each tier-2 entry's members round-robin over the members of its customer entries."""
    rows_of = {name: np.flatnonzero(table.entry == i) for i, (name, _) in enumerate(entries)}
    for name, spec in entries:
        if spec.tier != 2:
            continue
        targets = np.concatenate([rows_of[c] for c in spec.customers or []])
        members = rows_of[name]
        table.customer[members] = targets[np.arange(len(members)) % len(targets)]


def _assign_plants(table: SupplierTable, scenario: Realised, entries: list[tuple[str, SupplierSpec]]) -> None:
    """The plants each tier-1 member serves: those listed, one of the listed shares' plants (member k takes the
    plant whose share of the cumulative shares holds (k + 1/2) / count), or every plant using its part family.
    A second source's member k shares the parts, and so the plants, of member k of its first source."""
    rows_of = {name: np.flatnonzero(table.entry == i) for i, (name, _) in enumerate(entries)}
    column = {name: k for k, name in enumerate(table.plant_names)}
    mask = table.serves_mask
    for name, spec in entries:
        if spec.tier != 1 or spec.second_source_for is not None:
            continue
        rows = rows_of[name]
        if spec.plants is not None:
            mask[np.ix_(rows, np.array([column[p] for p in spec.plants], dtype=np.int64))] = True
        elif spec.plant_shares is not None:
            plants = list(spec.plant_shares)
            cum = np.cumsum([spec.plant_shares[p] for p in plants])
            at = np.searchsorted(cum / cum[-1], (np.arange(len(rows)) + 0.5) / len(rows), side="right")
            mask[rows, np.array([column[p] for p in plants])[np.minimum(at, len(plants) - 1)]] = True
        else:
            using = np.array(
                [column[p] for p, plant in scenario.plants.items() if spec.part_family in plant.part_families], dtype=np.int64
            )
            mask[np.ix_(rows, using)] = True
    for name, spec in entries:
        if spec.second_source_for is None:
            continue
        firsts = rows_of[spec.second_source_for]
        members = rows_of[name]
        table.primary[members] = firsts[np.arange(len(members)) % len(firsts)]
        mask[members] = mask[table.primary[members]]
