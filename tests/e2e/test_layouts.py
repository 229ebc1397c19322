"""Every page on a phone (390×844) and on projectors in lecture mode (1920×1080, 1280×720), with screenshots.

On a phone nothing may overflow sideways and no chart may be narrower than 300 px (side-by-side panels stack,
Streamlit's columns stack). In lecture mode the takeaway and the charts' letters are at least 22 px. The screenshots
land in artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.app.helpers import ALL_SCRIPTS
from tests.e2e.browser import (
    assert_no_exception,
    open_app,
    real_console_errors,
    screenshot,
    url_path,
)

PHONE = {"width": 390, "height": 844}
MIN_CHART_WIDTH = 300
LECTURE_MIN_FONT_PX = 22


def _name(script: str) -> str:
    return "home" if script == "app.py" else url_path(script).strip("/")


def _overflow(page) -> dict[str, float]:
    return page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid=stMain]');
            return { page: document.documentElement.scrollWidth - window.innerWidth,
                     main: main.scrollWidth - main.clientWidth };
        }"""
    )


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_page_on_a_phone_fits_the_screen_with_readable_charts(page, app_url, script):
    page.set_viewport_size(PHONE)
    open_app(page, app_url, script)
    assert_no_exception(page)
    overflow = _overflow(page)
    assert overflow["page"] <= 1 and overflow["main"] <= 1, f"content wider than the phone by {overflow} px"
    widths = page.locator(".ropelab-chart__plot").evaluate_all(
        "plots => plots.filter(p => p.offsetParent !== null).map(p => p.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= MIN_CHART_WIDTH, f"chart widths on a phone: {widths}"
    screenshot(page, f"phone-{_name(script)}")
    assert real_console_errors(page) == []


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_lecture_mode_reads_from_the_back_on_both_projector_sizes(page, app_url, script):
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_app(page, app_url, script, "lecture=1")
    assert_no_exception(page)
    fonts = page.locator(".ropelab-chart__plot").evaluate_all(
        "plots => plots.filter(p => p._fullLayout).map(p => p._fullLayout.font.size)"
    )
    assert fonts and min(fonts) >= LECTURE_MIN_FONT_PX, f"chart font sizes in lecture mode: {fonts}"
    if script != "app.py":  # every chapter and tool page has exactly one takeaway
        size = page.locator(".st-key-ropelab_takeaway h2").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= LECTURE_MIN_FONT_PX, f"takeaway at {size} px in lecture mode"
    screenshot(page, f"lecture-1920-{_name(script)}")
    page.set_viewport_size({"width": 1280, "height": 720})
    # Wide heatmaps re-lay out a little after the window shrinks (later still on a busy machine): poll, then judge.
    for _ in range(20):
        page.wait_for_timeout(250)
        if _overflow(page)["main"] <= 1:
            break
    assert _overflow(page)["main"] <= 1
    screenshot(page, f"lecture-1280-{_name(script)}")
    assert real_console_errors(page) == []
