"""Chapters 12 and 13 in a real browser: deep links, sliders that reshape the heatmaps, and the grid clamp."""

from __future__ import annotations

from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

LINEAR = "pages/12_Linear_attention.py"
IMAGES = "pages/13_RoPE_for_images.py"


def _slider(page, key: str):
    return page.locator(f".st-key-{key} input[type=range]").first


def _wait_for_rows(page, key: str, rows: int, trace: int = 0) -> None:
    page.wait_for_function(
        f"""() => {{
            const el = document.querySelector('.st-key-chart_{key} .js-plotly-plot');
            return el && el._fullData && el._fullData[{trace}].z && el._fullData[{trace}].z.length === {rows};
        }}""",
        timeout=30_000,
    )


def test_linear_attention_deep_link_then_slider_resizes_the_weights(page, app_url):
    open_app(page, app_url, LINEAR, "L=12&d=8&causal=true")
    assert _slider(page, "L").input_value() == "12"
    _wait_for_rows(page, "weights", 12)
    rope_linear = chart_data(page, "weights", trace=2, field="z")
    assert all(value == 0 for row, values in enumerate(rope_linear) for value in values[row + 1 :]), "causal"
    timing_lengths = chart_data(page, "timing", trace=0, field="x")
    assert timing_lengths[0] == 64

    _slider(page, "L").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert _slider(page, "L").input_value() == "13"
    _wait_for_rows(page, "weights", 13)
    assert "L=13" in page.url and "causal=true" in page.url
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_images_query_follows_its_sliders_and_shrinking_the_grid_clamps_it(page, app_url):
    open_app(page, app_url, IMAGES, "grid=10&row=9&col=9&pattern=checkerboard")
    assert _slider(page, "grid").input_value() == "10"
    assert _slider(page, "row").input_value() == "9"
    _wait_for_rows(page, "scores", 10)
    assert chart_data(page, "scores", trace=1, field="x") == [9]

    _slider(page, "col").focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('.st-key-chart_scores .js-plotly-plot')._fullData[1].x[0] === 8", timeout=30_000
    )
    assert "col=8" in page.url

    _slider(page, "grid").focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    _wait_for_rows(page, "scores", 9)
    assert int(_slider(page, "row").input_value()) <= 8
    assert int(_slider(page, "row").get_attribute("max")) == 8
    assert_no_exception(page)
    assert real_console_errors(page) == []
