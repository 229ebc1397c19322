"""Shared pytest setup: show full error details inside AppTest so failures name their cause."""

import os

import pytest
from streamlit import config as streamlit_config

# The app redacts exception details for viewers (.streamlit/config.toml); tests want the real message.
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
streamlit_config.set_option("client.showErrorDetails", "full")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under the test command (ROPELAB_REQUIRE_BROWSER=1) a skipped test is a failed test: nothing may skip in CI."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("ROPELAB_REQUIRE_BROWSER") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, which the test command does not allow: {reason}"
