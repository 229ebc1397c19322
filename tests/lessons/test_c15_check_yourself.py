"""Chapter 15's lesson, the quiz: answers match the facts sheet, variants are reproducible, input checking is safe."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from ropelab.lessons.c15_check_yourself import (
    MAX_SEED,
    Question,
    build_quiz,
    check_choice,
    check_numeric,
    read_answer,
    score_by_chapter,
)


def _by_key(seed: int = 0) -> dict[str, Question]:
    return {question.key: question for question in build_quiz(seed)}


def test_textbook_variant_answers_match_the_facts_sheet():
    quiz = _by_key(0)
    assert quiz["wavelength0"].answer == pytest.approx(2 * math.pi)
    assert quiz["theta_last"].answer == pytest.approx(10_000 ** (-126 / 128))
    assert quiz["ntk"].answer == pytest.approx(40_890, rel=1e-4)
    assert quiz["llama3"].answer == 29
    assert quiz["decay0"].answer == pytest.approx(32.5)
    assert quiz["alibi"].answer == pytest.approx(0.5)
    assert quiz["polar"].answer == pytest.approx(3 * math.pi / 4)
    assert quiz["sinusoid"].answer == pytest.approx(math.cos(2))
    assert quiz["causal_row"].answer == 7
    assert quiz["permutation"].answer == 1
    assert quiz["axial"].answer == 16
    assert quiz["period"].answer == pytest.approx(12)


def test_the_quiz_covers_every_chapter_from_1_to_14_with_at_least_12_questions():
    quiz = build_quiz(0)
    assert len(quiz) >= 12
    assert {question.chapter for question in quiz} == set(range(1, 15))
    assert len({question.key for question in quiz}) == len(quiz)
    for question in quiz:
        assert question.explanation and question.prompt
        if question.numeric:
            assert question.answer is not None and math.isfinite(question.answer) and question.tolerance > 0
        else:
            assert 0 <= question.correct_option < len(question.options) == len(set(question.options))


def test_variants_are_reproducible_and_differ_between_seeds():
    assert build_quiz(3) == build_quiz(3)
    answers = {seed: [q.answer if q.numeric else q.options for q in build_quiz(seed)] for seed in range(4)}
    assert answers[0] != answers[1] != answers[2]
    with pytest.raises(ValueError, match="seed"):
        build_quiz(MAX_SEED + 1)


def test_the_shift_question_explanation_shows_equal_scores():
    question = _by_key(0)["shift"]
    before, after = (float(value) for value in re.findall(r"(-?\d+\.\d{6}) (?:before|after)", question.explanation))
    assert before == pytest.approx(after, abs=1e-6)


def test_period_chart_data_is_a_cosine_with_the_answer_as_its_period():
    question = _by_key(0)["period"]
    offsets, scores = question.chart
    np.testing.assert_allclose(scores, np.cos(2 * np.pi * offsets / question.answer), atol=1e-12)


@pytest.mark.parametrize(
    ("text", "value"),
    [("40890", 40890), ("40,890", 40890), ("40 890", 40890), ("1 000 000", 1e6), ("4.089e4", 40890),
     ("2pi", 2 * math.pi), ("2π", 2 * math.pi), ("pi", math.pi), ("3/4", 0.75), (" -0.5 ", -0.5), ("1_000", 1000),
     ("−2", -2), ("3pi/4", 3 * math.pi / 4), ("3π/4", 3 * math.pi / 4), ("3*pi/4", 3 * math.pi / 4),
     ("3 π / 4", 3 * math.pi / 4), ("2(pi - 1)", 2 * (math.pi - 1)), ("-pi/2", -math.pi / 2), ("1.5e-3", 0.0015)],
)  # fmt: skip
def test_read_answer_accepts_numbers_fractions_and_pi_expressions(text, value):
    assert read_answer(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "not a number"), ("nan", "NaN"), ("inf", "infinity"), ("-inf", "infinity"), ("", "type a number"),
     ("   ", "type a number"), ("1/0", "divide by zero"), ("pi/(1-1)", "divide by zero"), ("1e999", "finite"),
     ("x" * 80, "at most 40"), ("<b>1</b>", "not a number"), ("1,2,3", "not a number"), ("4O890", "not a number"),
     ("2 3", "ambiguous"), ("3pi/", "not a number"), ("(((((((((1)))))))))", "not a number"),
     ("__import__('os')", "not a number"), ("2**31", "not a number")],
)  # fmt: skip
def test_read_answer_rejects_bad_input_with_a_reason_that_never_echoes_it(text, reason):
    with pytest.raises(ValueError, match=reason) as caught:
        read_answer(text)
    if len(text.strip()) > 4:  # shorter ones ("inf", "3pi/") occur in the message's own examples
        assert text.strip() not in str(caught.value), "typed text must not be echoed into Markdown"


def test_the_polar_question_takes_pi_expressions_and_grades_them():
    question = _by_key(0)["polar"]  # z = -1 + 1i: the argument is 3π/4
    for typed in ("3pi/4", "3π/4", "3*pi/4", "2.356", "0.75pi"):
        assert check_numeric(question, typed).correct, typed
    assert check_numeric(question, "pi/4").status == "wrong"
    assert "the answer is 2.356" in check_numeric(question, "pi/4").message
    garbage = check_numeric(question, "three pi over four")
    assert garbage.status == "invalid" and "not a number" in garbage.message and "3pi/4" in garbage.message


def test_numeric_checking_uses_the_tolerance_and_explains_bad_input():
    question = _by_key(0)["ntk"]
    assert check_numeric(question, "40890").correct
    assert check_numeric(question, "41,200").correct  # within 1 %
    assert check_numeric(question, "10000").status == "wrong"
    assert check_numeric(question, "nan").status == "invalid"
    assert "finite" in check_numeric(question, "nan").message
    assert check_numeric(question, "").status == "unanswered"
    assert check_numeric(question, None).status == "unanswered"
    with pytest.raises(ValueError):
        check_choice(question, "anything")


def test_choice_checking_and_the_score_table():
    quiz = build_quiz(0)
    choice = next(q for q in quiz if not q.numeric)
    right = choice.options[choice.correct_option]
    wrong = next(option for option in choice.options if option != right)
    assert check_choice(choice, right).correct
    assert check_choice(choice, wrong).status == "wrong" and right in check_choice(choice, wrong).message
    assert check_choice(choice, "made up").status == "invalid"
    assert check_choice(choice, None).status == "unanswered"
    numeric = next(q for q in quiz if q.numeric)
    verdicts = {choice.key: check_choice(choice, right), numeric.key: check_numeric(numeric, "12345")}
    table = score_by_chapter(quiz, verdicts)
    assert sum(total for _, total in table.values()) == len(quiz)
    assert table[choice.chapter][0] == 1
    assert sum(right for right, _ in table.values()) == 1
