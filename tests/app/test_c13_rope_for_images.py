"""Chapter 13 page: the patch picture, three score maps from rope_core, the d % 4 rule, and M-RoPE's position ids."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c13_rope_for_images as lesson_c13
from tests.app.helpers import assert_clean, chart_payloads, decode_array, plotly_figure, run_page

PAGE = "pages/13_RoPE_for_images.py"
SLIDERS = {"grid": 24, "row": 12, "col": 12, "d": 64, "dir": 45, "frames": 2, "gh": 3, "gw": 4, "pre": 4, "post": 4}
TEXT_ONLY = "Text only: gap to 1-D RoPE"
WITH_VIDEO = "With video: gap to 1-D on t"


def _sliders(at):
    return {key: at.slider(key=key).value for key in SLIDERS}


def _score_grids(at):
    figure = plotly_figure(at, "scores")
    return [np.array(decode_array(trace["z"]), dtype=float) for trace in figure["data"] if trace["type"] == "heatmap"]


def _expected(grid, query, dim, base, direction_degrees, contents=None):
    directions = np.full(dim // 4, np.deg2rad(direction_degrees))
    return [
        lesson_c13.patch_scores_2d(grid, grid, query, dim, base, "axial", contents=contents),
        lesson_c13.patch_scores_2d(grid, grid, query, dim, base, "mixed", directions, contents=contents),
        lesson_c13.patch_scores_2d(grid, grid, query, dim, base, "flat1d", contents=contents),
    ]


def _metric(at, label):
    return next(metric.value for metric in at.metric if metric.label == label)


def test_defaults_match_the_core_and_reduce_m_rope_to_1d_for_text():
    at = run_page(PAGE)
    assert_clean(at)
    assert _sliders(at) == SLIDERS
    assert at.select_slider(key="base").value == 10.0
    assert at.toggle(key="randdir").value is False
    assert at.radio(key="pattern").value == "all ones"
    for shown, reference in zip(_score_grids(at), _expected(24, (12, 12), 64, 10.0, 45), strict=True):
        np.testing.assert_allclose(shown, reference, rtol=1e-5, atol=1e-6)
    # The X is marked: dotted guides through the query along 45° and 135° on the RoPE-Mixed panel.
    shapes = [shape for shape in plotly_figure(at, "scores")["layout"]["shapes"] if shape["xref"] == "x2"]
    assert len(shapes) == 2 and (shapes[0]["x0"], shapes[0]["y0"]) == pytest.approx((-0.5, -0.5))
    assert "picture" not in chart_payloads(at)  # position only: no picture to show
    ids = rope_core.mrope_positions(4, 2, 3, 4, 4)
    streams = plotly_figure(at, "mrope_ids")["data"]
    for stream, trace in enumerate(streams):
        np.testing.assert_array_equal(decode_array(trace["y"]), ids[stream])
    assert float(_metric(at, TEXT_ONLY)) < 1e-12
    assert float(_metric(at, WITH_VIDEO)) > 1e-3
    assert _metric(at, "Largest position id") == str(int(ids.max()))
    sections = plotly_figure(at, "mrope_sections")["data"]
    assert [len(decode_array(trace["x"])) for trace in sections] == [16, 24, 24]
    assert not at.warning


def test_a_link_sets_the_query_and_the_score_maps_follow():
    at = run_page(
        PAGE, {"grid": "10", "row": "2", "col": "9", "d": "32", "base": "1k", "dir": "90", "pattern": "gradient"}
    )
    assert_clean(at)
    assert _sliders(at) == SLIDERS | {"grid": 10, "row": 2, "col": 9, "d": 32, "dir": 90}
    assert at.radio(key="pattern").value == "gradient"
    grids = _score_grids(at)
    assert all(grid.shape == (10, 10) for grid in grids)
    # The picture's patches are the queries and keys: the gradient's brightness scales every score.
    contents = lesson_c13.patch_contents("gradient", 10)
    for shown, reference in zip(grids, _expected(10, (2, 9), 32, 1000.0, 90, contents), strict=True):
        np.testing.assert_allclose(shown, reference, rtol=1e-5, atol=1e-6)
    assert plotly_figure(at, "scores")["layout"]["title"]["text"].endswith(", gradient picture")
    # Flattening: the first patch of the next row sits right after the query in the sequence.
    plain = _expected(10, (2, 9), 32, 1000.0, 90)[2]
    assert plain[3, 0] > plain[3, 9]
    outline = plotly_figure(at, "picture")["data"][-1]
    assert set(decode_array(outline["x"])) == {9.0, 10.0} and set(decode_array(outline["y"])) == {2.0, 3.0}


def test_moving_the_query_column_moves_the_cross():
    at = run_page(PAGE)
    at.slider(key="col").set_value(3).run()
    assert_clean(at)
    axial = _score_grids(at)[0]
    np.testing.assert_allclose(axial, lesson_c13.patch_scores_2d(24, 24, (12, 3), 64, 10.0, "axial"), atol=1e-6)
    assert np.unravel_index(np.argmax(axial), axial.shape) == (12, 3)


def test_a_head_size_not_divisible_by_4_is_explained_and_rounded_down():
    at = run_page(PAGE, {"d": "66"})
    assert_clean(at)
    assert at.slider(key="d").value == 66
    assert any("divisible by 4" in warning.value for warning in at.warning)
    np.testing.assert_allclose(_score_grids(at)[0], _expected(24, (12, 12), 64, 10.0, 45)[0], atol=1e-6)
    assert "d = 64" in plotly_figure(at, "scores")["layout"]["title"]["text"]


def test_a_random_start_draws_one_angle_for_the_whole_head_as_rope_mixed_does():
    at = run_page(PAGE, {"randdir": "true", "seed": "3"})
    assert_clean(at)
    assert at.slider(key="seed").value == 3
    angle = lesson_c13.rope_mixed_head_angle(3)
    expected = lesson_c13.patch_scores_2d(24, 24, (12, 12), 64, 10.0, "mixed", np.full(16, angle))
    np.testing.assert_allclose(_score_grids(at)[1], expected, atol=1e-6)
    titles = [annotation["text"] for annotation in plotly_figure(at, "scores")["layout"]["annotations"]]
    assert f"RoPE-Mixed, α = {np.rad2deg(angle):.0f}°" in titles


def test_the_picture_choice_changes_the_scores_and_shows_the_picture():
    at = run_page(PAGE, {"grid": "12", "row": "6", "col": "6"})
    plain = _score_grids(at)
    for pattern in ("circle", "checkerboard"):
        at.radio(key="pattern").set_value(pattern).run()
        assert_clean(at)
        contents = lesson_c13.patch_contents(pattern, 12)
        shown = _score_grids(at)
        for grid, base_grid in zip(shown, plain, strict=True):
            np.testing.assert_allclose(grid, contents[6, 6] * contents * base_grid, rtol=1e-5, atol=1e-6)
        assert not np.allclose(shown[0], plain[0])
        outline = plotly_figure(at, "picture")["data"][-1]
        assert set(decode_array(outline["x"])) == {6.0, 7.0}


@pytest.mark.parametrize(
    "params",
    [
        {
            "grid": "65",
            "row": "-1",
            "pattern": "photo",
            "col": "99",
            "d": "130",
            "dir": "181",
            "frames": "9",
            "gh": "0",
            "pre": "17",
        },
        {"grid": "abc", "row": "1,5", "d": "nan", "dir": "<i>x</i>", "base": "3", "pattern": "", "gw": "1e9"},
    ],
)
def test_out_of_range_or_garbage_links_fall_back_to_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert _sliders(at) == SLIDERS
    assert at.radio(key="pattern").value == "all ones"
    assert at.select_slider(key="base").value == 10.0


def test_the_largest_grid_and_video_are_drawn_in_full():
    # Every slider at its ends is tests/app/test_all_pages.py's; this checks what the largest values draw.
    at = run_page(PAGE, {"grid": "64", "row": "63", "col": "63", "frames": "8", "gh": "16", "gw": "16", "pre": "16",
                         "post": "16"})  # fmt: skip
    assert_clean(at)
    assert _score_grids(at)[0].shape == (rope_core.MAX_GRID, rope_core.MAX_GRID)
    ids = plotly_figure(at, "mrope_ids")["data"][0]
    assert len(decode_array(ids["y"])) == 16 + 8 * 16 * 16 + 16
