"""Chapter 15 figure builders: both pass plotly's validation and keep their input check."""

import numpy as np
import pytest

from ropelab.figures.quiz import chapter_score_figure, period_question_figure
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
