"""Chapters 14, 15 and the cheat sheet in a real browser: training with live curves and a stop button, the bridge
section's scrubber (moves the picture with no server round trip, then the URL follows), a section that reruns alone
and keeps the address bar and the share link right, the quiz grading typed π expressions, and the cheat sheet
printing on two A4 pages."""

from __future__ import annotations

import re
import time

import numpy as np

from ropelab.lessons import c14_live_experiment as training
from ropelab.lessons import c15_check_yourself as quiz
from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    grab_scrubber,
    open_app,
    real_console_errors,
    slider_by_label,
    url_query,
    wait_for_app,
)

LIVE = "pages/14_Live_experiment.py"
QUIZ = "pages/15_Check_yourself.py"
SHEET = "pages/17_Cheat_sheet.py"
A4_PAGES_AT_MOST = 2


def _arrow_offsets(page) -> set[float]:
    chart = page.locator(".st-key-chart_task .js-plotly-plot").first
    return set(chart.evaluate("el => (el._fullLayout.annotations || []).map(a => a.x - a.ax)"))


def _wait_until(page, check, what: str, timeout_ms: int = 15_000):
    for _ in range(timeout_ms // 250):
        if check():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}")


def _title(page, key: str) -> str:
    return page.locator(f".st-key-chart_{key} .js-plotly-plot").first.evaluate("el => el._fullLayout.title.text")


def _share_link(page) -> str:
    return page.locator(".ropelab-share__link").first.input_value()


def test_live_experiment_trains_then_the_bridge_scrubber_and_the_evaluation_section_work(page, app_url):
    sent: list[float] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda _: sent.append(time.monotonic())))
    open_app(page, app_url, LIVE, "k=4&L=8&steps=100&seed=17")
    offset = slider_by_label(page, "Copy offset k")
    assert offset.input_value() == "4"
    assert slider_by_label(page, "Training steps").input_value() == "100"
    _wait_until(page, lambda: _arrow_offsets(page) == {4.0}, "arrows k = 4")

    offset.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["k"] == "5"
    _wait_until(page, lambda: _arrow_offsets(page) == {5.0}, "arrows k = 5")
    assert page.locator(".st-key-chart_loss").count() == 0, "a page load must never train"

    page.get_by_role("button", name="Train the four models").click()
    page.wait_for_selector(".st-key-chart_switch_off .ropelab-chart__range", timeout=120_000)
    wait_for_app(page, timeout=120_000)
    steps = chart_data(page, "loss", 3, "x")
    assert len(steps) == 100 and steps[-1] == 100
    notes = page.locator(".st-key-chart_attention .js-plotly-plot").first.evaluate(
        "el => (el._fullLayout.annotations || []).map(a => a.text).join(' ')"
    )
    assert "n/a: no embedding<br>for positions ≥ 8" in notes
    assert page.get_by_role("button", name="Train the four models").is_disabled()
    status = page.locator("[data-testid=stCaptionContainer]").filter(has_text="You trained these settings")
    assert re.search(r"\d+\.\d s from the press to the last step, \d+\.\d s of it training", status.inner_text())
    assert page.get_by_text("trained earlier").count() == 0

    # The bridge's scrubber: dragging switches pairs off in the picture without asking the server.
    ablation = training.pair_ablation(
        training.run_experiment(training.ExperimentSettings(offset=5, train_length=8, steps=100, seed=17))
    )
    accuracy = ablation.cumulative["slowest"][0]
    scrubber = page.locator(".st-key-chart_switch_off .ropelab-chart__range")
    assert scrubber.get_attribute("aria-label") == "Pairs switched off" and scrubber.input_value() == "12"
    x, y, width = grab_scrubber(page, scrubber)
    during = len(sent)
    seen = set()
    for step in range(1, 9):
        page.mouse.move(x + step * width / 40, y, steps=2)
        page.wait_for_timeout(60)
        stop = int(scrubber.input_value())
        marker = chart_data(page, "switch_off", 4, "x")
        if marker == [stop, stop] and f"accuracy {accuracy[stop]:.0%}" in _title(page, "switch_off"):
            seen.add(stop)
    assert len(sent) == during, "dragging the scrubber must not talk to the server"
    assert len(seen) >= 3, f"the picture followed the drag at only {len(seen)} stops"
    page.mouse.up()
    wait_for_app(page)
    released = int(scrubber.input_value())
    assert released > 12
    assert url_query(page)["off"] == str(released)
    _wait_until(page, lambda: f"off={released}" in _share_link(page), "the share link to carry the released stop")
    view = _title(page, "switch_off")

    # A control inside the evaluation section reruns that section alone; the address bar and share link follow.
    test_length = slider_by_label(page, "Test length T")
    test_length.focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page)
    assert url_query(page)["T"] == "28"
    _wait_until(page, lambda: "T=28" in _share_link(page), "the share link to carry T = 28")
    _wait_until(page, lambda: "length 28" in _title(page, "attention"), "the attention maps at T = 28")

    fresh = page.context.new_page()
    fresh.goto(page.url, wait_until="domcontentloaded")
    fresh.wait_for_selector(".st-key-chart_switch_off .js-plotly-plot", timeout=60_000)
    wait_for_app(fresh)
    assert _title(fresh, "switch_off") == view
    assert "length 28" in _title(fresh, "attention")
    assert fresh.locator(".st-key-chart_switch_off .ropelab-chart__range").input_value() == str(released)
    assert_no_exception(page)
    assert not real_console_errors(page), real_console_errors(page)


def test_stop_button_keeps_the_partial_curves(page, app_url):
    # The longest run the sliders allow (about 10 s of training here, in 12 chunks). The browser draws a chunk only
    # after it has drawn the page of the chunk before, so on a busy machine it shows few of them: stop as soon as the
    # first one is on screen, while the run surely has chunks left.
    open_app(page, app_url, LIVE, "steps=1000&L=32&seed=19")
    page.get_by_role("button", name="Train the four models").click()
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=120_000)
    first = page.locator(".st-key-chart_loss .js-plotly-plot").first.element_handle()
    assert len(chart_data(page, "loss", 3, "x")) > 0
    page.get_by_role("button", name="Stop training").click()
    wait_for_app(page, timeout=60_000)
    page.get_by_text("Training was stopped after").wait_for(timeout=30_000)
    shown = chart_data(page, "loss", 3, "x")
    assert 0 < shown[-1] < 1000
    assert first.evaluate("el => el.isConnected"), "the loss chart must be updated in place, not replaced"
    assert page.get_by_role("button", name="Train the four models").is_enabled()
    assert_no_exception(page)


def test_quiz_variant_link_chart_question_and_grading(page, app_url):
    open_app(page, app_url, QUIZ, "seed=5")
    page.wait_for_selector(".st-key-chart_period .js-plotly-plot", timeout=30_000)
    assert slider_by_label(page, "Quiz variant").input_value() == "5"
    questions = {question.key: question for question in quiz.build_quiz(5)}
    shown = np.array(chart_data(page, "period", 0, "y"))
    np.testing.assert_allclose(shown, questions["period"].chart[1], atol=1e-6)

    ntk = page.locator(".st-key-q15_5_ntk input")
    ntk.fill(f"{questions['ntk'].answer:,.0f}")
    ntk.press("Enter")
    wait_for_app(page)
    page.get_by_text("Correct:").first.wait_for(timeout=15_000)
    score = page.locator("[data-testid=stMetric]").filter(has_text="Score")
    assert f"1 / {len(questions)}" in score.inner_text()

    wavelength = page.locator(".st-key-q15_5_wavelength0 input")
    wavelength.fill("nan")
    wavelength.press("Enter")
    wait_for_app(page)
    page.get_by_text("NaN and infinity are not answers").wait_for(timeout=15_000)
    assert f"1 / {len(questions)}" in score.inner_text()

    # Question 1's angle typed the way people write it, with π (variant 5 asks for the argument of −1 + i).
    assert questions["polar"].answer == np.pi * 3 / 4
    polar = page.locator(".st-key-q15_5_polar input")
    polar.fill("3π/4")
    polar.press("Enter")
    wait_for_app(page)
    _wait_until(page, lambda: f"2 / {len(questions)}" in score.inner_text(), "the π answer to be scored")
    assert_no_exception(page)
    assert not real_console_errors(page), real_console_errors(page)


def test_the_cheat_sheet_prints_on_two_a4_pages_without_the_app_around_it(page, app_url):
    open_app(page, app_url, SHEET)
    page.wait_for_selector(".st-key-chart_rules .js-plotly-plot", timeout=30_000)
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert 1 <= pages <= A4_PAGES_AT_MOST, f"the cheat sheet prints on {pages} A4 pages"
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['[data-testid=stSidebar]', '[data-testid=stHeader]', '.st-key-ropelab_sheet_neighbours']
            .map(selector => document.querySelector(selector))
            .map(element => !element || getComputedStyle(element).display === 'none')"""
    )
    assert all(hidden), hidden
    assert page.locator("[data-testid=stMain] .katex").count() >= 20
    assert_no_exception(page)
    assert not real_console_errors(page), real_console_errors(page)
