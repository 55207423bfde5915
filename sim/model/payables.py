"""Accounts payable: suppliers' invoices wait to be processed, then are paid when due.

An invoice must be processed (matched and approved) before it can be paid. Processing
capacity on a day is the automated rate times the invoicing systems' capacity, plus any
manual teams at work. Processed invoices are paid on their due date, or at once when already
overdue. Invoices are processed on receipt, or (``when_due``) in the payment run on their due
date, as many accounts-payable teams do; either way the backlog is the invoices waiting to be
processed. A day's invoices are one batch of arrays, not one event per invoice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import simpy
from numba import njit

from sim.model.actor import Close, EventColumns, Morning, Process, Readings, Step, first_difference
from sim.model.calendar import Calendar
from sim.model.estate import Estate
from sim.model.ledger import Ledger, pence
from sim.scenario.schema import PayablesSpec


@dataclass
class Batch:
    """Unprocessed invoices: supplier row, face value and prepaid part (pence), due day."""

    supplier: np.ndarray
    value: np.ndarray
    prepaid: np.ndarray
    due: np.ndarray
    _face: int | None = field(default=None, repr=False, compare=False)

    @property
    def face(self) -> int:
        """Total face value (pence), summed once (a plain attribute: ``functools.cached_property``
        takes a lock on Python 3.11 and cost more than the sum)."""
        if self._face is None:
            self._face = int(self.value.sum())
        return self._face

    def __deepcopy__(self, memo: dict[int, Any]) -> Batch:
        """Invoices never change once made (taking some makes a new batch), so a copy of a
        position shares its batches."""
        return self

    def take(self, index: np.ndarray) -> Batch:
        """The invoices at ``index`` (positions or a mask), in order."""
        return Batch(self.supplier[index], self.value[index], self.prepaid[index], self.due[index])


@njit(cache=True)
def _count_open(chosen: np.ndarray, upto: np.ndarray, supplier: np.ndarray, due: np.ndarray) -> int:
    """How many invoices of a batch belong to a ``chosen`` supplier and are not yet paid at once (falling due after
    the day its invoices were paid up to, ``upto``)."""
    count = 0
    for i in range(len(supplier)):
        s = supplier[i]
        if chosen[s] and due[i] > upto[s]:
            count += 1
    return count


@njit(cache=True)
def _take_open(
    count: int,
    chosen: np.ndarray,
    upto: np.ndarray,
    supplier: np.ndarray,
    value: np.ndarray,
    prepaid: np.ndarray,
    due: np.ndarray,
    latest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The ``count`` invoices :func:`_count_open` counted, in order: their suppliers, values, prepaid parts and due
    days, and their face value; ``latest`` raised to the last due day taken of each supplier."""
    rows = np.empty(count, dtype=supplier.dtype)
    values = np.empty(count, dtype=value.dtype)
    prepaids = np.empty(count, dtype=prepaid.dtype)
    dues = np.empty(count, dtype=due.dtype)
    face = 0
    k = 0
    for i in range(len(supplier)):
        s = supplier[i]
        if k < count and chosen[s] and due[i] > upto[s]:
            rows[k], values[k], prepaids[k], dues[k] = s, value[i], prepaid[i], due[i]
            face += value[i]
            latest[s] = max(latest[s], due[i])
            k += 1
    return rows, values, prepaids, dues, face


def _bucket(store: dict[int, list[Batch]], batch: Batch, today: int, due_day: int | None = None) -> None:
    """File a batch under its due days (today at the earliest); ``due_day``: all fall due that day."""
    if due_day is not None and due_day >= today:
        store[due_day].append(batch)
        return
    due = np.maximum(batch.due, today)
    if len(due) == 0:
        return
    if due.min() == due.max():
        store[int(due[0])].append(Batch(batch.supplier, batch.value, batch.prepaid, due))
        return
    order = np.argsort(due, kind="stable")
    days, starts = np.unique(due[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    for day, a, b in zip(days, starts, bounds, strict=True):
        part = order[int(a) : int(b)]
        store[int(day)].append(Batch(batch.supplier[part], batch.value[part], batch.prepaid[part], due[part]))


def _waiting_part(batch: Batch, waiting: np.ndarray | None) -> Batch:
    """The invoices of a queued batch that still wait (``waiting``: their mask; None: all)."""
    return batch if waiting is None else batch.take(waiting)


def _concat(batches: list[Batch]) -> Batch:
    if len(batches) == 1:
        return batches[0]
    faces = [b._face for b in batches if b._face is not None]  # totals already summed carry over
    return Batch(
        np.concatenate([b.supplier for b in batches]),
        np.concatenate([b.value for b in batches]),
        np.concatenate([b.prepaid for b in batches]),
        np.concatenate([b.due for b in batches]),
        sum(faces) if len(faces) == len(batches) else None,
    )


class Payables:
    """The invoice queue, the approved invoices awaiting their due date, and what was paid."""

    name = "payables"
    # what changes as the run goes on (everything else is fixed when the world is built)
    STATE: ClassVar[tuple[str, ...]] = (
        "awaiting",
        "awaiting_count",
        "awaiting_value",
        "paid_early_upto",
        "queue",
        "waiting",
        "waiting_count",
        "by_supplier",
        "approved",
        "backlog_count",
        "backlog_value",
        "approved_count",
        "approved_value",
        "received_count",
        "received_value",
        "processed_count",
        "paid_count",
        "paid_value",
        "processed_on",
        "statements_on",
        "value_on",
        "by_hand_value",
    )

    @classmethod
    def create(
        cls, spec: PayablesSpec[float, Any], estate: Estate, calendar: Calendar, ledger: Ledger, urgency: Callable[[], np.ndarray]
    ) -> Payables:
        """Accounts payable as ``spec`` says: the automated rate times the invoicing systems' capacity,
        plus each manual team at work that day; ``urgency()`` ranks suppliers (lowest first) when
        processing the least cash first."""
        horizon = calendar.horizon_days
        capacity = np.floor(spec.automated_invoices_per_day * estate.availability(spec.systems)[:horizon] + 1e-9)
        statements = np.zeros(horizon, dtype=np.int64)
        value = np.zeros(horizon, dtype=np.int64)
        for team in spec.manual_teams.values():
            a = max(calendar.day(team.start), 0)
            b = horizon if team.end is None else min(calendar.day(team.end) + 1, horizon)
            if a >= b:
                continue
            if team.invoices_per_person_per_day is not None:
                capacity[a:b] += np.floor(team.staff * team.invoices_per_person_per_day + 1e-9)
            elif team.statements_per_person_per_day is not None:
                statements[a:b] += int(np.floor(team.staff * team.statements_per_person_per_day + 1e-9))
            elif team.gbp_per_person_per_day is not None:
                value[a:b] += pence(team.staff * team.gbp_per_person_per_day)
        payables = cls(capacity.astype(np.int64), spec.priority, spec.process_invoices, ledger, urgency)
        payables.statement_capacity, payables.value_capacity = statements, value
        payables.teams = [(calendar.day(team.start), name, team.staff) for name, team in spec.manual_teams.items()]
        return payables

    def __init__(
        self,
        capacity: np.ndarray,
        priority: str,
        when: str = "on_receipt",
        ledger: Ledger | None = None,
        urgency: Callable[[], np.ndarray] | None = None,
    ) -> None:
        """``capacity``: invoices that can be processed each day; ``ledger`` pays the suppliers in the day's
        close (tests drive :meth:`process` and :meth:`pay` directly without one)."""
        self.ledger = ledger
        self.urgency = urgency
        self.teams: list[tuple[int, str, float]] = []  # manual teams: (first day, name, staff)
        self.capacity = capacity  # invoices that can be processed each day
        self.priority = priority
        self.when_due = when == "when_due"
        self.awaiting: dict[int, list[Batch]] = defaultdict(list)  # when_due: received, not yet due
        self.awaiting_count = 0
        self.awaiting_value = 0
        # paid at once while awaiting their due date (pay_now): each supplier's invoices falling due up to this
        # day; they stay in their batches, left out when the batches fall due (None: nobody paid so yet). An
        # invoice raised later falls due later: a supplier's terms are fixed
        self.paid_early_upto: np.ndarray | None = None
        # the processing queue: batches in arrival order; for each, a mask of the invoices still
        # waiting (None: all) and their number; and (when processing by urgency) the number
        # waiting per supplier
        self.queue: list[Batch] = []
        self.waiting: list[np.ndarray | None] = []
        self.waiting_count: list[int] = []
        self.by_supplier: np.ndarray | None = None
        self.approved: dict[int, list[Batch]] = defaultdict(list)
        self.backlog_count = 0
        self.backlog_value = 0
        self.approved_count = 0
        self.approved_value = 0
        self.received_count = 0
        self.received_value = 0
        self.processed_count = 0
        self.paid_count = 0
        self.paid_value = 0  # face value of paid invoices
        self.opening_count = 0
        self.opening_value = 0
        self.processed_on = np.zeros(len(capacity), dtype=np.int64)  # invoices processed each day (by count)
        # manual teams counting suppliers' statements, or their value (pence), each day; what they processed
        self.statement_capacity = np.zeros(len(capacity), dtype=np.int64)
        self.value_capacity = np.zeros(len(capacity), dtype=np.int64)
        self.statements_on = np.zeros(len(capacity), dtype=np.int64)
        self.value_on = np.zeros(len(capacity), dtype=np.int64)
        self.by_hand_value = 0  # pence of invoices processed by statement
        self.on_true_up: list[Callable[[int], None]] = []

    def open_with(self, batches: list[Batch]) -> None:
        """Invoices received before the run starts (normal trading), not yet due."""
        for batch in batches:
            if self.when_due:
                self._await(batch, today=0)
            else:
                self._approve(batch, today=0)
            self.opening_count += len(batch.value)
            self.opening_value += batch.face

    def receive(self, batch: Batch, today: int, due_day: int | None = None) -> None:
        """Invoices arrive: into the processing queue, or (when_due) to wait for their due date
        (``due_day`` when all fall due the same day)."""
        if len(batch.value) == 0:
            return
        n, v = len(batch.value), batch.face
        self.received_count += n
        self.received_value += v
        if self.when_due:
            self._await(batch, today, due_day)
        else:
            self._enqueue(batch)

    def _enqueue(self, batch: Batch) -> None:
        self.queue.append(batch)
        self.waiting.append(None)
        self.waiting_count.append(len(batch.value))
        if self.by_supplier is not None:
            self.by_supplier += np.bincount(batch.supplier, minlength=len(self.by_supplier))
        self.backlog_count += len(batch.value)
        self.backlog_value += batch.face

    def _await(self, batch: Batch, today: int, due_day: int | None = None) -> None:
        _bucket(self.awaiting, batch, today, due_day)
        self.awaiting_count += len(batch.value)
        self.awaiting_value += batch.face

    def _approve(self, batch: Batch, today: int) -> None:
        _bucket(self.approved, batch, today)
        self.approved_count += len(batch.value)
        self.approved_value += batch.face

    def process(self, day: int, urgency: Callable[[], np.ndarray] | None = None) -> int:
        """Process up to today's capacity; ``urgency()`` ranks suppliers for least_cash_first."""
        room = int(self.capacity[day])
        due_today = self.awaiting.pop(day, [])
        if self.paid_early_upto is not None and due_today:
            due_today = self._not_paid_early(due_today)
        if due_today and not self.queue and sum(len(b.value) for b in due_today) <= room:
            # the normal day: everything falling due is processed and approved at once
            done = _concat(due_today)
            count, value = len(done.value), done.face
            self.awaiting_count -= count
            self.awaiting_value -= value
            self.processed_count += count
            self.approved[day].append(done)
            self.approved_count += count
            self.approved_value += value
            self.processed_on[day] = count
            return count
        for batch in due_today:
            self.awaiting_count -= len(batch.value)
            self.awaiting_value -= batch.face
            self._enqueue(batch)
        by_statement = 0
        if self.backlog_count and (self.statement_capacity[day] or self.value_capacity[day]):
            by_statement = self._statements(day, None if urgency is None else urgency())
        if room <= 0 or self.backlog_count == 0:
            return by_statement
        if self.priority == "least_cash_first" and urgency is not None and room < self.backlog_count:
            done = self._most_urgent(urgency(), room)
        else:
            self._compact()
            self.by_supplier = None
            taken: list[Batch] = []
            while room > 0 and self.queue:
                head = self.queue[0]
                if len(head.value) <= room:
                    taken.append(self.queue.pop(0))
                    self.waiting.pop(0)
                    self.waiting_count.pop(0)
                    room -= len(head.value)
                else:
                    cut = np.arange(room)
                    taken.append(head.take(cut))
                    self.queue[0] = head.take(np.arange(room, len(head.value)))
                    self.waiting_count[0] = len(head.value) - room
                    room = 0
            done = _concat(taken)
        count = len(done.value)
        self.backlog_count -= count
        self.backlog_value -= done.face
        self.processed_count += count
        self.processed_on[day] = count
        self._approve(done, today=day)
        return count + by_statement

    def _statements(self, day: int, urgency: np.ndarray | None) -> int:
        """The manual teams' statements: suppliers' whole overdue balances, in priority order (least cash
        first, or the oldest overdue invoice first), while they fit the day's count of statements and value;
        where the value runs out, the oldest invoices of the next supplier that fit. Returns invoices taken."""
        if urgency is not None:
            n = len(urgency)
        elif self.ledger is not None:
            n = len(self.ledger.supplier_cash)
        else:
            n = 1 + max(int(b.supplier.max(initial=-1)) for b in self.queue)
        owed = np.zeros(n)
        by_cash = self.priority == "least_cash_first" and urgency is not None
        oldest = None if by_cash else np.full(n, np.iinfo(np.int64).max)
        for batch, mask in zip(self.queue, self.waiting, strict=True):
            overdue = batch.due <= day if mask is None else (batch.due <= day) & mask
            owed += np.bincount(batch.supplier[overdue], weights=batch.value[overdue], minlength=n)
            if oldest is not None:
                np.minimum.at(oldest, batch.supplier[overdue], batch.due[overdue])
        if oldest is None:
            assert urgency is not None
            order = np.argsort(urgency, kind="stable")
        else:
            order = np.argsort(oldest, kind="stable")
        order = order[owed[order] > 0]
        cap_count = int(self.statement_capacity[day]) or len(order)
        cap_value = int(self.value_capacity[day]) or np.inf
        whole = order[: min(cap_count, int(np.searchsorted(np.cumsum(owed[order]), cap_value, side="right")))]
        left = cap_value - float(owed[whole].sum())
        part = order[len(whole)] if len(whole) < min(cap_count, len(order)) and np.isfinite(left) and left > 0 else None
        take = np.zeros(n, dtype=bool)
        take[whole] = True
        picks: list[np.ndarray] = []
        for batch, mask in zip(self.queue, self.waiting, strict=True):
            chosen = take[batch.supplier] & (batch.due <= day)
            if mask is not None:
                chosen &= mask
            picks.append(chosen)
        if part is not None:  # the oldest invoices of the next supplier that fit in the value left
            spots = [
                (int(b.due[i]), k, int(i))
                for k, (b, m) in enumerate(zip(self.queue, self.waiting, strict=True))
                for i in np.flatnonzero((b.supplier == part) & (b.due <= day) & (True if m is None else m))
            ]
            for _, k, i in sorted(spots):
                value = int(self.queue[k].value[i])
                if value > left:
                    break
                picks[k][i] = True
                left -= value
        done = self._take_picked(picks)
        if done is None:
            return 0
        count = len(done.value)
        self.backlog_count -= count
        self.backlog_value -= done.face
        self.processed_count += count
        self.statements_on[day] = len(np.unique(done.supplier))
        self.value_on[day] = done.face
        self.by_hand_value += done.face
        self._approve(done, today=day)
        return count

    def _take_picked(self, picks: list[np.ndarray]) -> Batch | None:
        """Take the picked invoices out of the processing queue (as one batch, None if none)."""
        parts: list[Batch] = []
        for i, (batch, pick) in enumerate(zip(self.queue, picks, strict=True)):
            if not pick.any():
                continue
            parts.append(batch.take(pick))
            self.waiting_count[i] -= int(pick.sum())
            mask = self.waiting[i]
            self.waiting[i] = (np.ones(len(batch.value), dtype=bool) if mask is None else mask) & ~pick
            if self.by_supplier is not None:
                self.by_supplier -= np.bincount(batch.supplier[pick], minlength=len(self.by_supplier))
        keep = [i for i, count in enumerate(self.waiting_count) if count > 0]
        self.queue = [self.queue[i] for i in keep]
        self.waiting = [self.waiting[i] for i in keep]
        self.waiting_count = [self.waiting_count[i] for i in keep]
        return _concat(parts) if parts else None

    def _most_urgent(self, urgency: np.ndarray, room: int) -> Batch:
        """Take the ``room`` invoices to process first: suppliers in order of ``urgency`` (lowest
        first, ties by row), each supplier's invoices by due date then arrival (unique keys, so
        the choice is the same wherever it runs). Every invoice of the more urgent suppliers,
        then the oldest of the supplier where the room runs out.

        The queue stays where it is: the invoices taken are marked, and a batch is cut down only
        when fewer than half of its invoices still wait, so a day's work follows the invoices
        taken rather than the whole backlog."""
        n = len(urgency)
        self._tidy()
        if self.by_supplier is None:
            self.by_supplier = np.zeros(n, dtype=np.int64)
            for batch, mask in zip(self.queue, self.waiting, strict=True):
                self.by_supplier += np.bincount(batch.supplier if mask is None else batch.supplier[mask], minlength=n)
        order = np.argsort(urgency, kind="stable")
        queued = np.cumsum(self.by_supplier[order])  # invoices of the top k+1 suppliers
        cut = int(np.searchsorted(queued, room))  # the supplier where the room runs out
        left = room - (int(queued[cut - 1]) if cut else 0)
        code = np.zeros(n, dtype=np.int8)
        code[order[:cut]] = 1  # take all
        code[order[cut]] = 2  # take the oldest ``left``
        picks, last = [], []
        for batch, mask in zip(self.queue, self.waiting, strict=True):
            codes = code[batch.supplier]
            if mask is not None:
                codes *= mask
            marked = np.flatnonzero(codes != 0)
            kind = codes[marked]
            picks.append(marked[kind == 1])
            last.append(marked[kind == 2])  # in arrival order
        where = np.repeat(np.arange(len(last)), [len(x) for x in last])
        at = np.concatenate(last)
        oldest = np.argsort(np.concatenate([b.due[x] for b, x in zip(self.queue, last, strict=True)]), kind="stable")[:left]
        for i in range(len(picks)):
            extra = at[oldest[where[oldest] == i]]
            if len(extra):
                picks[i] = np.sort(np.concatenate([picks[i], extra]))
        parts = [b.take(p) for b, p in zip(self.queue, picks, strict=True) if len(p)]
        done = _concat(parts)
        self.by_supplier -= np.bincount(done.supplier, minlength=n)
        queue, waiting, counts = [], [], []
        for batch, mask, count, pick in zip(self.queue, self.waiting, self.waiting_count, picks, strict=True):
            if len(pick):
                count -= len(pick)
                if count == 0:
                    continue
                if mask is None:
                    mask = np.ones(len(batch.value), dtype=bool)
                mask[pick] = False
                if 2 * count < len(mask):
                    batch, mask = batch.take(mask), None
            queue.append(batch)
            waiting.append(mask)
            counts.append(count)
        self.queue, self.waiting, self.waiting_count = queue, waiting, counts
        return done

    def _tidy(self) -> None:
        """Merge the newest queued batches while one holds at least half as many waiting invoices
        as the one before it: a long queue stays a few batches of falling size, and each invoice
        is copied a few times while it waits rather than every day."""
        q, w, c = self.queue, self.waiting, self.waiting_count
        while len(q) > 1 and c[-2] <= 2 * c[-1]:
            merged = _concat([_waiting_part(b, m) for b, m in zip(q[-2:], w[-2:], strict=True)])
            q[-2:], w[-2:], c[-2:] = [merged], [None], [c[-2] + c[-1]]

    def _compact(self) -> None:
        """Cut every queued batch down to the invoices still waiting."""
        self.queue = [_waiting_part(b, m) for b, m in zip(self.queue, self.waiting, strict=True)]
        self.waiting = [None] * len(self.queue)

    def pay(self, day: int, ledger: Ledger) -> int:
        """Pay every approved invoice due today, net of any prepayment; returns pence paid."""
        batches = self.approved.pop(day, [])
        if not batches:
            return 0
        due = _concat(batches)
        prepaid = int(due.prepaid.sum())
        paid = ledger.oem_pays("invoices", due.supplier, due.value - due.prepaid if prepaid else due.value)
        face = due.face
        self.paid_count += len(due.value)
        self.paid_value += face
        self.approved_count -= len(due.value)
        self.approved_value -= face
        for callback in self.on_true_up:
            callback(prepaid)
        return paid

    def _not_paid_early(self, batches: list[Batch]) -> list[Batch]:
        """The invoices of awaiting batches not already paid at once."""
        assert self.paid_early_upto is not None
        out = []
        for batch in batches:
            left = batch.due > self.paid_early_upto[batch.supplier]
            if left.all():
                out.append(batch)
            elif left.any():
                out.append(batch.take(left))
        return out

    def _take_awaiting(self, chosen: np.ndarray) -> list[Batch]:
        """The invoices of the ``chosen`` suppliers awaiting their due date, marked paid and left in place (copying
        what stays would cost most)."""
        if self.paid_early_upto is None:
            self.paid_early_upto = np.full(len(chosen), -1, dtype=np.int64)
        upto = self.paid_early_upto
        latest = upto.copy()
        taken = []
        for batches in self.awaiting.values():
            for batch in batches:
                count = _count_open(chosen, upto, batch.supplier, batch.due)
                if count == 0:
                    continue
                rows, values, prepaid, due, face = _take_open(
                    count, chosen, upto, batch.supplier, batch.value, batch.prepaid, batch.due, latest
                )
                taken.append(Batch(rows, values, prepaid, due, int(face)))
                self.awaiting_count -= len(values)
                self.awaiting_value -= int(face)
                self.processed_count += len(values)
        self.paid_early_upto = latest
        return taken

    def _take_approved(self, chosen: np.ndarray) -> list[Batch]:
        """The ``chosen`` suppliers' invoices approved and not yet due, taken out of their batches."""
        taken = []
        for due_day in list(self.approved):
            kept = []
            for batch in self.approved[due_day]:
                mine = chosen[batch.supplier]
                if not mine.any():
                    kept.append(batch)
                    continue
                part = batch.take(mine)
                taken.append(part)
                self.approved_count -= len(part.value)
                self.approved_value -= part.face
                if not mine.all():
                    kept.append(batch.take(~mine))
            if kept:
                self.approved[due_day] = kept
            else:
                del self.approved[due_day]
        return taken

    def pay_now(self, rows: np.ndarray, day: int) -> int:
        """Pay at once every open invoice of suppliers ``rows``: those waiting for their due date or to be
        processed (processed by hand, beside the day's capacity) and those approved but not yet due.
        Returns the pence paid (net of any prepaid part)."""
        assert self.ledger is not None, "payables in a world pay through its ledger"
        n = len(self.ledger.supplier_cash)
        chosen = np.zeros(n, dtype=bool)
        chosen[rows] = True
        taken = self._take_awaiting(chosen) + self._take_approved(chosen)
        for i, (batch, mask) in enumerate(zip(self.queue, self.waiting, strict=True)):
            mine = chosen[batch.supplier] & (True if mask is None else mask)
            if not mine.any():
                continue
            part = batch.take(mine)
            taken.append(part)
            self.backlog_count -= len(part.value)
            self.backlog_value -= part.face
            self.processed_count += len(part.value)
            self.waiting_count[i] -= len(part.value)
            self.waiting[i] = (np.ones(len(batch.value), dtype=bool) if mask is None else mask) & ~mine
            if self.by_supplier is not None:
                self.by_supplier -= np.bincount(part.supplier, minlength=len(self.by_supplier))
        keep = [i for i, count in enumerate(self.waiting_count) if count > 0]
        self.queue = [self.queue[i] for i in keep]
        self.waiting = [self.waiting[i] for i in keep]
        self.waiting_count = [self.waiting_count[i] for i in keep]
        if not taken:
            return 0
        due = _concat(taken)
        prepaid = int(due.prepaid.sum())
        paid = self.ledger.oem_pays("invoices", due.supplier, due.value - due.prepaid if prepaid else due.value)
        self.paid_count += len(due.value)
        self.paid_value += due.face
        for callback in self.on_true_up:
            callback(prepaid)
        return paid

    def overdue_value(self, day: int) -> int:
        """Face value of unprocessed invoices past their due date."""
        if not self.queue:
            return 0
        return int(
            sum(
                int(b.value[b.due < day if m is None else (b.due < day) & m].sum())
                for b, m in zip(self.queue, self.waiting, strict=True)
            )
        )

    # --- as an actor ---------------------------------------------------------------------------
    def close(self, day: int) -> None:
        """Process today's invoices and pay those due (see :meth:`process` and :meth:`pay`)."""
        assert self.ledger is not None, "payables in a world pay through its ledger"
        self.process(day, self.urgency)
        self.pay(day, self.ledger)

    def processes(self, env: simpy.Environment, first_day: int) -> list[Process]:
        return []

    def closing(self) -> list[Step]:
        return [(Close.INVOICES, self.close)]

    def mornings(self) -> list[Morning]:
        return []

    def readings(self, day: int) -> Readings:
        assert self.ledger is not None
        return {
            "invoices_received_cum": self.received_count,
            "invoices_processed_cum": self.processed_count,
            "invoice_capacity": self.capacity[day],
            "invoice_backlog_count": self.backlog_count,
            "invoice_backlog_pence": self.backlog_value,
            "invoice_overdue_pence": self.overdue_value(day),
            "payables_approved_pence": self.approved_value,
            "supplier_payments_cum_pence": sum(self.ledger.transfers.values()),  # everything the OEM paid suppliers
            "invoices_processed_by_hand_cum_pence": self.by_hand_value,
        }

    def series(self) -> dict[str, np.ndarray]:
        return {}

    def events(self) -> EventColumns:
        """Each manual team starting work, with its staff."""
        return EventColumns.of([(day, "manual_team_start", name, float(staff), "staff") for day, name, staff in self.teams])

    def violations(self) -> list[str]:
        """Invoices, in count and in pence: opening + received = paid + backlog + approved + awaiting their
        due date; never more processed in a day than that day's capacity."""
        out = []
        held = self.paid_count + self.backlog_count + self.approved_count + self.awaiting_count
        if self.opening_count + self.received_count != held:
            out.append("invoices (count): opening + received != paid + backlog + approved + awaiting due date")
        held_value = self.paid_value + self.backlog_value + self.approved_value + self.awaiting_value
        if self.opening_value + self.received_value != held_value:
            out.append("invoices (value): opening + received != paid + backlog + approved + awaiting due date")
        over = np.flatnonzero(self.processed_on > self.capacity)
        if len(over):
            out.append(f"invoices: processed {int(self.processed_on[over[0]])} > capacity {int(self.capacity[over[0]])}")
        by_hand = (self.statements_on > np.where(self.statement_capacity > 0, self.statement_capacity, 1 << 40)) | (
            self.value_on > np.where(self.value_capacity > 0, self.value_capacity, 1 << 62)
        )
        if by_hand.any():
            out.append("invoices: manual teams processed more statements or value than their capacity")
        return out

    def diverges(self, other: Any, horizon: int) -> int:
        """Two payables act alike until their processing capacities differ."""
        if not isinstance(other, Payables):
            return 0
        return first_difference(self.capacity, other.capacity, 0, horizon)
