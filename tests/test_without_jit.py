"""The hand-checked micro scenarios once without numba: every kernel's plain Python path gives the compiled answers.

A subprocess with ``NUMBA_DISABLE_JIT=1`` (where every kernel is the plain Python function numba would compile)
runs the tests that check micro scenarios by hand, and simulates the test scenarios and a few micro scenarios
that between them call every kernel; its tables must equal this process's compiled ones bit for bit.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.runner import jsonable
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from sim.simulation import simulate
from tests.kernels import is_compiled, kernel, kernel_names
from tests.micro import BASE, micro, outage

ROOT = Path(__file__).resolve().parents[1]
TEST_SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
HAND_CHECKED = [
    "tests/test_actors.py",
    "tests/test_workforce.py",
    "tests/test_sourcing.py",
    "tests/test_payables.py",
    "tests/test_sales_and_treasury.py",
]
UNPAID = {"payables.process_invoices": "when_due"}
JIT_OFF = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")

pytestmark = pytest.mark.skipif(JIT_OFF, reason="compares compiled kernels with NUMBA_DISABLE_JIT=1, which is set here")


def scenarios() -> dict[str, Scenario]:
    """The test scenarios, and micro scenarios that between them reach every kernel: an outage with a phased
    restart; a tier-2 supplier, a working-capital line, short time, redundancies, tier-2 bills paid late, early
    payment with pass-through and a short-time-work scheme; a supplier let go with a second source taking over; a
    supplier in distress paid at once what it is owed."""
    tier2 = {"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.2, "payment_terms_days": 10, "cash_days": 10}
    seat = BASE["suppliers"]["seat_co"]
    people = {
        "suppliers.seat_co.working_capital": "normal_year",
        "suppliers.seat_co.short_time_after_idle_days": 5,
        "suppliers.seat_co.recall_days": 10,
        "suppliers.seat_co.redundancy_below_runway_days": 2000,
        "suppliers.seat_co.pay_late_below_runway_days": 1000,
        "suppliers.seat_co.max_pay_late_days": 3,
    }
    schemes = {
        "supplier_finance": {
            "start": "2025-01-06",
            "budget_gbp": 1e6,
            "prepay_share": 0.8,
            "days_after_order": 2,
            "restart_critical_only": False,
            "tier2_pass_through": True,
        },
        "short_time_work": {"start": "2025-01-20", "payroll_share_covered": 0.6, "tiers": [2]},
    }
    first = {**seat, "capacity_margin": 0.0, "resourcing_lead_time_days": 365}
    second = {
        **seat,
        "capacity_margin": 0.0,
        "cash_days": 1000,
        "second_source_for": "a_co",
        "source_share": 0.3,
        "surge_share": 1.0,
        "qualification_days": 10,
    }
    return {
        **{f"tests/scenarios/{path.name}": load_scenario(path) for path in TEST_SCENARIOS},
        "micro: phased restart": micro(
            outages=outage(
                "2025-01-16",
                ["erp", "invoicing"],
                {"erp": [{"date": "2025-01-23"}], "invoicing": [{"after_days": 10, "capacity": 0.5}, {"after_days": 20}]},
            )
        ),
        "micro: people, tier 2 and schemes": micro(
            people,
            suppliers={**BASE["suppliers"], "frame_co": tier2},
            interventions=schemes,
            outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-02-05"}]}),
        ),
        "micro: let go, second source": micro(
            UNPAID, suppliers={"a_co": first, "b_co": second}, outages=outage("2025-01-16", ["invoicing"])
        ),
        "micro: paid at once": micro(
            UNPAID, outages=outage("2025-01-16", ["invoicing"]), supplier_distress={"accelerate_payment": True}
        ),
    }


def tables(scenario: Scenario) -> dict[str, Any]:
    """A run's daily, supplier and event tables and its summary (as JSON text: every value written exactly)."""
    result = simulate(scenario, 1)
    return {
        "daily": result.daily,
        "suppliers": result.suppliers,
        "events": result.events,
        "summary": json.dumps(jsonable(result.summary), sort_keys=True),
    }


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    """Same columns, dtypes and index; numbers with the same bytes (NaN as NaN, 0.0 apart from -0.0); other
    columns equal."""
    assert list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes), where
    assert a.index.equals(b.index), where
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind in "biufcmM":
            assert x.tobytes() == y.tobytes(), f"{where}: column {column} differs"
        else:
            assert a[column].equals(b[column]), f"{where}: column {column} differs"


def _without_jit(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


# In the subprocess: check that no kernel is compiled, then note every kernel called while simulating.
SIMULATE_WITHOUT_JIT = """
    import json, pickle, sys
    from pathlib import Path
    from tests.kernels import is_compiled, kernel, kernel_names

    names = kernel_names()
    compiled = [name for name in names if is_compiled(kernel(name))]
    code_of = {kernel(name).__code__: name for name in names if not is_compiled(kernel(name))}
    ran = set()

    def note(frame, event, arg):
        if event == "call" and frame.f_code in code_of:
            ran.add(code_of[frame.f_code])

    from tests.test_without_jit import scenarios, tables

    out = Path(sys.argv[1])
    sys.setprofile(note)
    runs = {name: tables(scenario) for name, scenario in scenarios().items()}
    sys.setprofile(None)
    (out / "tables.pkl").write_bytes(pickle.dumps(runs))
    (out / "kernels.json").write_text(json.dumps({"compiled": compiled, "ran": sorted(ran)}))
"""


def test_micro_scenarios_give_the_same_tables_without_jit(tmp_path: Path) -> None:
    """Every kernel runs as plain Python in the subprocess (none compiled there, each called), and every table
    and summary equals the compiled run's here, bit for bit."""
    assert TEST_SCENARIOS, "no test scenarios in tests/scenarios"
    names = kernel_names()
    assert names and all(is_compiled(kernel(name)) for name in names)
    done = _without_jit(SIMULATE_WITHOUT_JIT, str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    kernels = json.loads((tmp_path / "kernels.json").read_text())
    assert kernels["compiled"] == []
    assert kernels["ran"] == names, f"never called: {sorted(set(names) - set(kernels['ran']))}"
    plain = pickle.loads((tmp_path / "tables.pkl").read_bytes())
    compiled = {name: tables(scenario) for name, scenario in scenarios().items()}
    assert list(plain) == list(compiled)
    for name, run in compiled.items():
        for table in ("daily", "suppliers", "events"):
            assert len(run[table]) > 0 or table == "events", f"{name}: {table} is empty"
            assert_same_frame(run[table], plain[name][table], f"{name}: {table}")
        assert run["summary"] == plain[name]["summary"], f"{name}: summary differs"
    assert np.any(compiled["micro: let go, second source"]["daily"]["suppliers_insolvent"] > 0)


@pytest.mark.slow
def test_hand_checked_tests_pass_without_jit() -> None:
    """The tests that check micro scenarios by hand pass with every kernel as plain Python."""
    code = """
        import sys
        import pytest
        from tests.kernels import is_compiled, kernel, kernel_names

        compiled = [name for name in kernel_names() if is_compiled(kernel(name))]
        if compiled:
            sys.exit(f"compiled although NUMBA_DISABLE_JIT=1: {compiled}")
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
    """
    done = _without_jit(code, *HAND_CHECKED)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout, done.stdout[-500:]
