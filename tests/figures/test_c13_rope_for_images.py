"""Chapter 13 figures: synthetic pictures, patch-score heatmaps and M-RoPE position ids match rope_core."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c13_rope_for_images import (
    _mrope_positions,
    _mrope_sections,
    _patch_image,
    _patch_scores,
    guide_segment,
    mrope_positions_chart,
    mrope_sections_chart,
    patch_image_chart,
    patch_scores_chart,
)
from ropelab.lessons import c13_rope_for_images as lesson_c13
from ropelab.lessons.c13_rope_for_images import PATTERNS, pixels_per_patch, synthetic_image
from tests.figures.validate import validated


@pytest.mark.parametrize("grid", [2, 14, 64])
def test_pictures_stay_within_the_display_budget(grid):
    side = grid * pixels_per_patch(grid)
    assert grid <= side <= 128


@pytest.mark.parametrize("pattern", PATTERNS)
def test_synthetic_pictures_are_square_greyscale_and_not_blank(pattern):
    image = synthetic_image(pattern, 8, 4)
    assert image.shape == (32, 32)
    assert image.dtype == np.float32
    assert 0.0 <= image.min() < image.max() <= 1.0


def test_checkerboard_alternates_and_circle_is_centred():
    board = synthetic_image("checkerboard", 8, 4)
    assert board[0, 0] != board[0, 8]
    assert board[0, 0] == board[8, 8]
    circle = synthetic_image("circle", 8, 4)
    assert circle[16, 16] == 1.0 and circle[0, 0] == 0.0
    with pytest.raises(ValueError, match="pattern"):
        synthetic_image("photo", 8, 4)


def test_patch_picture_outlines_the_query_patch():
    chart = patch_image_chart("gradient", 6, (2, 5))
    fig = validated(chart)
    assert (
        chart.alt
        == "A synthetic gradient picture cut into a 6-by-6 grid, with the query patch at row 2, column 5 outlined."
    )
    outline = next(trace for trace in fig.data if trace.name and trace.name.startswith("query patch"))
    assert set(np.asarray(outline.x)) == {5.0, 6.0}
    assert set(np.asarray(outline.y)) == {2.0, 3.0}
    assert tuple(fig.layout.yaxis.range) == (6, 0)
    with pytest.raises(ValueError, match="inside"):
        _patch_image(synthetic_image("gradient", 6, 4), 6, (6, 0))


def test_score_heatmaps_carry_the_core_scores_and_mark_the_query():
    query = (3, 9)
    grids = [lesson_c13.patch_scores_2d(10, 10, query, 16, 100.0, method) for method in ("axial", "mixed", "flat1d")]
    chart = patch_scores_chart(grids, ["axial", "mixed", "flat"], query, 16)
    fig = validated(chart)
    assert fig.layout.title.text == "Scores of patch (3, 9), d = 16"
    assert "q = k = all ones" in chart.alt
    assert chart.csv.splitlines()[0] == "row,col,axial,mixed,flat_1d" and len(chart.csv.splitlines()) == 101
    heatmaps = [trace for trace in fig.data if trace.type == "heatmap"]
    for heatmap, grid in zip(heatmaps, grids, strict=True):
        np.testing.assert_allclose(np.asarray(heatmap.z), grid, rtol=1e-6, atol=1e-7)
    markers = [trace for trace in fig.data if trace.type == "scatter"]
    assert len(markers) == 3
    assert all(float(marker.x[0]) == 9 and float(marker.y[0]) == 3 for marker in markers)
    bound = max(np.abs(grid).max() for grid in grids)
    assert fig.layout.coloraxis.cmax == pytest.approx(bound) and fig.layout.coloraxis.cmin == pytest.approx(-bound)
    # The flattened panel shows the row wrap: the first patch of the next row is a close neighbour of (3, 9).
    assert grids[2][4, 0] > grids[2][4, 9]


def test_score_heatmaps_reject_unequal_grids():
    with pytest.raises(ValueError, match="same shape"):
        _patch_scores([np.ones((2, 2)), np.ones((3, 3))], ["a", "b"], (0, 0))


def test_mrope_position_figure_draws_the_three_streams():
    ids = rope_core.mrope_positions(2, 2, 2, 3, 1)
    chart = mrope_positions_chart(ids, 2, 2, 2, 3)
    fig = validated(chart)
    assert chart.alt.endswith("then 1 text tokens starting at id 5.")
    assert "none" in mrope_positions_chart(rope_core.mrope_positions(2, 2, 2, 3, 0), 2, 2, 2, 3).alt
    assert [trace.name for trace in fig.data] == ["time t", "height h", "width w"]
    for stream, trace in enumerate(fig.data):
        np.testing.assert_array_equal(np.asarray(trace.y), ids[stream])
    shaded = fig.layout.shapes[0]
    assert (shaded.x0, shaded.x1) == (1.5, 13.5)
    with pytest.raises(ValueError, match="shape"):
        _mrope_positions(ids[:2], 2, 12)


def test_mrope_sections_colour_the_qwen2_vl_split():
    frequencies = rope_core.inv_freq(128, 1e6)
    chart = mrope_sections_chart(frequencies, (16, 24, 24), "1e6")
    fig = validated(chart)
    assert chart.alt == (
        "Bar chart of the 64 frequencies of a d = 128 head at base 1e6, log scale: pairs 0–15 driven by time, "
        "16–39 by height, 40–63 by width."
    )
    assert [len(trace.x) for trace in fig.data] == [16, 24, 24]
    assert int(fig.data[1].x[0]) == 16 and int(fig.data[2].x[-1]) == 63
    np.testing.assert_allclose(np.asarray(fig.data[0].y), frequencies[:16], rtol=1e-6)
    assert fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="cover"):
        _mrope_sections(frequencies, (16, 24, 20))


def test_the_picture_is_drawn_bright_where_the_image_is_bright_in_256_grey_levels():
    fig = validated(patch_image_chart("circle", 8, (4, 4)))
    picture = fig.data[0]
    assert picture.reversescale is True and (picture.zmin, picture.zmax) == (0, 255)
    z = np.asarray(picture.z)
    assert z.dtype == np.uint8 and z[z.shape[0] // 2, z.shape[1] // 2] == 255 and z[0, 0] == 0


def test_guides_run_through_the_query_to_the_grid_edges():
    assert guide_segment((2, 3), 0.0, 6, 8) == pytest.approx((-0.5, 2, 7.5, 2))  # the query's row
    x0, y0, x1, y1 = guide_segment((2, 3), np.pi / 2, 6, 8)  # its column
    assert (x0, x1) == pytest.approx((3, 3)) and (y0, y1) == pytest.approx((-0.5, 5.5))
    x0, y0, x1, y1 = guide_segment((2, 2), np.pi / 4, 6, 6)  # the diagonal, down and to the right on screen
    assert (x0, y0) == pytest.approx((-0.5, -0.5)) and (x1, y1) == pytest.approx((5.5, 5.5))


def test_score_heatmaps_mark_each_panels_axes_and_name_the_picture():
    query = (5, 5)
    grids = [lesson_c13.patch_scores_2d(11, 11, query, 16, 10.0, "axial")] * 3
    guides = ((0.0, np.pi / 2), (np.pi / 4, 3 * np.pi / 4), ())
    chart = patch_scores_chart(grids, ["a", "m", "f"], query, 16, guides, content="circle")
    fig = validated(chart)
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert [shape.xref for shape in lines] == ["x", "x", "x2", "x2"]
    diagonal = lines[2]
    assert (diagonal.x0, diagonal.y0, diagonal.x1, diagonal.y1) == pytest.approx((-0.5, -0.5, 10.5, 10.5))
    assert fig.layout.title.text.endswith(", circle picture") and "q, k from the circle picture" in chart.alt
    assert "brightness" in chart.alt
    # The axes stay on the grid whatever the guides do.
    assert tuple(fig.layout.xaxis2.range) == (-0.5, 10.5) and tuple(fig.layout.yaxis2.range) == (10.5, -0.5)
