"""Chapters 6 and 7 in a real browser: deep links, client-side clock animation, sliders driving the charts."""

from __future__ import annotations

import numpy as np
import pytest

import rope_core
from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

CHAPTER_6 = "pages/06_RoPE_in_d_dimensions.py"
CHAPTER_7 = "pages/07_Long_term_decay.py"


def _chart(page, key: str):
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first


def _title(page, key: str) -> str:
    return _chart(page, key).evaluate("el => el._fullLayout.title ? el._fullLayout.title.text : ''")


def _wait_for_title(page, key: str, text: str) -> None:
    page.wait_for_function(
        "([key, text]) => { const el = document.querySelector(`.st-key-chart_${key} .js-plotly-plot`);"
        " return el && el._fullLayout && el._fullLayout.title && el._fullLayout.title.text.includes(text); }",
        arg=[key, text],
        timeout=15_000,
    )


def test_chapter_6_deep_link_and_clocks_that_play_in_the_browser(page, app_url):
    open_app(page, app_url, CHAPTER_6, "m=7&d=16")
    page.wait_for_selector(".st-key-chart_clocks .js-plotly-plot", timeout=30_000)
    assert page.locator(".st-key-m input[type=range]").input_value() == "7"
    assert "m = 7" in _title(page, "matrix")
    clocks = _chart(page, "clocks")
    assert clocks.evaluate("el => el._transitionData._frames.length") == 96
    # Pair 0 turns one radian per token, so at m = 7 its hand points at angle 7.
    tip_y = chart_data(page, "clocks", trace=1, field="y")[1]
    assert tip_y == pytest.approx(np.sin(7.0), abs=1e-5)

    url_before = page.url
    clocks.locator(".updatemenu-button").filter(has_text="Play").first.click()
    page.wait_for_function(
        "() => { const el = document.querySelector('.st-key-chart_clocks .js-plotly-plot');"
        " return Math.abs(el._fullData[1].y[1] - Math.sin(7)) > 1e-3; }",
        timeout=10_000,
    )
    # Let it run to the last frame, position 7 + 95 = 102 (pausing mid-play makes plotly.js log a rejection).
    page.wait_for_function(
        "() => { const el = document.querySelector('.st-key-chart_clocks .js-plotly-plot');"
        " return Math.abs(el._fullData[1].y[1] - Math.sin(102)) < 1e-5; }",
        timeout=40_000,
    )
    # The animation ran entirely in the browser: no rerun, the Streamlit slider and the link did not move.
    assert page.url == url_before
    assert page.locator(".st-key-m input[type=range]").input_value() == "7"
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_6_position_slider_rotates_the_matrix_and_updates_the_link(page, app_url):
    open_app(page, app_url, CHAPTER_6, "d=8")
    page.wait_for_selector(".st-key-chart_matrix .js-plotly-plot", timeout=30_000)
    slider = page.locator(".st-key-m input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _wait_for_title(page, "matrix", "m = 4")
    assert "m=4" in page.url and "d=8" in page.url
    fast_corner = chart_data(page, "matrix", trace=1, field="z")
    assert fast_corner[0][0] == pytest.approx(np.cos(4.0), abs=1e-5)
    assert fast_corner[1][0] == pytest.approx(np.sin(4.0), abs=1e-5)
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_7_deep_link_plots_the_bound_and_the_seed_moves_only_the_random_curve(page, app_url):
    open_app(page, app_url, CHAPTER_7, "L=512&d=64")
    page.wait_for_selector(".st-key-chart_decay .js-plotly-plot", timeout=30_000)
    assert page.locator(".st-key-L input[type=range]").input_value() == "512"
    distances = chart_data(page, "decay", trace=0, field="x")
    bound = chart_data(page, "decay", trace=0, field="y")
    assert distances[-1] == 512
    np.testing.assert_allclose(bound, rope_core.decay_bound(np.asarray(distances), 64, 10_000.0), rtol=1e-5)
    random_before = chart_data(page, "decay", trace=3, field="y")

    page.locator(".st-key-seed input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "(before) => { const el = document.querySelector('.st-key-chart_decay .js-plotly-plot');"
        " return el._fullData[3].y[1] !== before; }",
        arg=random_before[1],
        timeout=15_000,
    )
    assert "seed=1" in page.url
    assert chart_data(page, "decay", trace=0, field="y") == bound
    assert_no_exception(page)
    assert real_console_errors(page) == []
