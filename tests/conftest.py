"""Shared test set-up: measurements that tests record (``record_property("measured: ...", value)``) are
printed at the end of the run, so a timing that is reported rather than asserted is seen."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = [f"{name.removeprefix('measured: ')}: {value}"
             for report in terminalreporter.stats.get("passed", [])
             for name, value in getattr(report, "user_properties", [])
             if isinstance(name, str) and name.startswith("measured: ")]
    if lines:
        terminalreporter.write_sep("-", "measured")
        for line in lines:
            terminalreporter.write_line(line)
