"""Implementation-chapter builders: costs, timings, layouts, P, scores, partial rotary, precision, cache sizes."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c09_efficient_implementation import (
    _channel_pairing,
    _partial_rotary,
    _permutation,
    _score_matrices,
    _timing,
    cache_size_chart,
    channel_pairing_chart,
    conversion_chart,
    operation_count_chart,
    partial_rotary_chart,
    permutation_chart,
    precision_chart,
    rotated_vectors_chart,
    timing_chart,
)
from ropelab.lessons.c09_efficient_implementation import (
    RopeFormTiming,
    channel_frequencies,
    float32_angle_error,
    layout_conversion_scores,
    rope_operation_counts,
    rotation_pairs,
)
from tests.figures.validate import validated


def test_operation_counts_are_plotted_with_the_chosen_d_marked():
    dims = np.array([8, 64, 512])
    chart = operation_count_chart(dims, rope_operation_counts(dims), 64, rope_operation_counts([64]))
    fig = validated(chart)
    assert fig.layout.title.text == "Work per vector at d = 64: 8,128 vs 192"
    assert chart.csv.splitlines()[0] == "d,ops_dense_matrix,ops_element-wise,ops_complex"
    lines = [trace for trace in fig.data if trace.mode == "lines"]
    markers = [trace for trace in fig.data if trace.mode == "markers+text"]
    assert [trace.name for trace in lines] == ["dense matrix", "element-wise", "complex"]
    np.testing.assert_allclose(lines[0].y, 2 * dims**2 - dims)
    np.testing.assert_allclose(lines[1].y, 3 * dims)
    assert markers[0].y[0] == pytest.approx(2 * 64**2 - 64) and markers[0].x[0] == 64
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"


def test_timing_bars_are_in_microseconds():
    timing = RopeFormTiming(
        ("dense matrix", "element-wise"), np.array([2e-6, 5e-7]), np.array([4, 8]), np.array([3, 5]), {}
    )
    chart = timing_chart(timing, 64, 8)
    fig = validated(chart)
    assert "(dense matrix: 2 µs, element-wise: 0.5 µs)" in chart.alt
    assert fig.layout.title.text == "Measured now: d = 64, L = 8"
    np.testing.assert_allclose(fig.data[0].x, [2.0, 0.5], rtol=1e-6)
    assert fig.data[0].text == ("2 µs", "0.5 µs")
    with pytest.raises(ValueError):
        _timing(("a",), np.array([1.0, 2.0]))


def test_pairing_boxes_carry_each_channels_pair_index():
    chart = channel_pairing_chart(rotation_pairs(8, "interleaved"), rotation_pairs(8, "half"))
    fig = validated(chart)
    assert "join channel i with channel i + 4" in chart.alt
    assert chart.csv is None  # the pairs are the picture itself
    boxes = {trace.name: trace for trace in fig.data if trace.mode == "markers+text"}
    assert list(boxes["interleaved"].customdata) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(boxes["half-split"].customdata) == [0, 1, 2, 3, 0, 1, 2, 3]
    assert list(boxes["half-split"].text) == ["0", "1", "2", "3", "0", "1", "2", "3"]
    arcs = [trace for trace in fig.data if trace.mode == "lines"]
    assert len(arcs) == 8  # one arc per pair per layout
    # Past 16 channels the numbers no longer fit in a half-width chart: the colours and the hover carry the pair.
    wide = validated(channel_pairing_chart(rotation_pairs(32, "interleaved"), rotation_pairs(32, "half")))
    boxes = [trace for trace in wide.data if trace.name in ("interleaved", "half-split")]
    assert [trace.mode for trace in boxes] == ["markers", "markers"] and list(boxes[1].customdata)[16] == 0
    with pytest.raises(ValueError):
        _channel_pairing(rotation_pairs(8), rotation_pairs(4, "half"))


def test_permutation_matrix_has_one_one_per_row_where_p_says():
    permutation = rope_core.interleaved_to_half_permutation(6)
    chart = permutation_chart(permutation)
    z = np.asarray(validated(chart).data[0].z)
    assert "P = [0, 2, 4, 1, 3, 5]" in chart.alt
    assert z.sum() == 6
    assert [int(np.argmax(row)) for row in z] == permutation.tolist()
    with pytest.raises(ValueError):
        _permutation(np.array([0, 0, 1]))


def test_score_panels_share_one_centred_scale():
    result = layout_conversion_scores(8, 6, seed=1)
    fig = validated(_score_matrices([("a", result.reference), ("b", result.unconverted)]))
    assert fig.data[0].zmin == fig.data[1].zmin == pytest.approx(-fig.data[0].zmax)
    bound = max(np.abs(result.reference).max(), np.abs(result.unconverted).max())
    assert fig.data[0].zmax == pytest.approx(bound)
    np.testing.assert_allclose(fig.data[1].z, result.unconverted, rtol=1e-6)
    chart = conversion_chart(result, 8, 1)
    assert validated(chart).layout.title.text == "Scores of 6 tokens (d = 8, seed 1)"
    assert [note.text for note in validated(chart).layout.annotations] == [
        "interleaved code, original", "half-split, rows permuted", "half-split, NOT permuted"
    ]  # fmt: skip
    assert chart.filename == "ropelab_conversion_error" and chart.csv.startswith("not permuted minus original")


def test_rotated_vectors_are_grouped_bars():
    result = layout_conversion_scores(8, 4)
    fig = validated(rotated_vectors_chart(result))
    assert fig.layout.title.text == "One query at position 3, rotated by each layout's code"
    np.testing.assert_allclose(fig.data[0].y, result.rotated_interleaved, rtol=1e-6)
    np.testing.assert_allclose(fig.data[1].y, result.rotated_half, rtol=1e-6)


def test_partial_rotary_bars_only_for_rotated_channels():
    frequencies = rope_core.inv_freq(64)
    per_channel = channel_frequencies(256, frequencies, "interleaved")
    chart = partial_rotary_chart(per_channel, 64, "GPT-J 6B", "interleaved", frequencies)
    fig = validated(chart)
    assert "channels 0 to 63 rotate" in chart.alt and "channels 64 to 255 do not rotate" in chart.alt
    assert len(fig.data[0].x) == 64 and fig.data[0].x[-1] == 63
    np.testing.assert_allclose(fig.data[0].y[::2], frequencies, rtol=1e-6)
    assert fig.layout.shapes[0].x0 == pytest.approx(63.5)  # the shaded pass-through band starts at channel 64
    with pytest.raises(ValueError):
        _partial_rotary(per_channel, 300)


def test_precision_line_and_marker_match_the_core():
    positions = np.array([0.0, 10.0, 8191.0, 1e6])
    errors = float32_angle_error(positions, rope_core.inv_freq(128))
    chart = precision_chart(positions, errors, 8191, float(errors[2]), "10k")
    fig = validated(chart)
    assert fig.layout.title.text.endswith("(d = 128, b = 10k)") and f"m = 8,191 it is {errors[2]:.1e}" in chart.alt
    line, marker = fig.data
    assert len(line.x) == 3  # position 0 has zero error and no place on a log axis
    assert line.y[-1] == pytest.approx(errors[-1], rel=1e-6)
    assert marker.x[0] == 8191 and marker.y[0] == pytest.approx(errors[2], rel=1e-6)


def test_cache_bars_highlight_the_chosen_model():
    presets = {name: rope_core.MODEL_PRESETS[name] for name in ("Llama 2 7B", "GPT-J 6B")}
    chart = cache_size_chart(presets, np.array([4.0, 128.0]), "GPT-J 6B")
    fig = validated(chart)
    assert chart.alt.endswith("GPT-J 6B needs 128.00 MiB.") and chart.csv.splitlines()[2].startswith(
        "GPT-J 6B,2048,64,"
    )
    bars = fig.data[0]
    np.testing.assert_allclose(bars.x, [4.0, 128.0])
    assert bars.marker.color[0] != bars.marker.color[1]
    assert bars.text == ("4.0 MiB", "128.0 MiB")
