"""One reader's session in the explorer: the scenario as loaded, the fields the reader has set, and runs.

No web library here: the page drives this object, and so do the tests. A field is set as
``supplysim run --set PATH=TEXT`` sets it (the text read as YAML, then the whole scenario validated),
so a bad value gives the command line's message word for word, and the scenario the page downloads
is the file's data with exactly those values laid over it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.explorer.levers import Lever, levers, value_text
from sim.scenario.loader import apply_overrides, parse_override, read_scenario_data, validate_data, value_at
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Run:
    """What the page shows of one run: its KPI summary, its daily table (with the baseline's columns),
    the value drawn for every uncertain field (by dotted path) and the seconds it took to simulate."""

    summary: dict[str, Any]
    daily: pd.DataFrame
    draws: dict[str, Any]
    seconds: float


class _PlainDumper(yaml.SafeDumper):
    """Writes every value out in full: the file's anchors were resolved on reading, and a reader of the
    downloaded scenario should not meet ``&id001`` labels in their place."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class Session:
    """The scenario data as read (``base:`` merged, ``x-`` anchor keys dropped), where it came from (a
    file name, used in messages as the command line uses it), the line of every key, and the values set
    in the page by dotted path (as parsed from their text, in the order they were set)."""

    data: dict[str, Any]
    source: str
    lines: Mapping[tuple[str, ...], Any] = field(default_factory=dict)  # key path -> line (or file and line)
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = {k: v for k, v in self.data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        self.original = validate_data(self.data, self.source, self.lines)  # raises ScenarioError
        self.levers: list[Lever] = levers(self.original)

    @classmethod
    def from_file(cls, path: str | Path) -> Session:
        """A session on a scenario file; raises :class:`ScenarioError` as ``supplysim run`` would."""
        data, lines = read_scenario_data(path)
        return cls(data, str(path), lines)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Session:
        """A session on a scenario already loaded (e.g. in a notebook); messages name it by its name."""
        return cls(scenario.model_dump(mode="python", exclude_none=True), scenario.name)

    def fresh(self) -> Session:
        """Another session on the same scenario with nothing set (one per browser tab)."""
        other = Session.__new__(Session)
        other.data, other.source, other.lines, other.overrides = self.data, self.source, self.lines, {}
        other.original, other.levers = self.original, self.levers
        return other

    def set(self, path: str, text: str) -> None:
        """Set the field at ``path`` to ``text`` read as YAML, as ``--set PATH=TEXT`` does (not yet checked:
        :meth:`scenario` checks everything set)."""
        _, value = parse_override(f"{path}={text}")
        if value == value_at(self.data, tuple(path.split("."))):
            self.overrides.pop(path, None)  # back to the file's own value: nothing is set there any more
        else:
            self.overrides[path] = value

    def reset(self, path: str | None = None) -> None:
        """Forget what was set at ``path`` (everything when None): the field goes back to the file's value."""
        if path is None:
            self.overrides.clear()
        else:
            self.overrides.pop(path, None)

    def scenario_data(self) -> dict[str, Any]:
        """The scenario's data with everything set laid over it."""
        return apply_overrides(self.data, self.overrides, self.source) if self.overrides else self.data

    def scenario(self) -> Scenario:
        """The scenario as set, validated; raises :class:`ScenarioError` with the command line's message."""
        if not self.overrides:
            return self.original
        return validate_data(self.scenario_data(), self.source, self.lines)

    @property
    def seed(self) -> int:
        """The seed the page runs at: the scenario's ``seed`` field as set."""
        value = self.overrides.get("seed", self.original.seed)
        return value if isinstance(value, int) else self.original.seed

    def run(self, scenario: Scenario | None = None) -> Run:
        """Simulate the scenario as set (or ``scenario``) at its own seed, as ``supplysim run FILE --seed N`` does."""
        from sim.simulation import simulate

        spec = self.scenario() if scenario is None else scenario
        started = time.perf_counter()
        result = simulate(spec, spec.seed, source=self.source)
        return Run(result.summary, result.daily, result.draws, time.perf_counter() - started)

    def changes(self) -> list[str]:
        """What is set, as ``PATH=TEXT`` lines."""
        return [f"{path}={value_text(value)}" for path, value in self.overrides.items()]

    def yaml_text(self) -> str:
        """The scenario as set, as a YAML file that ``supplysim run FILE --seed N`` reproduces bit for bit
        (N is the seed named in its first lines)."""
        data = self.scenario_data()
        name = data.get("name", "scenario")
        head = [f"# {name}: {self.source} as set in the supplysim explorer"]
        head += [f"#   changed: {line}" for line in self.changes()] or ["#   nothing changed"]
        head.append(f"# reproduce: supplysim run {name}_explored.yaml --seed {self.seed} --out results/{name}_explored")
        body = yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=120)
        return "\n".join(head) + "\n" + body
