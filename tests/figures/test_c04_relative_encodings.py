import numpy as np
import pytest

import rope_core
from ropelab.figures.c04_relative_encodings import (
    MAX_HEATMAP_CELLS,
    attention_row_figure,
    bucket_map_figure,
    distance_table_figure,
    heatmap_panels_figure,
    slopes_figure,
)
from ropelab.lessons import c04_relative_encodings as lesson_c04
from tests.figures.validate import validated


def test_bias_heatmap_shows_the_matrix_with_a_zero_centred_scale():
    bias, _ = lesson_c04.clipped_relative_bias(10, 3, seed=1)
    fig = validated(heatmap_panels_figure([("shaw", bias)], diverging=True, colorbar_title="bias"))
    heatmap = fig.data[0]
    np.testing.assert_allclose(np.asarray(heatmap.z), bias, atol=1e-6)
    assert heatmap.zmin == pytest.approx(-heatmap.zmax)
    assert heatmap.zmax == pytest.approx(np.abs(bias).max())
    assert fig.layout.yaxis.autorange == "reversed"


def test_probability_panels_share_one_sequential_scale_from_zero():
    first = rope_core.softmax(np.random.default_rng(0).standard_normal((6, 6)))
    second = np.eye(6)
    fig = validated(heatmap_panels_figure([("a", first), ("b", second)], diverging=False, colorbar_title="weight"))
    assert [trace.zmin for trace in fig.data] == [0.0, 0.0]
    assert [trace.zmax for trace in fig.data] == [1.0, 1.0]
    assert [trace.showscale for trace in fig.data] == [True, False]


def test_big_heatmaps_are_downsampled_for_display():
    big = np.arange(600 * 600, dtype=float).reshape(600, 600)
    fig = validated(heatmap_panels_figure([("big", big)], diverging=False, colorbar_title="v"))
    shown = np.asarray(fig.data[0].z)
    assert max(shown.shape) <= MAX_HEATMAP_CELLS
    assert shown[1, 1] == big[3, 3]  # stride 3 keeps every third row and column


def test_distance_table_has_one_bar_per_clipped_offset():
    _, table = lesson_c04.clipped_relative_bias(8, 2, seed=0)
    fig = validated(distance_table_figure(np.arange(-2, 3), table, title="t", clip=2))
    bar = fig.data[0]
    assert list(bar.x) == ["≤ -2", "-1", "0", "1", "≥ 2"]
    np.testing.assert_allclose(bar.y, table, atol=1e-6)
    with pytest.raises(ValueError):
        distance_table_figure(np.arange(3), np.zeros(4), title="t", clip=1)


def test_bucket_map_plots_t5_buckets_and_marks_the_max_distance():
    offsets = np.arange(-200, 201)
    buckets = rope_core.t5_relative_bucket(offsets, True, 32, 128)
    fig = validated(bucket_map_figure(offsets, buckets, num_buckets=32, max_distance=128, title="b"))
    line = fig.data[0]
    assert list(line.y[[200, 201, 199]]) == [0, 17, 1]  # offset 0, +1 (upper half), -1
    assert max(line.y) == 31 and line.line.shape == "hv"
    assert sorted(shape.x0 for shape in fig.layout.shapes) == [-128, 128]


def test_slopes_are_drawn_in_two_groups_for_a_non_power_of_two():
    slopes = rope_core.alibi_slopes(12)
    fig = validated(slopes_figure(slopes, 8, title="s"))
    assert [len(trace.x) for trace in fig.data] == [8, 4]
    np.testing.assert_allclose(np.concatenate([trace.y for trace in fig.data]), slopes, rtol=1e-6)
    assert fig.data[0].y[0] == pytest.approx(0.5) and fig.data[1].y[0] == pytest.approx(2**-0.5, rel=1e-6)
    assert fig.layout.yaxis.type == "log"
    assert len(validated(slopes_figure(rope_core.alibi_slopes(8), 8, title="s")).data) == 1


def test_attention_row_draws_one_line_per_scheme():
    rows = {"flat": np.full(5, 0.2), "peak": np.eye(5)[2]}
    fig = validated(attention_row_figure(np.arange(5), rows, query=2, title="r"))
    assert [trace.name for trace in fig.data] == ["flat", "peak"]
    np.testing.assert_allclose(fig.data[1].y, [0, 0, 1, 0, 0])
    with pytest.raises(ValueError, match="flat"):
        attention_row_figure(np.arange(4), rows, query=0, title="r")
