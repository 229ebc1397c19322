"""Chart builders of chapter 10: every scheme's line carries the logits the lesson computes, and the scrubber
slides the pair through every position with the lesson's numbers."""

import copy
import json

import numpy as np
import pytest

from rope_core import METHODS
from ropelab import chart as chart_element
from ropelab.figures import spec
from ropelab.figures.c10_why_rope_won import (
    SCHEME_LABELS,
    _distance_scores,
    _shift_scores,
    distance_scores_chart,
    shift_scores_chart,
)
from ropelab.lessons.c10_why_rope_won import pair_score_across_shifts, pair_score_by_distance, slide_positions
from ropelab.style import DARK_BACKGROUND_SWAPS
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
    assert "slides from position 0 to 30" in chart.alt and "20-row table ends" in chart.alt
    assert [trace.name for trace in fig.data] == [SCHEME_LABELS[method] for method in METHODS]
    assert chart.scrub is None  # without a position the chart is the lines alone
    for trace, method in zip(fig.data, METHODS, strict=True):
        np.testing.assert_allclose(trace.y, scores[method], rtol=1e-6, equal_nan=True)
        np.testing.assert_array_equal(trace.x, SHIFTS)
        assert trace.y.dtype == np.float32


def test_shift_figure_marks_where_the_learned_table_ends():
    scores = scores_by_shift(distance=3, table_length=20)
    chart = shift_scores_chart(SHIFTS, scores, distance=3, table_length=20, dim=16)
    fig = validated(chart)
    (marker,) = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert marker.x0 == 20 - 1 - 3
    assert fig.layout.annotations[0].text == "learned table ends"
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


def _frame_figure(chart, stop):
    """The figure the browser shows at scrubber stop `stop`: the base traces with that frame's patches merged in."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[stop]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace_index] = {**figure["data"][trace_index], **patch}
    spec.merge(figure["layout"], frame.get("layout", {}))
    return figure


@pytest.fixture(scope="module")
def slide():
    stops = slide_positions(64)
    scores = {method: pair_score_across_shifts(method, 5, stops, 16, learned_max_len=64) for method in METHODS}
    return stops, scores, shift_scores_chart(stops, scores, distance=5, table_length=64, dim=16, position=32)


def test_the_pair_stands_at_its_position_with_a_dot_on_every_line(slide):
    _, scores, chart = slide
    fig = validated(chart)
    dots, line, tokens = fig.data[6], fig.data[7], fig.data[8]
    assert dots.name == "the pair now" and list(dots.x) == [32] * 6
    np.testing.assert_allclose(dots.y, [scores[m][32] for m in METHODS], rtol=1e-6)
    assert list(line.x) == [32, 32] and line.yaxis == "y"
    assert list(tokens.x) == [32, 37] and list(tokens.text) == ["key", "query"] and tokens.yaxis == "y2"
    # The strip shades the learned table's rows 0 … 63 and names them.
    band = fig.data[9]
    assert band.name == "learned table: rows 0 … 63" and band.fill == "toself" and band.yaxis == "y2"
    assert (min(band.x), max(band.x)) == (-0.5, 63.5)
    assert "The pair stands with its key at position 32: NoPE (no positions) " in chart.alt


def test_the_scrubber_slides_the_pair_through_every_position(slide):
    stops, scores, chart = slide
    scrub = chart.scrub
    assert scrub.key == "p" and list(scrub.values) == list(range(0, 129)) and scrub.values[scrub.index] == 32
    assert scrub.traces == [6, 7, 8] and len(scrub.frames) == len(scrub.labels) == 129
    assert scrub.labels[32] == "key at p = 32, query at 37"
    assert scrub.labels[59] == "key at p = 59, query at 64 (past the learned table)"
    assert json.dumps(spec.encode_arrays(_frame_figure(chart, scrub.index))) == json.dumps(
        spec.encode_arrays(chart.figure)
    )
    for stop in (0, 58, 59, 128):
        fig = validated(spec.Chart(_frame_figure(chart, stop), alt=chart.alt))
        expected = [scores[m][stop] for m in METHODS]
        heights = np.array(fig.data[6].y, dtype=float)  # a missing dot travels as null (None): a gap
        np.testing.assert_allclose(heights, expected, rtol=1e-6, equal_nan=True)
        assert list(fig.data[6].x) == [stop] * 6 and list(fig.data[8].x) == [stop, stop + 5]
        learned = heights[list(METHODS).index("learned")]
        assert np.isnan(learned) == (stop + 5 >= 64)  # no row for a query at 64 or beyond
    size = len(chart_element.payload(chart.figure, alt=chart.alt, config={}, dark_swaps=DARK_BACKGROUND_SWAPS,
                                     scrub=scrub))  # fmt: skip
    assert size < 100_000
    with pytest.raises(ValueError, match="not one of the shifts"):
        shift_scores_chart(stops, scores, distance=5, table_length=64, dim=16, position=1000)
