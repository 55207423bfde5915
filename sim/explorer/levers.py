"""The explorer's levers: the scenario fields a reader may change, found by walking the scenario.

Which sections hold levers is said once, in :data:`LEVER_PATHS` (dotted path patterns: ``*`` is
one segment, ``**`` any number); every scalar field the scenario has under them becomes a lever,
typed by the schema: a date, a number, a share (0 to 1), a whole number, a choice or a yes/no.
A field left out of the scenario (an optional one that is not set) is not a lever.

A field that holds a distribution is shown at the value the current seed draws for it, with the
distribution named beside it; changing it fixes the value (the downloaded scenario then holds that
number or date instead of the distribution), and resetting puts the distribution back.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from sim.results.formats import day_text
from sim.scenario.distributions import (
    Choice,
    Constant,
    DateChoice,
    DateUniform,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from sim.scenario.schema import Scenario
from sim.scenario.validation import RANGES, SHARE

Kind = Literal["date", "number", "share", "integer", "choice", "flag"]
DISTRIBUTIONS = (Constant, Uniform, Triangular, Normal, LogNormal, Choice, DateUniform, DateChoice)

# (path pattern, group title): the first pattern a field matches names its group; ``{n}`` is the
# path's n-th segment. Order here is the order of the groups on the page.
LEVER_PATHS: tuple[tuple[str, str], ...] = (
    ("seed", "Run"),
    ("outages.*.start", "Outage: {1}"),
    ("outages.*.restore.*.**", "Restore: {3}"),
    ("payables.manual_teams.*.*", "Manual team: {2}"),
    ("payables.*", "Invoicing"),
    ("interventions.*.*", "Intervention: {1}"),
    ("treasury.facilities.*.*", "Credit facility: {2}"),
    ("supplier_distress.*", "Supplier distress policy"),
    ("suppliers.*.runway_days", "Supplier policy: {1}"),
    ("suppliers.*.short_time_after_idle_days", "Supplier policy: {1}"),
    ("suppliers.*.short_time_pay_share", "Supplier policy: {1}"),
    ("suppliers.*.recall_days", "Supplier policy: {1}"),
    ("suppliers.*.redundancy_below_runway_days", "Supplier policy: {1}"),
    ("suppliers.*.redundancy_share", "Supplier policy: {1}"),
    ("suppliers.*.pay_late_below_runway_days", "Supplier policy: {1}"),
    ("suppliers.*.max_pay_late_days", "Supplier policy: {1}"),
    ("suppliers.*.restart_critical", "Supplier policy: {1}"),
    ("suppliers.*.source_share", "Supplier policy: {1}"),  # second sources only (unset for a sole source)
    ("suppliers.*.surge_share", "Supplier policy: {1}"),
    ("*polic*.**", "Policy: {0}"),
)


@dataclass(frozen=True)
class Lever:
    """One field a reader can change: its dotted path (as with ``supplysim run --set``), the group it
    is shown in, a label, its kind, its value in the scenario as given (a number, date, choice, flag or
    a distribution), the choices of a choice, and the schema's description of the field."""

    path: str
    group: str
    label: str
    kind: Kind
    value: Any
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def drawn(self) -> bool:
        """Whether the field holds a distribution (its value is drawn per run from the seed)."""
        return isinstance(self.value, DISTRIBUTIONS)


def matches(pattern: str, path: str) -> bool:
    """Whether a dotted ``path`` matches ``pattern`` (``*``: one segment, ``**``: any number, and
    ``*`` inside a segment as in a file name)."""
    import fnmatch

    def match(ps: list[str], xs: list[str]) -> bool:
        if not ps:
            return not xs
        if ps[0] == "**":
            return any(match(ps[1:], xs[i:]) for i in range(len(xs) + 1))
        return bool(xs) and fnmatch.fnmatchcase(xs[0], ps[0]) and match(ps[1:], xs[1:])

    return match(pattern.split("."), path.split("."))


def _literal_choices(annotation: Any) -> tuple[str, ...]:
    """The string choices of a ``Literal`` annotation (also inside ``X | None``), or ()."""
    if typing.get_origin(annotation) is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _literal_choices(arg)
            if found:
                return found
    return ()


def _kind(name: str, annotation: Any, value: Any) -> Kind | None:
    """A field's lever kind from its schema annotation and value; None for what is no lever
    (text, lists of names, sections)."""
    if isinstance(value, bool):
        return "flag"
    if _literal_choices(annotation) and isinstance(value, str):
        return "choice"
    if isinstance(value, (date, DateUniform, DateChoice)):
        return "date"
    if isinstance(value, int) and annotation is int:
        return "integer"
    if isinstance(value, (int, float, Constant, Uniform, Triangular, Normal, LogNormal, Choice)):
        # a slider from 0 to 1 suits shares; rates share the bounds but live near 5%, so they are typed
        return "share" if RANGES.get(name) == SHARE and not name.endswith("_rate") else "number"
    return None


def _fields(model: BaseModel, prefix: str) -> Iterator[tuple[str, str, Any, Any]]:
    """Every (path, field name, annotation, value) at or below a scenario section, in file order."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, BaseModel) and not isinstance(value, DISTRIBUTIONS):
            yield from _fields(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _fields(item, f"{path}.{key}")
                elif isinstance(item, list):
                    for i, element in enumerate(item):
                        if isinstance(element, BaseModel):
                            yield from _fields(element, f"{path}.{key}.{i}")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, element in enumerate(value):
                yield from _fields(element, f"{path}.{i}")
        else:
            yield path, name, info.annotation, value


def _label(path: str, name: str) -> str:
    """A field's label: its name in words with its unit, and the step number of a restore step."""
    words = name
    for suffix, unit in (("_gbp", " (£)"), ("_days", " (days)"), ("_per_day", " a day")):
        if words.endswith(suffix):
            words = words.removesuffix(suffix) + unit
            break
    words = words.replace("_", " ")
    parts = path.split(".")
    if len(parts) >= 6 and parts[0] == "outages" and parts[2] == "restore" and parts[4].isdigit():
        return f"step {int(parts[4]) + 1}: {words}"
    return words[:1].upper() + words[1:]


def levers(scenario: Scenario) -> list[Lever]:
    """The levers of a scenario, group by group in :data:`LEVER_PATHS` order, fields in file order."""
    found: list[Lever] = []
    rank: dict[str, int] = {}  # group -> rank of its pattern
    for path, name, annotation, value in _fields(scenario, ""):
        if value is None:
            continue
        kind = _kind(name, annotation, value)
        if kind is None:
            continue
        for order, (pattern, title) in enumerate(LEVER_PATHS):
            if matches(pattern, path):
                group = title.format(*path.split("."))
                rank[group] = min(rank.get(group, order), order)
                help_text = ""
                owner = _owner(scenario, path)
                if owner is not None:
                    help_text = type(owner).model_fields[name].description or ""
                found.append(
                    Lever(
                        path,
                        group,
                        _label(path, name),
                        kind,
                        value,
                        _literal_choices(annotation) if kind == "choice" else (),
                        help_text,
                    )
                )
                break
    first: dict[str, int] = {}
    for i, lever in enumerate(found):
        first.setdefault(lever.group, i)
    # groups in pattern order (then in file order); a group's fields together, in file order
    return sorted(found, key=lambda lever: (rank[lever.group], first[lever.group]))


def _owner(scenario: Scenario, path: str) -> BaseModel | None:
    """The schema model that holds the field at ``path``."""
    node: Any = scenario
    for part in path.split(".")[:-1]:
        if isinstance(node, BaseModel):
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit():
            node = node[int(part)]
    return node if isinstance(node, BaseModel) else None


def users_of(scenario: Scenario, system: str) -> list[str]:
    """What depends on a system, in words (``production at solihull``, ``invoicing``...)."""
    out = [f"production at {name}" for name, p in scenario.plants.items() if system in p.systems]
    out += [
        f"call-offs for {name}"
        for name, p in scenario.plants.items()
        if p.call_off_systems is not None and system in p.call_off_systems
    ]
    if system in scenario.payables.systems:
        out.append("invoicing")
    if system in scenario.sales.systems:
        out.append("wholesale")
    if scenario.parts_centre is not None and system in scenario.parts_centre.systems:
        out.append("the parts centre")
    out += [f"supplier {name}" for name, s in scenario.suppliers.items() if system in s.systems]
    return out


def describe(dist: Any) -> str:
    """A distribution in words: ``uniform 0.3 to 0.7``, ``uniform 20 Oct 2025 to 10 Nov 2025``."""

    def num(x: float) -> str:
        return value_text(x)

    def day(d: date) -> str:
        return day_text(_ts(d))

    if isinstance(dist, Constant):
        return f"constant {num(dist.value)}"
    if isinstance(dist, Uniform):
        return f"uniform {num(dist.low)} to {num(dist.high)}"
    if isinstance(dist, Triangular):
        return f"triangular {num(dist.low)} to {num(dist.high)}, most likely {num(dist.mode)}"
    if isinstance(dist, (Normal, LogNormal)):
        centre = (
            f"normal mean {num(dist.mean)}, sd {num(dist.sd)}"
            if isinstance(dist, Normal)
            else f"lognormal median {num(dist.median)}, sigma {num(dist.sigma)}"
        )
        bounds = [
            f"at least {num(dist.low)}" if dist.low is not None else "",
            f"at most {num(dist.high)}" if dist.high is not None else "",
        ]
        return ", ".join([centre, *[b for b in bounds if b]])
    if isinstance(dist, Choice):
        return "one of " + ", ".join(num(v) for v in dist.values)
    if isinstance(dist, DateUniform):
        return f"uniform {day(dist.low)} to {day(dist.high)}"
    if isinstance(dist, DateChoice):
        return "one of " + ", ".join(day(v) for v in dist.values)
    return str(dist)


def _ts(d: date) -> Any:
    import pandas as pd

    return pd.Timestamp(d)


def value_text(value: Any) -> str:
    """A value as the text of its field: YAML that reads back as the same value (dates ISO, big round
    amounts as ``500e6``, a distribution as a flow mapping), as typed after ``--set PATH=``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dict, list)):  # a distribution (or list) typed into a field, in YAML's flow style
        import yaml

        return str(yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)).strip()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) >= 1e6:
            exponent = int(math.floor(math.log10(abs(value)) / 3) * 3)
            mantissa = f"{value / 10**exponent:.12g}"
            if len(mantissa.strip("-").replace(".", "")) <= 4 and float(f"{mantissa}e{exponent}") == value:
                return f"{mantissa}e{exponent}"  # 500e6, 1.52e9; 123456789 stays as it is
        text = f"{value:.15g}"
        return text if float(text) == value else repr(value)
    return str(value)
