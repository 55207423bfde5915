"""The one exception a user's mistake raises: a readable, one-paragraph scenario error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

COMMAND_LINE = "(command line)"  # the source of problems with options rather than a file
SHOWN_CHARS = 60  # an offending value is echoed up to this many characters of its first line


def shown(value: Any) -> str:
    """A value as an error message echoes it: its repr, first line only, at most SHOWN_CHARS characters.

    A message never repeats more than the offending value, however much text the value holds (a
    ``base:`` pointing at some other file must not print that file).
    """
    text = value if isinstance(value, str) else repr(value)
    first, *rest = text.splitlines() or [""]
    cut = len(first) > SHOWN_CHARS or bool(rest)
    first = first[:SHOWN_CHARS]
    if isinstance(value, str):
        return repr(first + "...") if cut else repr(first)
    return first + ("..." if cut else "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (dotted field path, line, and the file when it is not the
    scenario named in the error, e.g. a ``base:`` file) and what rule it breaks."""

    path: str
    message: str
    line: int | None = None
    file: str | None = None

    def render(self, source: str | None = None) -> str:
        where = f"in {self.file}, " if self.file is not None and self.file != source else ""
        where += f"line {self.line}, " if self.line is not None else ""
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class Location(NamedTuple):
    """Where a key of a scenario was written: the file and its 1-based line."""

    file: str
    line: int


def line_of(lines: Mapping[tuple[str, ...], Any], path: tuple[str, ...]) -> Any:
    """The line (or :class:`Location`) of the deepest known key on ``path``; None if none is known."""
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def locate(path: str, message: str, lines: Mapping[tuple[str, ...], Any] | None, source: str) -> Problem:
    """A problem at a dotted path, with the file and line it was written at: ``lines`` maps key paths to a
    line in ``source`` or to a :class:`Location`."""
    where = line_of(lines, tuple(path.split("."))) if path and lines else None
    if isinstance(where, Location):
        return Problem(path, message, where.line, where.file)
    return Problem(path, message, where)


class ScenarioError(ValueError):
    """A scenario file or value is invalid; the message names file, line, field and rule."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        shown_problems = problems[:6]
        more = f" (and {len(problems) - len(shown_problems)} more)" if len(problems) > len(shown_problems) else ""
        body = "; ".join(p.render(source) for p in shown_problems)
        what = "Command line: " if source == COMMAND_LINE else f"Scenario {source} is invalid: "
        super().__init__(f"{what}{body}{more}.")
