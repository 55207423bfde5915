"""What the incident cost, and who bore it (sim.results.economics): a micro scenario worked out by hand to the
penny, the ways the numbers must move (metamorphic tests), the countries, the profit view and the identities.

The micro scenario (tests/scenarios/economics_micro.yaml), by hand. A plant in GB builds 100 vehicles every day
from Mon 6 Jan 2025 for 91 days. Its systems, and the call-offs they send, are down from Mon 20 Jan to Sun 26 Jan
and back in full on Mon 27 Jan: 7 x 100 = 700 vehicles are not built. Each would have reached the one market (GB)
2 days later, so 700 fewer are wholesaled (22-28 Jan); from the restart on, both worlds build and sell alike and
end with the same vehicles and parts on their way.

The OEM. A vehicle sells at GBP 20,000. Its standard variable cost is one seat at GBP 400 (the foam inside is in
the seat's price) + GBP 1,000 of other costs = GBP 1,400, so each contributes GBP 18,600:
  lost contribution       700 x 18,600 .............................................. GBP 13,020,000.00  GB
  incident costs          GBP 70,000 over the week (an input) ....................... GBP     70,000.00  GB
  no facility drawn, no early payment, no supplier in distress: financing, tooling, support   GBP 0.00
Tier 1, seat_co (GB: it takes the country of the one plant it serves). It ships what the plant calls off, 700
seats fewer: GBP 280,000 of sales; its variable costs are 75% of them (GBP 210,000), of which the foam's bills
700 x GBP 100 = GBP 70,000, its own GBP 140,000:
  lost value added        280,000 - 140,000 - 70,000 ................................ GBP     70,000.00  GB
Tier 2, foam_co (DE). 700 blocks fewer at GBP 100, variable costs 50%:
  lost value added        70,000 x 50% .............................................. GBP     35,000.00  DE
Short time at foam_co: under the government's scheme for tier 2 from Mon 20 Jan, after 2 days of low demand, a
quarter of its staff at most, on half pay; the scheme pays 75% of their normal pay. Its customer's call-offs over
the last week against a normal week's 700: 600 at the close of Mon 20 Jan (86%: not low), 500 on Tue 21 (71%:
low, 1 day), 400 on Wed 22 (2 days: a quarter of its staff on short time from that close), 300 to 0 until Sun 26;
Mon 27 Jan's call-off is a normal day's, so they all come back at its close. Its payroll is half its fixed costs,
which are a quarter of its GBP 10,000 a day of sales: GBP 1,250 a day.
  pay its staff did not get: half the pay of a quarter, 1,250 x 0.25 x 0.5 = GBP 156.25 a day, at the closes
  of Thu 23 to Mon 27 Jan (the day after each decision), 5 days ................... GBP        781.25  DE
  grants: 75% x 1,250 x 0.25 = GBP 234.375, GBP 234.37 in whole pence, at the closes of Wed 22 to Sun 26 Jan
  (the day of each decision), 5 days ............................................... GBP      1,171.85  DE
Downstream: the scenario's multiplier (0.25, a test value) x the GBP 14,000,000 of wholesale revenue lost in the
GB market ............................................................................ GBP  3,500,000.00  GB

Economic loss: 13,020,000 + 70,000 + 70,000 + 35,000 + 3,500,000 = GBP 16,695,000.00. The wages (781.25) and the
grants (1,171.85) move a loss between stakeholders and add nothing. Who bore it: the OEM 13,090,000.00; tier 1
70,000.00; tier 2 35,000 - 781.25 - 1,171.85 = 33,046.90; its staff 781.25; the government 1,171.85; downstream
3,500,000.00: together 16,695,000.00. Where: GB 16,660,000.00; DE 33,046.90 + 781.25 + 1,171.85 = 35,000.00.
Suppliers affected (lost more than 5% of their revenue over the baseline's run): seat_co lost 280,000 of
3,640,000 in sales + 3,640,000 from other customers (3.8%): no; foam_co 70,000 of 910,000 (7.7%): yes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.model.checks import violations
from sim.report.economics import BEGIN, END, readme_block
from sim.results.economics import Economics
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.simulation import RunResult, simulate
from tests.hostile import cli, refused

ROOT = Path(__file__).resolve().parents[1]
MICRO = ROOT / "tests" / "scenarios" / "economics_micro.yaml"

# every non-zero money line of the micro scenario, in pence (see the module's docstring)
BY_HAND = {
    ("oem", "contribution", "GB"): 1_302_000_000,
    ("oem", "incident_costs", "GB"): 7_000_000,
    ("tier1_suppliers", "value_added", "GB"): 7_000_000,
    ("tier2_suppliers", "value_added", "DE"): 3_500_000,
    ("tier2_suppliers", "wages_not_paid", "DE"): -78_125,
    ("supplier_staff", "wages", "DE"): 78_125,
    ("tier2_suppliers", "short_time_work_grants", "DE"): -117_185,
    ("government", "short_time_work_grants", "DE"): 117_185,
    ("downstream", "downstream", "GB"): 350_000_000,
}


def micro(overrides: dict[str, Any] | None = None) -> RunResult:
    return simulate(load_scenario(MICRO, overrides or {}))


def pence(result: RunResult) -> dict[tuple[str, str, str], int]:
    """Every money line of a run, in pence."""
    money = result.economics[result.economics["unit"] == "gbp"]
    return {
        (s, c, k): int(round(v * 100))
        for s, c, k, v in zip(money["stakeholder"], money["component"], money["country"], money["value"], strict=True)
    }


@pytest.fixture(scope="module")
def by_hand() -> RunResult:
    return micro()


def test_every_line_is_the_hand_calculation_to_the_penny(by_hand: RunResult) -> None:
    """Each line of the micro scenario's loss is the module docstring's figure; every other line is nothing."""
    lines = pence(by_hand)
    assert {key: value for key, value in lines.items() if value} == BY_HAND
    assert set(BY_HAND) <= set(lines)
    money = by_hand.economics[(by_hand.economics["unit"] == "gbp") & (by_hand.economics["value"] != 0)]
    assert money.loc[money["component"] == "short_time_work_grants", "value"].tolist() == [-1171.85, 1171.85]


def test_the_kpis_are_the_hand_calculation(by_hand: RunResult) -> None:
    """The summary's economic KPIs, to the penny: components, stakeholders and countries each add up to the total."""
    s = by_hand.summary
    assert s["economic_loss_gbp"] == 16_695_000.00
    components = (
        "loss_oem_contribution_gbp",
        "loss_oem_incident_costs_gbp",
        "loss_oem_tooling_moves_gbp",
        "loss_oem_financing_gbp",
        "loss_tier1_value_added_gbp",
        "loss_tier2_value_added_gbp",
        "loss_downstream_gbp",
    )
    assert [s[k] for k in components] == [13_020_000.00, 70_000.00, 0.0, 0.0, 70_000.00, 35_000.00, 3_500_000.00]
    stakeholders = (
        "loss_borne_by_oem_gbp",
        "loss_borne_by_tier1_suppliers_gbp",
        "loss_borne_by_tier2_suppliers_gbp",
        "loss_borne_by_supplier_staff_gbp",
        "loss_borne_by_government_gbp",
        "loss_downstream_gbp",
    )
    assert [s[k] for k in stakeholders] == [13_090_000.00, 70_000.00, 33_046.90, 781.25, 1_171.85, 3_500_000.00]
    for keys in (components, stakeholders, ("loss_in_GB_gbp", "loss_in_DE_gbp")):
        assert round(sum(s[k] for k in keys) * 100) == round(s["economic_loss_gbp"] * 100), keys
    assert (s["loss_in_GB_gbp"], s["loss_in_DE_gbp"]) == (16_660_000.00, 35_000.00)
    assert s["oem_ebit_lost_gbp"] == 13_090_000.00 and s["suppliers_affected"] == 1
    assert (s["intervention_cost_oem_gbp"], s["intervention_cost_government_gbp"]) == (0.0, 1_171.85)
    assert s["intervention_cost_oem_gbp"] + s["intervention_cost_government_gbp"] == s["intervention_cost_gbp"]


def test_suppliers_affected_by_tier_and_country(by_hand: RunResult) -> None:
    """foam_co (DE) lost 7.7% of its revenue, seat_co (GB) 3.8%: one of two affected at 5%, both at 3%."""
    counts = by_hand.economics[by_hand.economics["unit"] == "suppliers"]
    got = {
        (s, c, k): int(v)
        for s, c, k, v in zip(counts["stakeholder"], counts["component"], counts["country"], counts["value"], strict=True)
    }
    assert got == {
        ("tier1_suppliers", "affected", "GB"): 0,
        ("tier1_suppliers", "all", "GB"): 1,
        ("tier2_suppliers", "affected", "DE"): 1,
        ("tier2_suppliers", "all", "DE"): 1,
    }
    assert micro({"economics.affected_revenue_share": 0.03}).summary["suppliers_affected"] == 2


def test_the_profit_view_by_quarter_adds_up_to_the_loss(by_hand: RunResult) -> None:
    """The OEM's operating profit by quarter falls by its EBIT lost (all of it in 2025 Q1), its contribution by the
    lost contribution; the quarters of both bases sum to the run."""
    q = by_hand.quarters
    for basis in ("calendar", "fiscal"):
        rows = q[q["basis"] == basis].set_index("measure")
        assert rows.loc["oem_operating_profit", "difference"].sum() == pytest.approx(-13_090_000.00, abs=0.005)
        assert rows.loc["oem_contribution", "difference"].sum() == pytest.approx(-13_020_000.00, abs=0.005)
        assert rows.loc["oem_incident_costs", "difference"].sum() == pytest.approx(70_000.00, abs=0.005)
        assert rows.loc["oem_financing_costs", "difference"].sum() == 0.0
    first = q[(q["basis"] == "calendar") & (q["quarter"] == "2025 Q1")].set_index("measure")
    # 2025 Q1: 85 days of the run (6 Jan - 31 Mar); the baseline wholesales 8,500 vehicles at GBP 18,600 and pays
    # GBP 100,000 a day of fixed costs
    assert first.loc["oem_contribution", "baseline"] == 8_500 * 18_600
    assert first.loc["oem_operating_profit", "baseline"] == 8_500 * 18_600 - 85 * 100_000
    assert first.loc["oem_operating_profit", "difference"] == -13_090_000.00


def test_no_outage_loses_nothing_anywhere() -> None:
    """Without the outage the run is its baseline: every line of the loss is nothing, and so is every KPI."""
    r = micro({"outages": {}})
    assert set(pence(r).values()) == {0}
    assert r.summary["economic_loss_gbp"] == 0.0 and r.summary["suppliers_affected"] == 0
    assert all(v == 0 for k, v in r.summary.items() if k.startswith("loss_"))


def test_twice_every_price_and_cost_doubles_every_money_line() -> None:
    """Prices, costs, cash and the incident's costs doubled (wages too, so the staff are the same people): every
    money line doubles exactly, and the counts of suppliers stay. (The scheme covers half pay here, so its grants
    are whole pence in both runs.)"""
    half = {"interventions.short_time_work.payroll_share_covered": 0.5}
    doubled = {
        **half,
        "suppliers.seat_co.unit_price_gbp": 800,
        "suppliers.foam_co.unit_price_gbp": 200,
        "suppliers.seat_co.average_wage_gbp": 70_000,
        "suppliers.foam_co.average_wage_gbp": 70_000,
        "sales.price_per_vehicle_gbp": 40_000,
        "treasury.other_cost_per_unit_gbp": 2_000,
        "treasury.fixed_costs_gbp_per_day": 200_000,
        "treasury.opening_cash_gbp": 20_000_000,
        "outages.attack.costs.it_recovery.amount_gbp": 140_000,
    }
    a, b = micro(half), micro(doubled)
    one, two = pence(a), pence(b)
    assert one.keys() == two.keys() and any(one.values())
    assert {k: 2 * v for k, v in one.items()} == two
    counts = a.economics["unit"] == "suppliers"
    assert a.economics[counts]["value"].tolist() == b.economics[counts]["value"].tolist()


def test_a_longer_outage_never_lowers_the_loss() -> None:
    """Outages of 0, 1, 3, 7, 14 and 28 days: the economic loss never falls as the outage lengthens."""
    days = ["2025-01-20", "2025-01-21", "2025-01-23", "2025-01-27", "2025-02-03", "2025-02-17"]
    loss = [micro({"outages.attack.restore.erp.0.date": d}).summary["economic_loss_gbp"] for d in days]
    assert loss == sorted(loss) and loss[0] == 70_000.00  # no day lost: only the incident's costs
    assert loss[3] == 16_695_000.00


def test_countries_are_inherited_when_not_given() -> None:
    """Without a country, a tier-1 supplier takes its plants' when they share one, a tier-2 supplier its customer's,
    the OEM its plants'; otherwise it is unspecified (listed last)."""
    inherited = micro({"suppliers.foam_co.country": None, "plants.plant.country": "FR"})
    assert inherited.loss is not None and inherited.loss.countries == ("FR", "GB")  # GB: the market, downstream
    assert {(s, k) for s, _, k in pence(inherited)} >= {
        ("oem", "FR"),
        ("tier1_suppliers", "FR"),
        ("tier2_suppliers", "FR"),
        ("downstream", "GB"),
    }
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    two = micro(
        {
            "plants.second": {
                "daily_rate": 10,
                "working_days": every_day,
                "part_families": ["seats"],
                "systems": ["erp"],
                "country": "SK",
            }
        }
    )
    assert two.loss is not None and two.loss.countries == ("GB", "SK", "DE", "unspecified")
    lines = {k: v for k, v in pence(two).items() if v}
    # the OEM's contribution where the vehicles were lost (700 and 70), its own costs unspecified (its plants are in
    # two countries and it names none); seat_co serves both: unspecified; foam_co stays DE
    assert lines[("oem", "contribution", "GB")] == 700 * 1_860_000 and lines[("oem", "contribution", "SK")] == 70 * 1_860_000
    assert lines[("oem", "incident_costs", "unspecified")] == 7_000_000
    assert lines[("tier1_suppliers", "value_added", "unspecified")] == 770 * 10_000
    assert lines[("tier2_suppliers", "value_added", "DE")] == 770 * 5_000
    named = pence(micro({"economics.oem_country": "GB", "plants.plant.country": None}))
    assert named[("oem", "incident_costs", "GB")] == 7_000_000
    assert named[("oem", "contribution", "unspecified")] == 1_302_000_000


def test_an_early_payment_scheme_and_a_facility_cost_the_oem_their_charge_and_interest() -> None:
    """The scheme's financing charge and the interest on what is drawn, less the baseline's, are the OEM's extra
    financing; the scheme's charge is also the cost of an intervention to the OEM."""
    r = micro(
        {
            "interventions.supplier_finance": {
                "start": "2025-01-27",
                "budget_gbp": 1e6,
                "annual_cost_rate": 0.05,
                "restart_critical_only": False,
            },
            "treasury.facilities": {
                "rcf": {"size_gbp": 200e6, "available_from": "2025-01-20", "draw_below_gbp": 100e6, "annual_interest_rate": 0.05}
            },
        }
    )
    world = r.world
    assert world is not None
    charge = world.early_payment.cost
    interest = float(r.daily["oem_interest_gbp"].sum() - r.daily["baseline_oem_financing_costs_gbp"].sum())
    assert charge > 0 and interest != 0  # both draw to keep cash at the floor, by different amounts
    lines = pence(r)
    assert lines[("oem", "supplier_finance_charge", "GB")] == charge
    assert lines[("oem", "facility_interest", "GB")] == round(interest * 100)
    assert r.summary["loss_oem_financing_gbp"] == (charge + round(interest * 100)) / 100
    assert r.summary["intervention_cost_oem_gbp"] == charge / 100
    assert r.summary["intervention_cost_oem_gbp"] + r.summary["intervention_cost_government_gbp"] == pytest.approx(
        r.summary["intervention_cost_gbp"], abs=1e-6
    )


def test_a_broken_identity_is_named() -> None:
    """A penny of sales booked on one side only breaks the named identity; transfers that do not net are refused."""
    r = micro()
    world = r.world
    assert world is not None and violations(world) == []
    foam = int(np.flatnonzero(world.supply.table.tier == 2)[0])
    world.finance.sales[foam] += 1
    assert any("tier-2 sales" in v for v in violations(world))
    world.finance.sales[foam] -= 1
    world.finance.sales[0] += 1
    assert any("money (sales)" in v for v in violations(world))
    world.finance.sales[0] -= 1
    assert r.loss is not None and r.loss.problems() == []
    rows = list(r.loss.rows)
    i = next(i for i, row in enumerate(rows) if row[0] == "government")
    rows[i] = (*rows[i][:4], rows[i][4] + 1, *rows[i][5:])
    assert Economics(tuple(rows), r.loss.countries).problems()


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("plants.plant.country", "United Kingdom", "a country is an ISO 3166 code"),
        ("suppliers.foam_co.country", "", "a country is an ISO 3166 code"),
        ("sales.markets.home.country", 44, "string"),
        ("economics.oem_country", "G-B", "a country is an ISO 3166 code"),
        ("economics.downstream_multiplier", -0.5, "must be between 0 and 10"),
        ("economics.downstream_multiplier", {"dist": "uniform", "low": 0, "high": 20}, "must be between 0 and 10"),
        ("economics.affected_revenue_share", 1.5, "must be between 0 and 1"),
    ],
)
def test_a_bad_economics_value_names_its_file_line_and_field(path: str, value: Any, words: str) -> None:
    """Each new field refuses a bad value with the file, the line and the field path."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(MICRO, {path: value})
    message = str(info.value)
    assert str(MICRO) in message and path in message and words in message and "line " in message


def test_a_bad_country_on_the_command_line_is_one_paragraph(tmp_path: Path) -> None:
    """`supplysim run --set` with a bad country: exit 2, one paragraph naming the field, no traceback, nothing run."""
    out = refused(cli("run", str(MICRO), "--set", "plants.plant.country=Great Britain", "--out", str(tmp_path / "x")))
    assert not (tmp_path / "x").exists()
    assert "plants.plant.country" in out and "economics_micro.yaml" in out


def test_the_readme_shows_the_flagship_as_the_generator_prints_it() -> None:
    """The README's flagship economics tables are what `python -m sim.report.economics` prints for a run at the
    flagship's seed (regenerate them with the command in the README's block when this fails)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.find(BEGIN), readme.find(END)
    assert 0 <= start < end, "the README has no economics block"
    block = readme[start:end]
    single = readme_block(str(ROOT / "scenarios" / "jlr_2025.yaml")).split("\n", 1)[1].removesuffix(END)
    assert single.strip() in block
