"""The scenario explorer: change a scenario's levers in a page and see its KPIs and charts answer.

``supplysim serve SCENARIO`` serves it as a local web app; in Jupyter, ``sim.explore(scenario)`` shows
the same page in a cell. It needs the optional extra ``supplysim[serve]`` (Panel and Bokeh); nothing
here is imported by the rest of the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

__all__ = ["explore"]


def explore(scenario: Scenario | str | Path, *, height: int = 900, workers: int | None = None) -> Any:
    """The explorer for ``scenario`` (a loaded scenario or a scenario file) as a Panel component: displayed
    in a notebook cell it is the page ``supplysim serve`` serves, ``height`` pixels high. Its scripts and
    styles are put into the notebook itself, so it works offline. ``workers``: processes for Monte Carlo
    (default: up to two)."""
    import panel as pn

    from sim.explorer.app import Explorer
    from sim.explorer.session import Session

    pn.extension(inline=True)
    session = Session.from_file(scenario) if isinstance(scenario, (str, Path)) else Session.from_scenario(scenario)
    return Explorer(session, workers=workers, height=height).view
