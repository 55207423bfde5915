"""The scenario schema: typed, frozen, unknown keys rejected, validated once on load.

Units are in the field names: ``_gbp`` is pounds sterling, ``_days`` whole days,
``_per_day`` a rate per calendar day unless the docstring says per working day. Collections
are mappings keyed by name so that a dotted path (``plants.solihull.daily_rate``) names any
parameter, for sweeps and error messages alike.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.distributions import DateParam, Param
from sim.scenario.frozen import freeze_fields

Name = str
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Spec(BaseModel):
    """Base for every scenario section: frozen all the way down (its mappings and lists too, see
    :mod:`sim.scenario.frozen`), and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    __freezes_itself__ = True

    def model_post_init(self, context: Any, /) -> None:
        freeze_fields(self)


class SystemSpec(Spec):
    """One capability the business depends on: an IT system, or a physical facility."""

    kind: Literal["it", "facility"] = "it"
    description: str = ""


class RestoreStep(Spec):
    """From ``date`` or ``after_days`` (days after the outage start), run at ``capacity``."""

    date: DateParam | None = None
    after_days: Param | None = None
    capacity: Param = 1.0

    @model_validator(mode="after")
    def _one_time(self) -> RestoreStep:
        if (self.date is None) == (self.after_days is None):
            raise ValueError("give exactly one of 'date' or 'after_days'")
        return self


class OutageSpec(Spec):
    """Systems taken down together at ``start``; each comes back by its own restore steps."""

    start: DateParam
    systems: list[Name] = Field(min_length=1)
    restore: dict[Name, list[RestoreStep]] = {}
    description: str = ""


class RampPoint(Spec):
    """Production capacity (fraction of normal) ``after_days`` after a restart; linear between."""

    after_days: Param
    capacity: Param


class Shutdown(Spec):
    """A planned closure (e.g. summer shutdown), both dates inclusive."""

    first: date
    last: date


class PlantSpec(Spec):
    """A vehicle assembly plant or an engine plant."""

    kind: Literal["vehicle", "engine"] = "vehicle"
    daily_rate: Param = Field(description="units built per working day at full capacity")
    working_days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    shutdowns: list[Shutdown] = []
    part_families: list[Name] = Field(
        default=[], description="bill of materials: every supplier of these families is needed"
    )
    systems: list[Name] = Field(default=[], description="systems production depends on")
    call_off_systems: list[Name] | None = Field(
        default=None, description="systems that issue call-offs to suppliers (default: systems)"
    )
    engines_from: Name | None = Field(default=None, description="engine plant feeding this plant")
    line_side_buffer_days: Param = Field(
        default=1.0, description="parts cover held at the line beyond the lead time, in days"
    )
    engine_buffer_days: Param = Field(
        default=1.0, description="engine plants: finished engines held, in days of demand"
    )
    ramp_up: list[RampPoint] = Field(
        default=[], description="capacity curve after a restart; empty means full at once"
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
    customers: list[Name] | None = Field(
        default=None, description="tier 2: the tier-1 supplier entries it feeds (shared out)"
    )
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
    average_wage_gbp: Param = Field(default=35_000.0, description="yearly payroll per job")
    layoff_after_idle_days: Param | None = Field(
        default=None, description="days without call-offs before cutting staff (none: never)"
    )
    layoff_share: Param = Field(default=0.0, description="share of payroll and jobs cut")
    restart_critical: bool = False
    resourcing_lead_time_days: Param = Field(
        default=90.0, description="days to qualify a replacement after insolvency"
    )
    systems: list[Name] = Field(default=[], description="the supplier's own systems or facilities")
    description: str = ""


class PartsCentreSpec(Spec):
    """The aftermarket parts logistics centre, serving retailers' orders."""

    systems: list[Name] = []
    orders_per_day: Param = Field(description="retailer orders arriving per calendar day")
    order_randomness: Literal["constant", "poisson"] = "poisson"
    order_value_gbp: Param
    patience_days: Param | None = Field(default=None, description="orders older than this are lost")
    recovery_boost: Param = Field(default=1.5, description="dispatch capacity / normal when clearing")
    manual_capacity: Param = Field(default=0.0, description="share of orders served while down")
    settlement_days: Param = 30.0


class ManualTeam(Spec):
    """People processing invoices by hand from ``start`` (until ``end`` if given)."""

    start: DateParam
    end: DateParam | None = None
    staff: Param
    invoices_per_person_per_day: Param


class PayablesSpec(Spec):
    """Accounts payable: invoices are processed (matched, approved), then paid when due."""

    systems: list[Name] = []
    automated_invoices_per_day: Param = Field(description="processing capacity with systems up")
    manual_teams: dict[Name, ManualTeam] = {}
    priority: Literal["oldest_first", "least_cash_first"] = Field(
        default="oldest_first", description="which invoices are processed first"
    )
    process_invoices: Literal["on_receipt", "when_due"] = Field(
        default="on_receipt", description="match and approve invoices as they arrive, or in the run on their due date"
    )


class SalesSpec(Spec):
    """Wholesale of finished vehicles to retailers."""

    systems: list[Name] = []
    price_per_vehicle_gbp: Param
    max_wholesale_per_day: Param = Field(description="vehicles that can be wholesaled a day")
    settlement_days: Param = 5.0
    manual_capacity: Param = 0.0


class Facility(Spec):
    """A credit facility the OEM draws when its cash falls below ``draw_below_gbp``."""

    size_gbp: Param
    available_from: DateParam
    draw_below_gbp: Param = 0.0
    government_guaranteed: bool = False
    annual_interest_rate: Param = 0.0


class TreasurySpec(Spec):
    opening_cash_gbp: Param
    fixed_costs_gbp_per_day: Param = Field(description="payroll and overheads, per calendar day")
    other_cost_per_unit_gbp: Param = Field(default=0.0, description="non-supplier cost per vehicle built")
    facilities: dict[Name, Facility] = {}


class SupplierFinanceScheme(Spec):
    """Early payment: qualifying suppliers get ``prepay_share`` of an order soon after it."""

    start: DateParam
    budget_gbp: Param
    prepay_share: Param = 0.8
    days_after_order: Param = 2.0
    tiers: list[Literal[1, 2]] = [1]
    restart_critical_only: bool = True
    annual_cost_rate: Param = Field(default=0.0, description="financing cost on money advanced")
    tier2_pass_through: bool = Field(
        default=False, description="prepaid tier-1 suppliers pay their tier-2 bills when the prepayment arrives"
    )


class ShortTimeWork(Spec):
    """Government pays ``payroll_share_covered`` of the idle part of suppliers' payroll; a supported
    supplier keeps its staff (no layoffs while it is supported)."""

    start: DateParam
    end: DateParam | None = None
    payroll_share_covered: Param = 0.6
    min_idle_share: Param = Field(
        default=0.2, description="only suppliers with at least this share of last week's work lost qualify"
    )
    tiers: list[Literal[1, 2]] = [1, 2]


class SupplierRescue(Spec):
    """The OEM keeps a failing supplier trading (funds it, or its administrator): when a qualifying
    supplier's cash would fall below its credit line, the OEM tops it up to ``cushion_days`` of
    normal costs, within the budget."""

    start: DateParam
    budget_gbp: Param
    cushion_days: Param = 14.0
    tiers: list[Literal[1, 2]] = [1]
    restart_critical_only: bool = True


class InterventionsSpec(Spec):
    supplier_finance: SupplierFinanceScheme | None = None
    short_time_work: ShortTimeWork | None = None
    rescue: SupplierRescue | None = None


class Scenario(Spec):
    """A whole scenario: the network, its normal state, the outages and the restart."""

    name: str
    description: str = ""
    start_date: date
    horizon_days: int = Field(ge=1, le=3660)
    seed: int = Field(default=0, ge=0)
    systems: dict[Name, SystemSpec] = {}
    outages: dict[Name, OutageSpec] = {}
    part_families: dict[Name, PartFamilySpec] = {}
    plants: dict[Name, PlantSpec] = Field(min_length=1)
    suppliers: dict[Name, SupplierSpec] = {}
    parts_centre: PartsCentreSpec | None = None
    payables: PayablesSpec
    sales: SalesSpec
    treasury: TreasurySpec
    interventions: InterventionsSpec = InterventionsSpec()
