"""The KPI registry: every KPI a run reports, named once, with its label, unit, how it reads and where
it is shown.

``summary.json``, the command line's headline, the report, comparison tables and the default KPIs
of a sensitivity analysis all come from :data:`KPIS`; the README's KPI table is checked against it
by a test (``python -m sim.results.kpis`` prints that table). A KPI per plant is written with
``{plant}`` in its name and expands to one KPI per plant of the run; a KPI per country, with
``{country}``, to one per country of the run's economic loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.results.economics import EBIT, FINANCING
from sim.results.formats import as_timestamp, day_text, money_text
from sim.results.metrics import Measures

if TYPE_CHECKING:
    from sim.results.economics import Economics

Unit = Literal["vehicles", "gbp", "date", "count", "jobs", "orders", "invoices", "days", "number", "share", "flag"]
COUNTS = ("vehicles", "count", "jobs", "orders", "invoices")


@dataclass(frozen=True)
class KPI:
    """One KPI: its name in ``summary.json``, a label for readers, its unit, what it means, how it is
    measured, and whether the headline (console) and sensitivity analysis show it by default."""

    name: str
    label: str
    unit: Unit
    meaning: str
    measure: Callable[..., Any]  # (measures) -> value; (measures, plant or country) -> value for a KPI per plant or country
    headline: bool = False
    sensitivity: bool = False
    per_plant: bool = False
    per_country: bool = False
    distribution: bool = False  # over replications, often two-humped (e.g. no failure or a ripple): drawn as a histogram

    def text(self, value: Any) -> str:
        """The value as a reader sees it, with its unit: pounds scaled, dates spelled out, counts whole."""
        return value_text(self.unit, value)

    def plain(self, value: Any) -> Any:
        """The value for a CSV or spreadsheet cell (see :func:`plain_value`)."""
        return plain_value(self.unit, value)


def value_text(unit: Unit, value: Any) -> str:
    """A value of ``unit`` as text (see :meth:`KPI.text`); a missing date reads "not reached in the run"."""
    value = as_number(value)
    if unit == "flag" and isinstance(value, str) and value.lower() in ("true", "false"):  # read back from a CSV
        value = value.lower() == "true"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not reached in the run" if unit == "date" else "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "date":
        ts = as_timestamp(value)
        return f"{ts:%a} {day_text(ts)}" if ts is not None else str(value)
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if not isinstance(value, (int, float)):
        return str(value)
    if unit == "gbp":
        return money_text(float(value))
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit == "days":
        return f"{value:,.0f} days" if abs(value) >= 1 or value == 0 else f"{value:.2f} days"
    if unit in COUNTS:
        return f"{round(value):,}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3g}"


def plain_value(unit: Unit, value: Any) -> Any:
    """A value of ``unit`` for a table cell read by programs: money in pounds rounded to the penny, counts
    as integers, dates as ``datetime.date``, days and other numbers as they are; missing values as None."""
    value = as_number(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if unit == "date":
        ts = as_timestamp(value)
        return ts.date() if ts is not None else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if unit == "gbp":
        return round(float(value), 2) + 0.0  # + 0.0: no "-0.0" for a penny's rounding of a tiny negative
    if unit in COUNTS:
        return int(round(value))
    return value


def difference_unit(unit: Unit) -> Unit:
    """The unit of a difference between two values of ``unit``: days between two dates, else the same."""
    return "days" if unit == "date" else unit


def as_number(value: Any) -> Any:
    """Numbers stay numbers (numpy's become Python's); numeric strings (as read back from CSV) become numbers."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    return value


KPIS: tuple[KPI, ...] = (
    KPI(
        "baseline_steady",
        "No-outage baseline is steady",
        "flag",
        "whether the baseline runs normally (no supplier failures, plans met, no growing backlog); losses are only "
        "meaningful against a steady baseline",
        lambda m: m.baseline_steady,
    ),
    KPI("vehicles_built", "Vehicles built", "vehicles", "vehicles built over the horizon", lambda m: int(m.production.sum())),
    KPI(
        "vehicles_lost",
        "Vehicles lost against the baseline",
        "vehicles",
        "vehicles the baseline builds that the run does not",
        lambda m: m.vehicles_lost,
        headline=True,
        sensitivity=True,
        distribution=True,
    ),
    KPI(
        "revenue_lost_gbp",
        "Revenue lost",
        "gbp",
        "wholesale revenue lost against the baseline",
        lambda m: m.revenue_lost_gbp,
        headline=True,
    ),
    KPI(
        "vehicles_lost_outage",
        "Vehicles lost to the outage and restart",
        "vehicles",
        "vehicles the baseline builds that the run would not have built even had no supplier failed",
        lambda m: m.lost_between("baseline_production_total", "no_failure_production_total"),
        headline=True,
    ),
    KPI(
        "vehicles_lost_supplier_failure",
        "Vehicles lost to supplier failures",
        "vehicles",
        "vehicles the run would have built had no supplier failed, and did not",
        lambda m: m.lost_between("no_failure_production_total", "production_total"),
        headline=True,
    ),
    KPI(
        "revenue_lost_outage_gbp",
        "Revenue lost to the outage and restart",
        "gbp",
        "wholesale revenue lost against the baseline even had no supplier failed",
        lambda m: m.revenue_between("baseline_wholesale_vehicles", "no_failure_wholesale_vehicles"),
    ),
    KPI(
        "revenue_lost_supplier_failure_gbp",
        "Revenue lost to supplier failures",
        "gbp",
        "wholesale revenue lost because suppliers failed",
        lambda m: m.revenue_between("no_failure_wholesale_vehicles", "wholesale_vehicles"),
    ),
    KPI(
        "wholesale_vehicles_lost",
        "Wholesale vehicles lost against the baseline",
        "vehicles",
        "vehicles the baseline wholesales that the run does not (wholesale is on arrival at the market)",
        lambda m: m.wholesale_vehicles_lost,
        headline=True,
    ),
    KPI(
        "vehicles_awaiting_wholesale_peak",
        "Vehicles awaiting wholesale (peak)",
        "vehicles",
        "most vehicles on any day that had reached their market (or, without markets, were built) but were not yet wholesaled",
        lambda m: m.awaiting_wholesale_peak,
    ),
    KPI("outage_start_date", "Outage began", "date", "the first day of the first outage", lambda m: m.date_of(m.start)),
    KPI(
        "production_recovered_date",
        "Production back to 95% of baseline",
        "date",
        "first date after the outage from which total production stays at or above 95% of baseline for 7 consecutive days",
        lambda m: m.date_of(m.recovered),
        headline=True,
    ),
    KPI(
        "days_to_recover",
        "Days to recover production",
        "days",
        "days from the outage start to that date",
        lambda m: m.days_to_recover,
    ),
    KPI(
        "recovered_date_{plant}",
        "{plant}: back to 95% of baseline",
        "date",
        "the same for each plant",
        lambda m, plant: m.plant_recovered(plant),
        per_plant=True,
    ),
    KPI(
        "invoice_backlog_peak_count",
        "Invoice backlog peak (invoices)",
        "invoices",
        "most invoices waiting to be processed on any day",
        lambda m: int(m.daily["invoice_backlog_count"].max()),
    ),
    KPI(
        "invoice_backlog_peak_gbp",
        "Invoice backlog peak (value)",
        "gbp",
        "highest value of invoices waiting to be processed",
        lambda m: m.invoice_backlog.value,
        headline=True,
        sensitivity=True,
    ),
    KPI(
        "invoice_backlog_peak_date",
        "Invoice backlog peak date",
        "date",
        "the day of that peak",
        lambda m: m.date_of(m.invoice_backlog.day),
        headline=True,
    ),
    KPI(
        "invoice_backlog_cleared_date",
        "Invoice backlog cleared",
        "date",
        "first date from the peak with the backlog back at its baseline level",
        lambda m: m.date_of(m.invoice_backlog.cleared),
        headline=True,
    ),
    KPI(
        "invoice_overdue_peak_gbp",
        "Overdue invoices peak (value)",
        "gbp",
        "highest value of unprocessed invoices past their due date",
        lambda m: float(m.daily["invoice_overdue_gbp"].max()),
    ),
    KPI(
        "parts_backlog_peak_orders",
        "Parts-centre backlog peak (orders)",
        "orders",
        "most retailers' orders waiting at the parts centre",
        lambda m: int(m.parts_backlog.value),
        headline=True,
    ),
    KPI(
        "parts_backlog_peak_date",
        "Parts-centre backlog peak date",
        "date",
        "the day of that peak",
        lambda m: m.date_of(m.parts_backlog.day),
    ),
    KPI(
        "parts_backlog_cleared_date",
        "Parts-centre backlog cleared",
        "date",
        "first date from the peak with the parts backlog back at its baseline level",
        lambda m: m.date_of(m.parts_backlog.cleared),
        headline=True,
    ),
    KPI(
        "parts_orders_lost",
        "Parts orders lost",
        "orders",
        "retailers' orders lost after their patience ran out",
        lambda m: int(m.daily["parts_orders_lost_cum"].iloc[-1]),
    ),
    KPI(
        "oem_cash_trough_gbp",
        "OEM cash trough",
        "gbp",
        "the OEM's lowest cash",
        lambda m: float(m.column("oem_cash_gbp")[m.oem_cash_trough]),
        headline=True,
        sensitivity=True,
    ),
    KPI(
        "oem_cash_trough_date",
        "OEM cash trough date",
        "date",
        "the day of that trough",
        lambda m: m.date_of(m.oem_cash_trough),
        headline=True,
    ),
    KPI(
        "oem_cash_gap_end_gbp",
        "OEM cash gap to baseline at the end",
        "gbp",
        "the baseline's cash less the run's, on the last day",
        lambda m: float(m.daily["baseline_oem_cash_gbp"].iloc[-1] - m.column("oem_cash_gbp")[-1]),
    ),
    KPI(
        "oem_free_cash_flow_gbp",
        "OEM free cash flow",
        "gbp",
        "the OEM's change in cash over the horizon other than facility drawings and repayments",
        lambda m: m.free_cash_flow,
    ),
    KPI(
        "oem_free_cash_flow_lost_gbp",
        "OEM free cash flow lost",
        "gbp",
        "the baseline's free cash flow over the horizon less the run's",
        lambda m: m.free_cash_flow_lost,
        headline=True,
    ),
    KPI(
        "suppliers_insolvent",
        "Suppliers insolvent",
        "count",
        "supplier insolvencies over the horizon",
        lambda m: m.insolvencies,
        headline=True,
        sensitivity=True,
        distribution=True,
    ),
    KPI(
        "suppliers_kept_trading",
        "Suppliers kept trading by the OEM",
        "count",
        "decisions to fund a supplier in distress so that it keeps trading",
        lambda m: int(m.last("suppliers_kept_trading_cum")),
    ),
    KPI(
        "tools_moved",
        "Suppliers' tooling moved",
        "count",
        "failed suppliers whose tooling the OEM moved to another",
        lambda m: int(m.last("tools_moved_cum")),
    ),
    KPI(
        "supplier_support_gbp",
        "Support paid to suppliers",
        "gbp",
        "money the OEM put into suppliers it kept trading, and spent moving tooling",
        lambda m: m.last("supplier_support_cum_gbp"),
    ),
    KPI(
        "lines_stopped_by_supplier_failure",
        "Lines stopped by supplier failure",
        "count",
        "spells in which a plant built under half of what it would have had no supplier failed",
        lambda m: len(m.line_stops),
        headline=True,
    ),
    KPI(
        "supplier_jobs_lost",
        "Supplier jobs lost for good",
        "jobs",
        "supplier jobs lost to redundancies and insolvencies",
        lambda m: m.last("supplier_jobs_lost"),
        headline=True,
    ),
    KPI(
        "supplier_jobs_short_time_peak",
        "Supplier jobs on short time (peak)",
        "jobs",
        "most supplier staff on short time (temporarily without work) on any day",
        lambda m: float(m.column("supplier_jobs_short_time").max()),
        headline=True,
    ),
    KPI(
        "supplier_jobs_short_time_end",
        "Supplier jobs on short time at the end",
        "jobs",
        "supplier staff still on short time on the last day",
        lambda m: m.last("supplier_jobs_short_time"),
    ),
    KPI(
        "share_of_suppliers_on_short_time",
        "Suppliers that put staff on short time",
        "share",
        "share of suppliers that put staff on short time at some point",
        lambda m: m.share_of_suppliers("suppliers_ever_short_time"),
    ),
    KPI(
        "share_of_suppliers_making_redundancies",
        "Suppliers that made redundancies",
        "share",
        "share of suppliers that made staff redundant",
        lambda m: m.share_of_suppliers("suppliers_made_redundancies"),
    ),
    KPI(
        "suppliers_runway_under_7_days_peak",
        "Suppliers under 7 days of runway (peak)",
        "count",
        "most suppliers on any day whose cash and unused credit last under 7 days on their current burn",
        lambda m: int(m.column("suppliers_runway_under_7_days").max()),
        headline=True,
    ),
    KPI(
        "suppliers_runway_under_7_days_peak_date",
        "Suppliers under 7 days of runway: peak date",
        "date",
        "the first day of that peak (none if no supplier ever was)",
        lambda m: m.peak_date("suppliers_runway_under_7_days"),
    ),
    KPI(
        "suppliers_runway_under_14_days_peak",
        "Suppliers under 14 days of runway (peak)",
        "count",
        "most suppliers on any day whose cash and unused credit last under 14 days on their current burn",
        lambda m: int(m.column("suppliers_runway_under_14_days").max()),
    ),
    KPI(
        "suppliers_runway_under_14_days_peak_date",
        "Suppliers under 14 days of runway: peak date",
        "date",
        "the first day of that peak (none if no supplier ever was)",
        lambda m: m.peak_date("suppliers_runway_under_14_days"),
    ),
    KPI(
        "tier2_bills_paid_late",
        "Tier-2 bills paid late",
        "count",
        "bills tier-1 suppliers short of cash paid their tier-2 suppliers after they fell due",
        lambda m: int(m.last("tier2_bills_paid_late_cum")),
    ),
    KPI(
        "suppliers_under_7_days_cash_peak",
        "Suppliers under 7 days of normal costs in cash (peak)",
        "count",
        "most suppliers on any day whose cash and unused credit cover under 7 days of normal costs (trading as usual; "
        "their runway on idle costs is the KPI above)",
        lambda m: int(m.daily["suppliers_under_7_days_cash"].iloc[m.under_week_peak]),
    ),
    KPI(
        "suppliers_under_7_days_cash_peak_date",
        "Suppliers under 7 days of normal costs in cash: peak date",
        "date",
        "the first day of that peak (none if no supplier ever was)",
        lambda m: m.date_of(m.under_week_peak) if m.daily["suppliers_under_7_days_cash"].iloc[m.under_week_peak] > 0 else None,
    ),
    KPI(
        "supplier_cash_shortfall_gbp",
        "Supplier cash shortfall (peak)",
        "gbp",
        "sum of suppliers' negative cash positions before credit, on the worst day",
        lambda m: float(m.daily["supplier_cash_shortfall_gbp"].max()),
    ),
    KPI(
        "supplier_cash_trough_gbp",
        "Suppliers' total cash (trough)",
        "gbp",
        "suppliers' lowest total cash",
        lambda m: float(m.daily["supplier_cash_gbp"].min()),
    ),
    KPI(
        "oem_facility_drawn_gbp",
        "Credit facilities drawn",
        "gbp",
        "commercial credit facilities drawn by the end",
        lambda m: m.last("facility_drawn_gbp"),
        headline=True,
    ),
    KPI(
        "government_loan_drawn_gbp",
        "Government-backed loan drawn",
        "gbp",
        "government-guaranteed loans drawn by the end",
        lambda m: m.last("government_loan_drawn_gbp"),
        headline=True,
    ),
    KPI(
        "facilities_drawn_peak_gbp",
        "Facilities drawn (peak)",
        "gbp",
        "most drawn on any day, commercial facilities and government-backed loans together",
        lambda m: m.facilities_drawn.value,
        headline=True,
    ),
    KPI(
        "facilities_drawn_peak_date",
        "Facilities drawn: peak date",
        "date",
        "the first day of that peak (none if nothing was drawn)",
        lambda m: m.date_of(m.facilities_drawn.day),
    ),
    KPI(
        "facilities_repaid_date",
        "Facilities repaid",
        "date",
        "first day after the peak with nothing drawn (none if never drawn, or not repaid in the run)",
        lambda m: m.date_of(m.facilities_drawn.cleared),
    ),
    KPI(
        "incident_costs_gbp",
        "Incident costs",
        "gbp",
        "the incident's own costs paid by the OEM in the run (IT recovery, advisers, claims: inputs)",
        lambda m: m.last("incident_costs_cum_gbp"),
    ),
    KPI(
        "intervention_cost_gbp",
        "Cost of interventions",
        "gbp",
        "short-time-work grants + supplier-finance financing cost + interest on government-guaranteed loans + "
        "money put into rescued suppliers",
        lambda m: m.last("intervention_cost_cum_gbp"),
    ),
    # what the incident cost, and who bore it (sim.results.economics): the components add up to the economic loss,
    # and so do the stakeholders with downstream
    KPI(
        "economic_loss_gbp",
        "Economic loss",
        "gbp",
        "what the incident cost everyone the model holds, against the baseline: the `loss_*` components add up to it, "
        "and so do the `loss_borne_by_*` stakeholders with downstream",
        lambda m: m.loss(),
        headline=True,
    ),
    KPI(
        "loss_oem_contribution_gbp",
        "Lost OEM contribution",
        "gbp",
        "the OEM's wholesale and parts revenue lost less the standard variable cost (bought-in parts at their prices "
        "and other costs per vehicle) of the vehicles not wholesaled",
        lambda m: m.loss(component="contribution"),
    ),
    KPI(
        "loss_oem_incident_costs_gbp",
        "Incident costs, against the baseline",
        "gbp",
        "the incident's own costs paid by the OEM, more than the baseline's (none)",
        lambda m: m.loss(component="incident_costs"),
    ),
    KPI(
        "loss_oem_tooling_moves_gbp",
        "Tooling moves",
        "gbp",
        "the OEM's cost of moving failed suppliers' tooling, more than the baseline's",
        lambda m: m.loss(component="tooling_moves"),
    ),
    KPI(
        "loss_oem_financing_gbp",
        "Extra financing cost",
        "gbp",
        "interest on credit facilities and government-backed loans and the early-payment scheme's charge, more than the baseline's",
        lambda m: m.loss(component=FINANCING),
    ),
    KPI(
        "loss_tier1_value_added_gbp",
        "Tier-1 suppliers' lost value added",
        "gbp",
        "tier-1 suppliers' sales and other customers' margin lost, less the variable costs, tier-2 bills and overheads "
        "they did not pay",
        lambda m: m.loss("tier1_suppliers", "value_added"),
    ),
    KPI(
        "loss_tier2_value_added_gbp",
        "Tier-2 suppliers' lost value added",
        "gbp",
        "the same for tier-2 suppliers",
        lambda m: m.loss("tier2_suppliers", "value_added"),
    ),
    KPI(
        "loss_downstream_gbp",
        "Downstream loss",
        "gbp",
        "the scenario's downstream multiplier x the wholesale revenue lost in each market (dealers, logistics, their "
        "local spending); nothing without a multiplier",
        lambda m: m.loss("downstream"),
    ),
    KPI(
        "loss_borne_by_oem_gbp",
        "Loss borne by the OEM",
        "gbp",
        "lost contribution + incident costs + tooling moves + extra financing + money put into suppliers (its lost "
        "profit before tax)",
        lambda m: m.loss("oem"),
    ),
    KPI(
        "loss_borne_by_tier1_suppliers_gbp",
        "Loss borne by tier-1 suppliers",
        "gbp",
        "their lost value added less the pay they did not pay their staff, plus the redundancy pay they paid, less "
        "short-time-work grants and OEM support they received",
        lambda m: m.loss("tier1_suppliers"),
    ),
    KPI(
        "loss_borne_by_tier2_suppliers_gbp",
        "Loss borne by tier-2 suppliers",
        "gbp",
        "the same for tier-2 suppliers",
        lambda m: m.loss("tier2_suppliers"),
    ),
    KPI(
        "loss_borne_by_supplier_staff_gbp",
        "Wages lost by suppliers' staff",
        "gbp",
        "pay suppliers' staff did not get (short time, redundancies, insolvencies) less the redundancy pay they got "
        "(short-time-work grants go to their employers)",
        lambda m: m.loss("supplier_staff"),
    ),
    KPI(
        "loss_borne_by_government_gbp",
        "Loss borne by the government",
        "gbp",
        "short-time-work grants it paid, more than in the baseline",
        lambda m: m.loss("government"),
    ),
    KPI(
        "loss_in_{country}_gbp",
        "Economic loss in {country}",
        "gbp",
        "the economic loss that fell in each country (or region) of the run: the OEM's contribution where its plants "
        "lost vehicles, its own costs where it is, suppliers and their staff where they are, downstream in the markets",
        lambda m, country: m.loss(country=country),
        per_country=True,
    ),
    KPI(
        "intervention_cost_oem_gbp",
        "Cost of interventions to the OEM",
        "gbp",
        "interest on government-guaranteed loans + the early-payment scheme's charge + money put into suppliers + "
        "tooling moves, more than the baseline's",
        lambda m: m.loss("oem", intervention=True),
    ),
    KPI(
        "intervention_cost_government_gbp",
        "Cost of interventions to the government",
        "gbp",
        "short-time-work grants, more than the baseline's",
        lambda m: m.loss("government", intervention=True),
    ),
    KPI(
        "oem_ebit_lost_gbp",
        "OEM EBIT lost",
        "gbp",
        "lost contribution + incident costs + supplier support (money put into suppliers, tooling moves): the fall in "
        "operating profit, by quarter in quarters.parquet",
        lambda m: m.loss("oem", component=EBIT),
    ),
    KPI(
        "suppliers_affected",
        "Suppliers affected",
        "count",
        "suppliers that lost more than `economics.affected_revenue_share` (5% unless the scenario says) of the revenue "
        "they have over the run in the baseline",
        lambda m: m.suppliers_affected,
    ),
)
_BY_NAME = {k.name: k for k in KPIS}


def expand(plants: Sequence[str], countries: Sequence[str] = ()) -> Iterator[tuple[str, KPI, str | None]]:
    """Every KPI of a run with these plants and countries, in order: (name in the summary, KPI, plant or country, or
    None)."""
    for kpi in KPIS:
        if kpi.per_plant or kpi.per_country:
            for item in plants if kpi.per_plant else countries:
                yield kpi.name.format(**{_slot(kpi): item}), kpi, item
        else:
            yield kpi.name, kpi, None


def _slot(entry: KPI) -> str:
    """The name of a templated KPI's slot."""
    return "plant" if entry.per_plant else "country"


def summarise(
    daily: Any,
    start: int | None,
    insolvencies: int,
    plants: list[str],
    price_gbp: float,
    baseline_steady: bool = True,
    economics: Economics | None = None,
) -> dict[str, Any]:
    """The KPI summary of one run against its baseline, in registry order: ``daily`` with its baseline columns,
    the day index the first outage began (None without one), the number of supplier insolvencies, the plants,
    the price of a vehicle (GBP), whether the baseline is steady and the run's economic loss (None: its KPIs are
    None, and none per country)."""
    m = Measures(daily, start, insolvencies, plants, price_gbp, baseline_steady, economics)
    countries = economics.countries if economics is not None else ()
    return {name: (kpi.measure(m) if item is None else kpi.measure(m, item)) for name, kpi, item in expand(plants, countries)}


def _template(entry: KPI, name: str) -> str | None:
    """The plant or country in a templated KPI's summary key (None when the key is not one of its)."""
    if not (entry.per_plant or entry.per_country):
        return None
    head, _, tail = entry.name.partition("{" + _slot(entry) + "}")
    if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
        return name[len(head) : len(name) - len(tail)]
    return None


def kpi(name: str) -> KPI | None:
    """The registry entry of a summary key (per-plant and per-country keys resolve to their template); None if
    unknown."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    for entry in KPIS:
        if _template(entry, name) is not None:
            return entry
    return None


def label(name: str) -> str:
    """A summary key's label for readers (the key in words when it is not a KPI)."""
    entry = kpi(name)
    if entry is None:
        words = name.removesuffix("_gbp").replace("_", " ")
        return words[:1].upper() + words[1:]
    item = _template(entry, name)
    return entry.label if item is None else entry.label.format(**{_slot(entry): item})


def unit_of(name: str) -> Unit:
    """A summary key's unit: its KPI's, or guessed from the key's suffix when it is not a KPI."""
    entry = kpi(name)
    if entry is not None:
        return entry.unit
    return (
        "date"
        if name.endswith("date")
        else "gbp"
        if name.endswith("_gbp")
        else "days"
        if name.startswith("days_") or name.endswith("_days")
        else "number"
    )


def text(name: str, value: Any) -> str:
    """A summary value as text, in its KPI's unit (guessed from the key's suffix when it is not a KPI)."""
    return value_text(unit_of(name), value)


def plain(name: str, value: Any) -> Any:
    """A summary value for a CSV or spreadsheet cell, in its KPI's unit (see :func:`plain_value`)."""
    return plain_value(unit_of(name), value)


def difference_text(name: str, difference: Any) -> str:
    """A difference between two values of a KPI as text with a sign (``+£210.0m``, ``-3 days``, ``0``)."""
    shown = value_text(difference_unit(unit_of(name)), difference)
    number = as_number(difference)
    if isinstance(number, (int, float)) and not isinstance(number, bool) and number > 0:
        return "+" + shown
    return shown


HEADLINE = tuple(k.name for k in KPIS if k.headline)
SENSITIVITY_DEFAULTS = tuple(k.name for k in KPIS if k.sensitivity)
DISTRIBUTIONS = tuple(k.name for k in KPIS if k.distribution)
STATISTICS = ("p05", "p50", "p95", "mean")  # of a KPI over replications, in the order a reader takes them in
COMPARISON_COLUMNS = ("kpi", "label", "unit", "difference", "difference_days")  # a comparison table's, besides its runs


def kpi_table(summaries: Mapping[str, Mapping[str, Any]] | Mapping[str, Any], kpis: Sequence[str] | None = None) -> Any:
    """A ``pandas.DataFrame`` of KPIs as a reader sees them: one row per KPI (its label), values as text with
    their units.

    ``summaries`` is one run's summary (one column, ``value``), a mapping of run name to summary (one column per
    run, e.g. from :func:`sim.compare`), or a replication summary (one column per statistic: p05, p50, p95,
    mean). ``kpis`` chooses and orders the rows (default: the headline KPIs).
    """
    import pandas as pd

    def is_summary(value: Any) -> bool:
        return isinstance(value, Mapping) and not set(value) <= {*STATISTICS, "n"}

    runs = dict(summaries) if summaries and all(is_summary(v) for v in summaries.values()) else {"value": summaries}
    names = list(HEADLINE if kpis is None else kpis)
    first = next(iter(runs.values()), {})
    if len(runs) == 1 and any(isinstance(first.get(k), Mapping) for k in names):  # replications: a column per statistic
        columns = {stat: [text(k, (first.get(k) or {}).get(stat)) for k in names] for stat in STATISTICS}
    else:
        columns = {run: [text(k, summary.get(k)) for k in names] for run, summary in runs.items()}
    return pd.DataFrame(columns, index=pd.Index([label(k) for k in names], name="KPI"))


def markdown_table() -> str:
    """The README's KPI table: name, unit, meaning."""
    rows = ["| KPI | unit | meaning |", "|---|---|---|"]
    rows += [f"| `{k.name}` | {k.unit} | {k.meaning} |" for k in KPIS]
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
