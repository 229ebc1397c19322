"""AppTest checks for chapter 15: questions render, answers are graded against rope_core, bad input is explained."""

from __future__ import annotations

import numpy as np
import pytest

from ropelab.lessons import c15_check_yourself as quiz
from tests.app.helpers import HOSTILE_VALUES, assert_clean, decode_array, plotly_figure, run_page

SCRIPT = "pages/15_Check_yourself.py"


def metric(at, label: str) -> str:
    return next(item.value for item in at.metric if item.label == label)


def correct_bars(at) -> list[float]:
    return decode_array(plotly_figure(at, "scores")["data"][1]["x"])


def answer_key(seed: int, key: str) -> str:
    return f"q15_{seed}_{key}"


def test_defaults_show_every_question_and_an_empty_score():
    at = run_page(SCRIPT)
    assert_clean(at)
    questions = quiz.build_quiz(0)
    assert len(at.text_input) + len(at.radio) == len(questions) >= 12
    assert metric(at, "Score") == f"0 / {len(questions)}"
    period = next(q for q in questions if q.key == "period")
    np.testing.assert_allclose(decode_array(plotly_figure(at, "period")["data"][0]["y"]), period.chart[1], atol=1e-6)
    assert sum(correct_bars(at)) == 0
    assert len(decode_array(plotly_figure(at, "scores")["data"][0]["x"])) == 14


@pytest.mark.parametrize("seed", [0, 99])
def test_variant_slider_extremes_change_the_chart_question(seed):
    at = run_page(SCRIPT)
    at.slider(key="seed").set_value(seed).run()
    assert_clean(at)
    period = next(q for q in quiz.build_quiz(seed) if q.key == "period")
    np.testing.assert_allclose(decode_array(plotly_figure(at, "period")["data"][0]["y"]), period.chart[1], atol=1e-6)
    assert f"variant {seed}" in plotly_figure(at, "scores")["layout"]["title"]["text"]


def test_a_url_variant_is_used_for_widgets_and_chart():
    at = run_page(SCRIPT, {"seed": "1"})
    assert_clean(at)
    assert at.slider(key="seed").value == 1
    expected = next(q for q in quiz.build_quiz(1) if q.key == "period")
    default = next(q for q in quiz.build_quiz(0) if q.key == "period")
    assert expected.answer != default.answer
    shown = decode_array(plotly_figure(at, "period")["data"][0]["y"])
    np.testing.assert_allclose(shown, expected.chart[1], atol=1e-6)
    assert at.text_input(key=answer_key(1, "ntk")) is not None


@pytest.mark.parametrize("value", ["100", "-1", *HOSTILE_VALUES])
def test_bad_url_variants_fall_back_to_variant_zero(value):
    at = run_page(SCRIPT, {"seed": value, "reveal": value})
    assert_clean(at)
    # Streamlit reads Unicode digits such as '１２' as a valid 12; everything else must fall back to 0.
    expected = int(value) if value.isdigit() and 0 <= int(value) <= 99 else 0
    assert at.slider(key="seed").value == expected
    assert at.toggle(key="reveal").value is False


def test_reveal_shows_every_answer_and_explanation():
    at = run_page(SCRIPT, {"reveal": "true"})
    assert_clean(at)
    shown = " ".join(block.value for block in at.markdown)
    assert shown.count("**Answer:**") == len(quiz.build_quiz(0))
    assert "40,890" in " ".join(block.value for block in at.markdown) or "40890" in shown


def test_numeric_answers_are_graded_with_tolerance_and_bad_input_is_explained():
    at = run_page(SCRIPT)
    at.text_input(key=answer_key(0, "ntk")).input("40,890")
    at.text_input(key=answer_key(0, "wavelength0")).input("nan")
    at.text_input(key=answer_key(0, "decay0")).input("abc")
    at.text_input(key=answer_key(0, "alibi")).input("0.9")
    at.run()
    assert_clean(at)
    assert metric(at, "Score") == f"1 / {len(quiz.build_quiz(0))}"
    assert metric(at, "Answered") == f"2 / {len(quiz.build_quiz(0))}"
    warnings = " ".join(item.value for item in at.warning)
    assert "finite" in warnings and "not a number" in warnings
    assert any("the answer is 0.5" in item.value for item in at.error)
    chapter_11 = 10  # bars are in chapter order, 1 … 14
    assert correct_bars(at)[chapter_11] == 1 and sum(correct_bars(at)) == 1


def test_answering_everything_right_scores_full_marks():
    at = run_page(SCRIPT)
    for question in quiz.build_quiz(0):
        if question.numeric:
            at.text_input(key=answer_key(0, question.key)).input(f"{question.answer:.8g}")
        else:
            radio = next(item for item in at.radio if item.key == answer_key(0, question.key))
            radio.set_value(question.options[question.correct_option])
    at.run()
    assert_clean(at)
    total = len(quiz.build_quiz(0))
    assert metric(at, "Score") == f"{total} / {total}"
    assert sum(correct_bars(at)) == total
    assert any("Every answer right" in block.value for block in at.markdown)


@pytest.mark.parametrize("typed", ["3pi/4", "3π/4", "3*pi/4"])
def test_question_1_takes_an_angle_typed_with_pi_and_scores_it(typed):
    at = run_page(SCRIPT)
    at.text_input(key=answer_key(0, "polar")).input(typed).run()
    assert_clean(at)
    assert not at.warning, [item.value for item in at.warning]
    assert any(item.value.startswith("Correct: 2.356") for item in at.success)
    assert metric(at, "Score") == f"1 / {len(quiz.build_quiz(0))}"
    assert correct_bars(at)[0] == 1  # chapter 1's bar


def test_question_1_explains_garbage_without_repeating_it():
    at = run_page(SCRIPT)
    at.text_input(key=answer_key(0, "polar")).input("three π over [four](javascript:x)").run()
    assert_clean(at)
    (warning,) = at.warning
    assert "not a number" in warning.value and "3pi/4" in warning.value and "javascript" not in warning.value
    assert metric(at, "Answered") == f"0 / {len(quiz.build_quiz(0))}"
