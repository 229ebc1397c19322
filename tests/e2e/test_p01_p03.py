"""Chapters 1-3 in a real browser: deep links restore the view, controls move the charts, typed markup stays text."""

from __future__ import annotations

import math
import urllib.parse

import pytest

from ropelab.figures.c02_why_positions import token_labels
from ropelab.lessons.c02_why_positions import shuffle_order
from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    open_app,
    real_console_errors,
    slider_by_label,
    url_query,
    wait_for_app,
)


def _wait_for_chart(page, key: str, trace: int, field: str, predicate, timeout_ms: int = 8_000):
    """Poll a chart's decoded data until `predicate` accepts it (Plotly redraws just after the rerun)."""
    values = None
    for _ in range(timeout_ms // 250):
        values = chart_data(page, key, trace, field)
        if predicate(values):
            return values
        page.wait_for_timeout(250)
    raise AssertionError(f"chart {key!r} never showed the expected data; last: {values}")


def _trace_index(page, key: str, name_start: str) -> int:
    chart = page.locator(f".st-key-chart_{key} .js-plotly-plot").first
    names = chart.evaluate("el => el._fullData.map(t => t.name || '')")
    return next(index for index, name in enumerate(names) if name.startswith(name_start))


def test_complex_numbers_deep_link_and_theta_slider(page, app_url):
    open_app(page, app_url, "pages/01_Complex_numbers.py", "a=-1.2&b=0.5&theta=1.57")
    page.wait_for_selector(".st-key-chart_euler_circle .js-plotly-plot", timeout=30_000)
    theta = slider_by_label(page, "Angle θ")
    assert theta.input_value() == "1.57" and slider_by_label(page, "Real part a").input_value() == "-1.2"
    point = _trace_index(page, "euler_circle", "e")
    _wait_for_chart(page, "euler_circle", point, "x", lambda x: abs(x[-1] - math.cos(1.57)) < 1e-5)

    theta.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["theta"] == "1.58"
    _wait_for_chart(page, "euler_circle", point, "x", lambda x: abs(x[-1] - math.cos(1.58)) < 1e-5)
    rotated = _trace_index(page, "rotation", "z·e")
    _wait_for_chart(
        page, "rotation", rotated, "x", lambda x: abs(x[-1] - (-1.2 * math.cos(1.58) - 0.5 * math.sin(1.58))) < 1e-5
    )
    assert_no_exception(page)
    assert real_console_errors(page) == []


def test_typed_markup_stays_text_and_the_shuffle_button_reshuffles(page, app_url):
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
    assert dialogs == []
    assert_no_exception(page)
    assert real_console_errors(page) == []


@pytest.mark.parametrize(("length", "max_len", "fails"), [(200, 64, True), (40, 64, False)])
def test_learned_table_edge_from_a_link(page, app_url, length, max_len, fails):
    open_app(page, app_url, "pages/03_Absolute_encodings.py", f"L={length}&Lmax={max_len}&d=16")
    page.wait_for_selector(".st-key-chart_learned .js-plotly-plot", timeout=30_000)
    assert slider_by_label(page, "Number of positions L").input_value() == str(length)
    assert slider_by_label(page, "Rows in the learned table").input_value() == str(max_len)
    message = f"position {max_len} is beyond the learned table's max_len {max_len}"
    assert (page.get_by_text(message, exact=False).count() > 0) is fails
    rows = page.locator(".st-key-chart_learned .js-plotly-plot").first.evaluate(
        "el => el._fullData[0].z.map(row => row.every(v => v === null || Number.isNaN(v)))"
    )
    assert len(rows) == max(length, max_len)
    assert rows.count(True) == (length - max_len if fails else 0)

    slider = slider_by_label(page, "Number of positions L")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["L"] == str(length + 8)
    _wait_for_chart(page, "similarity_curve", 0, "x", lambda x: len(x) == length + 8)
    assert_no_exception(page)
    assert real_console_errors(page) == []
