"""Implementation-chapter builders: costs, timings, layouts, P, scores, partial rotary, precision, cache sizes."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c09_efficient_implementation import (
    cache_size_figure,
    channel_pairing_figure,
    operation_count_figure,
    partial_rotary_figure,
    permutation_figure,
    precision_figure,
    rotated_vectors_figure,
    score_matrices_figure,
    timing_figure,
)
from ropelab.lessons.c09_efficient_implementation import (
    channel_frequencies,
    float32_angle_error,
    layout_conversion_scores,
    rope_operation_counts,
    rotation_pairs,
)
from tests.figures.validate import validated


def test_operation_counts_are_plotted_with_the_chosen_d_marked():
    dims = np.array([8, 64, 512])
    fig = validated(operation_count_figure(dims, rope_operation_counts(dims), 64))
    lines = [trace for trace in fig.data if trace.mode == "lines"]
    markers = [trace for trace in fig.data if trace.mode == "markers+text"]
    assert [trace.name for trace in lines] == ["dense matrix", "element-wise", "complex"]
    np.testing.assert_allclose(lines[0].y, 2 * dims**2 - dims)
    np.testing.assert_allclose(lines[1].y, 3 * dims)
    assert markers[0].y[0] == pytest.approx(2 * 64**2 - 64) and markers[0].x[0] == 64
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"


def test_timing_bars_are_in_microseconds():
    fig = validated(timing_figure(("dense matrix", "element-wise"), np.array([2e-6, 5e-7])))
    np.testing.assert_allclose(fig.data[0].x, [2.0, 0.5], rtol=1e-6)
    assert fig.data[0].text == ("2 µs", "0.5 µs")
    with pytest.raises(ValueError):
        timing_figure(("a",), np.array([1.0, 2.0]))


def test_pairing_boxes_carry_each_channels_pair_index():
    fig = validated(channel_pairing_figure(rotation_pairs(8, "interleaved"), rotation_pairs(8, "half")))
    boxes = {trace.name: trace for trace in fig.data if trace.mode == "markers+text"}
    assert list(boxes["interleaved"].customdata) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(boxes["half-split"].customdata) == [0, 1, 2, 3, 0, 1, 2, 3]
    arcs = [trace for trace in fig.data if trace.mode == "lines"]
    assert len(arcs) == 8  # one arc per pair per layout
    with pytest.raises(ValueError):
        channel_pairing_figure(rotation_pairs(8), rotation_pairs(4, "half"))


def test_permutation_matrix_has_one_one_per_row_where_p_says():
    permutation = rope_core.interleaved_to_half_permutation(6)
    z = np.asarray(validated(permutation_figure(permutation)).data[0].z)
    assert z.sum() == 6
    assert [int(np.argmax(row)) for row in z] == permutation.tolist()
    with pytest.raises(ValueError):
        permutation_figure(np.array([0, 0, 1]))


def test_score_panels_share_one_centred_scale():
    result = layout_conversion_scores(8, 6, seed=1)
    fig = validated(score_matrices_figure([("a", result.reference), ("b", result.unconverted)]))
    assert fig.data[0].zmin == fig.data[1].zmin == pytest.approx(-fig.data[0].zmax)
    bound = max(np.abs(result.reference).max(), np.abs(result.unconverted).max())
    assert fig.data[0].zmax == pytest.approx(bound)
    np.testing.assert_allclose(fig.data[1].z, result.unconverted, rtol=1e-6)


def test_rotated_vectors_are_grouped_bars():
    result = layout_conversion_scores(8, 4)
    fig = validated(rotated_vectors_figure(result.rotated_interleaved, result.rotated_half))
    np.testing.assert_allclose(fig.data[0].y, result.rotated_interleaved, rtol=1e-6)
    np.testing.assert_allclose(fig.data[1].y, result.rotated_half, rtol=1e-6)


def test_partial_rotary_bars_only_for_rotated_channels():
    frequencies = rope_core.inv_freq(64)
    per_channel = channel_frequencies(256, frequencies, "interleaved")
    fig = validated(partial_rotary_figure(per_channel, 64))
    assert len(fig.data[0].x) == 64 and fig.data[0].x[-1] == 63
    np.testing.assert_allclose(fig.data[0].y[::2], frequencies, rtol=1e-6)
    assert fig.layout.shapes[0].x0 == pytest.approx(63.5)  # the shaded pass-through band starts at channel 64
    with pytest.raises(ValueError):
        partial_rotary_figure(per_channel, 300)


def test_precision_line_and_marker_match_the_core():
    positions = np.array([0.0, 10.0, 8191.0, 1e6])
    errors = float32_angle_error(positions, rope_core.inv_freq(128))
    fig = validated(precision_figure(positions, errors, 8191, float(errors[2])))
    line, marker = fig.data
    assert len(line.x) == 3  # position 0 has zero error and no place on a log axis
    assert line.y[-1] == pytest.approx(errors[-1], rel=1e-6)
    assert marker.x[0] == 8191 and marker.y[0] == pytest.approx(errors[2], rel=1e-6)


def test_cache_bars_highlight_the_chosen_model():
    fig = validated(cache_size_figure(["a", "b"], np.array([4.0, 128.0]), "b"))
    bars = fig.data[0]
    np.testing.assert_allclose(bars.x, [4.0, 128.0])
    assert bars.marker.color[0] != bars.marker.color[1]
    assert bars.text == ("4.0 MiB", "128.0 MiB")
