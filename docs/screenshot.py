"""Redraw docs/explorer.png, the README's picture of the explorer: the flagship with supplier invoicing back a
week earlier (18 Sep instead of 25 Sep) against the scenario as loaded, after 40 Monte Carlo replications.

    .venv/bin/python docs/screenshot.py          # needs the serve extra, Playwright and /usr/bin/chromium

It serves the explorer on a free local port, drives Debian's Chromium there, and writes a 1,200-pixel-wide
PNG of at most 256 colours (the page is flat colour, so it stays small).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "explorer.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
INVOICING = "outages__cyber_attack__restore__supplier_invoicing"


def main() -> None:
    server = subprocess.Popen([sys.executable, "-m", "sim", "serve", "scenarios/jlr_2025.yaml", "--port", "0"],
                              cwd=ROOT, text=True, stdout=subprocess.PIPE)
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
        image = Image.open(shot).convert("RGB")
        image = image.resize((1200, round(image.height * 1200 / image.width)), Image.Resampling.LANCZOS)
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(OUT, optimize=True)
        shot.unlink()
        print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
