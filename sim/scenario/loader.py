"""Reading scenario files: YAML with line numbers, validation, overrides, and realisation.

``load_scenario(path)`` is the one door from a file to a typed, frozen :class:`Scenario`.
Every problem (YAML syntax, wrong type, unknown key, range, cross-reference, date order)
becomes one :class:`ScenarioError` naming the file, the line, the field path and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.validation import check_scenario

MAX_FILE_BYTES = 20_000_000


class ScenarioLoader(yaml.SafeLoader):
    """YAML's safe loader, also reading ``1e9`` and ``1.5e9`` as numbers (YAML 1.2), not strings."""


class ScenarioCLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`ScenarioLoader` with libyaml's parser where PyYAML has it: several times faster, but its
    syntax errors say less."""


for _loader in (ScenarioLoader, ScenarioCLoader):
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )
Lines = dict[tuple[str, ...], int]


def _key_lines(node: yaml.Node, prefix: tuple[str, ...], lines: Lines, dups: list[Problem]) -> None:
    """Record the 1-based line of every mapping key and list item below ``node``."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = (*prefix, key)
            if key in seen:
                dups.append(Problem(".".join(path), "duplicate key", key_node.start_mark.line + 1))
            seen.add(key)
            lines[path] = key_node.start_mark.line + 1
            _key_lines(value_node, path, lines, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = (*prefix, str(i))
            lines[path] = item.start_mark.line + 1
            _key_lines(item, path, lines, dups)


def parse_yaml(text: str) -> tuple[Any, Lines, list[Problem]]:
    """The data of a YAML document, the line of every key and list item in it, and its duplicate keys.

    Parsed with libyaml when available; a text it rejects is parsed again in pure Python, whose
    syntax errors say more (the offending character or alias).
    """
    try:
        return _parse(text, ScenarioCLoader)
    except yaml.YAMLError:
        return _parse(text, ScenarioLoader)


def _parse(text: str, loader_class: type[ScenarioLoader | ScenarioCLoader]) -> tuple[Any, Lines, list[Problem]]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        dups: list[Problem] = []
        if node is None:
            return None, lines, dups
        _key_lines(node, (), lines, dups)  # before constructing, which merges ``<<`` keys into the nodes
        return loader.construct_document(node), lines, dups
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> tuple[Any, Lines]:
    """Parse a YAML file into plain data plus a map from key path to line number."""
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise ScenarioError(source, [Problem("", "file not found")])
    if p.is_dir():
        raise ScenarioError(source, [Problem("", "is a directory, expected a YAML file")])
    raw = p.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, [Problem("", f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES} limit")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [Problem("", f"is not UTF-8 text (byte {exc.start})")]) from None
    try:
        data, lines, dups = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, [Problem("", f"YAML syntax error: {problem}", line)]) from None
    if data is None:
        raise ScenarioError(source, [Problem("", "file is empty, expected a scenario mapping")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"expected a mapping at the top, got {type(data).__name__}")])
    if dups:
        raise ScenarioError(source, dups)
    return data, lines


def line_of(lines: Lines, path: tuple[str, ...]) -> int | None:
    """The line of the deepest known key on ``path``."""
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[str, ...]:
    """The part of a pydantic error location that exists in the input (drops union tags)."""
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
            out.append(str(part))
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            out.append(str(part))
        elif isinstance(node, Mapping) and isinstance(part, str) and part not in node and not out_is_union_tag(part):
            out.append(part)  # a missing required field, or an unknown key
            break
        else:
            continue
    return tuple(out)


def out_is_union_tag(part: str) -> bool:
    """Pydantic names union members in locations (``float``, ``tagged-union[...]``, ``uniform``)."""
    return part in {"float", "int", "date", "constant", "uniform", "triangular", "normal", "lognormal", "choice"} or (
        "[" in part
    )


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


def _problems_from_validation(exc: ValidationError, data: Any, lines: Lines) -> list[Problem]:
    grouped: dict[tuple[str, ...], list[Any]] = {}
    for err in exc.errors(include_url=False):
        grouped.setdefault(_data_path(data, tuple(err["loc"])), []).append(err)
    problems = []
    for path, errs in grouped.items():
        value = value_at(data, path)
        kinds = {e["type"] for e in errs}
        if "extra_forbidden" in kinds:
            msg = "unknown key (not part of the scenario schema; check the spelling)"
        elif "missing" in kinds:
            msg = "required field is missing"
        elif len(errs) > 1 and isinstance(value, Mapping) and "dist" in value:
            tagged = [e for e in errs if value["dist"] in e["loc"]] or [
                e for e in errs if e["type"] == "union_tag_invalid"] or errs
            msg = f"{value['dist']} distribution: " + "; ".join(
                f"{'.'.join(str(p) for p in e['loc'][e['loc'].index(value['dist']) + 1:]) or 'value'}: {_clean(e['msg'])}"
                if value["dist"] in e["loc"] else _clean(e["msg"])
                for e in tagged
            )
        elif len(errs) > 1 and not isinstance(value, Mapping):
            msg = f"must be a number, date or distribution mapping with a 'dist' key, got {value!r}"
        else:
            msg = _clean(errs[0]["msg"])
            if not isinstance(value, (Mapping, list)) and value is not None:
                msg += f" (got {value!r})"
        problems.append(Problem(".".join(path), msg, line_of(lines, path)))
    return problems


def _clean(msg: str) -> str:
    return msg.replace("Value error, ", "").rstrip(".")


def validate_data(data: dict[str, Any], source: str, lines: Lines | None = None) -> Scenario:
    """Turn plain data into a checked :class:`Scenario` or raise :class:`ScenarioError`."""
    lines = lines or {}
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _problems_from_validation(exc, data, lines)) from None
    problems = check_scenario(scenario)
    if problems:
        located = [Problem(p.path, p.message, line_of(lines, tuple(p.path.split(".")))) for p in problems]
        raise ScenarioError(source, located)
    return scenario


def parse_override(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with VALUE read as YAML (numbers, dates, lists, mappings)."""
    if "=" not in text:
        raise ScenarioError("(command line)", [Problem(text, "expected PATH=VALUE")])
    path, _, raw = text.partition("=")
    try:
        value = yaml.load(raw, Loader=ScenarioLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        value = raw
    return path.strip(), value


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path set to its value (parents must exist)."""
    import copy

    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and isinstance(node.get(part), (dict, list)):
                node = node[part]
            elif isinstance(node, dict) and node.get(part) is None:
                node[part] = {}
                node = node[part]
            else:
                raise ScenarioError(source, [Problem(dotted, f"no such section '{'.'.join(parts[: i + 1])}' to set")])
        leaf = parts[-1]
        if isinstance(node, list) and leaf.isdigit() and int(leaf) < len(node):
            node[int(leaf)] = value
        elif isinstance(node, dict):
            node[leaf] = value
        else:
            raise ScenarioError(source, [Problem(dotted, "cannot set this path")])
    return out


def merge(base: Any, child: Any) -> Any:
    """``child`` laid over ``base``: mappings merge key by key, a null removes a key, all else replaces."""
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        for key, value in child.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = merge(base.get(key), value)
        return out
    return child


def read_scenario_data(path: str | Path, _seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], Lines]:
    """A scenario file's data, with any ``base:`` file it extends merged underneath it."""
    data, lines = read_yaml(path)
    base_name = data.pop("base", None)
    if base_name is None:
        return data, lines
    source = str(path)
    if not isinstance(base_name, str):
        raise ScenarioError(source, [Problem("base", f"must be a file name, got {base_name!r}", lines.get(("base",)))])
    base_path = (Path(path).parent / base_name).resolve()
    if str(base_path) in _seen:
        raise ScenarioError(source, [Problem("base", f"{base_name} extends itself (a cycle)", lines.get(("base",)))])
    if not base_path.exists():
        raise ScenarioError(source, [Problem("base", f"base file {base_name} not found", lines.get(("base",)))])
    base_data, _ = read_scenario_data(base_path, (*_seen, str(base_path)))
    return merge(base_data, data), lines


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file; raises :class:`ScenarioError` on any problem.

    A file may extend another with ``base: other.yaml`` (relative to itself): its keys are laid
    over the other's, mapping by mapping, and ``null`` removes a key.
    """
    data, lines = read_scenario_data(path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    return validate_data(data, str(path), lines)


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data (JSON/YAML-ready) for a scenario, defaults filled in."""
    return scenario.model_dump(mode="json", exclude_none=True)
