"""Chart builders of chapter 10: every scheme's line carries the logits the lesson computes."""

import numpy as np
import pytest

from rope_core import METHODS
from ropelab.figures.c10_why_rope_won import (
    SCHEME_LABELS,
    _distance_scores,
    _shift_scores,
    distance_scores_chart,
    shift_scores_chart,
)
from ropelab.lessons.c10_why_rope_won import pair_score_across_shifts, pair_score_by_distance
from tests.figures.validate import validated

SHIFTS = np.array([0.0, 10.0, 20.0, 30.0])


def scores_by_shift(distance=3, table_length=20):
    return {
        method: pair_score_across_shifts(method, distance, SHIFTS, 16, learned_max_len=table_length)
        for method in METHODS
    }


def test_shift_figure_has_one_trace_per_scheme_with_the_core_values():
    scores = scores_by_shift()
    chart = shift_scores_chart(SHIFTS, scores, distance=3, table_length=20, dim=16)
    fig = validated(chart)
    assert "slides from position 0 to 40" in chart.alt and "20-row table ends" in chart.alt
    assert [trace.name for trace in fig.data] == [SCHEME_LABELS[method] for method in METHODS]
    for trace, method in zip(fig.data, METHODS, strict=True):
        np.testing.assert_allclose(trace.y, scores[method], rtol=1e-6, equal_nan=True)
        np.testing.assert_array_equal(trace.x, SHIFTS)
        assert trace.y.dtype == np.float32


def test_shift_figure_marks_where_the_learned_table_ends():
    scores = scores_by_shift(distance=3, table_length=20)
    chart = shift_scores_chart(SHIFTS, scores, distance=3, table_length=20, dim=16)
    fig = validated(chart)
    assert "slides from position 0 to 40" in chart.alt and "20-row table ends" in chart.alt
    (marker,) = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert marker.x0 == 20 - 1 - 3
    assert "query at 19" in fig.layout.annotations[0].text
    learned = fig.data[list(METHODS).index("learned")].y
    assert np.isfinite(learned[:2]).all() and np.isnan(learned[2:]).all()


def test_shift_figure_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        _shift_scores(SHIFTS, {"rope": np.zeros(3)}, distance=1)


def test_distance_figure_clips_alibi_and_says_where_it_ends():
    distances = np.arange(1, 201)
    scores = {method: pair_score_by_distance(method, 200, 16) for method in METHODS}
    chart = distance_scores_chart(distances, scores, marked=7)
    fig = validated(chart)
    assert chart.csv.splitlines()[0].startswith("distance,logit_")
    alibi = fig.data[list(METHODS).index("alibi")]
    np.testing.assert_allclose(alibi.y, scores["alibi"], rtol=1e-6)
    others = np.concatenate([scores[m] for m in METHODS if m != "alibi"])
    low, high = fig.layout.yaxis.range
    assert low < np.nanmin(others) and high > np.nanmax(others)
    assert low > np.nanmin(scores["alibi"])
    notes = [annotation.text for annotation in fig.layout.annotations]
    assert any("ALiBi" in note and f"{np.nanmin(scores['alibi']):.1f}" in note for note in notes)
    assert any(shape.x0 == 7 for shape in fig.layout.shapes)


def test_distance_figure_without_alibi_keeps_automatic_range():
    distances = np.arange(1, 11)
    fig = validated(_distance_scores(distances, {"rope": pair_score_by_distance("rope", 10, 16)}))
    assert fig.layout.yaxis.range is None
