"""Chapters 8 and 9 in a real browser: deep links restore the view, controls redraw the charts, no errors."""

from __future__ import annotations

import numpy as np

from ropelab.lessons.c08_attention_maps import compare_methods, split_tokens
from tests.e2e.browser import assert_no_exception, chart_data, open_app, real_console_errors, wait_for_app

CHAPTER_8 = "pages/08_Attention_maps.py"
CHAPTER_9 = "pages/09_Efficient_implementation.py"


def _title(page, key: str) -> str:
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first.evaluate(
        "el => el._fullLayout.title ? el._fullLayout.title.text : ''"
    )


def _wait_for_title(page, key: str, text: str) -> None:
    page.wait_for_function(
        "([key, text]) => { const el = document.querySelector(`.st-key-chart_${key} .js-plotly-plot`);"
        " return el && el._fullLayout && el._fullLayout.title && el._fullLayout.title.text.includes(text); }",
        arg=[key, text],
        timeout=15_000,
    )


def _heatmap_count(page, key: str) -> int:
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first.evaluate(
        "el => el._fullData.filter(t => t.type === 'heatmap' && !(t.name || '').endsWith('(no data)')).length"
    )


def test_chapter_8_deep_link_then_shift_past_the_learned_table(page, app_url):
    text = "to be or not to be"
    open_app(page, app_url, CHAPTER_8, f"text={text.replace(' ', '+')}&seed=3&shift=200&same=true")
    page.wait_for_selector(".st-key-chart_maps .js-plotly-plot", timeout=30_000)
    assert page.locator(".st-key-seed input[type=range]").input_value() == "3"
    assert page.locator(".st-key-text input").input_value() == text
    assert "positions 200 … 205" in _title(page, "maps")
    assert _heatmap_count(page, "maps") == 6

    # The RoPE panel (last heatmap) holds exactly the core's probabilities for this link.
    _, ids = split_tokens(text)
    expected = compare_methods(ids, 32, seed=3, same_token=True, shift=200)["rope"].maps.probabilities
    rope_panel = page.locator(".st-key-chart_maps .js-plotly-plot").first.evaluate(
        "el => { const maps = el._fullData.filter(t => t.type === 'heatmap' && !(t.name || '').endsWith('(no data)'));"
        " return maps[maps.length - 1].z.map(row => Array.from(row)); }"
    )
    np.testing.assert_allclose(np.array(rope_panel, dtype=float), expected, atol=1e-6)

    # Keyboard on the shift slider: 200 → 500 is 30 steps of 10; past 511 the learned table has no rows.
    shift = page.locator(".st-key-shift input[type=range]")
    shift.focus()
    page.keyboard.press("End")
    wait_for_app(page)
    _wait_for_title(page, "maps", "positions 1000")
    assert "shift=1000" in page.url
    assert _heatmap_count(page, "maps") == 5
    moved = page.locator(".st-key-chart_maps .js-plotly-plot").first.evaluate(
        "el => { const maps = el._fullData.filter(t => t.type === 'heatmap' && !(t.name || '').endsWith('(no data)'));"
        " return maps[maps.length - 1].z.map(row => Array.from(row)); }"
    )
    np.testing.assert_allclose(np.array(moved, dtype=float), expected, atol=1e-6)  # RoPE did not move
    annotations = page.locator(".st-key-chart_maps .js-plotly-plot").first.evaluate(
        "el => (el._fullLayout.annotations || []).map(a => a.text).join(' | ')"
    )
    assert "No learned row" in annotations
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_9_deep_link_timing_and_layout_picture(page, app_url):
    open_app(page, app_url, CHAPTER_9, "d=128&L=64&layout=interleaved&hd=12")
    page.wait_for_selector(".st-key-chart_timing .js-plotly-plot", timeout=30_000)
    assert "d = 128, L = 64, interleaved" in _title(page, "timing")
    microseconds = chart_data(page, "timing", trace=0, field="x")
    assert len(microseconds) == 3 and all(value > 0 for value in microseconds)
    boxes = page.locator(".st-key-chart_pairing .js-plotly-plot").first.evaluate(
        "el => el._fullData.filter(t => t.mode === 'markers+text').map(t => t.x.length)"
    )
    assert boxes == [12, 12]

    # One step right on the picture's head size (a select slider of even sizes): 12 → 14 channels.
    head_size = page.locator(".st-key-hd input[type=range]")
    head_size.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _wait_for_title(page, "pairing", "d = 14")
    assert "hd=14" in page.url and "d=128" in page.url
    permutation = chart_data(page, "permutation", trace=0, field="z")
    assert [int(np.argmax(row)) for row in permutation] == [0, 2, 4, 6, 8, 10, 12, 1, 3, 5, 7, 9, 11, 13]
    converted = page.locator("[data-testid=stMetric]").filter(has_text="max |converted − original| scores")
    assert float(converted.locator("[data-testid=stMetricValue]").inner_text()) < 1e-12
    assert_no_exception(page)
    assert real_console_errors(page) == []
