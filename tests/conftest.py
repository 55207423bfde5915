"""Shared test set-up, reported at the end of the run:

- measurements that tests record (``record_property("measured: ...", value)``), so that a timing that is
  reported rather than asserted is seen;
- tests that took longer than ``UNMARKED_SLOW_S`` but carry none of the markers ``make test-fast`` leaves out,
  so that the quick run stays quick (a timing varies too much with the machine's load to fail a test on it).
"""

from __future__ import annotations

from typing import Any

import pytest

UNMARKED_SLOW_S = 5.0
LEFT_OUT_OF_TEST_FAST = {"slow", "notebooks", "dask", "browser"}
_unmarked_slow: list[tuple[str, float]] = []


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if (
        call.when == "call"
        and call.duration > UNMARKED_SLOW_S
        and not LEFT_OUT_OF_TEST_FAST & {mark.name for mark in item.iter_markers()}
    ):
        _unmarked_slow.append((item.nodeid, call.duration))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = [
        f"{name.removeprefix('measured: ')}: {value}"
        for report in terminalreporter.stats.get("passed", [])
        for name, value in getattr(report, "user_properties", [])
        if isinstance(name, str) and name.startswith("measured: ")
    ]
    if lines:
        terminalreporter.write_sep("-", "measured")
        for line in lines:
            terminalreporter.write_line(line)
    if _unmarked_slow:
        terminalreporter.write_sep("-", f"slower than {UNMARKED_SLOW_S:g} s, not marked slow (make test-fast runs them)")
        for nodeid, seconds in sorted(_unmarked_slow, key=lambda x: -x[1]):
            terminalreporter.write_line(f"{seconds:5.1f} s  {nodeid}")
