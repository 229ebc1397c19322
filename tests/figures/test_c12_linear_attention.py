"""Chapter 12 figures carry the weights, row sums and timings they are given, with negatives singled out."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c12_linear_attention import (
    METHOD_NAMES,
    _row_sums,
    _timing,
    _weight_heatmaps,
    row_sums_chart,
    timing_chart,
    weight_heatmaps_chart,
)
from ropelab.lessons.c12_linear_attention import (
    LinearTiming,
    linear_attention_weights,
    seeded_qkv,
    softmax_rope_weights,
)
from tests.figures.validate import validated


def _three_weightings(length=12, dim=8, base=100.0):
    q, k, _ = seeded_qkv(length, dim, 0)
    positions = np.arange(length)
    frequencies = rope_core.inv_freq(dim, base)
    return [
        softmax_rope_weights(q, k, positions, frequencies),
        linear_attention_weights(q, k),
        rope_core.linear_attention_rope_weights(q, k, positions, frequencies),
    ]


def test_heatmaps_show_each_weight_matrix_on_a_zero_centred_scale():
    weights = _three_weightings()
    chart = weight_heatmaps_chart(weights, 8)
    fig = validated(chart)
    assert fig.layout.title.text == "Attention weights, N = 12, d = 8"
    assert f"has {int((weights[2] < 0).sum())} negative weights" in chart.alt
    assert chart.csv.startswith("query m \\ key n,0,1,")
    heatmaps = [trace for trace in fig.data if trace.type == "heatmap"]
    assert len(heatmaps) == 3
    for index, (heatmap, matrix) in enumerate(zip(heatmaps, weights, strict=True)):
        np.testing.assert_allclose(np.asarray(heatmap.z), matrix, rtol=1e-6, atol=1e-7)
        axis = fig.layout["coloraxis" if index == 0 else f"coloraxis{index + 1}"]
        assert axis.cmin == pytest.approx(-axis.cmax)
        assert axis.cmax == pytest.approx(np.abs(matrix).max())


def test_only_the_rope_linear_panel_rings_its_negative_weights():
    weights = _three_weightings()
    negatives = weights[2] < 0
    assert negatives.any(), "the inputs were chosen so that Eq. 19 has negative weights"
    fig = validated(weight_heatmaps_chart(weights, 8))
    rings = [trace for trace in fig.data if trace.type == "scatter"]
    assert len(rings) == 1
    ring = rings[0]
    assert ring.xaxis == "x3"
    assert ring.name == f"negative weight ({negatives.sum()})"
    rows, cols = np.nonzero(negatives)
    np.testing.assert_array_equal(np.asarray(ring.x), cols)
    np.testing.assert_array_equal(np.asarray(ring.y), rows)
    # Every panel keeps the same axis range, so the marker trace cannot shrink its panel.
    assert fig.layout.xaxis3.range == fig.layout.xaxis.range == (-0.5, 11.5)


def test_heatmaps_reject_mismatched_titles_and_non_square_matrices():
    with pytest.raises(ValueError, match="one title"):
        _weight_heatmaps([np.eye(3)], ["a", "b"])
    with pytest.raises(ValueError, match="square"):
        _weight_heatmaps([np.ones((2, 3))], ["a"])


def test_row_sums_figure_plots_each_curve_against_query_position():
    weights = _three_weightings()
    positions = np.arange(12)
    sums = [matrix.sum(axis=1) for matrix in weights]
    chart = row_sums_chart(positions, sums)
    fig = validated(chart)
    assert [trace.name for trace in fig.data] == list(METHOD_NAMES)
    assert chart.csv.splitlines()[0] == 'query_m,Softmax + RoPE,"Linear, no positions",Linear + RoPE (Eq. 19)'
    for trace, expected in zip(fig.data, sums, strict=True):
        np.testing.assert_allclose(np.asarray(trace.y), expected, rtol=1e-6)
        np.testing.assert_array_equal(np.asarray(trace.x), positions)
    np.testing.assert_allclose(np.asarray(fig.data[0].y), 1.0, rtol=1e-6)
    assert np.abs(np.asarray(fig.data[2].y) - 1.0).max() > 1e-2
    with pytest.raises(ValueError, match="shape"):
        _row_sums(positions, [np.ones(3)], ["short"])


def test_timing_figure_shows_milliseconds_on_log_axes():
    lengths = np.array([64, 128, 256])
    fast = np.array([0.001, 0.002, 0.004])
    quadratic = np.array([0.002, 0.008, 0.032])
    chart = timing_chart(LinearTiming(lengths, fast, quadratic, np.zeros(3), ()), 16)
    fig = validated(chart)
    assert "at N = 256 the O(N) form took 4.0 ms and the O(N²) form 32.0 ms" in chart.alt
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(np.asarray(fig.data[0].y), fast * 1e3, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(fig.data[1].y), quadratic * 1e3, rtol=1e-6)
    assert "O(N²)" in fig.data[1].name
    with pytest.raises(ValueError, match="equal length"):
        _timing(lengths, fast[:2], quadratic)
