"""The scenario schema: typed, frozen, unknown keys rejected, validated once on load.

Units are in the field names: ``_gbp`` is pounds sterling, ``_days`` whole days,
``_per_day`` a rate per calendar day unless the docstring says per working day. Collections
are mappings keyed by name so that a dotted path (``plants.solihull.daily_rate``) names any
parameter, for sweeps and error messages alike.

A scenario comes in two types from one set of generic models: :data:`Scenario`, as written (any
number may be a distribution, any date a date distribution), and :data:`Realised`, with every
uncertain scalar drawn (plain floats and dates), which is what the model runs. Supplier entries
keep their distributions in both: their members are drawn one by one when a world is built.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticUndefined

from sim.scenario.distributions import DateParam, Param
from sim.scenario.frozen import freeze_fields

N = TypeVar("N")  # a number: Param as written, float once realised
D = TypeVar("D")  # a date: DateParam as written, date once realised

Name = str
_COUNTRY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


def _country(value: str) -> str:
    if not _COUNTRY.fullmatch(value):
        raise ValueError(
            "a country is an ISO 3166 code (GB) or a region's name (north_america): a letter, then letters, "
            "digits or underscores, at most 40 characters"
        )
    return value


Country = Annotated[str, AfterValidator(_country)]
"""Where something is, for splitting losses by country: an ISO 3166 code or a region's name (one word)."""
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Spec(BaseModel):
    """Base for every scenario section: frozen all the way down (its mappings and lists too, see
    :mod:`sim.scenario.frozen`), and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    __freezes_itself__ = True

    def model_post_init(self, context: Any, /) -> None:
        freeze_fields(self)

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """``PlantSpec`` as written, ``RealisedPlantSpec`` once realised (for schemas and messages)."""
        return ("Realised" if all(p in (float, date) for p in params) else "") + cls.__name__

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A parametrised model keeps its generic model's docstring (its description in the JSON Schema)."""
        origin = cls.__pydantic_generic_metadata__["origin"]
        if origin is not None and cls.__doc__ is None:
            cls.__doc__ = origin.__doc__

    def __reduce__(self) -> Any:
        """Pickle a section of a parametrised generic model by its generic origin and its data (the
        classes pydantic makes for nested parametrisations cannot be found by name)."""
        origin = type(self).__pydantic_generic_metadata__["origin"]
        if origin is None:
            return super().__reduce__()
        realised = all(p in (float, date) for p in type(self).__pydantic_generic_metadata__["args"])
        return _rebuild, (origin, realised, self.model_dump())


def number(default: Any = PydanticUndefined, **kwargs: Any) -> Any:
    """A number field (``N``: a distribution as written, a float once realised): ``Field`` typed Any, so that
    a float default may stand for ``N``; without a default the field is required."""
    return Field(default=default, **kwargs)


def _rebuild(origin: Any, realised: bool, data: dict[str, Any]) -> Spec:
    """A pickled scenario section, validated again from its data (see :meth:`Spec.__reduce__`)."""
    params = origin.__pydantic_generic_metadata__["parameters"]
    types = [(float if p is N else date) if realised else (Param if p is N else DateParam) for p in params]
    return origin[tuple(types) if len(types) > 1 else types[0]].model_validate(data)  # type: ignore[no-any-return]


class SystemSpec(Spec):
    """One capability the business depends on: an IT system, or a physical facility."""

    kind: Literal["it", "facility"] = "it"
    description: str = ""


class RestoreStep(Spec, Generic[N, D]):
    """From ``date`` or ``after_days`` (days after the outage start), run at ``capacity``."""

    date: D | None = None
    after_days: N | None = None
    capacity: N = number(default=1.0)

    @model_validator(mode="after")
    def _one_time(self) -> RestoreStep[N, D]:
        if (self.date is None) == (self.after_days is None):
            raise ValueError("give exactly one of 'date' or 'after_days'")
        return self


class IncidentCost(Spec, Generic[N, D]):
    """A cost of an incident to the OEM (IT recovery, advisers, claims): ``amount_gbp`` paid in equal
    daily parts over the days from ``first`` to ``last``, both inclusive."""

    amount_gbp: N
    first: D
    last: D
    description: str = ""


class OutageSpec(Spec, Generic[N, D]):
    """Systems taken down together at ``start``; each comes back by its own restore steps."""

    start: D
    systems: list[Name] = Field(min_length=1)
    restore: dict[Name, list[RestoreStep[N, D]]] = {}
    costs: dict[Name, IncidentCost[N, D]] = Field(
        default={}, description="the incident's own costs to the OEM, paid by its treasury (none in the baseline)"
    )
    description: str = ""


class RampPoint(Spec, Generic[N]):
    """Production capacity (fraction of normal) ``after_days`` after a restart; linear between."""

    after_days: N
    capacity: N


class Shutdown(Spec):
    """A planned closure (e.g. summer shutdown), both dates inclusive."""

    first: date
    last: date


class PlantSpec(Spec, Generic[N]):
    """A vehicle assembly plant or an engine plant."""

    kind: Literal["vehicle", "engine"] = "vehicle"
    daily_rate: N = number(description="units built per working day at full capacity")
    working_days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    shutdowns: list[Shutdown] = []
    part_families: list[Name] = Field(default=[], description="bill of materials: every supplier of these families is needed")
    systems: list[Name] = Field(default=[], description="systems production depends on")
    call_off_systems: list[Name] | None = Field(
        default=None, description="systems that issue call-offs to suppliers (default: systems)"
    )
    engines_from: Name | None = Field(default=None, description="engine plant feeding this plant")
    line_side_buffer_days: N = number(default=1.0, description="parts cover held at the line beyond the lead time, in days")
    engine_buffer_days: N = number(default=1.0, description="engine plants: finished engines held, in days of demand")
    ramp_up: list[RampPoint[N]] = Field(default=[], description="capacity curve after a restart; empty means full at once")
    country: Country | None = Field(
        default=None, description="where the plant is (the OEM's lost contribution on its vehicles falls there); none: unspecified"
    )
    description: str = ""


class PartFamilySpec(Spec):
    description: str = ""


class SupplierSpec(Spec):
    """One supplier, or a population of ``count`` suppliers whose parameters are drawn per member.

    Money parameters are relative to the supplier's normal business with the OEM so that a
    population is easy to describe: OEM revenue per day = unit price x parts per unit x the
    normal daily demand of the plants it serves; total revenue = OEM revenue / oem_revenue_share.
    """

    count: int = Field(default=1, ge=1, le=200_000)
    tier: Literal[1, 2] = 1
    part_family: Name | None = Field(default=None, description="tier 1: the family it makes")
    customers: list[Name] | None = Field(default=None, description="tier 2: the tier-1 supplier entries it feeds (shared out)")
    unit_price_gbp: Param | None = Field(default=None, description="price of one part")
    customer_price_share: Param | None = Field(
        default=None, description="tier 2: price as a share of its customer's part price (instead of unit_price_gbp)"
    )
    parts_per_unit: Param = Field(default=1.0, description="parts per vehicle or engine (or per tier-1 part)")
    capacity_margin: Param = Field(default=0.25, description="capacity above normal demand, share")
    lead_time_days: Param = 2.0
    payment_terms_days: Param = 60.0
    oem_revenue_share: Param = Field(default=1.0, description="share of revenue from this OEM/customer")
    variable_cost_share: Param = Field(default=0.6, description="variable cost, share of price")
    fixed_cost_share: Param = Field(default=0.3, description="fixed costs, share of total revenue")
    payroll_share: Param = Field(default=0.6, description="payroll, share of fixed costs")
    cash_days: Param = Field(default=30.0, description="opening cash, days of normal total costs")
    credit_days: Param = Field(default=0.0, description="credit line, days of normal total costs")
    runway_days: Param | None = Field(
        default=None,
        description="instead of cash_days: opening cash plus unused credit, in days of idle costs "
        "(fixed costs less other customers' margin, at least a tenth of fixed costs)",
    )
    working_capital: Literal["none", "normal_year"] = Field(
        default="none",
        description="normal_year: a working-capital line as deep as the supplier's cash dips in a normal "
        "year (Christmas shutdown included), on top of its runway",
    )
    average_wage_gbp: Param = Field(default=35_000.0, description="yearly payroll per job")
    short_time_after_idle_days: Param | None = Field(
        default=None, description="days of low demand (under 80% of normal) before putting staff on short time (none: never)"
    )
    short_time_pay_share: Param = Field(default=0.8, description="share of normal pay that staff on short time receive")
    short_time_max_share: Param = Field(default=0.9, description="the most staff on short time at once, share")
    recall_days: Param = Field(default=14.0, description="days to bring every staff member on short time back to work")
    redundancy_below_runway_days: Param | None = Field(
        default=None, description="makes redundancies when its runway at idle costs falls below this (none: never)"
    )
    redundancy_share: Param = Field(default=0.1, description="share of staff made redundant (once)")
    redundancy_pay_weeks: Param = Field(default=4.0, description="weeks of pay per redundancy")
    pay_late_below_runway_days: Param | None = Field(
        default=None, description="tier 1: pays its tier-2 bills late while its runway at idle costs is below this (none: never)"
    )
    max_pay_late_days: Param = Field(default=30.0, description="tier 1: the most days a tier-2 bill is paid late")
    restart_critical: bool = False
    resourcing_lead_time_days: Param = Field(default=90.0, description="days to qualify a replacement after insolvency")
    systems: list[Name] = Field(default=[], description="the supplier's own systems or facilities")
    plants: list[Name] | None = Field(
        default=None, description="tier 1: the plants (or lines) every member serves; default: each plant using its part family"
    )
    plant_shares: dict[Name, float] | None = Field(
        default=None, description="tier 1: members spread over these plants in these shares, each member serving one"
    )
    second_source_for: Name | None = Field(
        default=None, description="tier 1: a second source; member k shares the parts of member k of this entry"
    )
    source_share: Param | None = Field(
        default=None, description="a second source's share of each part's volume in normal times (the first source has the rest)"
    )
    surge_share: Param | None = Field(
        default=None,
        description="share of a part's volume it can supply once qualified for a failed co-source's volume "
        "(default: its normal share)",
    )
    qualification_days: Param = Field(
        default=30.0, description="days from a co-source's failure until it is qualified to supply the extra volume"
    )
    country: Country | None = Field(
        default=None,
        description="where the supplier is; none: a tier-1 member takes the country of the plants it serves "
        "when they share one, a tier-2 member its customer's, otherwise unspecified",
    )
    description: str = ""


class PartsCentreSpec(Spec, Generic[N]):
    """The aftermarket parts logistics centre, serving retailers' orders."""

    systems: list[Name] = []
    orders_per_day: N = number(description="retailer orders arriving per calendar day")
    order_randomness: Literal["constant", "poisson"] = "poisson"
    order_value_gbp: N
    patience_days: N | None = number(default=None, description="orders older than this are lost")
    recovery_boost: N = number(default=1.5, description="dispatch capacity / normal when clearing")
    manual_capacity: N = number(default=0.0, description="share of orders served while down")
    settlement_days: N = number(default=30.0)


class ManualTeam(Spec, Generic[N, D]):
    """People processing invoices by hand from ``start`` (until ``end`` if given). Their capacity is counted
    in invoices, or in supplier statements: a statement is one supplier's whole overdue balance, taken in the
    payables' priority order, counted by statement or by value (pounds processed a day)."""

    start: D
    end: D | None = None
    staff: N
    invoices_per_person_per_day: N | None = number(default=None, description="invoices each person processes a day")
    statements_per_person_per_day: N | None = number(
        default=None, description="suppliers' whole overdue balances each person processes a day"
    )
    gbp_per_person_per_day: N | None = number(
        default=None,
        description="value of suppliers' overdue balances each person processes a day (whole statements "
        "in priority order; the last one in part)",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> ManualTeam[N, D]:
        rates = (self.invoices_per_person_per_day, self.statements_per_person_per_day, self.gbp_per_person_per_day)
        if sum(r is not None for r in rates) != 1:
            raise ValueError(
                "give exactly one of invoices_per_person_per_day, statements_per_person_per_day or gbp_per_person_per_day"
            )
        return self


class PayablesSpec(Spec, Generic[N, D]):
    """Accounts payable: invoices are processed (matched, approved), then paid when due."""

    systems: list[Name] = []
    automated_invoices_per_day: N = number(description="processing capacity with systems up")
    manual_teams: dict[Name, ManualTeam[N, D]] = {}
    priority: Literal["oldest_first", "least_cash_first"] = Field(
        default="oldest_first", description="which invoices are processed first"
    )
    process_invoices: Literal["on_receipt", "when_due"] = Field(
        default="on_receipt", description="match and approve invoices as they arrive, or in the run on their due date"
    )


class MarketSpec(Spec, Generic[N]):
    """A market finished vehicles are shipped to: its share of the vehicles built, the days they take to
    get there (they are wholesaled on arrival) and the days its importers and retailers take to pay."""

    share: N = number(description="share of the vehicles built that go here (the markets' shares are scaled to sum to one)")
    transit_days: N = number(default=0.0, description="days from the plant to the market")
    settlement_days: N | None = number(default=None, description="days from wholesale to cash (default: the sales section's)")
    country: Country | None = Field(
        default=None,
        description="ISO 3166 country code, or a region's name, for splitting losses by country (downstream "
        "losses fall there); none: unspecified",
    )
    description: str = ""


class SalesSpec(Spec, Generic[N]):
    """Wholesale of finished vehicles to retailers, at the plants or, with ``markets``, where the vehicles arrive."""

    systems: list[Name] = []
    price_per_vehicle_gbp: N
    max_wholesale_per_day: N = number(description="vehicles that can be wholesaled a day (shared by the markets)")
    settlement_days: N = number(default=5.0)
    manual_capacity: N = number(default=0.0)
    markets: dict[Name, MarketSpec[N]] = Field(
        default={}, description="where vehicles are shipped; none: wholesaled at the plants the day they are built"
    )


class Facility(Spec, Generic[N, D]):
    """A credit facility the OEM draws when its cash falls below its floor."""

    size_gbp: N
    available_from: D
    draw_below_gbp: N | None = number(default=None, description="this facility's floor (default: the draw policy's)")
    government_guaranteed: bool = False
    annual_interest_rate: N = number(default=0.0)


class DrawPolicy(Spec, Generic[N]):
    """How the treasury uses its facilities: when cash falls below the floor it draws them in order, at
    least ``minimum_draw_gbp`` at a time (as far as each has room); with ``repay: latest_drawn_first`` it
    repays drawings, the latest first, by the cash it holds above the floor plus ``repay_margin_gbp``."""

    floor_gbp: N = number(default=0.0, description="cash kept by drawing facilities")
    order: list[Name] = Field(default=[], description="facilities in the order they are drawn (default: as listed)")
    minimum_draw_gbp: N = number(default=0.0, description="the least drawn at a time")
    repay: Literal["never", "latest_drawn_first"] = "never"
    repay_margin_gbp: N = number(default=0.0, description="cash above the floor kept before repaying")


class TreasurySpec(Spec, Generic[N, D]):
    """The OEM's own money: cash at the start date, what it spends every day, and its credit facilities."""

    opening_cash_gbp: N = number(description="cash at the start of the first day")
    fixed_costs_gbp_per_day: N = number(description="payroll and overheads, per calendar day")
    other_cost_per_unit_gbp: N = number(default=0.0, description="non-supplier cost per vehicle built")
    investment_gbp_per_day: N = number(default=0.0, description="capital expenditure, per calendar day")
    facilities: dict[Name, Facility[N, D]] = {}
    draw_policy: DrawPolicy[N] = Field(default_factory=lambda: DrawPolicy())


class SupplierFinanceScheme(Spec, Generic[N, D]):
    """Early payment: qualifying suppliers get ``prepay_share`` of an order soon after it."""

    start: D
    budget_gbp: N
    prepay_share: N = number(default=0.8)
    days_after_order: N = number(default=2.0)
    tiers: list[Literal[1, 2]] = [1]
    restart_critical_only: bool = True
    annual_cost_rate: N = number(default=0.0, description="financing cost on money advanced")
    tier2_pass_through: bool = Field(
        default=False, description="prepaid tier-1 suppliers pay their tier-2 bills when the prepayment arrives"
    )


class ShortTimeWork(Spec, Generic[N, D]):
    """A government short-time-work scheme: it pays ``payroll_share_covered`` of the normal pay of suppliers'
    staff on short time; a supported supplier makes no redundancies while it is supported."""

    start: D
    end: D | None = None
    payroll_share_covered: N = number(default=0.6)
    min_idle_share: N = number(
        default=0.2, description="only suppliers with at least this share of their staff on short time qualify"
    )
    short_time_after_idle_days: N = number(
        default=5.0,
        description="eligible suppliers without a short-time policy of their own put staff on short time "
        "after this many days of low demand",
    )
    tiers: list[Literal[1, 2]] = [1, 2]


class SupplierDistressSpec(Spec, Generic[N]):
    """What the OEM does, the morning after a supplier's cash and credit run out. In turn: pay it at once what
    it is owed (``accelerate_payment``); keep it trading with money (within the budget, topping it up to
    ``support_cushion_days`` of its costs while idle) if it is of the kind kept; otherwise let it go: move its
    tooling to another supplier if it is of that kind (after ``tooling_move_days``, at an expediting cost),
    or re-source its parts after its own ``resourcing_lead_time_days``. A second source of its parts takes
    over their volume once qualified. The policy holds in normal years too (it is not an intervention)."""

    accelerate_payment: bool = Field(default=False, description="first pay it every open invoice at once")
    keep_trading: Literal["none", "line_stopping", "restart_critical", "all"] = Field(
        default="none",
        description="which suppliers the OEM funds to keep trading: none, those whose failure would stop a "
        "line (sole sources), the restart-critical, or all",
    )
    support_budget_gbp: N = number(default=0.0, description="money the OEM will put into suppliers it keeps trading")
    support_cushion_days: N = number(default=14.0, description="a kept supplier is topped up to this many days of idle costs")
    move_tooling: Literal["none", "line_stopping", "restart_critical", "all"] = Field(
        default="none", description="which suppliers let go have their tooling moved to another supplier"
    )
    tooling_move_days: Param = Field(
        default=21.0, description="days from the decision until moved tooling ships (drawn for each move)"
    )
    tooling_move_cost_gbp: N = number(default=0.0, description="the OEM's expediting cost of moving one supplier's tooling")


class EconomicsSpec(Spec, Generic[N]):
    """How the economic loss of a run is reported: where the OEM's own costs fall, an optional multiplier for the
    loss downstream of the modelled chain, and when a supplier counts as affected."""

    oem_country: Country | None = Field(
        default=None,
        description="where the OEM's incident, financing and intervention costs fall (default: the country "
        "of its vehicle plants when they share one, otherwise unspecified)",
    )
    downstream_multiplier: N | None = number(
        default=None,
        description="loss downstream of the modelled chain (dealers, logistics, the local spending they "
        "support) per pound of wholesale revenue lost, in each market's country; none: not counted",
    )
    affected_revenue_share: float = Field(
        default=0.05,
        description="a supplier counts as affected when it lost more than this share of the revenue it "
        "has over the run in the baseline",
    )


class InterventionsSpec(Spec, Generic[N, D]):
    supplier_finance: SupplierFinanceScheme[N, D] | None = None
    short_time_work: ShortTimeWork[N, D] | None = None


class ScenarioSpec(Spec, Generic[N, D]):
    """A whole scenario: the network, its normal state, the outages and the restart."""

    name: str
    description: str = ""
    start_date: date
    horizon_days: int = Field(ge=1, le=3660)
    seed: int = Field(default=0, ge=0)
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12, description="month the company's fiscal year starts (April: 4)")
    systems: dict[Name, SystemSpec] = {}
    outages: dict[Name, OutageSpec[N, D]] = {}
    part_families: dict[Name, PartFamilySpec] = {}
    plants: dict[Name, PlantSpec[N]] = Field(min_length=1)
    suppliers: dict[Name, SupplierSpec] = {}
    parts_centre: PartsCentreSpec[N] | None = None
    payables: PayablesSpec[N, D]
    sales: SalesSpec[N]
    treasury: TreasurySpec[N, D]
    supplier_distress: SupplierDistressSpec[N] = Field(default_factory=lambda: SupplierDistressSpec())
    interventions: InterventionsSpec[N, D] = Field(default_factory=lambda: InterventionsSpec())
    economics: EconomicsSpec[N] = Field(default_factory=lambda: EconomicsSpec())


Scenario = ScenarioSpec[Param, DateParam]
"""A scenario as written: any number may be a distribution, any date a date distribution."""
Realised = ScenarioSpec[float, date]
"""A scenario with every uncertain scalar drawn (supplier entries keep theirs): what the model runs."""
