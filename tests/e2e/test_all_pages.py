"""Every page in a real browser: loads clean, first control changes a chart, deep links restore the view."""

from __future__ import annotations

import pytest

from tests.app.helpers import ALL_SCRIPTS
from tests.e2e.browser import (
    assert_no_exception,
    chart_count,
    chart_fingerprint,
    open_app,
    real_console_errors,
    screenshot,
    url_path,
    wait_for_app,
)


def _chart_changes(page, before: str, patience_ms: int = 5_000) -> bool:
    # Plotly redraws just after the rerun finishes, so give the DOM a moment to catch up.
    for _ in range(patience_ms // 250):
        if chart_fingerprint(page) != before:
            return True
        page.wait_for_timeout(250)
    return False


def _shot_name(script: str) -> str:
    return "home" if script == "app.py" else url_path(script).strip("/")


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_page_loads_clean_and_is_screenshotted(page, app_url, script):
    open_app(page, app_url, script)
    page.wait_for_selector(".ropelab-chart .js-plotly-plot", timeout=30_000)
    assert_no_exception(page)
    assert chart_count(page) >= 1
    screenshot(page, _shot_name(script))
    assert real_console_errors(page) == []


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_first_slider_changes_a_chart_and_the_url(page, app_url, script):
    open_app(page, app_url, script)
    page.wait_for_selector(".ropelab-chart .js-plotly-plot", timeout=30_000)
    sliders = page.locator("[data-testid=stMain] [data-testid=stSlider] input[type=range]")
    assert sliders.count() > 0, f"{script} has no slider to move"
    slider = sliders.first
    before_value = slider.input_value()
    before_chart = chart_fingerprint(page)
    slider.focus()
    key = "ArrowLeft" if before_value == slider.get_attribute("max") else "ArrowRight"
    page.keyboard.press(key)
    wait_for_app(page)
    assert slider.input_value() != before_value
    assert _chart_changes(page, before_chart), "moving the first slider changed no chart"
    assert "?" in page.url, "the new value must be written to the URL"
    assert_no_exception(page)


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_deep_link_restores_the_first_slider(page, app_url, script):
    open_app(page, app_url, script)
    sliders = page.locator("[data-testid=stMain] [data-testid=stSlider] input[type=range]")
    assert sliders.count() > 0, f"{script} has no slider to move"
    slider = sliders.first
    slider.focus()
    key = "ArrowLeft" if slider.input_value() == slider.get_attribute("max") else "ArrowRight"
    page.keyboard.press(key)
    wait_for_app(page)
    moved_value = slider.input_value()
    shared_url = page.url
    fresh = page.context.new_page()
    fresh.goto(shared_url, wait_until="domcontentloaded")
    fresh.wait_for_selector("[data-testid=stMain] h1", timeout=30_000)
    wait_for_app(fresh)
    fresh_slider = fresh.locator("[data-testid=stMain] [data-testid=stSlider] input[type=range]").first
    assert fresh_slider.input_value() == moved_value
    assert_no_exception(fresh)


def test_dark_theme_and_lecture_mode_render(page, app_url):
    page.emulate_media(color_scheme="dark")
    open_app(page, app_url, "app.py", "lecture=1")
    page.wait_for_selector(".ropelab-chart .js-plotly-plot", timeout=30_000)
    assert_no_exception(page)
    background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    red, green, blue = (
        int(part) for part in background[background.index("(") + 1 : background.index(")")].split(",")[:3]
    )
    assert red + green + blue < 200, f"dark theme expected, background is {background}"
    screenshot(page, "home-dark-lecture")
    assert "lecture=1" in page.url
