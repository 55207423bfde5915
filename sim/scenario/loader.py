"""Reading scenario files: YAML with line numbers, ``base:`` variants, validation and overrides.

``load_scenario(path)`` is the one door from a file to a typed, frozen :class:`Scenario`, and
:func:`read_scenario_data` the one reader every command uses (``run``, ``validate``, ``compare``,
``sweep``, ``sensitivity``). Every problem (YAML syntax, a reading limit, wrong type, unknown key,
range, cross-reference, date order) becomes one :class:`ScenarioError` naming the file, the line,
the field path and the rule; a problem in a ``base:`` file names that file and its line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.errors import COMMAND_LINE, Location, Problem, ScenarioError, line_of, locate, shown
from sim.scenario.paths import apply_overrides, check_path, value_at
from sim.scenario.schema import Scenario
from sim.scenario.validation import check_scenario
from sim.scenario.yaml_input import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Lines,
    ScenarioCLoader,
    ScenarioLoader,
    parse_value,
    parse_yaml,
    read_yaml,
)

MAX_BASE_CHAIN = 16  # files in a chain of ``base:`` variants, the scenario included

__all__ = [
    "MAX_BASE_CHAIN",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Lines",
    "Location",
    "ScenarioCLoader",
    "ScenarioLoader",
    "apply_overrides",
    "line_of",
    "load_scenario",
    "merge",
    "parse_override",
    "parse_yaml",
    "read_scenario_data",
    "read_yaml",
    "scenario_to_data",
    "validate_data",
    "value_at",
]


Located = dict[tuple[str, ...], Location]


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
    return part in {"float", "int", "date", "constant", "uniform", "triangular", "normal", "lognormal", "choice"} or ("[" in part)


def _problems_from_validation(exc: ValidationError, data: Any, lines: Mapping[tuple[str, ...], Any], source: str) -> list[Problem]:
    """One problem per field path pydantic found wrong, with its file and line."""
    grouped: dict[tuple[str, ...], list[Any]] = {}
    for err in exc.errors(include_url=False):
        grouped.setdefault(_data_path(data, tuple(err["loc"])), []).append(err)
    return [
        locate(".".join(path), _message(errs, value_at(data, path), _suggestion(data, path)), lines, source)
        for path, errs in grouped.items()
    ]


def _suggestion(data: Any, path: tuple[str, ...]) -> str:
    """For a misspelt key, the schema's nearest names there ("did you mean 'daily_rate'?"); else nothing."""
    try:
        check_path(data, ".".join(path))
    except ValueError as exc:
        text = str(exc)
        start = text.find("did you mean")
        return text[start:].rstrip(")") if start >= 0 else ""
    except Exception:  # noqa: BLE001 - a suggestion is a courtesy; the error stands without it
        return ""
    return ""


def _message(errs: list[Any], value: Any, suggestion: str = "") -> str:
    """The rule a value breaks, from pydantic's errors at its path; the value is echoed only in short."""
    kinds = {e["type"] for e in errs}
    if "extra_forbidden" in kinds:
        return f"unknown key (not part of the scenario schema; {suggestion or 'check the spelling'})"
    if "missing" in kinds:
        return "required field is missing"
    dist = value.get("dist") if isinstance(value, Mapping) else None
    if len(errs) > 1 and isinstance(dist, str) and len(dist) <= 20:
        tagged = [e for e in errs if dist in e["loc"]] or [e for e in errs if e["type"] == "union_tag_invalid"] or errs
        return f"{dist} distribution: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][e['loc'].index(dist) + 1 :]) or 'value'}: {_clean(e['msg'])}"
            if dist in e["loc"]
            else _clean(e["msg"])
            for e in tagged
        )
    if len(errs) > 1 and isinstance(value, Mapping) and "dist" in value:
        return f"'dist' must name a distribution (constant, uniform, triangular, normal, lognormal or choice), got {shown(dist)}"
    if len(errs) > 1 and not isinstance(value, Mapping):
        return f"must be a number, date or distribution mapping with a 'dist' key, got {shown(value)}"
    msg = _clean(errs[0]["msg"])
    if not isinstance(value, (Mapping, list)) and value is not None:
        msg += f" (got {shown(value)})"
    return msg


def _clean(msg: str) -> str:
    return msg.replace("Value error, ", "").rstrip(".")


def validate_data(data: dict[str, Any], source: str, lines: Mapping[tuple[str, ...], Any] | None = None) -> Scenario:
    """Turn plain data into a checked :class:`Scenario` or raise :class:`ScenarioError`.

    ``lines`` maps key paths to their line in ``source`` or to a :class:`Location` (file and line).
    """
    lines = lines or {}
    data = {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _problems_from_validation(exc, data, lines, source)) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(source, [locate(p.path, p.message, lines, source) for p in problems])
    return scenario


def parse_override(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with VALUE read as YAML (numbers, dates, lists, mappings), within the reading limits."""
    if "=" not in text:
        raise ScenarioError(COMMAND_LINE, [Problem(shown(text), "expected PATH=VALUE")])
    path, _, raw = text.partition("=")
    return path.strip(), parse_value(raw, COMMAND_LINE, f"--set {path.strip()}")


def merge(base: Any, child: Any) -> Any:
    """``child`` laid over ``base``: mappings merge key by key, a null removes a key, all else replaces."""
    return _merge(base, {}, child, {}, ())[0]


def _merge(base: Any, base_at: Located, child: Any, child_at: Located, prefix: tuple[str, ...]) -> tuple[Any, Located]:
    """:func:`merge`, and where each key of the result was written: in the child where it set the key,
    in the base where the key comes from the base."""
    if not (isinstance(base, dict) and isinstance(child, dict)):
        return child, _below(child_at, prefix)
    out = dict(base)
    where = _below(base_at, prefix, keep_root=True)
    if prefix in child_at:
        where[prefix] = child_at[prefix]
    for key, value in child.items():
        path = (*prefix, str(key))
        where = (
            {p: w for p, w in where.items() if p[: len(path)] != path}
            if value is None or not (isinstance(base.get(key), dict) and isinstance(value, dict))
            else where
        )
        if value is None:
            out.pop(key, None)
            continue
        merged, merged_at = _merge(base.get(key), base_at, value, child_at, path)
        out[key] = merged
        where.update(merged_at)
    return out, where


def _below(at: Located, prefix: tuple[str, ...], keep_root: bool = True) -> Located:
    """The locations at and below ``prefix``."""
    n = len(prefix)
    return {p: w for p, w in at.items() if p[:n] == prefix and (keep_root or len(p) > n)}


def _base_file(
    data: dict[str, Any], file: Path, lines: Lines, root: Path, allow_outside: bool, chain: list[Path], source: str
) -> tuple[Path, Path] | None:
    """The ``base:`` file a scenario file extends, after checking it may be read: its resolved path and the path
    as the user would write it (relative to where the scenario was named); None if it extends none."""
    name = data.pop("base", None)
    if name is None:
        return None
    line = lines.get(("base",))

    def refuse(message: str) -> ScenarioError:
        return ScenarioError(source, [Problem("base", message, line, str(file))])

    if not isinstance(name, str):
        raise refuse(f"must be a file name, got {shown(name)}")
    base = (chain[-1].parent / name).resolve()  # from where the file naming it really is
    if base in chain:
        raise refuse(f"{shown(name)} extends itself (a cycle)")
    if len(chain) >= MAX_BASE_CHAIN:
        raise refuse(
            f"a chain of more than {MAX_BASE_CHAIN} base files (each file may extend one other, at most {MAX_BASE_CHAIN - 1} deep)"
        )
    if not allow_outside and not base.is_relative_to(root):
        raise refuse(
            f"base file {shown(name)} is outside the scenario's folder {root}; pass --allow-base-outside "
            "(or allow_base_outside=True) to read it"
        )
    if not base.exists():
        raise refuse(f"base file {shown(name)} not found")
    return base, Path(os.path.normpath(file.parent / name))


def read_scenario_data(path: str | Path, allow_base_outside: bool = False) -> tuple[dict[str, Any], Located]:
    """A scenario file's data, with the chain of ``base:`` files it extends merged underneath it, and where
    each key was written (file and line).

    A base is found relative to the file that names it, and must lie in the folder of the scenario named
    here (or below it) unless ``allow_base_outside``; a chain is at most MAX_BASE_CHAIN files long.
    """
    first = Path(path)
    data, lines = read_yaml(first)
    root = first.resolve().parent
    chain = [first.resolve()]
    layers = [(data, {p: Location(str(first), n) for p, n in lines.items()})]
    base = _base_file(data, first, lines, root, allow_base_outside, chain, str(first))
    while base is not None:
        resolved, shown_as = base
        chain.append(resolved)
        base_data, base_lines = read_yaml(resolved, str(shown_as))
        layers.append((base_data, {p: Location(str(shown_as), n) for p, n in base_lines.items()}))
        base = _base_file(base_data, shown_as, base_lines, root, allow_base_outside, chain, str(first))
    merged, where = layers[-1]
    for child, child_at in reversed(layers[:-1]):
        merged, where = _merge(merged, where, child, child_at, ())
    return merged, where


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None, *, allow_base_outside: bool = False) -> Scenario:
    """Read, override and validate a scenario file; raises :class:`ScenarioError` on any problem.

    A file may extend another with ``base: other.yaml`` (relative to itself, inside the scenario's
    folder unless ``allow_base_outside``): its keys are laid over the other's, mapping by mapping,
    and ``null`` removes a key. ``overrides`` map dotted paths that exist to new values.
    """
    data, where = read_scenario_data(path, allow_base_outside)
    if overrides:
        data = apply_overrides(data, overrides, str(path), where)
    return validate_data(data, str(path), where)


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data (JSON/YAML-ready) for a scenario, defaults filled in."""
    return scenario.model_dump(mode="json", exclude_none=True)
