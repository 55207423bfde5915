"""A run and its baseline share their opening days: simulated once, then the run carries on from
the baseline's position. The run must come out exactly as if it had been simulated on its own."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.branching import run_pair, run_three
from sim.model.world import World
from sim.results.frames import daily_columns, events_frame, suppliers_frame
from sim.scenario.loader import load_scenario, validate_data
from sim.scenario.realise import realise
from sim.scenario.schema import Scenario
from sim.scenario.streams import seed_sequence
from sim.simulation import baseline_of
from tests.micro import BASE, EVERY_DAY, micro, outage

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

EARLY_PAYMENT = {
    "start": "2025-01-10",
    "budget_gbp": 1e6,
    "prepay_share": 0.8,
    "days_after_order": 2,
    "tiers": [1],
    "restart_critical_only": False,
}
TIER2 = {"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.2, "payment_terms_days": 10, "cash_days": 10}


def worlds(scenario: Scenario, seed: int = 1) -> tuple[World, World, World, int]:
    """The run on its own; the run and its baseline simulated together; and the days they shared."""
    root = seed_sequence(seed)
    realised, _ = realise(scenario, root)
    alone = World(realised, root)
    alone.run()
    run = World(realised, root)
    baseline = World(baseline_of(realised), root, "scenario", run.supply.table, run.opening)
    shared = run_pair(run, baseline)
    return alone, run, baseline, shared


def three(scenario: Scenario, seed: int = 1) -> tuple[World, World, int, int | None]:
    """The run on its own; the run as simulated with its counterfactual without supplier failures and its
    baseline (sharing what they share); the days shared with the baseline and the day it branched."""
    root = seed_sequence(seed)
    realised, _ = realise(scenario, root)
    alone = World(realised, root)
    alone.run()
    counterfactual = World(realised, root, suppliers_fail=False)
    baseline = World(baseline_of(realised), root, "scenario", counterfactual.supply.table, counterfactual.opening)
    run, shared, branched, _ = run_three(
        counterfactual, baseline, lambda: World(realised, root, "scenario", counterfactual.supply.table, counterfactual.opening)
    )
    return alone, run, shared, branched


def assert_same_run(a: World, b: World) -> None:
    cols_a, cols_b = daily_columns(a), daily_columns(b)
    assert cols_a.keys() == cols_b.keys()
    for name in cols_a:
        np.testing.assert_array_equal(cols_a[name], cols_b[name], err_msg=name)
    pd.testing.assert_frame_equal(suppliers_frame(a), suppliers_frame(b), check_exact=True)
    pd.testing.assert_frame_equal(events_frame(a), events_frame(b), check_exact=True)
    assert a.ledger.oem_flows == b.ledger.oem_flows
    assert a.ledger.supplier_flows.keys() == b.ledger.supplier_flows.keys()
    for category, flows in a.ledger.supplier_flows.items():
        np.testing.assert_array_equal(flows, b.ledger.supplier_flows[category], err_msg=category)


def test_shared_days_end_on_the_outage_day() -> None:
    """An outage on 16 Jan (day 10 of a run starting 6 Jan): days 0-9 are shared."""
    alone, run, baseline, shared = worlds(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-30"}]})))
    assert shared == 10
    assert_same_run(alone, run)
    # the baseline is the whole business-as-usual run: 100 vehicles every day of the 60
    assert baseline.recorder.columns["wholesale_vehicles_cum"][-1] == 100 * 60


def test_shared_days_end_when_an_intervention_starts_before_the_outage() -> None:
    """Early payment from 10 Jan (day 4), the outage on 16 Jan: only days 0-3 are shared."""
    scenario = micro(outages=outage("2025-01-16", ["erp", "invoicing"]), interventions={"supplier_finance": EARLY_PAYMENT})
    alone, run, _, shared = worlds(scenario)
    assert shared == 4
    assert_same_run(alone, run)


def test_nothing_is_shared_when_the_run_differs_from_day_zero() -> None:
    """An outage already under way on the first day, or an intervention with no outage at all."""
    for scenario in (
        micro(outages=outage("2025-01-06", ["erp"], {"erp": [{"date": "2025-01-20"}]})),
        micro(interventions={"supplier_finance": {**EARLY_PAYMENT, "start": "2025-01-06"}}),
    ):
        alone, run, _, shared = worlds(scenario)
        assert shared == 0
        assert_same_run(alone, run)


def test_a_schemes_short_time_policy_holds_from_the_first_day() -> None:
    """A short-time-work scheme from 16 Jan (day 10) lets suppliers without a policy of their own use short time
    after 5 days of low demand, and that holds from the first day: with 3 invoices processed a day for 4 seat
    makers, unpaid makers are let go on days 1-4, demand falls, and suppliers are on short time by day 9, before
    the scheme starts, where the baseline (no scheme) has none. So no day is shared, and the run comes out as
    if simulated alone."""
    makers = {**BASE["suppliers"]["seat_co"], "count": 4, "cash_days": 0}
    scenario = micro(
        {"payables.automated_invoices_per_day": 3, "payables.process_invoices": "when_due"},
        suppliers={"seat_co": makers, "frame_co": TIER2},
        outages=outage("2025-01-16", ["erp"]),
        interventions={"short_time_work": {"start": "2025-01-16", "payroll_share_covered": 0.6}},
    )
    alone, run, baseline, shared = worlds(scenario)
    assert shared == 0
    assert daily_columns(alone)["suppliers_short_time"][9] > 0
    assert daily_columns(baseline)["suppliers_short_time"][9] == 0
    assert_same_run(alone, run)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_runs_the_same_branched_as_alone(path: Path) -> None:
    alone, run, _, shared = worlds(load_scenario(path), seed=7)
    assert_same_run(alone, run)
    if path.stem != "baseline":
        assert shared > 0


@st.composite
def scenarios_with_support(draw: st.DrawFn) -> dict[str, Any]:
    """Small scenarios with an outage, a tier-2 supplier and any mix of interventions, starting on
    any day (before, on or after the outage)."""
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["horizon_days"] = draw(st.integers(20, 45))
    data["suppliers"]["seat_co"].update(
        count=draw(st.integers(1, 4)),
        lead_time_days=draw(st.integers(1, 4)),
        cash_days=draw(st.floats(0, 15)),
        credit_days=draw(st.floats(0, 3)),
        resourcing_lead_time_days=draw(st.integers(1, 10)),
        short_time_after_idle_days=draw(st.integers(1, 10)),
        redundancy_below_runway_days=draw(st.sampled_from([None, 30.0])),
        pay_late_below_runway_days=draw(st.sampled_from([None, 1000.0])),
    )
    data["suppliers"]["frame_co"] = dict(TIER2)
    data["payables"].update(
        automated_invoices_per_day=draw(st.integers(0, 20)),
        process_invoices=draw(st.sampled_from(["on_receipt", "when_due"])),
        priority=draw(st.sampled_from(["oldest_first", "least_cash_first"])),
    )
    data["plants"]["plant"]["working_days"] = draw(st.sampled_from([EVERY_DAY, EVERY_DAY[:5]]))
    data["parts_centre"] = {
        "systems": ["warehouse"],
        "orders_per_day": 50,
        "order_value_gbp": 100,
        "order_randomness": "poisson",
        "patience_days": draw(st.sampled_from([None, 3])),
    }

    def when() -> str:  # a day of the horizon (it starts on 6 Jan and may be only 20 days long)
        return f"2025-01-{6 + draw(st.integers(0, min(20, data['horizon_days'] - 1))):02d}"

    systems = draw(st.lists(st.sampled_from(["erp", "invoicing", "wholesale", "warehouse"]), min_size=1, unique=True))
    data["outages"] = {
        "attack": {
            "start": when(),
            "systems": systems,
            "restore": {s: [{"after_days": draw(st.integers(0, 15)), "capacity": 1.0}] for s in systems if draw(st.booleans())},
        }
    }
    interventions: dict[str, Any] = {}
    if draw(st.booleans()):
        interventions["supplier_finance"] = {**EARLY_PAYMENT, "start": when(), "tier2_pass_through": draw(st.booleans())}
    if draw(st.booleans()):
        interventions["short_time_work"] = {"start": when(), "payroll_share_covered": 0.6}
    data["interventions"] = interventions
    if draw(st.booleans()):
        data["supplier_distress"] = {
            "keep_trading": draw(st.sampled_from(["all", "none"])),
            "support_budget_gbp": 1e5,
            "accelerate_payment": draw(st.booleans()),
            "move_tooling": draw(st.sampled_from(["all", "none"])),
            "tooling_move_days": 3,
        }
    return data


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios_with_support())
def test_generated_scenarios_run_the_same_branched_as_alone(data: dict[str, Any]) -> None:
    """Branched from its baseline, or from its counterfactual without supplier failures on the morning after
    the first distress, a run comes out as if simulated alone."""
    scenario = validate_data(data, "generated")
    alone, run, _, shared = worlds(scenario, seed=5)
    assert 0 <= shared <= 20
    assert_same_run(alone, run)
    alone, run, shared, branched = three(scenario, seed=5)
    assert branched is None or branched >= shared
    assert_same_run(alone, run)


def test_a_run_branches_from_its_counterfactual_the_morning_after_the_first_distress() -> None:
    """Idle and unpaid from 16 Jan, the supplier's cash runs out at the close of 18 Feb (day 43): the run is
    its counterfactual until then and takes its own decision on the morning of day 44."""
    scenario = micro({"payables.process_invoices": "when_due"}, outages=outage("2025-01-16", ["erp", "invoicing"]))
    alone, run, shared, branched = three(scenario)
    assert (shared, branched) == (10, 44)
    assert_same_run(alone, run)


def _parts(obj: Any) -> Iterator[Any]:
    """An actor and the objects with a STATE of their own that it holds in its STATE (plants, credit lines)."""
    yield obj
    for name in type(obj).STATE:
        value = getattr(obj, name)
        if isinstance(value, list) and value and hasattr(type(value[0]), "STATE"):
            for item in value:
                yield from _parts(item)


def _stateful(world: World) -> list[Any]:
    return [part for actor in world.actors for part in _parts(actor)]


def _fingerprint(obj: Any, actors: tuple[type, ...]) -> dict[str, bytes]:
    """Each attribute's value as bytes, leaving out links to other actors, callbacks, and views of
    the object's own arrays (they change with them)."""
    out = {}
    own = [id(v) for v in vars(obj).values() if isinstance(v, np.ndarray)]
    for name, value in vars(obj).items():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, actors) or callable(v) for v in items):
            continue
        if isinstance(value, np.ndarray) and value.base is not None and id(value.base) in own:
            continue
        out[name] = pickle.dumps(value)
    return out


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(lambda: load_scenario(ROOT / "scenarios" / "jlr_2025.yaml"), id="flagship"),
        pytest.param(lambda: load_scenario(ROOT / "scenarios" / "supplier_fire.yaml"), id="supplier_fire"),
        pytest.param(lambda: load_scenario(ROOT / "scenarios" / "parts_centre_outage.yaml"), id="parts_centre"),
        pytest.param(
            lambda: micro(
                {
                    "payables.process_invoices": "when_due",
                    "suppliers.seat_co.resourcing_lead_time_days": 5,
                    "suppliers.seat_co.short_time_after_idle_days": 3,
                    "suppliers.seat_co.redundancy_below_runway_days": 40,
                    "suppliers.seat_co.pay_late_below_runway_days": 1000,
                },
                suppliers={**BASE["suppliers"], "frame_co": TIER2},
                outages=outage("2025-01-16", ["erp", "invoicing"], {"erp": [{"date": "2025-02-01"}]}),
                interventions={
                    "supplier_finance": {**EARLY_PAYMENT, "tier2_pass_through": True},
                    "short_time_work": {"start": "2025-01-20", "payroll_share_covered": 0.6},
                },
                supplier_distress={"keep_trading": "all", "support_budget_gbp": 1e4, "accelerate_payment": True},
                treasury={
                    "opening_cash_gbp": 100_000,
                    "fixed_costs_gbp_per_day": 10_000,
                    "facilities": {
                        "rcf": {
                            "size_gbp": 2_000_000,
                            "available_from": "2025-01-06",
                            "draw_below_gbp": 1_000_000,
                            "annual_interest_rate": 0.05,
                        }
                    },
                },
            ),
            id="micro-everything",
        ),
    ],
)
def test_everything_that_changes_in_a_run_is_declared_state(scenario: Any) -> None:
    """What a run changes in any actor is in that actor's STATE, so a branched run carries it over.
    (Anything else must be fixed when the world is built.)"""
    root = seed_sequence(3)
    realised, _ = realise(scenario(), root)
    world = World(realised, root)
    kinds = tuple({type(a) for a in _stateful(world)})
    before = [_fingerprint(a, kinds) for a in _stateful(world)]
    world.run()
    after = [_fingerprint(a, kinds) for a in _stateful(world)]
    changed = set()
    for actor, b, a in zip(_stateful(world), before, after, strict=True):
        assert a.keys() == b.keys(), f"{type(actor).__name__} gained attributes in the run"
        undeclared = {name for name in a if a[name] != b[name]} - set(type(actor).STATE)
        assert not undeclared, f"{type(actor).__name__} changes {sorted(undeclared)} but does not declare them STATE"
        changed |= {f"{type(actor).__name__}.{name}" for name in a if a[name] != b[name]}
    assert "Ledger.supplier_cash" in changed and "SupplyBase.ring" in changed  # the check sees changes
    assert "Plant.built" in changed  # and looks inside an actor's parts


def test_every_world_attribute_that_changes_is_a_registered_actor() -> None:
    """A world holds its running state only in registered actors: anything else a run changes (other than
    the world's own bookkeeping) would be lost when a run takes its baseline's position."""
    root = seed_sequence(3)
    realised, _ = realise(load_scenario(ROOT / "scenarios" / "jlr_2025.yaml"), root)
    world = World(realised, root)
    registered = {id(a) for a in world.actors}
    assert registered == {id(a) for a in vars(world).values() if hasattr(type(a), "STATE")}, (
        "a world attribute with running state is not registered"
    )
    watched = {
        name: v
        for name, v in vars(world).items()
        if id(v) not in registered and name not in (*World.BOOKKEEPING, *World.GLUE, "actors")
    }
    before = {name: pickle.dumps(v) for name, v in watched.items()}
    world.run()
    changed = [name for name, v in watched.items() if pickle.dumps(v) != before[name]]
    assert not changed, f"world attributes {changed} change in a run but are not registered actors"
