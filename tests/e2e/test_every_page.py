"""Every page in a real browser, on a desktop, two projectors and a phone, in two page loads per page.

Per page: it loads clean (no exception, no console error, every chart in RoPE Lab's chart element, none through
st.plotly_chart); its first slider changes a chart and the URL; that URL opened again (in lecture mode) restores the
slider; in lecture mode at 1920×1080 and 1280×720 the charts' letters and the takeaway are at least 22 px and nothing
overflows; the sidebar switch leaves lecture mode; on a phone (390×844) nothing overflows sideways and no chart is
narrower than 300 px. Screenshots of each view land
in artifacts/screenshots/ for a person to look at. One page tour instead of a test per view keeps the browser
suite inside CI's time on two cores.
"""

from __future__ import annotations

import urllib.parse

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

PHONE = {"width": 390, "height": 844}
MIN_CHART_WIDTH = 300
LECTURE_MIN_FONT_PX = 22
FIRST_SLIDER = "[data-testid=stMain] [data-testid=stSlider] input[type=range]"


def _name(script: str) -> str:
    return "home" if script == "app.py" else url_path(script).strip("/")


def _settled(page, check, patience_ms: int = 5_000):
    """Poll `check()` until it returns something truthy (charts re-lay out a little after the window changes)."""
    result = check()
    for _ in range(patience_ms // 250):
        if result:
            return result
        page.wait_for_timeout(250)
        result = check()
    return result


def _overflow(page) -> dict[str, float]:
    return page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid=stMain]');
            return { page: document.documentElement.scrollWidth - window.innerWidth,
                     main: main.scrollWidth - main.clientWidth };
        }"""
    )


def _fits(page) -> bool:
    overflow = _overflow(page)
    return overflow["page"] <= 1 and overflow["main"] <= 1


def _visible_chart_widths(page) -> list[float]:
    return page.locator(".ropelab-chart__plot").evaluate_all(
        "plots => plots.filter(p => p.offsetParent !== null).map(p => p.getBoundingClientRect().width)"
    )


def _with_lecture(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [*urllib.parse.parse_qsl(parts.query), ("lecture", "1")]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_page_tour_desktop_link_phone_and_projectors(page, app_url, script):
    name = _name(script)
    # 1. Desktop, as a visitor opens it.
    open_app(page, app_url, script)
    assert_no_exception(page)
    assert chart_count(page) >= 1
    assert page.locator("[data-testid=stPlotlyChart]").count() == 0, "a chart bypasses RoPE Lab's chart element"
    screenshot(page, name)
    assert real_console_errors(page) == []

    # 2. The first slider changes a chart and the URL.
    sliders = page.locator(FIRST_SLIDER)
    assert sliders.count() > 0, f"{script} has no slider to move"
    slider = sliders.first
    before_value, before_chart = slider.input_value(), chart_fingerprint(page)
    slider.focus()
    page.keyboard.press("ArrowLeft" if before_value == slider.get_attribute("max") else "ArrowRight")
    wait_for_app(page)
    moved_value = slider.input_value()
    assert moved_value != before_value
    assert _settled(page, lambda: chart_fingerprint(page) != before_chart), "moving the first slider changed no chart"
    assert "?" in page.url, "the new value must be written to the URL"
    assert_no_exception(page)

    # 3. That URL, opened again in lecture mode on a 1920×1080 projector, restores the view; then a 1280×720 one.
    shared_url = page.url
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(_with_lecture(shared_url), wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid=stMain] h1", timeout=30_000)
    page.wait_for_selector(".ropelab-chart .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert page.locator(FIRST_SLIDER).first.input_value() == moved_value, "the link did not restore the slider"
    fonts = page.locator(".ropelab-chart__plot").evaluate_all(
        "plots => plots.filter(p => p._fullLayout).map(p => p._fullLayout.font.size)"
    )
    assert fonts and min(fonts) >= LECTURE_MIN_FONT_PX, f"chart font sizes in lecture mode: {fonts}"
    if script != "app.py":  # every chapter and tool page has exactly one takeaway
        size = page.locator(".st-key-ropelab_takeaway h2").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= LECTURE_MIN_FONT_PX, f"takeaway at {size} px in lecture mode"
    screenshot(page, f"lecture-1920-{name}", full=False)
    page.set_viewport_size({"width": 1280, "height": 720})
    assert _settled(page, lambda: _overflow(page)["main"] <= 1), f"lecture mode at 1280×720: {_overflow(page)}"
    screenshot(page, f"lecture-1280-{name}", full=False)

    # 4. The sidebar switch leaves lecture mode without a reload (and the link forgets it); then the view on a phone.
    page.locator("[data-testid=stSidebar] [data-testid=stCheckbox]").filter(has_text="Lecture mode").click()
    wait_for_app(page)
    assert _settled(page, lambda: "lecture" not in urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query))
    assert page.locator(FIRST_SLIDER).first.input_value() == moved_value
    assert_no_exception(page)
    page.set_viewport_size(PHONE)
    assert _settled(page, lambda: _fits(page)), f"content wider than the phone: {_overflow(page)}"
    widths = _settled(
        page, lambda: (w := _visible_chart_widths(page)) and min(w) >= MIN_CHART_WIDTH and w
    ) or _visible_chart_widths(page)
    assert widths and min(widths) >= MIN_CHART_WIDTH, f"chart widths on a phone: {widths}"
    screenshot(page, f"phone-{name}")
    assert real_console_errors(page) == []


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
