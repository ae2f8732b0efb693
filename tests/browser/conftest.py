"""Real-browser journeys: a Chromium (found by ``tests.browser.chromium``) driven by Playwright
against pytest-django's live server.

``browser`` is shared by the session; ``page`` is a fresh context with JavaScript on, and
``nojs_page`` one with JavaScript off (Tor Browser "Safest"), both in Spanish by default.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.chromium import advice, find

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    chromium = find()  # `make test` installs one first when the machine has none
    if chromium is None:
        pytest.fail(advice(["LACS_CHROMIUM, the system's Chromium, Playwright's download"]))
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
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
