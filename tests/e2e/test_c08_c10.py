"""Chapters 8–10 in a real browser: the shift scrubber moves the maps without the server, keyboard steps leave no
false link notice, a section's control keeps the address bar and the share link right, deep links restore views."""

from __future__ import annotations

import time

import numpy as np

from ropelab.lessons.c08_attention_maps import compare_methods, split_tokens
from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    grab_scrubber,
    open_app,
    real_console_errors,
    share_link_with,
    url_query,
    wait_for_app,
)

CHAPTER_8 = "pages/08_Attention_maps.py"
CHAPTER_9 = "pages/09_Efficient_implementation.py"
CHAPTER_10 = "pages/10_Why_RoPE_won.py"


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


def _shown_heatmaps(page, key: str) -> list[list[list[float]]]:
    """The z values of every visible heatmap of a chart, in trace order."""
    return _chart(page, key).evaluate(
        "el => el._fullData.filter(t => t.type === 'heatmap' && t.visible === true)"
        ".map(t => t.z.map(row => Array.from(row)))"
    )


def _link_notices(page) -> list[str]:
    return [text for text in page.locator("[data-testid=stAlert]").all_inner_texts() if "link's value" in text]


def test_chapter_8_keyboard_steps_on_the_shift_leave_no_false_link_notice(page, app_url):
    text = "to be or not to be"
    open_app(page, app_url, CHAPTER_8, f"text={text.replace(' ', '+')}&seed=3&shift=500&same=true")
    page.wait_for_selector(".st-key-chart_maps .js-plotly-plot", timeout=30_000)
    assert page.locator(".st-key-seed input[type=range]").input_value() == "3"
    assert page.locator(".st-key-text input").input_value() == text
    assert "positions 500 … 505" in _title(page, "maps")
    assert len(_shown_heatmaps(page, "maps")) == 6
    # The RoPE panel (last heatmap) holds exactly the core's scores for this link.
    _, ids = split_tokens(text)
    expected = compare_methods(ids, 32, seed=3, same_token=True, shift=500)["rope"].maps.scores
    np.testing.assert_allclose(np.array(_shown_heatmaps(page, "maps")[-1], dtype=float), expected, atol=1e-6)

    # Regression (#13 §4): stepping the shift with the keyboard once left "the link's value 550 is not allowed
    # here, so 600 is used" on the page. Step by step across the learned table's end (positions ≥ 512), then jump.
    shift = page.locator(".st-key-shift input[type=range]")
    for expected_shift in (510, 520, 530):
        shift.focus()
        page.keyboard.press("ArrowRight")
        wait_for_app(page)
        _wait_for_title(page, "maps", f"positions {expected_shift} …")
        assert url_query(page)["shift"] == str(expected_shift)
        assert _link_notices(page) == []
    assert len(_shown_heatmaps(page, "maps")) == 5  # the learned table has no rows past 511
    notes = _chart(page, "maps").evaluate("el => el._fullData.filter(t => t.mode === 'text').map(t => t.text[0])")
    assert notes == ["No learned row<br>for positions ≥ 512<br>(this sentence: 530 … 535)"]
    shift.focus()
    page.keyboard.press("End")
    wait_for_app(page)
    _wait_for_title(page, "maps", "positions 1000")
    assert url_query(page)["shift"] == "1000" and _link_notices(page) == []
    np.testing.assert_allclose(np.array(_shown_heatmaps(page, "maps")[-1], dtype=float), expected, atol=1e-6)
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_8_dragging_the_shift_moves_the_maps_without_the_server(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, CHAPTER_8)
    page.wait_for_selector(".st-key-chart_maps .ropelab-chart__range", timeout=30_000)
    scrubber = page.locator(".st-key-chart_maps .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Shift s" and scrubber.input_value() == "10"
    height = _chart(page, "maps").evaluate("el => el._fullLayout.height")
    sinusoidal = chart_data(page, "maps", 1, "z")

    x, y, width = grab_scrubber(page, scrubber)
    during = len(sent)
    titles, pictures = set(), set()
    for step in range(1, 9):
        page.mouse.move(x + step * width / 25, y, steps=2)
        page.wait_for_timeout(80)
        stop = int(scrubber.input_value())
        shift = 10 * stop
        title = _title(page, "maps")
        if f"positions {shift} … {shift + 10}" in title:
            titles.add(shift)
        pictures.add(str(chart_data(page, "maps", 1, "z")))
        # The chart keeps its size while dragged (it collapsed to 32 px when plotly.js's resize had deleted the
        # height from the layout the chart element keeps for its frames).
        assert _chart(page, "maps").evaluate("el => el._fullLayout.height") == height
    assert len(sent) == during, "dragging the scrubber must not talk to the server"
    assert len(titles) >= 5 and len(pictures) >= 5, f"the maps followed the drag at {sorted(titles)}"
    page.mouse.up()
    wait_for_app(page)
    released = 10 * int(scrubber.input_value())
    assert released >= 200
    assert url_query(page)["shift"] == str(released)
    page.wait_for_function(
        "s => document.querySelector('.ropelab-share__link').value.includes(`shift=${s}`)", arg=released
    )
    # The page-wide numbers follow the released shift: the sinusoidal metric is the one computed for it.
    _, ids = split_tokens("the cat sat on the mat because the cat was tired")
    moved = compare_methods(ids, 32, seed=1, same_token=True, shift=released)["sinusoidal"].shift_change
    metric = page.locator("[data-testid=stMetric]").filter(has_text="Sinusoidal: max |Δscore|")
    assert metric.locator("[data-testid=stMetricValue]").inner_text() == f"{moved:.2f}"
    assert chart_data(page, "maps", 1, "z") != sinusoidal

    # The view choice lives in the maps' own section: it reruns alone, and the address bar and share link follow.
    page.locator(".st-key-view").get_by_text("probabilities").click()
    wait_for_app(page)
    _wait_for_title(page, "maps", "Probabilities at")
    assert url_query(page)["view"] == "probabilities"
    share_link_with(page, "view=probabilities", f"shift={released}")
    title = _title(page, "maps")

    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_maps .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    assert _title(fresh, "maps") == title
    assert fresh.locator(".st-key-chart_maps .ropelab-chart__range").input_value() == str(released // 10)
    assert fresh.locator(".st-key-shift input[type=range]").input_value() == str(released)
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_9_sections_rerun_alone_and_keep_the_link(page, app_url):
    open_app(page, app_url, CHAPTER_9, "d=128&L=64&hd=12")
    page.wait_for_selector(".st-key-chart_timing .js-plotly-plot", timeout=30_000)
    assert _title(page, "timing") == "Measured now: d = 128, L = 64"
    microseconds = chart_data(page, "timing", trace=0, field="x")
    assert len(microseconds) == 3 and all(value > 0 for value in microseconds)
    boxes = _chart(page, "pairing").evaluate(
        "el => el._fullData.filter(t => t.mode === 'markers+text').map(t => t.x.length)"
    )
    assert boxes == [12, 12]
    assert "rotate_half(x) * np.sin(angles)" in page.locator("[data-testid=stCode]").first.inner_text()

    # One step right on the picture's head size, a control of the layouts section (which reruns alone): 12 → 14
    # channels. The timing chart of the other section keeps its plot and its numbers.
    timing_plot = _chart(page, "timing").element_handle()
    head_size = page.locator(".st-key-hd input[type=range]")
    head_size.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _wait_for_title(page, "pairing", "d = 14")
    assert url_query(page)["hd"] == "14" and url_query(page)["d"] == "128"
    page.wait_for_function("() => document.querySelector('.ropelab-share__link').value.includes('hd=14')")
    share_link_with(page, "d=128", "L=64")
    assert chart_data(page, "timing", trace=0, field="x") == microseconds
    assert timing_plot.evaluate("el => el.isConnected")
    permutation = chart_data(page, "permutation", trace=0, field="z")
    assert [int(np.argmax(row)) for row in permutation] == [0, 2, 4, 6, 8, 10, 12, 1, 3, 5, 7, 9, 11, 13]
    converted = page.locator("[data-testid=stMetric]").filter(has_text="max |converted − original| scores")
    assert float(converted.locator("[data-testid=stMetricValue]").inner_text()) < 1e-12

    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_pairing .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    _wait_for_title(page, "pairing", "d = 14")
    assert url_query(page)["hd"] == "14"
    assert _title(page, "timing") == "Measured now: d = 128, L = 64"
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_10_deep_link_then_distance_slider_moves_the_alibi_line(page, app_url):
    open_app(page, app_url, CHAPTER_10, "r=20&L=128")
    assert_no_exception(page)
    r_slider = page.locator(".st-key-r input[type=range]")
    assert r_slider.input_value() == "20"
    assert page.locator(".st-key-L input[type=range]").input_value() == "128"
    assert "r = 20 apart" in _title(page, "shift_scores")
    nope, alibi = chart_data(page, "shift_scores", 0), chart_data(page, "shift_scores", 4)
    assert abs((nope[0] - alibi[0]) - 0.5 * 20) < 1e-3

    r_slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _wait_for_title(page, "shift_scores", "r = 21 apart")
    assert url_query(page)["r"] == "21"
    nope, alibi = chart_data(page, "shift_scores", 0), chart_data(page, "shift_scores", 4)
    assert abs((nope[0] - alibi[0]) - 0.5 * 21) < 1e-3
    # The learned line stops where the 128-row table ends: key position 128 − 1 − 21 = 106.
    shifts = chart_data(page, "shift_scores", 2, "x")
    has_score = _chart(page, "shift_scores").evaluate("el => Array.from(el._fullData[2].y).map(Number.isFinite)")
    assert has_score == [shift <= 106 for shift in shifts]
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_10_dragging_slides_the_pair_without_the_server(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, CHAPTER_10, "L=64")
    page.wait_for_selector(".st-key-chart_shift_scores .ropelab-chart__range", timeout=30_000)
    scrubber = page.locator(".st-key-chart_shift_scores .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Key position p" and scrubber.input_value() == "32"
    rope = chart_data(page, "shift_scores", 5)  # RoPE's line: flat

    x, y, width = grab_scrubber(page, scrubber)
    during = len(sent)
    seen = set()
    for step in range(1, 9):
        page.mouse.move(x + step * width / 24, y, steps=2)
        page.wait_for_timeout(80)
        p = int(scrubber.input_value())
        dots_x = chart_data(page, "shift_scores", 6, "x")
        dots_y = chart_data(page, "shift_scores", 6, "y")
        tokens = chart_data(page, "shift_scores", 8, "x")
        if dots_x == [p] * 6 and tokens == [p, p + 8]:
            seen.add(p)
            assert abs(dots_y[5] - rope[p]) < 1e-5  # the RoPE dot sits on RoPE's flat line
            learned = dots_y[2]
            assert (learned is None or learned != learned) == (p + 8 >= 64)  # no learned row for a query ≥ 64
    assert len(sent) == during, "dragging the scrubber must not talk to the server"
    assert len(seen) >= 5, f"the pair followed the drag at only {sorted(seen)}"
    page.mouse.up()
    wait_for_app(page)
    released = int(scrubber.input_value())
    assert released > 40 and url_query(page)["p"] == str(released)
    page.wait_for_function("p => document.querySelector('.ropelab-share__link').value.includes(`p=${p}`)", arg=released)
    assert page.locator(".st-key-p input[type=range]").input_value() == str(released)

    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_shift_scores .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    assert fresh.locator(".st-key-chart_shift_scores .ropelab-chart__range").input_value() == str(released)
    assert chart_data(fresh, "shift_scores", 8, "x") == [released, released + 8]
    assert_no_exception(page)
    assert real_console_errors(page) == []
