"""Chapters 14-15 in a real browser: deep link, task chart, live training with stop, quiz grading."""

from __future__ import annotations

import numpy as np

from ropelab.lessons import c15_check_yourself as quiz
from tests.e2e.browser import (
    assert_no_exception,
    chart_data,
    open_app,
    real_console_errors,
    slider_by_label,
    url_query,
    wait_for_app,
)

LIVE = "pages/14_Live_experiment.py"
QUIZ = "pages/15_Check_yourself.py"


def _arrow_offsets(page) -> set[float]:
    chart = page.locator(".st-key-chart_task .js-plotly-plot").first
    return set(chart.evaluate("el => (el._fullLayout.annotations || []).map(a => a.x - a.ax)"))


def _wait_until(page, check, what: str, timeout_ms: int = 15_000):
    for _ in range(timeout_ms // 250):
        if check():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}")


def test_live_experiment_deep_link_offset_slider_and_training(page, app_url):
    open_app(page, app_url, LIVE, "k=4&L=8&steps=100&seed=17&T=16")
    page.wait_for_selector(".st-key-chart_task .js-plotly-plot", timeout=30_000)
    offset = slider_by_label(page, "Copy offset k")
    assert offset.input_value() == "4"
    assert slider_by_label(page, "Training steps").input_value() == "100"
    _wait_until(page, lambda: _arrow_offsets(page) == {4.0}, "arrows k = 4")

    offset.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert url_query(page)["k"] == "5"
    _wait_until(page, lambda: _arrow_offsets(page) == {5.0}, "arrows k = 5")
    assert page.locator(".st-key-loss").count() == 0, "a page load must never train"

    page.get_by_role("button", name="Train the four models").click()
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=120_000)
    wait_for_app(page, timeout=120_000)
    steps = chart_data(page, "loss", 3, "x")
    assert len(steps) == 100 and steps[-1] == 100
    notes = page.locator(".st-key-chart_attention .js-plotly-plot").first.evaluate(
        "el => (el._fullLayout.annotations || []).map(a => a.text).join(' ')"
    )
    assert "n/a: no embedding<br>for positions ≥ 8" in notes
    assert page.locator("[data-testid=stDataFrame]").count() == 1
    assert page.get_by_role("button", name="Train the four models").is_disabled()
    assert_no_exception(page)
    assert not real_console_errors(page), real_console_errors(page)


def test_stop_button_keeps_the_partial_curves(page, app_url):
    open_app(page, app_url, LIVE, "steps=1000&seed=19")
    page.get_by_role("button", name="Train the four models").click()
    # The first live chart appears after the first chunk of steps; then stop mid-run.
    page.wait_for_selector("[class*=st-key-chart_p14_live] .js-plotly-plot", timeout=120_000)
    page.get_by_role("button", name="Stop training").click()
    wait_for_app(page, timeout=60_000)
    page.get_by_text("Training was stopped after").wait_for(timeout=30_000)
    shown = chart_data(page, "loss", 3, "x")
    assert 0 < shown[-1] < 1000
    assert page.get_by_role("button", name="Train the four models").is_enabled()
    assert_no_exception(page)


def test_quiz_variant_link_chart_question_and_grading(page, app_url):
    open_app(page, app_url, QUIZ, "seed=2")
    page.wait_for_selector(".st-key-chart_period .js-plotly-plot", timeout=30_000)
    assert slider_by_label(page, "Quiz variant").input_value() == "2"
    questions = {question.key: question for question in quiz.build_quiz(2)}
    shown = np.array(chart_data(page, "period", 0, "y"))
    np.testing.assert_allclose(shown, questions["period"].chart[1], atol=1e-6)

    ntk = page.locator(".st-key-q15_2_ntk input")
    ntk.fill(f"{questions['ntk'].answer:,.0f}")
    ntk.press("Enter")
    wait_for_app(page)
    page.get_by_text("Correct:").first.wait_for(timeout=15_000)
    score = page.locator("[data-testid=stMetric]").filter(has_text="Score")
    assert f"1 / {len(questions)}" in score.inner_text()

    wavelength = page.locator(".st-key-q15_2_wavelength0 input")
    wavelength.fill("nan")
    wavelength.press("Enter")
    wait_for_app(page)
    page.get_by_text("NaN and infinity are not answers").wait_for(timeout=15_000)
    assert f"1 / {len(questions)}" in score.inner_text()
    assert_no_exception(page)
    assert not real_console_errors(page), real_console_errors(page)
