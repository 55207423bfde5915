"""The invoice queue by hand: least-cash-first picks whole suppliers in urgency order, then the
oldest invoices of the supplier where the day's room runs out; what is left keeps its order."""

from __future__ import annotations

import numpy as np

from sim.model.ledger import Ledger
from sim.model.payables import Batch, Payables


def batch(suppliers: list[int], values: list[int], due: list[int]) -> Batch:
    return Batch(np.array(suppliers), np.array(values), np.zeros(len(values), dtype=np.int64), np.array(due))


def waiting(pay: Payables) -> list[tuple[int, int, int]]:
    """(supplier, value, due) of every invoice still in the queue, in arrival order."""
    out = []
    for b, mask in zip(pay.queue, pay.waiting, strict=True):
        keep = np.ones(len(b.value), dtype=bool) if mask is None else mask
        out += list(zip(b.supplier[keep].tolist(), b.value[keep].tolist(), b.due[keep].tolist(), strict=True))
    return out


def test_least_cash_first_by_hand() -> None:
    # room: none on day 0, 3 invoices on day 1, 2 on day 2, plenty on day 3
    pay = Payables(np.array([0, 3, 2, 10, 0, 0, 0]), "least_cash_first")
    pay.receive(batch([0, 1, 2, 1], [10, 20, 30, 40], [5, 3, 4, 2]), today=0)
    assert pay.process(0, lambda: np.array([3.0, 1.0, 2.0])) == 0
    pay.receive(batch([2, 0], [50, 60], [1, 6]), today=1)
    assert pay.backlog_count == 6 and pay.backlog_value == 210

    # day 1: supplier 1 is the most urgent (both its invoices), then supplier 2, whose oldest
    # invoice (due day 1, value 50) fills the third place
    assert pay.process(1, lambda: np.array([3.0, 1.0, 2.0])) == 3
    assert pay.backlog_count == 3 and pay.backlog_value == 10 + 30 + 60
    assert pay.overdue_value(5) == 30  # supplier 2's invoice due on day 4
    assert waiting(pay) == [(0, 10, 5), (2, 30, 4), (0, 60, 6)]
    assert sorted(pay.approved) == [1, 2, 3]  # filed by due day

    # day 2: supplier 0 is now the most urgent and has exactly the 2 places
    assert pay.process(2, lambda: np.array([0.5, 1.0, 2.0])) == 2
    assert waiting(pay) == [(2, 30, 4)]

    # day 3: room for everything: the rest goes in arrival order
    assert pay.process(3, lambda: np.array([0.5, 1.0, 2.0])) == 1
    assert pay.backlog_count == 0 and pay.backlog_value == 0 and waiting(pay) == []
    assert pay.processed_count == 6

    # each invoice is paid on its due day (or the day it was approved, if that was later)
    ledger = Ledger(1_000, np.zeros(3, dtype=np.int64))
    paid = {day: pay.pay(day, ledger) for day in range(1, 7)}
    assert paid == {1: 50, 2: 40, 3: 20, 4: 30, 5: 10, 6: 60}
    assert ledger.supplier_cash.tolist() == [70, 60, 80]
    assert ledger.oem_cash == 1_000 - 210


def test_a_long_backlog_is_taken_in_the_same_order_as_one_sorted_list() -> None:
    """Twenty days of arrivals against a small daily room: every day's choice equals the choice
    made over the whole backlog as one list, sorted by (supplier urgency, due day, arrival)."""
    rng = np.random.default_rng(7)
    n = 30
    pay = Payables(np.full(40, 25), "least_cash_first")
    backlog: list[tuple[int, int, int, int]] = []  # (supplier, value, due, arrival)
    arrival = 0
    for day in range(40):
        if day < 20:
            k = int(rng.integers(10, 60))
            s, v, d = rng.integers(0, n, k), rng.integers(1, 1000, k), day + rng.integers(0, 30, k)
            pay.receive(batch(s.tolist(), v.tolist(), d.tolist()), today=day)
            backlog += [(int(a), int(b), int(c), arrival + i) for i, (a, b, c) in enumerate(zip(s, v, d, strict=True))]
            arrival += k
        urgency = rng.random(n)
        rank = {int(sup): r for r, sup in enumerate(np.argsort(urgency, kind="stable"))}
        expected = sorted(backlog, key=lambda x: (rank[x[0]], x[2], x[3]))[:25]
        before = pay.approved_value
        taken = pay.process(day, lambda u=urgency: u)
        assert taken == len(expected)
        assert pay.approved_value - before == sum(x[1] for x in expected)
        chosen = {x[3] for x in expected}
        backlog = [x for x in backlog if x[3] not in chosen]
        assert waiting(pay) == [(s, v, d) for s, v, d, _ in backlog]  # what is left keeps arrival order
    assert pay.backlog_count == 0


def test_a_manual_team_pays_whole_statements_by_value_in_priority_order() -> None:
    """Three suppliers, unpaid with invoicing down from 16 Jan (invoices processed in the payment run on their
    due date, so each day one more falls overdue). From 20 Jan a team of 2 processes GBP 1,500 each a day:
    GBP 3,000. With 30-day terms, the invoices overdue by then are the opening ones due 16-20 Jan: 5 a
    supplier, GBP 1,000 each (GBP 5,000 a supplier, and one more each day). Least cash first (all equal on
    20 Jan: by row): supplier 0's whole balance does not fit, so its 3 oldest invoices; from then on the
    others, whose cash is now lower. Every day GBP 3,000 is processed by hand and paid at once (overdue), and
    the rest waits."""
    from tests.micro import micro, outage, run

    team = {"by_hand": {"start": "2025-01-20", "staff": 2, "gbp_per_person_per_day": 1500}}
    r = run(
        micro(
            {
                "payables.process_invoices": "when_due",
                "payables.priority": "least_cash_first",
                "suppliers.seat_co.count": 3,
                "payables.manual_teams": team,
            },
            outages=outage("2025-01-16", ["invoicing"]),
        )
    )
    rows = r.daily.set_index("date")
    assert rows.loc["2025-01-19", "supplier_payments_gbp"] == 0
    assert list(rows.loc["2025-01-20":"2025-01-23", "supplier_payments_gbp"]) == [3_000] * 4
    assert rows.loc["2025-01-23", "invoices_processed_by_hand_cum_gbp"] == 12_000
    assert r.world is not None
    paid = r.world.ledger.supplier_flows["from_oem:invoices"]
    assert paid.tolist()[0] > 0
