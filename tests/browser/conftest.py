"""Real-browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

``browser`` is shared by the session; ``page`` is a fresh context with JavaScript on, and
``nojs_page`` one with JavaScript off (Tor Browser "Safest"), both in Spanish by default.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("LACS_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _context(browser, **options):
    context = browser.new_context(locale="es-MX", **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser, live_server):
    context = _context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    context = _context(browser, java_script_enabled=False)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
