"""The conservation checker catches broken books, and the engine's work stays event-driven."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.checks import ConservationError, daily_check, violations
from sim.model.world import World
from sim.scenario.loader import load_scenario
from sim.scenario.realise import realise
from sim.scenario.streams import seed_sequence
from sim.simulation import simulate
from tests.micro import micro, outage

ROOT = Path(__file__).resolve().parents[1]


def finished_world() -> World:
    scenario, _ = realise(micro(), seed_sequence(1))
    world = World(scenario, seed_sequence(1))
    world.run()
    return world


def test_balanced_run_has_no_violations() -> None:
    assert violations(finished_world()) == []


@pytest.mark.parametrize(
    ("tamper", "identity"),
    [
        (lambda w: w.supply.stock.__setitem__(0, w.supply.stock[0] + 1), "parts"),
        (lambda w: w.sales.waiting.__setitem__(0, w.sales.waiting[0] - 1), "vehicles"),  # one vehicle lost
        (lambda w: setattr(w.payables, "paid_count", w.payables.paid_count + 1), "invoices (count)"),
        (lambda w: setattr(w.ledger, "oem_cash", w.ledger.oem_cash + 1), "money (OEM)"),
        (lambda w: w.ledger.supplier_cash.__setitem__(0, w.ledger.supplier_cash[0] - 1), "money (suppliers)"),
        (lambda w: setattr(w.treasury, "incident_paid", w.treasury.incident_paid + 1), "money (treasury)"),
    ],
    ids=["parts", "vehicles", "invoices", "oem-money", "supplier-money", "treasury"],
)
def test_a_one_unit_error_is_caught_and_named(tamper, identity: str) -> None:  # type: ignore[no-untyped-def]
    """Moving a single part, vehicle, invoice or penny out of place breaks the named identity."""
    world = finished_world()
    tamper(world)
    broken = violations(world)
    assert broken and broken[0].startswith(identity)


def test_daily_check_names_the_date() -> None:
    world = finished_world()
    world.ledger.oem_cash += 1
    with pytest.raises(ConservationError, match="broken on 2025-01-20"):
        daily_check(world, 14)


def test_idle_plants_cost_no_events() -> None:
    """A plant stopped for three weeks sleeps through them: the outage run schedules fewer events."""
    quiet = simulate(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-02-06"}]})), 1)
    busy = simulate(micro(), 1)
    outage_world = quiet.work["events"] - busy.work["events"]  # an outage run also simulates its baseline
    # the plant sleeps 21 days and call-offs (which need the same system) stop too
    assert outage_world <= busy.work["events"] - 2 * 21 + 2


def test_flagship_work_counter_guard() -> None:
    """Deterministic regression guard on the amount of work: events per simulated world-day."""
    result = simulate(load_scenario(ROOT / "scenarios" / "jlr_2025.yaml"), 1)
    per_world_day = result.work["events"] / result.work["world_days"]
    # one wake-up a day each for production, supply, sales, the parts centre and the books
    # (fewer on weekends and during the outage), plus the estate's changes and the OEM's mornings
    # deciding about suppliers in distress: 4.7 at seed 1
    assert per_world_day < 5.5
    # the days the worlds share are simulated once: fewer than three worlds of 365 days each
    assert result.work["world_days"] < 3 * 365


def test_money_is_integer_pence() -> None:
    world = finished_world()
    assert isinstance(world.ledger.oem_cash, int)
    assert world.ledger.supplier_cash.dtype == np.int64
