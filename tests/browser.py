"""What the browser tests share: Debian's Chromium driven by Playwright (no browser is downloaded), skipped with
the reason where Playwright, a needed extra or Chromium is missing, and a failure for that under CI=true."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SUPPLYSIM_CHROMIUM", "/usr/bin/chromium"))  # Debian's; another machine may name its own
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
EXTRAS = {
    "panel": "the explorer's extra is not installed (pip install -e '.[serve]')",
    "bokeh": "Bokeh is not installed (pip install -e '.[report]')",
}


def missing(*modules: str) -> str | None:
    """Why the browser tests needing ``modules`` (``panel``, ``bokeh``) cannot run here; None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    for module in modules:
        if importlib.util.find_spec(module) is None:
            return EXTRAS[module]
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    return None


def require(*modules: str) -> None:
    """Skip the calling test with the reason the browser cannot run here; under CI=true, fail instead."""
    reason = missing(*modules)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests must run under CI: {reason}")
        pytest.skip(reason)
