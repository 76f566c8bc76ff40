"""Chromium for the console's browser tests: Debian's package driven by Playwright, never a downloaded browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CAPCUT_MATE_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CAPCUT_MATE_REQUIRE_BROWSER_TESTS") == "1"  # set by .ci/run: CI must not skip them


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (CAPCUT_MATE_REQUIRE_BROWSER_TESTS=1)")
    pytest.skip(f"{reason}: apt-get install chromium, pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API keeps an event loop running while it is open, which would break
    later tests that call asyncio.run() if it stayed open for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            yield browser
        finally:
            browser.close()
