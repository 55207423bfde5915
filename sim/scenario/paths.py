"""Dotted paths into scenario data (``plants.solihull.daily_rate``), as ``--set``, sweeps and sensitivity use them.

A path must name something that exists: a field of the schema (set or not in the file), an entry
already in a named collection (``plants``, ``suppliers``, ``outages``...), or an item already in a
list. A misspelt name is an error that suggests the nearest names: ``plants.solihul.daily_rate``
never adds a plant. The one way to add an entry is to give the whole of it, as a mapping, at a path
that ends with its new name (``treasury.facilities.guarantee={size_gbp: 1.5e9, available_from:
2025-10-07}``); the entry is then validated like any other.
"""

from __future__ import annotations

import copy
import difflib
import functools
from collections.abc import Mapping
from typing import Any

from sim.scenario.errors import ScenarioError, locate, shown

ADD_ENTRY = "to add an entry, set the whole of it as a mapping, e.g. PATH.NAME={...}"


@functools.cache
def _schema() -> dict[str, Any]:
    """The scenario's JSON Schema: what fields each section has, and which mappings are named collections."""
    from sim.scenario.schema import Scenario

    return Scenario.model_json_schema()


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a schema node allows (itself if it is not a union), null left out."""
    node = _deref(node)
    options = node.get("anyOf") or node.get("oneOf")
    if not options:
        return [] if node.get("type") == "null" else [node]
    return [b for option in options for b in _branches(option)]


def _is_object(node: dict[str, Any]) -> bool:
    return "properties" in node or isinstance(node.get("additionalProperties"), dict)


def _pick(node: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """The alternative of a schema node that ``value`` (the data there, None if not set) takes; None when
    nothing can be set inside it (a number, a date, text, or a value that is not set and may be either)."""
    branches = _branches(node)
    if isinstance(value, Mapping) and "dist" in value:
        for b in branches:
            if b.get("properties", {}).get("dist", {}).get("const") == value["dist"]:
                return b
    objects = [b for b in branches if _is_object(b)]
    arrays = [b for b in branches if b.get("type") == "array"]
    if isinstance(value, list):
        return arrays[0] if arrays else None
    if isinstance(value, Mapping):
        return objects[0] if objects else None
    if value is None and len(branches) == 1 and (objects or arrays):
        return branches[0]
    return None


def _nearest(word: str, names: list[str]) -> str:
    close = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    listed = ", ".join(sorted(names)[:12]) + (", ..." if len(names) > 12 else "")
    return f"known: {listed}" if names else "there are none"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a value" if value is None else f"a {type(value).__name__}"


def _step(node: dict[str, Any], value: Any, part: str, where: str, adding: bool) -> tuple[dict[str, Any], Any]:
    """One step of a path: the schema and data below ``part``; raises ValueError with the reason. ``adding``:
    ``part`` is the last of the path and its value a whole mapping, so it may name a new entry."""
    if "properties" in node:
        if part not in node["properties"]:
            raise ValueError(f"unknown key ({_nearest(part, list(node['properties']))})")
        return node["properties"][part], value.get(part) if isinstance(value, Mapping) else None
    if isinstance(node.get("additionalProperties"), dict):
        names = [str(k) for k in value] if isinstance(value, Mapping) else []
        if part not in names and adding:
            return node["additionalProperties"], None
        if part not in names:
            raise ValueError(f"unknown entry '{part}' in {where} ({_nearest(part, names)}); {ADD_ENTRY}")
        return node["additionalProperties"], value[part]
    items = value if isinstance(value, list) else []
    if not part.isdigit() or int(part) >= len(items):
        have = {0: "no items", 1: "one item (0)"}.get(len(items), f"items 0 to {len(items) - 1}")
        raise ValueError(f"{where} is a list with {have}, so '{part}' names none of them")
    return node.get("items", {}), items[int(part)]


def check_path(data: Mapping[str, Any], dotted: str, value: Any = None) -> None:
    """Raise ValueError (with the reason and the nearest names) unless ``dotted`` names something that exists
    in ``data`` or in the schema, or a new entry of a named collection given whole (``value`` a mapping). The
    value itself is checked when the scenario is validated."""
    parts = dotted.split(".")
    if not all(parts):
        raise ValueError("a dotted path needs a name between every two dots")
    adding = isinstance(value, Mapping)
    node: dict[str, Any] | None = _schema()
    value = data
    for i, part in enumerate(parts):
        where = ".".join(parts[:i])
        node = _pick(node, value) if node is not None else None
        if node is None:
            if value is None:
                raise ValueError(
                    f"{where} is not set and may be a number or a distribution: set it whole "
                    f"(e.g. {where}={{dist: uniform, low: 1, high: 2}})"
                )
            raise ValueError(f"{where} is {_kind(value)} ({shown(value)}), with nothing inside it to set")
        node, value = _step(node, value, part, where, adding and i == len(parts) - 1)


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """The value at a key path in plain scenario data (list items by index), or None."""
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set a checked path, creating the sections on the way that are not set yet."""
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            if not isinstance(node.get(part), (dict, list)):
                node[part] = {}
            node = node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def apply_overrides(
    data: dict[str, Any], overrides: Mapping[str, Any], source: str, lines: Mapping[tuple[str, ...], Any] | None = None
) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path set to its value; every path must name something that exists
    (see :func:`check_path`), else a :class:`ScenarioError` names it, the nearest names, and the line of the
    deepest part that exists (from ``lines``, as for :func:`sim.scenario.loader.validate_data`). ``data`` is
    not changed."""
    out = copy.deepcopy(data)
    problems = []
    for dotted, value in overrides.items():  # in order: an earlier override may create a section a later one sets
        try:
            check_path(out, dotted, value)
        except ValueError as exc:
            problems.append(locate(dotted, str(exc), lines, source))
        else:
            _set(out, dotted.split("."), value)
    if problems:
        raise ScenarioError(source, problems)
    return out
