"""Realisation: draw every uncertain scalar of a scenario from its own random stream.

Supplier entries keep their distributions: their members are drawn one by one when the world
is built. Everything else becomes a plain number or date, keyed by its dotted path, so that
two scenarios at the same seed draw the same value for every parameter they share.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from sim.scenario.distributions import DateDistribution, Distribution
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Realised, Scenario
from sim.scenario.streams import stream
from sim.scenario.validation import check_scenario

_NUMBER = TypeAdapter(Distribution)
_DATE = TypeAdapter(DateDistribution)


def _is_date_dist(d: dict[str, Any]) -> bool:
    return isinstance(d.get("low"), date) or any(isinstance(v, date) for v in d.get("values", []))


# parameters drawn when they are used rather than once per run: supplier members' (one draw per member)
# and the days a tooling move takes (one draw per move)
DRAWN_LATER = ("suppliers.", "supplier_distress.tooling_move_days")


def _draw(node: Any, path: str, root: np.random.SeedSequence, draws: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "dist" in node and not path.startswith(DRAWN_LATER):
            rng = stream(root, path)
            if _is_date_dist(node):
                value: Any = _DATE.validate_python(node).sample(rng)
            else:
                value = float(_NUMBER.validate_python(node).sample(rng))
            draws[path] = value
            return value
        return {k: _draw(v, f"{path}.{k}" if path else str(k), root, draws) for k, v in node.items()}
    if isinstance(node, list):
        return [_draw(v, f"{path}.{i}", root, draws) for i, v in enumerate(node)]
    return node


def realise(scenario: Scenario, root: np.random.SeedSequence, source: str = "scenario") -> tuple[Realised, dict[str, Any]]:
    """The scenario with every scalar distribution drawn (supplier entries keep theirs), and the draws by path."""
    draws: dict[str, Any] = {}
    data = _draw(scenario.model_dump(mode="python", exclude_none=True), "", root, draws)
    realised = Realised.model_validate(data)
    if not draws:
        return realised, draws
    problems = check_scenario(realised)
    if problems:
        shown = [Problem(p.path, f"{p.message} (a drawn value)") for p in problems]
        raise ScenarioError(source, shown)
    return realised, draws
