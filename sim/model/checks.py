"""Conservation identities, checked at the end of every run (and every day with ``check_daily``).

Each actor declares its own (parts, engines, vehicles, invoices, parts-centre orders, money in
integer pence); they must all balance exactly. A failure names the identity and the first date it
broke.
"""

from __future__ import annotations

from sim.model.world import World


class ConservationError(AssertionError):
    """A conservation identity does not hold: a defect in the model, never a user mistake."""


def violations(world: World) -> list[str]:
    """Names and details of every identity that does not hold now (empty when all balance)."""
    return world.violations()


def daily_check(world: World, day: int) -> None:
    """Raise at the first day any identity breaks (used by ``--check-daily``), and if the day's readings
    did not keep their names."""
    broken = world.violations() + world.recorder.check_names(day)
    if broken:
        when = world.calendar.date(day)
        raise ConservationError(f"conservation broken on {when}: " + "; ".join(broken))
