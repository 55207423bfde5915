"""The explorer in a real browser: Debian's Chromium driven by Playwright against ``supplysim serve`` on the
flagship. A restore date changed in the page moves the KPIs, and the scenario the page downloads gives the
same KPIs through ``supplysim run``; a bad value shows the command line's message beside its field; a Monte
Carlo runs without freezing the page; the console stays clean and no request leaves the machine.

The tests share one server and one page and run in file order. Where Playwright, the explorer's extra or
Chromium is missing they are skipped with the reason; under CI=true that is a failure.
"""

from __future__ import annotations

import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from sim.results.kpis import text
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, require, watch

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = "scenarios/jlr_2025.yaml"  # as a reader types it: messages name the file the way the CLI was given it
INVOICING = "outages__cyber_attack__restore__supplier_invoicing"  # the levers' CSS class stem


@dataclass
class Browser:
    """The page under test, what it asked of the network beyond this machine, and its console errors."""

    page: Any
    url: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def runs(self) -> int:
        """How many runs the page has shown (its status line counts them)."""
        return int(self.page.locator(".status").get_attribute("data-runs"))

    def kpi(self, name: str) -> str:
        return str(self.page.locator(f"[data-kpi={name}] .kpi-value").inner_text())

    def after_run(self, action: Callable[[], None], timeout_ms: float = 30_000) -> float:
        """Do ``action`` and wait until the page shows the run it starts; returns the seconds it took."""
        before = self.runs()
        started = time.perf_counter()
        action()
        while self.runs() == before:
            if time.perf_counter() - started > timeout_ms / 1000:
                raise AssertionError(f"the page showed no new run within {timeout_ms / 1000:.0f} s")
            self.page.wait_for_timeout(10)
        return time.perf_counter() - started


def _server_url(proc: subprocess.Popen[str], timeout_s: float) -> str:
    """The URL ``supplysim serve`` prints once it listens."""
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if line.startswith("supplysim explorer: "):
            return line.split()[2]
    raise AssertionError(f"supplysim serve did not start: {proc.stderr.read() if proc.poll() is not None else 'timed out'}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require("panel")
    from playwright.sync_api import sync_playwright

    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", FLAGSHIP, "--port", "0"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = _server_url(proc, 120)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            context = chromium.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
            state = Browser(context.new_page(), url)

            # a request for anything beyond this machine fails, and is noted
            watch(context, state.page, lambda u: urlparse(u).hostname in LOCAL_HOSTS, state.requests, state.outside, state.errors)
            state.page.goto(url)
            state.page.locator("[data-kpi=vehicles_lost]").wait_for(timeout=60_000)
            yield state
            chromium.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_page_shows_cards_charts_and_levers(browser: Browser) -> None:
    """The flagship's page shows a card per headline KPI, four charts and the invoicing restore steps."""
    page = browser.page
    assert page.locator(".kpi").count() >= 10
    page.locator(".bk-Canvas canvas").first.wait_for()
    assert page.locator(".bk-Canvas").count() >= 4
    assert page.locator(f".lever-{INVOICING}__0__date input").input_value() == "2025-09-25"


def _cli_summary_text(tmp_path: Path, scenario: str = FLAGSHIP, seed: str = "2025") -> str:
    out = tmp_path / "cli_run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", scenario, "--seed", seed, "--out", str(out), "--no-figures"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return (out / "summary.json").read_text()


def test_restore_date_change_matches_the_cli(browser: Browser, tmp_path: Path) -> None:
    """Invoicing's first restore a week earlier (18 Sep) lowers the backlog peak; the scenario downloaded from
    the page, run by ``supplysim run FILE --seed 2025``, gives the page's KPIs bit for bit."""
    page = browser.page
    before = browser.kpi("invoice_backlog_peak_gbp")
    field = page.locator(f".lever-{INVOICING}__0__date input")
    field.fill("2025-09-18")
    browser.after_run(lambda: field.press("Enter"))
    page.locator("[data-kpi=invoice_backlog_peak_gbp] .kpi-value").filter(has_not_text=before).wait_for()
    assert "earlier" in page.locator("[data-kpi=invoice_backlog_peak_date] .kpi-change").inner_text()
    with page.expect_download() as scenario_download:
        page.locator(".download-scenario button").click()
    path = tmp_path / "explored.yaml"
    scenario_download.value.save_as(path)
    assert "changed: outages.cyber_attack.restore.supplier_invoicing.0.date=2025-09-18" in path.read_text()
    with page.expect_download() as kpis_download:
        page.locator(".download-kpis button").click()
    kpis_download.value.save_as(tmp_path / "page_summary.json")
    cli = json.loads(_cli_summary_text(tmp_path, str(path)))
    assert json.loads((tmp_path / "page_summary.json").read_text()) == cli
    for card in page.locator(".kpi").all():
        name = card.get_attribute("data-kpi")
        assert card.locator(".kpi-value").inner_text() == text(name, cli[name]), name


def test_slider_move_updates_kpis_and_charts(browser: Browser, record_property: Callable[[str, object], None]) -> None:
    """A step of the second invoicing restore's slider (a day earlier each key press) re-runs the flagship and
    the page shows it; the time from key press to the new cards and charts is measured and reported."""
    handle = browser.page.locator(f".lever-slider-{INVOICING}__1__date .noUi-handle")
    field = browser.page.locator(f".lever-{INVOICING}__1__date input")
    times = []
    for expected in ("2025-10-05", "2025-10-04", "2025-10-03"):
        handle.focus()
        times.append(browser.after_run(lambda: handle.press("ArrowLeft")))
        assert field.input_value() == expected
    record_property(
        "measured: flagship slider move to updated KPIs and charts (s, 3 moves)",
        f"median {statistics.median(times):.2f}, each {', '.join(f'{t:.2f}' for t in times)}",
    )


def test_bad_value_shows_the_cli_message_next_to_the_field(browser: Browser) -> None:
    """Typing ``abc`` for the automated invoicing rate shows, beside the field, the very message
    ``supplysim run --set payables.automated_invoices_per_day=abc`` prints; clearing it puts the file's value back."""
    page = browser.page
    page.locator(".group-Invoicing .card-header").click()
    field = page.locator(".lever-payables__automated_invoices_per_day input")
    runs = browser.runs()
    field.fill("abc")
    field.press("Enter")
    message = page.locator(".lever-error-payables__automated_invoices_per_day .lever-error-text")
    message.wait_for()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            FLAGSHIP,
            "--set",
            "payables.automated_invoices_per_day=abc",
            "--out",
            "unused",
            "--no-figures",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: {message.inner_text()}"
    assert page.locator(".status").get_attribute("data-state") == "invalid" and browser.runs() == runs
    field.fill("")
    browser.after_run(lambda: field.press("Enter"))
    message.wait_for(state="detached")
    assert field.input_value() == "10000"


def test_monte_carlo_runs_without_freezing_the_page(browser: Browser, record_property: Callable[[str, object], None]) -> None:
    """While replications run in the background a slider move still re-runs the page; replications of the
    settings as they are then shade bands on the charts and a 90% range on the cards."""
    page = browser.page
    replications = page.locator(".mc-replications input")
    replications.fill("6")
    replications.press("Enter")
    page.locator(".mc-run button").click()
    page.locator(".mc-status[data-state=running]").wait_for()
    handle = page.locator(f".lever-slider-{INVOICING}__1__date .noUi-handle")
    handle.focus()
    during = browser.after_run(lambda: handle.press("ArrowRight"))
    page.locator(".mc-status[data-state=stale], .mc-status[data-state=done]").wait_for(timeout=90_000)
    started = time.perf_counter()
    page.locator(".mc-run button").click()
    page.locator(".mc-status[data-state=done]").wait_for(timeout=90_000)
    record_property("measured: slider move while a Monte Carlo runs (s)", f"{during:.2f}")
    record_property("measured: 6 flagship replications from the button, bands shown (s)", f"{time.perf_counter() - started:.1f}")
    assert page.locator(".kpi-spread").count() == page.locator(".kpi").count()


def test_console_is_clean_and_nothing_left_the_machine(browser: Browser) -> None:
    """Over every step above: no console error, and every request went to this machine (none was blocked)."""
    assert browser.errors == []
    assert browser.outside == []
    assert browser.requests and all(urlparse(u).hostname in LOCAL_HOSTS for u in browser.requests)
