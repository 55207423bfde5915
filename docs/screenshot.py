"""Redraw the README's pictures: docs/explorer.png, the explorer on the flagship with supplier invoicing back a
week earlier (18 Sep instead of 25 Sep) against the scenario as loaded, after 40 Monte Carlo replications; and
docs/report.png and docs/report_suppliers.png, the flagship's report.html: its charts with the invoice backlog's
values shown on hover, and its supplier table filtered to one part family, sorted by lowest cash.

    .venv/bin/python docs/screenshot.py [explorer] [report]   # both by default; needs the serve extra,
                                                              # Playwright and /usr/bin/chromium

The explorer is served on a free local port, the report written by `supplysim run` into a temporary folder and
opened from its file; Debian's Chromium takes the pictures, each written as a 1,200-pixel-wide PNG of at most
256 colours (the pages are flat colour, so they stay small).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "explorer.png"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INVOICING = "outages__cyber_attack__restore__supplier_invoicing"


def save(shot: Path, out: Path) -> None:
    """``shot`` as a 1,200-pixel-wide PNG of at most 256 colours at ``out``; ``shot`` removed."""
    image = Image.open(shot).convert("RGB")
    image = image.resize((1200, round(image.height * 1200 / image.width)), Image.Resampling.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)
    shot.unlink()
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


def report() -> None:
    """The flagship's report: its charts, hovering over the invoice backlog as it rises; its supplier table."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "jlr_2025"
        subprocess.run(
            [sys.executable, "-m", "sim", "-q", "run", "scenarios/jlr_2025.yaml", "--out", str(folder)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            page: Any = browser.new_page(viewport={"width": 1500, "height": 1180})
            page.goto((folder / "report.html").as_uri())
            page.wait_for_function("() => window.Bokeh !== undefined && Bokeh.documents.length === 1")
            page.wait_for_function("() => Bokeh.documents[0].is_idle")
            page.evaluate("() => document.getElementById('charts').scrollIntoView()")
            canvas = page.locator(".bk-Canvas").first.bounding_box()
            page.mouse.move(canvas["x"] + canvas["width"] * 0.205, canvas["y"] + canvas["height"] * 0.45)
            page.locator(".bk-Tooltip").first.wait_for(state="visible")
            page.wait_for_timeout(300)
            shot = ROOT / "docs" / ".report_full.png"
            page.screenshot(path=str(shot))
            save(shot, ROOT / "docs" / "report.png")
            page.mouse.move(0, 0)
            page.locator("#supplier-table .table-filter").fill("body_exterior")
            page.locator("#supplier-table th[data-key=min_cash_gbp] button").click()
            page.evaluate(
                "() => { document.querySelector('#supplier-table .table-scroll').scrollLeft = 0; "
                "document.getElementById('suppliers').scrollIntoView(); }"
            )
            page.wait_for_timeout(200)
            page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1500, "height": 560})
            save(shot, ROOT / "docs" / "report_suppliers.png")
            browser.close()


def explorer() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "sim", "serve", "scenarios/jlr_2025.yaml", "--port", "0"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        url = next(line.split()[2] for line in server.stdout if line.startswith("supplysim explorer: "))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            page.locator("[data-kpi=vehicles_lost]").wait_for(timeout=60_000)
            field = page.locator(f".lever-{INVOICING}__0__date input")
            field.fill("2025-09-18")
            field.press("Enter")
            page.locator(".status[data-runs='2']").wait_for()
            page.locator(".mc-run button").click()
            page.locator(".mc-status[data-state=done]").wait_for(timeout=180_000)
            page.wait_for_timeout(500)
            shot = ROOT / "docs" / ".explorer_full.png"
            page.screenshot(path=str(shot))
            browser.close()
        save(shot, OUT)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["explorer", "report"]:
        {"explorer": explorer, "report": report}[name]()
