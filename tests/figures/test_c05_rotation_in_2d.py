"""Chart builders of chapter 5: the arrows, the shifted pair and the key sweep carry the rotated vectors and scores,
and every scrubber stop is the picture at that position."""

import copy

import numpy as np
import pytest

import rope_core
from ropelab.figures.c05_rotation_in_2d import (
    arrow_trace,
    key_sweep_chart,
    rotated_pair_chart,
    shifted_pairs_chart,
)
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
from tests.figures.validate import validated

QUERY = np.array([1.0, 0.6])
KEY = np.array([0.8, -0.5])
POSITIONS = np.arange(129)


def turned(vector, position, theta):
    return rope_core.rotation_matrix_2d(position * theta) @ vector


def tip(trace):
    return np.array([trace.x[-1], trace.y[-1]], dtype=np.float64)


def at_stop(chart, index):
    """The figure the browser shows at scrubber stop `index`: each listed trace patched with that frame."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[index]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace_index].update(patch)
    figure["layout"]["title"] = {**figure["layout"]["title"], **frame["layout"]["title"]}
    return figure


def assert_scrubber_is_consistent(chart, key, count):
    scrub = chart.scrub
    assert scrub.key == key and len(scrub.values) == len(scrub.frames) == len(scrub.labels) == count
    # What the page sends is exactly the current stop, so letting go of the scrubber changes nothing.
    assert validated(at_stop(chart, scrub.index)).to_plotly_json() == validated(chart.figure).to_plotly_json()
    validated(at_stop(chart, 0))
    validated(at_stop(chart, count - 1))


def test_arrow_runs_from_origin_to_tip_with_a_head_and_optional_label():
    trace = validated({"data": [arrow_trace(np.array([0.3, -0.4]), name="v", colour="#000000", label="v")]}).data[0]
    np.testing.assert_allclose(trace.x, [0.0, 0.3], rtol=1e-6)
    np.testing.assert_allclose(trace.y, [0.0, -0.4], rtol=1e-6)
    assert trace.marker.symbol[1] == "arrow" and trace.marker.angleref == "previous"
    assert list(trace.text) == ["", "v"] and trace.textposition == "bottom center"
    with pytest.raises(ValueError, match="tip"):
        arrow_trace(np.zeros(3), name="v", colour="#000000")


def pair_chart(m=7, n=2, theta=0.3):
    stops = lesson_c05.pair_stops(QUERY, KEY, POSITIONS, n, theta)
    return rotated_pair_chart(QUERY, KEY, theta, m, n, stops), stops


def test_pair_figure_draws_the_rotated_vectors_and_scrubs_the_query_through_every_position():
    chart, stops = pair_chart()
    fig = validated(chart)
    score = float(turned(QUERY, 7, 0.3) @ turned(KEY, 2, 0.3))
    assert chart.alt == (
        f"Query arrow rotated by 2.10 radians and key arrow rotated by 0.60 radians; their dot product is {score:.3f}."
    )
    arrows = {trace.name: trace for trace in fig.data if trace.name}
    q_tip = tip(arrows["R(mθ) q, m = 7"])
    np.testing.assert_allclose(q_tip, turned(QUERY, 7, 0.3), atol=1e-6)
    np.testing.assert_allclose(np.arctan2(q_tip[1], q_tip[0]), np.arctan2(0.6, 1.0) + 2.1, atol=1e-6)
    np.testing.assert_allclose(tip(arrows["R(nθ) k, n = 2"]), turned(KEY, 2, 0.3), atol=1e-6)
    np.testing.assert_allclose(tip(arrows["k (position 0)"]), KEY, atol=1e-6)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.title.text == f"m = 7, n = 2, θ = 0.3: score {score:.3f}"
    assert chart.csv.splitlines()[0] == "vector,x0,x1" and len(chart.csv.splitlines()) == 5

    assert_scrubber_is_consistent(chart, "m", 129)
    assert chart.scrub.index == 7 and chart.scrub.traces == [4] and chart.scrub.label == "Query position m"
    assert chart.scrub.values == list(range(129)) and chart.scrub.labels[40] == "m = 40, m − n = 38"
    stop = validated(at_stop(chart, 40))
    assert stop.data[4].name == "R(mθ) q, m = 40"
    np.testing.assert_allclose(tip(stop.data[4]), turned(QUERY, 40, 0.3), atol=1e-6)
    assert stop.layout.title.text.endswith(f"score {stops.scores[40]:.3f}")
    np.testing.assert_allclose(tip(stop.data[5]), turned(KEY, 2, 0.3), atol=1e-6)  # the key stays at n


def test_pair_chart_needs_m_among_its_stops():
    stops = lesson_c05.pair_stops(QUERY, KEY, np.arange(10), 0, 0.3)
    with pytest.raises(ValueError, match="m = 12"):
        rotated_pair_chart(QUERY, KEY, 0.3, 12, 0, stops)


def test_shifted_pair_keeps_its_score_at_every_stop_and_scrubs_the_shift():
    m, n, theta, shift = 3, 1, 0.4, 9
    stops = lesson_c05.pair_stops(QUERY, KEY, m + POSITIONS, n + POSITIONS, theta)
    before = (turned(QUERY, m, theta), turned(KEY, n, theta))
    chart = shifted_pairs_chart(before, m, n, shift, theta, stops)
    fig = validated(chart)
    assert [trace.name for trace in fig.data[2:]] == ["q at m", "k at n", "q at m + Δ", "k at n + Δ"]
    assert tip(fig.data[2]) @ tip(fig.data[3]) == pytest.approx(tip(fig.data[4]) @ tip(fig.data[5]), abs=1e-6)
    np.testing.assert_allclose(tip(fig.data[4]), turned(QUERY, m + shift, theta), atol=1e-6)
    score = float(before[0] @ before[1])
    assert fig.layout.title.text == f"Δ = 9: (3, 1) → (12, 10)<br>score {score:.3f} → {stops.scores[shift]:.3f}"
    assert "rotated as a whole by 3.60 radians" in chart.alt
    assert chart.csv.splitlines()[1:] == [f"3,1,{score!r}", f"12,10,{float(stops.scores[shift])!r}"]

    assert_scrubber_is_consistent(chart, "shift", 129)
    assert (
        chart.scrub.index == shift and chart.scrub.traces == [4, 5] and chart.scrub.labels[100] == "Δ = 100: (103, 101)"
    )
    far = validated(at_stop(chart, 100))
    np.testing.assert_allclose(tip(far.data[4]), turned(QUERY, 103, theta), atol=1e-6)
    np.testing.assert_allclose(tip(far.data[5]), turned(KEY, 101, theta), atol=1e-6)
    assert tip(far.data[4]) @ tip(far.data[5]) == pytest.approx(score, abs=1e-5)
    assert far.layout.title.text.endswith(f"score {score:.3f} → {score:.3f}")
    with pytest.raises(ValueError, match="Δ = 200"):
        shifted_pairs_chart(before, m, n, 200, theta, stops)


def test_key_sweep_scores_every_key_position_and_scrubs_the_key():
    m, n, theta = 5, 3, 0.25
    stops = lesson_c05.pair_stops(QUERY, KEY, np.full(POSITIONS.size, m), POSITIONS, theta)
    chart = key_sweep_chart(m, n, theta, stops)
    fig = validated(chart)
    assert chart.alt.startswith("The key turns through positions 0 to 128 while the query stays at m = 5")
    assert f"repeats every {2 * np.pi / theta:.1f} positions" in chart.alt
    curve = fig.data[3]
    for position in (0, 3, 40, 128):
        expected = lesson_c05.relative_score(QUERY, KEY, m, position, [theta], convention="interleaved")
        assert curve.y[position] == pytest.approx(expected, abs=1e-6)
    np.testing.assert_allclose(tip(fig.data[1]), turned(QUERY, m, theta), atol=1e-6)
    np.testing.assert_allclose(tip(fig.data[2]), turned(KEY, n, theta), atol=1e-6)
    assert fig.layout.shapes[0].x0 == m  # the dotted line where n = m

    assert_scrubber_is_consistent(chart, "n", 129)
    assert chart.scrub.index == n and chart.scrub.traces == [2, 4] and chart.scrub.label == "Key position n"
    stop = validated(at_stop(chart, 60))
    np.testing.assert_allclose(tip(stop.data[2]), turned(KEY, 60, theta), atol=1e-6)
    assert stop.data[4].x[0] == 60 and stop.data[4].y[0] == pytest.approx(curve.y[60], abs=1e-6)
    assert stop.layout.title.text == f"m = 5, n = 60, m − n = -55: score {stops.scores[60]:.3f}"


def test_stops_must_match_up():
    stops = lesson_c05.pair_stops(QUERY, KEY, np.arange(5), 0, 0.3)
    broken = lesson_c05.PairStops(stops.q_positions, stops.k_positions, stops.queries[:3], stops.keys, stops.scores)
    with pytest.raises(ValueError, match="stops need"):
        rotated_pair_chart(QUERY, KEY, 0.3, 2, 0, broken)
