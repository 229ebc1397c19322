"""Fixtures for the browser tests: one app server per test worker, one Chromium, a fresh page per test."""

from __future__ import annotations

import contextlib
import os

import pytest

from tests.e2e import browser as helpers


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url():
    with helpers.running_app() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def chromium():
    helpers.require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(chromium):
    """One browser context per test worker, so plotly.js and Streamlit's bundles are compiled once and then come
    from the HTTP and code caches, as for a returning visitor (a fresh context per test spent about a second of
    both cores on every first page load). Each test still gets a new tab, and so a new Streamlit session."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    """A fresh browser tab (1280×900) that records console errors in `page.console_errors`.

    What a tab could leave behind for the next test (cookies, a theme chosen in the settings menu, which Streamlit
    keeps in localStorage, tabs a test opened) is cleared afterwards, so every test starts as a new visitor would.
    """
    tab = browser_context.new_page()
    tab.console_errors = []
    tab.on("console", lambda message: tab.console_errors.append(helpers.console_line(message)))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    for other in browser_context.pages:
        if other is not tab:
            other.close()
    with contextlib.suppress(Exception):  # a tab that crashed or never loaded the app has nothing stored
        tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    tab.close()
    browser_context.clear_cookies()
