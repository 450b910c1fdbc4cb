"""Headless Chromium for the browser tests, driven by Playwright's sync API.

Debian's ``/usr/bin/chromium`` is launched once for this package's tests in each pytest
process (each xdist worker that takes some), with a fresh profile. When it or Playwright
is missing the tests fail (CI installs both): a browser test that quietly skips would
hide a broken dashboard.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

try:
    from playwright.sync_api import (
        BrowserContext,
        Page,
        Request,
        expect,
        sync_playwright,
    )
except ImportError as missing:  # a collection error, never a skip
    raise ImportError(
        "The browser tests need Playwright's Python package: pip install playwright "
        "(the browser itself is Debian's chromium at /usr/bin/chromium)."
    ) from missing

from tests.browser.pages import DESKTOP

CHROMIUM = "/usr/bin/chromium"
#: How long an expectation waits for the page; generous, so that a busy shared machine
#: never fails a test.
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium (/usr/bin/chromium) with Playwright"
    )


@pytest.fixture(scope="package")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One Chromium with a fresh profile for this package's tests; fails clearly without
    Chromium.

    Not for the session: while Playwright's sync API runs it keeps an asyncio
    loop marked as running in this thread, which would break the asyncio tests
    and in-process pytest runs that the same xdist worker takes next. pytest ends
    a package's fixtures before it runs a test from outside the package.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}: apt-get install chromium.",
            pytrace=False,
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=DESKTOP,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="package")
def tab(browser_context: BrowserContext) -> Iterator[tuple[Page, list[str]]]:
    """The one tab the tests taking ``page`` share, with the JavaScript errors seen on it:
    the tab Chromium opens with its window.

    Each test loads its own page into it (a new tab costs more than the page it loads).
    """
    shared = browser_context.pages[0]
    shared.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    shared.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield shared, errors
    finally:
        shared.close()


@pytest.fixture
def page(tab: tuple[Page, list[str]]) -> Iterator[Page]:
    """The shared tab at desktop width and in front, left on a blank page after the test;
    an uncaught JavaScript error on it during the test fails the test.

    In front: behind another tab (a module's own tab), Chromium holds back the tab's
    animation frames, and a click waits seconds for its element to be seen still.
    """
    shared, errors = tab
    errors.clear()
    shared.set_viewport_size(DESKTOP)
    shared.bring_to_front()
    yield shared
    shared.goto("about:blank")  # the test's page stops (a dashboard stops polling)
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def requested(page: Page) -> Iterator[list[str]]:
    """The URLs the page requests during the test, in order."""
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    page.on("request", record)
    yield seen
    page.remove_listener("request", record)
