"""Chapters 5–7 in a real browser: dragging a scrubber moves the picture without the server and hands the value back
when let go; a section's control keeps the address bar and the share link right; links reopen the same view."""

from __future__ import annotations

import time

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
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

CHAPTER_5 = "pages/05_Rotation_in_2D.py"
CHAPTER_6 = "pages/06_RoPE_in_d_dimensions.py"
CHAPTER_7 = "pages/07_Long_term_decay.py"
QUERY = np.array([1.0, 0.6])
KEY = np.array([0.8, -0.5])


def _chart(page, key: str):
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first


def _title(page, key: str) -> str:
    return _chart(page, key).evaluate("el => el._fullLayout.title ? el._fullLayout.title.text : ''")


def _tip(page, key: str, trace: int) -> np.ndarray:
    return np.array([chart_data(page, key, trace=trace, field=axis)[1] for axis in ("x", "y")])


def _count_sent_frames(page) -> list[float]:
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    return sent


def _drag(page, key: str, sent: list[float], moves: int = 8, step_fraction: float = 1 / 24) -> set[str]:
    """Drag chart `key`'s scrubber to the right with the mouse; return the distinct pictures seen while dragging.

    Asserts that nothing was sent to the server during the drag; the mouse is released at the end.
    """
    scrubber = page.locator(f".st-key-chart_{key} .ropelab-chart__range")
    x, y, width = grab_scrubber(page, scrubber)
    before = len(sent)
    pictures = set()
    for move in range(1, moves + 1):
        page.mouse.move(x + move * width * step_fraction, y, steps=2)
        page.wait_for_timeout(60)
        pictures.add(_title(page, key) + str(chart_data(page, key, trace=4, field="x")))
    assert len(sent) == before, "dragging a scrubber must not talk to the server"
    page.mouse.up()
    wait_for_app(page)
    return pictures


def test_chapter_5_scrubbers_turn_the_arrows_in_the_browser_and_hand_back_m_and_the_shift(page, app_url):
    sent = _count_sent_frames(page)
    open_app(page, app_url, CHAPTER_5, "m=5&n=2&theta=0.5")
    assert page.locator(".st-key-m input[type=range]").input_value() == "5"
    assert page.locator(".st-key-theta input[type=range]").input_value() == "0.5"
    # Trace 4 of the pair chart is R(mθ)q; the checklist is computed on the same numbers.
    np.testing.assert_allclose(_tip(page, "pair", 4), rope_core.rotation_matrix_2d(2.5) @ QUERY, atol=1e-5)
    checks = lesson_c05.design_checks(QUERY, KEY, 5, 2, 0.5)
    assert checks["offset"]["add"].detail in page.locator("[data-testid=stMarkdown] table").inner_text()
    scrubber = page.locator(".st-key-chart_pair .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Query position m" and scrubber.input_value() == "5"

    pictures = _drag(page, "pair", sent)
    assert len(pictures) >= 5, "the query arrow followed the drag"
    m = int(scrubber.input_value())
    assert m >= 20
    assert url_query(page)["m"] == str(m)
    page.wait_for_function(
        "m => document.querySelector('.st-key-m input[type=range]').value === String(m)", arg=m, timeout=15_000
    )
    np.testing.assert_allclose(_tip(page, "pair", 4), rope_core.rotation_matrix_2d(m * 0.5) @ QUERY, atol=1e-5)
    # The whole page followed the released m: the shift picture starts from the new pair.
    assert f"({m}, 2) → ({m + 10}, 12)" in _title(page, "shift_pair")

    # The shift lives in its own section: its drag reruns only that, and the address bar and share link follow.
    shift_pictures = _drag(page, "shift_pair", sent, moves=6)
    assert len(shift_pictures) >= 4
    shift = int(page.locator(".st-key-chart_shift_pair .ropelab-chart__range").input_value())
    assert shift > 10 and url_query(page)["shift"] == str(shift)
    page.wait_for_function(
        "s => document.querySelector('.ropelab-share__link').value.includes(`shift=${s}`)", arg=shift
    )
    share_link_with(page, f"m={m}")
    score = lesson_c05.pair_score(QUERY, KEY, m, 2, 0.5)
    assert (
        _title(page, "shift_pair")
        == f"Δ = {shift}: ({m}, 2) → ({m + shift}, {2 + shift})<br>score {score:.3f} → {score:.3f}"
    )
    assert_no_exception(page)
    assert real_console_errors(page) == []

    # A fresh tab opened on that link shows the same view.
    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_shift_pair .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    np.testing.assert_allclose(_tip(fresh, "pair", 4), rope_core.rotation_matrix_2d(m * 0.5) @ QUERY, atol=1e-5)
    assert _title(fresh, "shift_pair") == _title(page, "shift_pair")
    assert fresh.locator(".st-key-chart_shift_pair .ropelab-chart__range").input_value() == str(shift)
    fresh.close()


def test_chapter_6_clock_scrubber_and_the_worked_example_section(page, app_url):
    sent = _count_sent_frames(page)
    open_app(page, app_url, CHAPTER_6, "m=7&d=16")
    assert page.locator(".st-key-m input[type=range]").input_value() == "7"
    # Pair 0 turns one radian per token, so at m = 7 its hand points at angle 7.
    assert chart_data(page, "clocks", trace=1, field="y")[1] == pytest.approx(np.sin(7.0), abs=1e-5)
    scrubber = page.locator(".st-key-chart_clocks .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Position m" and scrubber.input_value() == "7"

    x, y, width = grab_scrubber(page, scrubber)
    before = len(sent)
    hands = set()
    for move in range(1, 9):
        page.mouse.move(x + move * width / 30, y, steps=2)
        page.wait_for_timeout(60)
        hands.add(round(chart_data(page, "clocks", trace=1, field="y")[1], 4))
    assert len(sent) == before, "dragging a scrubber must not talk to the server"
    assert len(hands) >= 5, "pair 0's hand followed the drag"
    page.mouse.up()
    wait_for_app(page)
    m = int(scrubber.input_value())
    assert m > 7 and url_query(page)["m"] == str(m)
    assert chart_data(page, "clocks", trace=1, field="y")[1] == pytest.approx(np.sin(m), abs=1e-5)
    # The matrix in the same section followed the released m.
    matrix = page.locator(".st-key-chart_matrix .ropelab-chart__plot")
    page.wait_for_function(
        "m => document.querySelector('.st-key-chart_matrix .ropelab-chart__plot')"
        ".getAttribute('aria-label').includes(`at position ${m}:`)",
        arg=m,
        timeout=15_000,
    )
    assert "16 by 16 RoPE matrix" in matrix.get_attribute("aria-label")

    # The worked example is a section of its own: a key press reruns it, and the address bar and share link follow.
    shift = page.locator(".st-key-ex_shift input[type=range]")
    shift.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('ex_shift') === '4'", timeout=15_000)
    page.wait_for_function("() => document.querySelector('.ropelab-share__link').value.includes('ex_shift=4')")
    share_link_with(page, f"m={m}")
    tables = page.locator("[data-testid=stMarkdown] table").all_inner_texts()
    assert any(text.startswith("m = 6, n = 5") for text in tables), tables
    assert_no_exception(page)
    assert real_console_errors(page) == []

    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_clocks .js-plotly-plot", timeout=30_000)
    wait_for_app(fresh)
    assert chart_data(fresh, "clocks", trace=1, field="y")[1] == pytest.approx(np.sin(m), abs=1e-5)
    assert fresh.locator(".st-key-ex_shift input[type=range]").input_value() == "4"
    assert any(
        text.startswith("m = 6, n = 5") for text in fresh.locator("[data-testid=stMarkdown] table").all_inner_texts()
    )
    fresh.close()


def test_chapter_7_deep_link_and_the_seed_section_moves_only_the_random_curve(page, app_url):
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
    assert url_query(page) == {"L": "512", "d": "64", "seed": "1"}
    # The seed lives in the decay chart's own section: only it reran, and the share link still holds every setting.
    page.wait_for_function("() => document.querySelector('.ropelab-share__link').value.includes('seed=1')")
    share_link_with(page, "L=512", "d=64")
    assert chart_data(page, "decay", trace=0, field="y") == bound
    random_after = chart_data(page, "decay", trace=3, field="y")
    assert_no_exception(page)
    assert real_console_errors(page) == []

    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(".st-key-chart_decay .js-plotly-plot", timeout=30_000)
    wait_for_app(page)
    assert page.locator(".st-key-seed input[type=range]").input_value() == "1"
    assert chart_data(page, "decay", trace=3, field="y") == random_after
