"""Chart builders of chapter 4: each chart carries the bias, bucket or weight matrix the lesson computes."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c04_relative_encodings import (
    MAX_HEATMAP_CELLS,
    _attention_row,
    _distance_table,
    _heatmap_panels,
    alibi_slopes_chart,
    attention_row_chart,
    clipped_bias_chart,
    clipped_table_chart,
    overview_chart,
    t5_buckets_chart,
)
from ropelab.lessons import c04_relative_encodings as lesson_c04
from tests.figures.validate import validated


def test_bias_heatmap_shows_the_matrix_with_a_zero_centred_scale():
    bias, _ = lesson_c04.clipped_relative_bias(10, 3, seed=1)
    chart = clipped_bias_chart(bias, 3)
    fig = validated(chart)
    assert chart.alt.startswith("10 by 10 bias matrix") and "beyond 3 positions" in chart.alt
    heatmap = fig.data[0]
    np.testing.assert_allclose(np.asarray(heatmap.z), bias, atol=1e-6)
    assert heatmap.zmin == pytest.approx(-heatmap.zmax)
    assert heatmap.zmax == pytest.approx(np.abs(bias).max())
    assert fig.layout.yaxis.autorange == "reversed"


def test_overview_puts_each_bias_above_the_attention_it_gives():
    scores = rope_core.attention_maps(10, 16, "nope", seed=2).scores
    biases = lesson_c04.overview_biases(10, 2, causal=True)
    probabilities = {name: lesson_c04.attention_with_bias(scores, bias, True) for name, bias in biases.items()}
    chart = overview_chart(biases, probabilities)
    fig = validated(chart)
    assert len(fig.data) == 8
    for column, name in enumerate(biases):
        bias, weights = fig.data[2 * column], fig.data[2 * column + 1]
        np.testing.assert_allclose(np.asarray(bias.z), biases[name], atol=1e-6)
        np.testing.assert_allclose(np.asarray(weights.z), probabilities[name], atol=1e-6)
        assert bias.zmin == pytest.approx(-bias.zmax) and bias.showscale is False
        assert weights.coloraxis == "coloraxis" and np.all(np.triu(np.asarray(weights.z), 1) == 0)
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == pytest.approx(
        max(matrix.max() for matrix in probabilities.values()), rel=1e-6
    )
    titles = [note.text for note in fig.layout.annotations]
    assert titles[:4] == list(biases) and titles[4] == "attention (no bias)" and titles[7] == "attention (ALiBi)"
    assert chart.csv.splitlines()[11].startswith("bias clipped (k = 4) / query 0,")  # header, ten rows of no bias
    with pytest.raises(ValueError, match="same schemes"):
        overview_chart(biases, {"other": np.eye(10)})


def test_big_heatmaps_are_downsampled_for_display():
    big = np.arange(600 * 600, dtype=float).reshape(600, 600)
    fig = validated(_heatmap_panels([("big", big)], diverging=False, colorbar_title="v"))
    shown = np.asarray(fig.data[0].z)
    assert max(shown.shape) <= MAX_HEATMAP_CELLS
    assert shown[1, 1] == big[3, 3]  # stride 3 keeps every third row and column


def test_distance_table_has_one_bar_per_clipped_offset():
    _, table = lesson_c04.clipped_relative_bias(8, 2, seed=0)
    fig = validated(clipped_table_chart(table, 2))
    bar = fig.data[0]
    assert list(bar.x) == ["≤ -2", "-1", "0", "1", "≥ 2"]
    np.testing.assert_allclose(bar.y, table, atol=1e-6)
    with pytest.raises(ValueError):
        _distance_table(np.arange(3), np.zeros(4), title="t", clip=1)


def test_bucket_map_plots_t5_buckets_and_marks_the_max_distance():
    chart = t5_buckets_chart(lesson_c04.t5_views(24, 32, 128, True, 0))
    fig = validated(chart)
    line = fig.data[0]
    assert list(line.x[[0, -1]]) == [-256, 256]  # twice the max distance, so the flat end shows
    assert list(line.y[[256, 257, 255]]) == [0, 17, 1]  # offset 0, +1 (upper half), -1
    assert "from -256 to 256" in chart.alt and "flat beyond ±128" in chart.alt
    assert max(line.y) == 31 and line.line.shape == "hv"
    assert sorted(shape.x0 for shape in fig.layout.shapes) == [-128, 128]


def test_slopes_are_drawn_in_two_groups_for_a_non_power_of_two():
    slopes = rope_core.alibi_slopes(12)
    fig = validated(alibi_slopes_chart(slopes))
    assert [len(trace.x) for trace in fig.data] == [8, 4]
    np.testing.assert_allclose(np.concatenate([trace.y for trace in fig.data]), slopes, rtol=1e-6)
    assert fig.data[0].y[0] == pytest.approx(0.5) and fig.data[1].y[0] == pytest.approx(2**-0.5, rel=1e-6)
    assert fig.layout.yaxis.type == "log"
    assert len(validated(alibi_slopes_chart(rope_core.alibi_slopes(8))).data) == 1


def test_attention_row_draws_one_line_per_scheme():
    chart = attention_row_chart({"flat": np.full((5, 5), 0.2), "peak": np.eye(5)}, query=2)
    fig = validated(chart)
    assert chart.csv.splitlines()[0] == "key,flat,peak"
    rows = {"flat": np.full(5, 0.2), "peak": np.eye(5)[2]}
    assert [trace.name for trace in fig.data] == ["flat", "peak"]
    np.testing.assert_allclose(fig.data[1].y, [0, 0, 1, 0, 0])
    with pytest.raises(ValueError, match="flat"):
        _attention_row(np.arange(4), rows, query=0, title="r")
