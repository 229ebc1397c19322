"""Chapter 5 in a real browser: deep links, sliders driving charts, and the client-side position sweep."""

from __future__ import annotations

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

CHAPTER_5 = "pages/05_Rotation_in_2D.py"
QUERY = np.array([1.0, 0.6])


def _chart(page, key: str):
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first


def _query_tip(page, key: str, trace: int) -> np.ndarray:
    return np.array([chart_data(page, key, trace=trace, field=axis)[1] for axis in ("x", "y")])


def test_chapter_5_deep_link_slider_and_browser_side_sweep(page, app_url):
    open_app(page, app_url, CHAPTER_5, "m=5&n=2&theta=0.5")
    page.wait_for_selector(".st-key-chart_sweep .js-plotly-plot", timeout=30_000)
    assert page.locator(".st-key-m input[type=range]").input_value() == "5"
    assert page.locator(".st-key-theta input[type=range]").input_value() == "0.5"
    # Trace 4 of the pair chart is R(mθ)q.
    np.testing.assert_allclose(_query_tip(page, "pair", 4), rope_core.rotation_matrix_2d(2.5) @ QUERY, atol=1e-5)

    slider = page.locator(".st-key-m input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function(
        "() => { const el = document.querySelector('.st-key-chart_pair .js-plotly-plot');"
        " return el && el._fullData[4].name.includes('m = 6'); }",
        timeout=15_000,
    )
    assert "m=6" in page.url and "theta=0.5" in page.url
    np.testing.assert_allclose(_query_tip(page, "pair", 4), rope_core.rotation_matrix_2d(3.0) @ QUERY, atol=1e-5)

    sweep = _chart(page, "sweep")
    assert sweep.evaluate("el => el._transitionData._frames.length") == 64
    url_before = page.url
    sweep.locator(".updatemenu-button").filter(has_text="Play").first.click()
    # Let the animation run to its last frame, m = 63 (pausing mid-play makes plotly.js log a rejection).
    page.wait_for_function(
        "() => { const el = document.querySelector('.st-key-chart_sweep .js-plotly-plot');"
        " return el._fullData[4].x[0] === 63; }",
        timeout=40_000,
    )
    np.testing.assert_allclose(_query_tip(page, "sweep", 2), rope_core.rotation_matrix_2d(63 * 0.5) @ QUERY, atol=1e-5)
    expected = lesson_c05.relative_score(QUERY, np.array([0.8, -0.5]), 63, 2, [0.5], convention="interleaved")
    assert chart_data(page, "sweep", trace=4, field="y")[0] == pytest.approx(expected, abs=1e-5)
    assert f"{expected:.3f}" in sweep.evaluate("el => el._fullLayout.title.text")
    # No server round trip: the Streamlit slider and the link did not move.
    assert page.url == url_before
    assert slider.input_value() == "6"
    assert_no_exception(page)
    assert real_console_errors(page) == []
