"""Chapter 15 figure builders: both pass plotly's validation and keep their input check."""

import numpy as np
import pytest

from ropelab.figures.c15_check_yourself import chapter_score_figure, period_question_figure
from ropelab.lessons import c15_check_yourself as quiz
from tests.figures.validate import validated


def test_period_question_figure_is_valid_and_titled():
    offsets = np.arange(0, 33, dtype=np.float32)
    fig = validated(period_question_figure(offsets, np.cos(offsets / 4), title="Read the period"))
    np.testing.assert_allclose(fig.data[0].x, offsets)
    assert fig.layout.title.text == "Read the period"
    assert fig.layout.xaxis.dtick == 4 and list(fig.layout.yaxis.range) == [-1.1, 1.1]


def test_period_question_figure_rejects_mismatched_arrays():
    with pytest.raises(ValueError, match="1-D of equal length"):
        period_question_figure(np.arange(4), np.zeros(5))


def test_chapter_score_figure_is_valid_and_overlays_correct_on_asked():
    fig = validated(chapter_score_figure({2: (1, 3)}, {2: "Two"}, title="Score"))
    assert [trace.name for trace in fig.data] == ["questions", "correct"]
    assert fig.layout.barmode == "overlay" and fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.range[1] == pytest.approx(3.2)


def test_period_question_figure_plots_the_quiz_chart_data():
    question = next(q for q in quiz.build_quiz(0) if q.key == "period")
    fig = validated(period_question_figure(*question.chart))
    np.testing.assert_allclose(fig.data[0].y, question.chart[1], atol=1e-6)
    assert fig.data[0].y.max() == pytest.approx(1.0)


def test_chapter_score_figure_has_a_bar_per_chapter_with_counts():
    table = {1: (1, 1), 5: (0, 2), 11: (2, 2)}
    fig = validated(chapter_score_figure(table, {1: "One", 5: "Five", 11: "Eleven"}))
    totals, correct = fig.data
    assert list(totals.y) == ["1. One", "5. Five", "11. Eleven"]
    np.testing.assert_array_equal(totals.x, [1, 2, 2])
    np.testing.assert_array_equal(correct.x, [1, 0, 2])
