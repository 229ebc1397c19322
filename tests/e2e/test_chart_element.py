"""RoPE Lab's chart element in a real browser: in place updates, themes, export, accessibility, zoom, errors.

Chapter 5's first chart ("pair", driven by the query position slider m) is the subject; every page's charts go
through the same element, and tests/e2e/test_all_pages.py checks that none renders st.plotly_chart.
"""

from __future__ import annotations

import struct
from pathlib import Path

from tests.e2e.browser import (
    assert_no_exception,
    open_app,
    real_console_errors,
    slider_by_label,
    wait_for_app,
)

PAGE = "pages/05_Rotation_in_2D.py"
PLOT = ".st-key-chart_pair .ropelab-chart__plot"


def _press(page, label: str, key: str = "ArrowRight") -> None:
    slider = slider_by_label(page, label)
    slider.focus()
    slider.press(key)
    wait_for_app(page)


def _trace_names(page) -> list[str]:
    return page.locator(PLOT).evaluate("el => el._fullData.map(t => t.name)")


def test_a_press_updates_the_same_plot_in_place_and_keeps_the_readers_zoom(page, app_url):
    open_app(page, app_url, PAGE)
    page.locator(PLOT).scroll_into_view_if_needed()
    # The reader zooms in with the mouse (a box drawn on the plot); a constant uirevision must keep that zoom.
    before = page.locator(PLOT).evaluate("el => el._fullLayout.xaxis.range")
    box = page.locator(f"{PLOT} .nsewdrag").first.bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, middle - 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, middle, steps=8)
    page.mouse.move(box["x"] + box["width"] * 0.7, middle + 40, steps=8)
    page.mouse.up()
    zoomed = page.locator(PLOT).evaluate("el => el._fullLayout.xaxis.range")
    assert zoomed != before, "the mouse drag did not zoom"
    page.locator(PLOT).evaluate("el => { window.__plot = el; window.__data = el._fullData; }")
    _press(page, "Query position m")
    page.wait_for_function(f"() => document.querySelector('{PLOT}')._fullData !== window.__data")
    assert page.evaluate(f"() => document.querySelector('{PLOT}') === window.__plot"), "the plot was re-created"
    assert any("m = 4" in name for name in _trace_names(page))
    assert page.locator(PLOT).evaluate("el => el._fullLayout.xaxis.range") == zoomed
    # Exactly one plotly.js per tab, loaded from this server; no st.plotly_chart anywhere.
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => s.includes('plotly'))")
    assert len(scripts) == 1 and scripts[0].startswith(app_url + "/app/static/vendor/plotly-"), scripts
    assert page.locator("[data-testid=stPlotlyChart]").count() == 0
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_alt_text_reaches_screen_readers_and_hover_works(page, app_url):
    open_app(page, app_url, PAGE)
    plot = page.locator(PLOT)
    assert plot.get_attribute("role") == "img"
    assert plot.get_attribute("aria-label").startswith("Query arrow rotated by 0.90 radians")
    _press(page, "Query position m")
    page.wait_for_function(f"() => document.querySelector('{PLOT}').getAttribute('aria-label').includes('1.20 rad')")
    plot.scroll_into_view_if_needed()
    box = page.locator(f"{PLOT} .nsewdrag").first.bounding_box()
    plot.evaluate("el => { el.__hovered = false; el.on('plotly_hover', () => { el.__hovered = true; }); }")
    for step in range(40):  # sweep across the plot until a point is under the pointer
        page.mouse.move(box["x"] + box["width"] * step / 40, box["y"] + box["height"] / 2)
        if plot.evaluate("el => el.__hovered"):
            break
    assert plot.evaluate("el => el.__hovered"), "hovering the plot showed no point"


def test_a_live_switch_between_light_and_dark_recolours_the_same_plot(page, app_url):
    page.emulate_media(color_scheme="light")
    open_app(page, app_url, PAGE)
    page.locator(PLOT).evaluate("el => { window.__plot = el; }")
    query_colour = "el => el._fullData.find(t => (t.name || '').startsWith('R(mθ) q')).line.color"
    font_colour = "el => el._fullLayout.font.color"
    light = (page.locator(PLOT).evaluate(query_colour), page.locator(PLOT).evaluate(font_colour))
    assert light[0].lower() == "#0072b2"
    page.emulate_media(color_scheme="dark")  # the operating system switches; Streamlit follows it live
    page.wait_for_function(
        f"() => document.querySelector('{PLOT}')._fullData.find(t => (t.name || '').startsWith('R(mθ) q'))"
        ".line.color.toLowerCase() === '#56b4e9'"
    )
    dark_font = page.locator(PLOT).evaluate(font_colour)
    assert dark_font != light[1]
    page.emulate_media(color_scheme="light")
    page.wait_for_function(
        f"() => document.querySelector('{PLOT}')._fullData.find(t => (t.name || '').startsWith('R(mθ) q'))"
        ".line.color.toLowerCase() === '#0072b2'"
    )
    assert page.evaluate(f"() => document.querySelector('{PLOT}') === window.__plot")
    assert real_console_errors(page) == []


def test_png_export_is_twice_the_size_with_the_legend_inside_and_csv_downloads(page, app_url):
    open_app(page, app_url, PAGE)
    plot = page.locator(PLOT)
    width, height = plot.evaluate("el => [el._fullLayout.width, el._fullLayout.height]")
    # The legend must lie inside the figure, or the PNG (which is the figure's area) cuts it off.
    legend, figure = plot.evaluate(
        "el => [el.querySelector('.legend').getBoundingClientRect().toJSON(),"
        " el.querySelector('.main-svg').getBoundingClientRect().toJSON()]"
    )
    assert figure["top"] <= legend["top"] and legend["bottom"] <= figure["bottom"] + 1
    assert figure["left"] <= legend["left"] and legend["right"] <= figure["right"] + 1
    plot.hover()
    with page.expect_download() as download_info:
        page.locator(".st-key-chart_pair .modebar-btn[data-title='Download plot as a PNG']").click()
    png = download_info.value
    assert png.suggested_filename == "ropelab_pair.png"
    header = Path(png.path()).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (2 * width, 2 * height)
    with page.expect_download() as csv_info:
        page.get_by_role("button", name="Download the data (CSV)").first.click()
    csv = Path(csv_info.value.path()).read_text(encoding="utf-8").splitlines()
    assert csv[0] == "vector,x0,x1" and len(csv) == 5


def test_the_plot_follows_the_width_of_its_column(page, app_url):
    open_app(page, app_url, PAGE)
    wide = page.locator(PLOT).evaluate("el => el._fullLayout.width")
    page.set_viewport_size({"width": 900, "height": 900})
    page.wait_for_function(f"(w) => document.querySelector('{PLOT}')._fullLayout.width < w - 50", arg=wide)
    frame = page.locator(".st-key-chart_pair").bounding_box()
    assert page.locator(PLOT).evaluate("el => el._fullLayout.width") <= frame["width"] + 1
    # A resize changes the width only: the plot keeps the height its figure asks for (it once collapsed to 32 px).
    page.wait_for_timeout(300)
    height, drawn = page.locator(PLOT).evaluate("el => [el.getBoundingClientRect().height, el._fullLayout.height]")
    assert height >= 300 and abs(height - drawn) <= 2, (height, drawn)


def test_a_chart_that_cannot_be_drawn_says_so_instead_of_staying_blank(page, app_url):
    open_app(page, app_url, PAGE)
    message = page.evaluate(
        """async () => {
            const source = [...document.scripts].find(s => s.src.includes('plotly'));
            const module = await import('/app/static/ropelab/chart.js?broken-payload-test');
            const box = document.createElement('div');
            document.body.appendChild(box);
            module.render({ parentElement: box, data: new Uint8Array([123, 34, 110]), setStateValue() {} },
                          { plotly: source.src, styles: '/app/static/ropelab/chart.css' });
            await new Promise(resolve => setTimeout(resolve, 200));
            const error = box.querySelector('.ropelab-chart__error');
            return error.hidden ? null : error.textContent;
        }"""
    )
    assert message and message.startswith("This chart could not be drawn:"), message
