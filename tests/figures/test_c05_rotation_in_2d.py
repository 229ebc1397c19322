"""Chart builders of chapter 5: the arrows, the shifted pair and the sweep carry the rotated vectors and scores."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c05_rotation_in_2d import (
    _position_sweep,
    _shifted_pairs,
    arrow_trace,
    position_sweep_chart,
    rotated_pair_chart,
    shifted_pairs_chart,
)
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
from tests.figures.validate import validated

QUERY = np.array([1.0, 0.6])
KEY = np.array([0.8, -0.5])


def turned(vector, position, theta):
    return rope_core.apply_rope(vector[None, :], [position], [theta], convention="interleaved")[0]


def tip(trace):
    return np.array([trace.x[-1], trace.y[-1]], dtype=np.float64)


def test_arrow_runs_from_origin_to_tip_with_a_head_and_optional_label():
    trace = validated({"data": [arrow_trace(np.array([0.3, -0.4]), name="v", colour="#000000", label="v")]}).data[0]
    np.testing.assert_allclose(trace.x, [0.0, 0.3], rtol=1e-6)
    np.testing.assert_allclose(trace.y, [0.0, -0.4], rtol=1e-6)
    assert trace.marker.symbol[1] == "arrow" and trace.marker.angleref == "previous"
    assert list(trace.text) == ["", "v"] and trace.textposition == "bottom center"
    with pytest.raises(ValueError, match="tip"):
        arrow_trace(np.zeros(3), name="v", colour="#000000")


def test_pair_figure_draws_the_rotated_vectors_it_was_given():
    m, n, theta = 7, 2, 0.3
    q_turned, k_turned = turned(QUERY, m, theta), turned(KEY, n, theta)
    chart = rotated_pair_chart(QUERY, KEY, m, n, theta, q_turned, k_turned, float(q_turned @ k_turned))
    fig = validated(chart)
    assert f"their dot product is {q_turned @ k_turned:.3f}" in chart.alt
    arrows = {trace.name: trace for trace in fig.data if trace.name}
    q_tip = tip(arrows["R(mθ) q, m = 7"])
    np.testing.assert_allclose(q_tip, rope_core.rotation_matrix_2d(m * theta) @ QUERY, atol=1e-6)
    np.testing.assert_allclose(np.arctan2(q_tip[1], q_tip[0]), np.arctan2(0.6, 1.0) + 2.1, atol=1e-6)
    np.testing.assert_allclose(tip(arrows["k (position 0)"]), KEY, atol=1e-6)
    assert fig.layout.yaxis.scaleanchor == "x"


def test_shifted_panels_have_identical_dot_products():
    theta, shift = 0.4, 9
    before_pair = turned(QUERY, 3, theta), turned(KEY, 1, theta)
    after_pair = turned(QUERY, 3 + shift, theta), turned(KEY, 1 + shift, theta)
    scores = (float(before_pair[0] @ before_pair[1]), float(after_pair[0] @ after_pair[1]))
    chart = shifted_pairs_chart(before_pair, after_pair, 3, 1, shift, theta, scores)
    fig = validated(chart)
    arrows = [trace for trace in fig.data if trace.text is not None]
    assert len(arrows) == 4
    before = tip(arrows[0]) @ tip(arrows[1])
    after = tip(arrows[2]) @ tip(arrows[3])
    assert before == pytest.approx(after, abs=1e-6)
    titles = [annotation.text for annotation in fig.layout.annotations]
    assert titles == [f"m = 3, n = 1: score {scores[0]:.3f}", f"m = 12, n = 10: score {scores[1]:.3f}"]
    assert chart.csv.splitlines()[1:] == [f"3,1,{scores[0]!r}", f"12,10,{scores[1]!r}"]
    with pytest.raises(ValueError):
        _shifted_pairs([])


def sweep(theta=0.3, n=5, start=4):
    positions = np.arange(64)
    scores = rope_core.rope_scores(np.tile(QUERY, (64, 1)), KEY[None, :], positions, [n], [theta], "interleaved")
    chart = position_sweep_chart(lesson_c05.position_sweep(QUERY, KEY, n, theta, positions), theta, start_index=start)
    assert chart.alt.startswith(f"Animation over query positions 0 to 63 with the key fixed at n = {n}")
    return validated(chart), scores[:, 0]


def test_sweep_has_one_small_frame_per_position_that_only_moves_the_query_and_marker():
    fig, scores = sweep()
    assert len(fig.frames) == 64
    assert [frame.name for frame in fig.frames[:3]] == ["0", "1", "2"]
    for frame in fig.frames:
        assert list(frame.traces) == [2, 4]
    frame = fig.frames[10]
    expected_tip = rope_core.rotation_matrix_2d(10 * 0.3) @ QUERY
    np.testing.assert_allclose(tip(frame.data[0]), expected_tip, atol=1e-6)
    assert frame.data[1].y[0] == pytest.approx(scores[10], abs=1e-6)
    assert f"{scores[10]:.3f}" in frame.layout.title.text and "m − n = 5" in frame.layout.title.text


def test_sweep_scores_are_the_relative_score_of_each_offset():
    fig, _ = sweep(theta=0.25, n=3)
    curve = fig.data[3]
    for m in (0, 3, 40):
        expected = lesson_c05.relative_score(QUERY, KEY, m, 3, [0.25], convention="interleaved")
        assert curve.y[m] == pytest.approx(expected, abs=1e-6)


def test_sweep_controls_animate_in_the_browser_without_redraw():
    fig, _ = sweep(start=4)
    slider = fig.layout.sliders[0]
    assert slider.active == 4 and len(slider.steps) == 64
    step = slider.steps[7]
    assert step.method == "animate" and list(step.args[0]) == ["7"] and step.args[1]["frame"]["redraw"] is False
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.method == "animate" and play.args[0] is None and play.args[1]["frame"]["redraw"] is False
    np.testing.assert_allclose(tip(fig.data[2]), rope_core.rotation_matrix_2d(4 * 0.3) @ QUERY, atol=1e-6)


def test_sweep_rejects_mismatched_inputs():
    positions = np.arange(4)
    with pytest.raises(ValueError, match="need positions"):
        _position_sweep(positions, np.zeros((3, 2)), KEY, np.zeros(4), n=0)
    with pytest.raises(ValueError, match="start_index"):
        _position_sweep(positions, np.ones((4, 2)), KEY, np.zeros(4), n=0, start_index=4)
