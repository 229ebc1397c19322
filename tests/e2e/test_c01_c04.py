"""Chapters 1-4 in a real browser: the angle scrubber turns the picture without the server, sections rerun alone and
keep the address bar and the share link right, deep links restore the view, typed markup stays text."""

from __future__ import annotations

import math
import time
import urllib.parse

import numpy as np
import pytest

import rope_core
from ropelab.figures.c02_why_positions import token_labels
from ropelab.lessons import c01_complex_numbers as lesson_c01
from ropelab.lessons import c04_relative_encodings as lesson_c04
from ropelab.lessons.c02_why_positions import shuffle_order
from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    grab_scrubber,
    open_app,
    real_console_errors,
    share_link_with,
    slider_by_label,
    url_query,
    wait_for_app,
)

CHAPTER_1 = "pages/01_Complex_numbers.py"


def _wait_for_chart(page, key: str, trace: int, field: str, predicate, timeout_ms: int = 8_000):
    """Poll a chart's decoded data until `predicate` accepts it (Plotly redraws just after the rerun)."""
    values = None
    for _ in range(timeout_ms // 250):
        values = chart_data(page, key, trace, field)
        if predicate(values):
            return values
        page.wait_for_timeout(250)
    raise AssertionError(f"chart {key!r} never showed the expected data; last: {values}")


def _trace_index(page, key: str, name: str) -> int:
    chart = page.locator(f".st-key-chart_{key} .js-plotly-plot").first
    names = chart.evaluate("el => el._fullData.map(t => t.name || '')")
    return names.index(name)


def _chart(page, key: str):
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first


def _title(page, key: str) -> str:
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first.evaluate("el => el._fullLayout.title.text")


def _open_fold(page, title: str) -> None:
    page.locator("[data-testid=stExpander] summary").filter(has_text=title).first.click()
    page.wait_for_timeout(300)


def _drag(page, scrubber, shows_stop) -> set[int]:
    """Drag a scrubber's thumb to the right with the mouse, over several stops; the stops whose picture was shown."""
    x, y, width = grab_scrubber(page, scrubber)
    seen = set()
    for step in range(1, 13):
        page.mouse.move(x + step * width / 40, y, steps=2)
        page.wait_for_timeout(60)
        index = int(scrubber.input_value())
        if shows_stop(index):
            seen.add(index)
    page.mouse.up()
    return seen


def test_chapter_1_dragging_the_angle_turns_both_arrows_without_the_server(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, CHAPTER_1, "a=3&b=4")
    page.wait_for_selector(".st-key-chart_turn .ropelab-chart__range", timeout=30_000)
    unit = _trace_index(page, "turn", "e<sup>iθ</sup>")
    turned = _trace_index(page, "turn", "z·e<sup>iθ</sup>")
    assert _title(page, "turn") == "θ = π/4 = 0.785 rad (45°)"
    stops, start = lesson_c01.angle_stops(-6.3, 6.3, math.pi / 4)
    scrubber = page.locator(".st-key-chart_turn .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Angle θ" and scrubber.input_value() == str(start)

    during = len(sent)
    seen = _drag(
        page,
        scrubber,
        lambda index: (
            [chart_data(page, "turn", unit, axis)[1] for axis in ("x", "y")]
            == pytest.approx([math.cos(stops[index]), math.sin(stops[index])], abs=1e-5)
        ),
    )
    assert len(sent) == during, "dragging the scrubber must not talk to the server"
    assert len(seen) >= 5, f"the picture followed the drag at only {len(seen)} stops"
    wait_for_app(page)
    released = int(scrubber.input_value())
    assert released > start + 4
    theta = float(url_query(page)["theta"])
    assert theta == pytest.approx(stops[released], abs=1e-12)
    _wait_for_chart(
        page, "turn", turned, "x", lambda xs: abs(xs[-1] - (3 * math.cos(theta) - 4 * math.sin(theta))) < 1e-5
    )
    share_link_with(page, f"theta={url_query(page)['theta']}")
    title = _title(page, "turn")
    assert title.startswith("θ = ") and f"{theta:.3f} rad" in title

    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_turn .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    assert _title(fresh, "turn") == title
    assert fresh.locator(".st-key-chart_turn .ropelab-chart__range").input_value() == str(released)
    assert slider_by_label(fresh, "Real part a").input_value() == "3"
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_2_typed_markup_stays_text_and_the_shuffle_button_reshuffles_and_is_kept(page, app_url):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sentence = "<script>alert(1)</script> <b>dog</b> bites the man"
    open_app(page, app_url, "pages/02_Why_positions.py", urllib.parse.urlencode({"text": sentence}))
    page.wait_for_selector(".st-key-chart_weights .js-plotly-plot", timeout=30_000)
    assert page.locator("[data-testid=stMain] [data-testid=stCode]").first.inner_text().strip() == sentence
    tick_texts = page.locator(".st-key-chart_weights .yaxislayer-above text").evaluate_all(
        "nodes => nodes.map(node => node.textContent)"
    )
    assert "1. <script>ale…" in tick_texts and "2. <b>dog</b>" in tick_texts
    assert page.locator("[data-testid=stMain] b", has_text="dog").count() == 0

    words = sentence.split()
    assert shuffle_order(5, 1).tolist() != shuffle_order(5, 2).tolist()
    page.get_by_role("button", name="Shuffle again").click()
    wait_for_app(page)
    assert url_query(page)["seed"] == "2"
    expected = token_labels([words[i] for i in shuffle_order(5, 2)])
    _wait_for_chart(page, "weights", 1, "y", lambda labels: labels == expected)
    reordered = " ".join(words[i] for i in shuffle_order(5, 2))
    assert page.locator("[data-testid=stMain] [data-testid=stCode]").nth(1).inner_text().strip() == reordered
    share_link_with(page, "seed=2")  # the section reran alone; the share link still follows the address bar
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_weights .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    assert slider_by_label(page, "Shuffle number").input_value() == "2"
    _wait_for_chart(page, "weights", 1, "y", lambda labels: labels == expected)
    assert dialogs == []
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_3_the_cross_terms_section_reruns_alone_and_the_learned_table_runs_out(page, app_url):
    open_app(page, app_url, "pages/03_Absolute_encodings.py", "L=200&Lmax=64&d=16")
    page.wait_for_selector(".st-key-chart_cross_terms .js-plotly-plot", timeout=30_000)
    assert slider_by_label(page, "Number of positions L").input_value() == "200"
    _open_fold(page, "a learned table runs out")
    assert slider_by_label(page, "Rows in the learned table").input_value() == "64"
    assert page.get_by_text("position 64 is beyond the learned table's max_len 64", exact=False).count() > 0
    rows = _chart(page, "learned").evaluate(
        "el => el._fullData[0].z.map(row => row.every(v => v === null || Number.isNaN(v)))"
    )
    assert len(rows) == 200 and rows.count(True) == 200 - 64

    gap = slider_by_label(page, "Gap k between the two words")
    gap.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["k"] == "4" and url_query(page)["L"] == "200"
    share_link_with(page, "k=4", "Lmax=64")
    _wait_for_chart(page, "cross_terms", 0, "x", lambda x: len(x) == 200 - 4)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_cross_terms .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    assert slider_by_label(page, "Gap k between the two words").input_value() == "4"
    _wait_for_chart(page, "cross_terms", 0, "x", lambda x: len(x) == 200 - 4)

    length = slider_by_label(page, "Number of positions L")
    length.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["L"] == "208" and url_query(page)["k"] == "4"
    _wait_for_chart(page, "similarity_curve", 0, "x", lambda x: len(x) == 208)
    _wait_for_chart(page, "cross_terms", 0, "x", lambda x: len(x) == 208 - 4)
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_chapter_4_a_fold_reruns_alone_and_keeps_the_link_and_the_length_moves_everything(page, app_url):
    open_app(page, app_url, "pages/04_Relative_encodings.py", "L=12&heads=6&clip=5")
    page.wait_for_selector(".st-key-chart_overview .js-plotly-plot", timeout=30_000)
    _open_fold(page, "ALiBi's slopes")
    slopes = _chart(page, "alibi_slopes").evaluate("el => el._fullData.map(t => Array.from(t.y))")
    assert [len(group) for group in slopes] == [4, 2]
    np.testing.assert_allclose(np.concatenate(slopes), rope_core.alibi_slopes(6), rtol=1e-5)
    assert page.get_by_text("One of these lies between the regular slopes", exact=False).count() == 1

    _open_fold(page, "clipped distances")
    assert len(chart_data(page, "shaw_table", field="x")) == 11
    overview_before = _chart(page, "overview").evaluate("el => el._fullData[3].z.map(row => Array.from(row))")
    clip = slider_by_label(page, "Clip distance k")
    clip.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["clip"] == "6" and url_query(page)["heads"] == "6"
    share_link_with(page, "clip=6", "L=12")
    _wait_for_chart(page, "shaw_table", 0, "x", lambda labels: len(labels) == 13)
    z = np.array(chart_data(page, "shaw_bias", field="z"))
    np.testing.assert_allclose(z, lesson_c04.clipped_relative_bias(12, 6, 0)[0], atol=1e-5)
    overview_after = _chart(page, "overview").evaluate("el => el._fullData[3].z.map(row => Array.from(row))")
    assert overview_after == overview_before  # the overview keeps k = 4 whatever the fold says

    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_overview .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    _open_fold(page, "clipped distances")
    assert slider_by_label(page, "Clip distance k").input_value() == "6"
    _wait_for_chart(page, "shaw_table", 0, "x", lambda labels: len(labels) == 13)

    length = slider_by_label(page, "Sequence length L")
    length.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["L"] == "13" and url_query(page)["clip"] == "6"
    _wait_for_chart(page, "overview", 1, "z", lambda rows: len(rows) == 13)
    _wait_for_chart(page, "shaw_bias", 0, "z", lambda rows: len(rows) == 13)
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_home_dragging_the_position_turns_the_four_hands_without_the_server(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, "app.py")
    scrubber = page.locator(".st-key-chart_teaser_clocks .ropelab-chart__range")
    assert scrubber.input_value() == "3" and scrubber.get_attribute("aria-label") == "Position m"
    frequencies = rope_core.inv_freq(64)
    during = len(sent)
    seen = _drag(
        page,
        scrubber,
        lambda m: chart_data(page, "teaser_clocks", 1, "x")[1] == pytest.approx(math.cos(m * frequencies[0]), abs=1e-5),
    )
    assert len(sent) == during and len(seen) >= 5
    wait_for_app(page)
    released = int(scrubber.input_value())
    assert url_query(page)["m"] == str(released) and released > 3
    assert slider_by_label(page, "Position m").input_value() == str(released)
    assert_no_exception(page)
    assert real_console_errors(page) == []
