"""A run's report.html in a real browser: Debian's Chromium driven by Playwright opens the report of
``supplysim run`` on the flagship from its file. Its five Bokeh charts are drawn, show values on hover and pan
together; the supplier table sorts by a column and filters by text; the console stays clean and the page asks
for nothing beyond its own file.

The tests share one run and one page and run in file order. Where Playwright, Bokeh or Chromium is missing
they are skipped with the reason; under CI=true that is a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pytest

from sim.results.formats import money_text
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require, watch

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
OWN_SCHEMES = {"file", "data", "blob"}  # the report itself, its data URIs and what its scripts make in memory
RUN_BLUE = (0x1F, 0x5F, 0xA8)  # sim.report.charts.RUN_COLOUR


@dataclass
class Report:
    """The page under test, the run's folder, what the page asked beyond its own file, and its console errors."""

    page: Any
    folder: Path
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    load_s: float = 0.0

    def rows_shown(self) -> int:
        return int(self.page.locator("#supplier-table .table-info").get_attribute("data-rows"))

    def column(self, heading: str) -> list[str]:
        """The cells under ``heading`` in the rows the table shows."""
        index = self.page.locator("#supplier-table th").all_inner_texts().index(heading)
        return [str(t) for t in self.page.locator(f"#supplier-table tbody td:nth-child({index + 1})").all_inner_texts()]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    require("bokeh")
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("report") / "jlr_2025"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", "scenarios/jlr_2025.yaml", "--out", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        state = Report(context.new_page(), folder)

        # a request for anything beyond the file fails, and is noted
        watch(context, state.page, lambda u: urlparse(u).scheme in OWN_SCHEMES, state.requests, state.outside, state.errors)
        started = time.perf_counter()
        state.page.goto((folder / "report.html").as_uri())
        state.page.wait_for_function(
            "() => window.Bokeh !== undefined && Bokeh.documents.length === 1 && "
            "document.querySelectorAll('.charts > div').length === 5"
        )
        state.page.locator(".bk-Canvas canvas").nth(4).wait_for()
        state.page.wait_for_function("() => Bokeh.documents[0].is_idle")
        state.load_s = time.perf_counter() - started
        yield state
        chromium.close()


def _blue_pixels(page: Any) -> list[int]:
    """For each chart, the pixels of its canvas layers in this run's colour (its line)."""
    return list(
        page.locator(".bk-Canvas").evaluate_all(
            """(charts, rgb) => charts.map(chart => {
             let n = 0;
             for (const c of (chart.shadowRoot || chart).querySelectorAll('canvas')) {
               const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               for (let i = 0; i < d.length; i += 4)
                 if (Math.abs(d[i] - rgb[0]) < 12 && Math.abs(d[i + 1] - rgb[1]) < 12 && Math.abs(d[i + 2] - rgb[2]) < 12
                     && d[i + 3] > 200) n++;
             }
             return n; })""",
            list(RUN_BLUE),
        )
    )


def _centre(page: Any, chart: int) -> tuple[float, float]:
    """The middle of a chart's plot, scrolled into view."""
    canvas = page.locator(".bk-Canvas").nth(chart)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5


def test_five_charts_are_drawn(report: Report, record_property: Callable[[str, object], None]) -> None:
    """One Bokeh document with five charts (invoice backlog, production, cash, supplier runway, parts centre),
    each canvas holding this run's line; the time from opening the file to the charts drawn is reported."""
    record_property("measured: flagship report.html opened to its five charts drawn (s)", f"{report.load_s:.2f}")
    page = report.page
    assert page.evaluate("() => Bokeh.documents[0].roots().length") == 5
    titles = page.evaluate("() => Bokeh.documents[0].roots().map(r => r.title.text)")
    assert titles == [
        "Invoice backlog: clearance curve",
        "Production recovery (7-day average)",
        "OEM cash",
        "Supplier runway",
        "Parts centre: retailers' orders waiting",
    ]
    blue = _blue_pixels(page)
    assert len(blue) == 5 and all(n > 100 for n in blue), blue
    events = page.evaluate(
        "() => Bokeh.documents[0].roots()[0].renderers.filter(r => r.glyph.type === 'VSpan')"
        ".flatMap(r => Array.from(r.data_source.data.event))"
    )
    assert "back: supplier_invoicing at 46%" in events  # the first restore step, as drawn at this seed


def test_hover_shows_the_values_of_a_day(report: Report) -> None:
    """Hovering over the invoice backlog chart shows a tooltip with the date and this run's value."""
    page = report.page
    x, y = _centre(page, 0)
    page.mouse.move(x - 40, y + 20)
    tooltip = page.locator(".bk-Tooltip").first
    tooltip.wait_for(state="visible")
    shown = tooltip.evaluate(
        "e => [...e.shadowRoot.children].filter(c => c.tagName !== 'STYLE').map(c => c.innerText).join(' ')"
    )  # Bokeh draws it in its shadow DOM
    assert "this run" in shown and "no outage" in shown and re.search(r"\w{3} \d\d \w{3} 2025", shown), shown
    page.mouse.move(0, 0)


def test_dragging_one_chart_pans_them_all(report: Report) -> None:
    """A drag across a chart moves its dates, and every chart shows the same dates (one shared x range)."""
    page = report.page
    before = page.evaluate("() => Bokeh.documents[0].roots()[0].x_range.start")
    x, y = _centre(page, 2)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y, steps=8)
    page.mouse.up()
    starts = page.evaluate("() => Bokeh.documents[0].roots().map(r => r.x_range.start)")
    assert starts[0] > before and len(set(starts)) == 1


def test_supplier_table_sorts_by_lowest_cash(report: Report) -> None:
    """The table holds every supplier (thousands in the flagship); a click on "lowest cash" puts the lowest first,
    a second click the highest (as suppliers.parquet has them)."""
    page = report.page
    suppliers = pd.read_parquet(report.folder / "suppliers.parquet")
    assert report.rows_shown() == len(suppliers) > 1000
    heading = page.locator("#supplier-table th[data-key=min_cash_gbp]")
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "ascending"
    assert report.column("lowest cash")[0] == money_text(round(suppliers["min_cash_gbp"].min()))
    heading.locator("button").click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert report.column("lowest cash")[0] == money_text(round(suppliers["min_cash_gbp"].max()))


def test_supplier_table_filters_by_text(report: Report) -> None:
    """Typing the rarest state suppliers ended the run in (insolvent, replaced...) keeps exactly those suppliers;
    emptying the filter shows all again."""
    page = report.page
    suppliers = pd.read_parquet(report.folder / "suppliers.parquet")
    state, count = min(suppliers["state"].value_counts().items(), key=lambda item: item[1])
    box = page.locator("#supplier-table .table-filter")
    box.fill(str(state))
    assert report.rows_shown() == count
    assert report.column("state at the end") == [state] * min(count, 50)  # the first page of them
    box.fill("")
    assert report.rows_shown() == len(suppliers)


def test_console_is_clean_and_nothing_left_the_file(report: Report) -> None:
    """Over every step above: no console error, and the page asked for nothing but its own file."""
    assert report.errors == []
    assert report.outside == []
    assert report.requests == [(report.folder / "report.html").as_uri()]
