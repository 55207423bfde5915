"""The one exception a user's mistake raises: a readable, one-paragraph scenario error."""

from __future__ import annotations

from dataclasses import dataclass

COMMAND_LINE = "(command line)"  # the source of problems with options rather than a file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (dotted field path, line) and what rule it breaks."""

    path: str
    message: str
    line: int | None = None

    def render(self) -> str:
        where = f"line {self.line}, " if self.line is not None else ""
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class ScenarioError(ValueError):
    """A scenario file or value is invalid; the message names file, line, field and rule."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        shown = problems[:6]
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        body = "; ".join(p.render() for p in shown)
        what = "Command line: " if source == COMMAND_LINE else f"Scenario {source} is invalid: "
        super().__init__(f"{what}{body}{more}.")
