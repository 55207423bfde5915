"""What the browser tests share: Debian's Chromium driven by Playwright (no browser is downloaded), skipped with
the reason where Playwright, a needed extra or Chromium is missing, and a failure for that under CI=true."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def watch(
    context: Any, page: Any, allowed: Callable[[str], bool], requests: list[str], outside: list[str], errors: list[str]
) -> None:
    """Note every request of the browser ``context`` in ``requests``; one for a URL that is not ``allowed`` fails
    and is noted in ``outside`` too. Note ``page``'s console errors and uncaught exceptions in ``errors``."""

    def route(handled: Any) -> None:
        url = handled.request.url
        requests.append(url)
        if allowed(url):
            handled.continue_()
        else:
            outside.append(url)
            handled.abort()

    context.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
