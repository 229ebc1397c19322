"""Chapter 15 figure builders: both pass plotly's validation and keep their input check."""

import numpy as np
import pytest

from ropelab.figures.c15_check_yourself import (
    _chapter_score,
    _period_question,
    chapter_score_chart,
    period_question_chart,
)
from ropelab.lessons import c15_check_yourself as quiz
from tests.figures.validate import validated


def test_period_question_figure_is_valid_and_titled():
    offsets = np.arange(0, 33, dtype=np.float32)
    fig = validated(_period_question(offsets, np.cos(offsets / 4), title="Read the period"))
    np.testing.assert_allclose(fig.data[0].x, offsets)
    assert fig.layout.title.text == "Read the period"
    assert fig.layout.xaxis.dtick == 4 and list(fig.layout.yaxis.range) == [-1.1, 1.1]


def test_period_question_figure_rejects_mismatched_arrays():
    with pytest.raises(ValueError, match="1-D of equal length"):
        _period_question(np.arange(4), np.zeros(5))


def test_chapter_score_figure_is_valid_and_overlays_correct_on_asked():
    fig = validated(_chapter_score({2: (1, 3)}, {2: "Two"}, title="Score"))
    assert [trace.name for trace in fig.data] == ["questions", "correct"]
    assert fig.layout.barmode == "overlay" and fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.range[1] == pytest.approx(3.2)


def test_period_question_figure_plots_the_quiz_chart_data():
    question = next(q for q in quiz.build_quiz(0) if q.key == "period")
    chart = period_question_chart(*question.chart)
    fig = validated(chart)
    assert chart.alt.startswith("A cosine-shaped score against offsets 0 to 60;")
    np.testing.assert_allclose(fig.data[0].y, question.chart[1], atol=1e-6)
    assert fig.data[0].y.max() == pytest.approx(1.0)


def test_chapter_score_figure_has_a_bar_per_chapter_with_counts():
    table = {1: (1, 1), 5: (0, 2), 11: (2, 2)}
    chart = chapter_score_chart(table, {1: "One", 5: "Five", 11: "Eleven"}, seed=3, answered=4)
    fig = validated(chart)
    assert chart.alt == "Bars per chapter: 3 of 5 questions correct so far, 4 answered."
    assert fig.layout.title.text == "Correct answers per chapter (variant 3)"
    totals, correct = fig.data
    assert list(totals.y) == ["1. One", "5. Five", "11. Eleven"]
    np.testing.assert_array_equal(totals.x, [1, 2, 2])
    np.testing.assert_array_equal(correct.x, [1, 0, 2])
