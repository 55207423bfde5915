"""Reading YAML that may be hostile: bounded in bytes, nesting depth and expanded size, with line numbers.

A scenario file is read only if it is a regular file of at most :data:`MAX_FILE_BYTES` bytes (a
device such as ``/dev/zero`` or a pipe is refused before a byte is read). Before any node is built,
one pass over the parser's events refuses a document nested deeper than :data:`MAX_DEPTH` levels,
one whose aliases refer to an anchor still open (a cycle), and one of more than :data:`MAX_NODES`
nodes once every alias is counted at the size of what it repeats (so that a few lines of anchors
cannot expand into billions of values). A value that cannot be constructed (``2025-09-31``,
``!!int abc``, an integer of thousands of digits) is a problem at its own line, like a syntax error.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.errors import Problem, ScenarioError, shown

MAX_FILE_BYTES = 20_000_000
MAX_DEPTH = 64  # mappings and lists inside each other; the flagship needs 6
MAX_NODES = 1_000_000  # values, mappings and lists, every alias counted at the size of what it repeats

Lines = dict[tuple[str, ...], int]


class LimitExceeded(Exception):
    """A YAML text is beyond a reading limit; ``line`` is where it went over (1-based), if known."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _construct_object(self: yaml.constructor.BaseConstructor, node: yaml.Node, deep: bool = False) -> Any:
    """PyYAML's ``construct_object``, except that a value that cannot be constructed becomes a YAML error at its
    node instead of escaping as a ``ValueError`` with no line (PyYAML's own constructors raise those for
    impossible dates, bad tags and over-long integers)."""
    try:
        return yaml.constructor.BaseConstructor.construct_object(self, node, deep)
    except (ValueError, TypeError, OverflowError) as exc:
        tag = str(node.tag).rsplit(":", 1)[-1]
        what = f"cannot read {shown(node.value)} as {_TAGS.get(tag, tag)}: {shown(str(exc))[1:-1]}"
        raise _Unreadable(None, None, what, node.start_mark) from None


class _Unreadable(yaml.constructor.ConstructorError):
    """A YAML value that is well formed but cannot be turned into its type (``2025-09-31``, ``!!int abc``)."""


_TAGS = {"timestamp": "a date", "int": "an integer", "float": "a number", "bool": "true or false"}


class ScenarioLoader(yaml.SafeLoader):
    """YAML's safe loader, also reading ``1e9`` and ``1.5e9`` as numbers (YAML 1.2), not strings."""

    construct_object = _construct_object


class ScenarioCLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`ScenarioLoader` with libyaml's parser where PyYAML has it: several times faster, but its
    syntax errors say less."""

    construct_object = _construct_object


for _loader in (ScenarioLoader, ScenarioCLoader):
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )


def _line(event: yaml.Event) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def measure(text: str, loader_class: type[ScenarioLoader | ScenarioCLoader] = ScenarioCLoader) -> int:
    """The number of nodes of a YAML text with every alias expanded; raises :class:`LimitExceeded` as soon
    as the text nests deeper than MAX_DEPTH, refers to an anchor still open, or grows past MAX_NODES.

    One pass over the parser's events, building nothing: an anchor's size is known when it closes, and
    each alias adds that size.
    """
    loader = loader_class(text)
    total = 0
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, total when it opened) of each open collection
    sizes: dict[str, int] = {}
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                total += 1
                open_nodes.append((event.anchor, total))
                if len(open_nodes) > MAX_DEPTH:
                    raise LimitExceeded(f"nested more than {MAX_DEPTH} levels deep", _line(event))
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, opened = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = total - opened + 1
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_nodes):
                    raise LimitExceeded(
                        f"alias *{shown(event.anchor)[1:-1]} repeats a node that contains it (a cycle)", _line(event)
                    )
                total += sizes.get(event.anchor or "", 1)  # an undefined alias is the composer's error to report
            if total > MAX_NODES:
                raise LimitExceeded(
                    f"more than {MAX_NODES:,} values once its aliases are expanded "
                    "(anchors and aliases may repeat a part, not multiply it without bound)",
                    _line(event),
                )
    finally:
        loader.dispose()
    return total


def _key_lines(
    node: yaml.Node, prefix: tuple[str, ...], lines: Lines, dups: list[Problem], seen_nodes: set[int] | None = None
) -> None:
    """Record the 1-based line of every mapping key and list item below ``node``. A node repeated by an alias
    is walked once: its repetitions get the line of the alias only, so the walk is as long as the text."""
    seen_nodes = set() if seen_nodes is None else seen_nodes
    if id(node) in seen_nodes:
        return
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            path = (*prefix, key)
            if key in keys:
                dups.append(Problem(".".join(path), "duplicate key", key_node.start_mark.line + 1))
            keys.add(key)
            lines[path] = key_node.start_mark.line + 1
            _key_lines(value_node, path, lines, dups, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = (*prefix, str(i))
            lines[path] = item.start_mark.line + 1
            _key_lines(item, path, lines, dups, seen_nodes)


def parse_yaml(text: str) -> tuple[Any, Lines, list[Problem]]:
    """The data of a YAML document, the line of every key and list item in it, and its duplicate keys.

    Parsed with libyaml when available; a text it rejects is parsed again in pure Python, whose
    syntax errors say more (the offending character or alias). Raises :class:`LimitExceeded` for a
    text beyond the reading limits, and ``yaml.YAMLError`` for one that is not YAML.
    """
    try:
        return _parse(text, ScenarioCLoader)
    except yaml.YAMLError:
        return _parse(text, ScenarioLoader)


def _parse(text: str, loader_class: type[ScenarioLoader | ScenarioCLoader]) -> tuple[Any, Lines, list[Problem]]:
    measure(text, loader_class)  # before building a node
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


def read_text(path: str | Path, source: str | None = None) -> str:
    """The text of a scenario file: a regular file of at most MAX_FILE_BYTES bytes of UTF-8.

    Opened without blocking and checked to be a regular file before reading, so that a device
    (``/dev/zero``), a pipe or a socket is refused at once; at most one byte more than the limit
    is read. Errors name the file as ``source`` (default: ``path``).
    """
    source = str(path) if source is None else source
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(source, [Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(source, [Problem("", "is a directory, expected a YAML file")]) from None
    except PermissionError:
        raise ScenarioError(source, [Problem("", "cannot be read: permission denied")]) from None
    except OSError as exc:
        raise ScenarioError(source, [Problem("", f"cannot be read: {exc.strerror or exc}")]) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(source, [Problem("", "is a directory, expected a YAML file")])
        raise ScenarioError(
            source, [Problem("", "is not a regular file (a device, pipe or socket); save the scenario to a file first")]
        )
    if info.st_size > MAX_FILE_BYTES:
        os.close(fd)
        raise ScenarioError(source, [Problem("", f"file is {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,} limit")])
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(source, [Problem("", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:  # it grew since it was looked at
        raise ScenarioError(source, [Problem("", f"file is over the {MAX_FILE_BYTES:,} byte limit")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [Problem("", f"is not UTF-8 text (byte {exc.start})")]) from None


def parse_text(text: str, source: str) -> tuple[Any, Lines]:
    """Parse YAML text into plain data and the line of every key; any problem is a :class:`ScenarioError`
    naming ``source`` and the line."""
    try:
        data, lines, dups = parse_yaml(text)
    except LimitExceeded as exc:
        raise ScenarioError(source, [Problem("", exc.problem, exc.line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        kind = "" if isinstance(exc, _Unreadable) else "YAML syntax error: "
        raise ScenarioError(source, [Problem("", f"{kind}{problem}", line)]) from None
    if dups:
        raise ScenarioError(source, dups)
    return data, lines


def read_yaml(path: str | Path, source: str | None = None) -> tuple[Any, Lines]:
    """Parse a YAML scenario file into plain data (a mapping) plus a map from key path to line number; errors
    name the file as ``source`` (default: ``path``)."""
    source = str(path) if source is None else source
    data, lines = parse_text(read_text(path, source), source)
    if data is None:
        raise ScenarioError(source, [Problem("", "file is empty, expected a scenario mapping")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"expected a mapping at the top, got {type(data).__name__}")])
    return data, lines


def parse_value(text: str, source: str, what: str) -> Any:
    """One value given on the command line (``what`` names the option), read as YAML within the same
    limits as a file: a number, a date, a list or a mapping; text that is not YAML stays text."""
    try:
        data, _ = parse_text(text, source)
    except ScenarioError as exc:
        if any("syntax error" not in p.message for p in exc.problems):
            raise ScenarioError(source, [Problem(what, p.message) for p in exc.problems]) from None
        return text
    return data
