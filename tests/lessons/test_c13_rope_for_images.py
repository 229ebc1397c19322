"""Chapter 13's lesson: one query patch scored against a grid under axial, mixed and flattened RoPE."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c13_rope_for_images import (
    mrope_against_1d,
    neighbour_scores,
    patch_contents,
    patch_scores_2d,
    rope_mixed_head_angle,
)


def test_patch_scores_show_cross_and_row_wrap_artefacts():
    axial = patch_scores_2d(8, 8, (3, 3), dim=64, method="axial")
    assert axial[3, 3] == pytest.approx(1.0)
    assert axial[3, 5] > axial[4, 5] and axial[5, 3] > axial[5, 4]  # same row/column beats off-axis
    flat = patch_scores_2d(8, 8, (2, 0), dim=64, base=1e4, method="flat1d")
    assert flat[1, 7] > flat[2, 2]  # the previous row's last patch is a 1-D neighbour
    mixed = patch_scores_2d(8, 8, (3, 3), dim=64, method="mixed", seed=4)
    assert mixed.shape == (8, 8) and mixed[3, 3] == pytest.approx(1.0)


def test_neighbours_are_to_the_right_and_below_unless_the_query_is_on_the_edge():
    scores = np.arange(9.0).reshape(3, 3)
    assert neighbour_scores(scores, 0, 0) == ("right", 1.0, "below", 3.0)
    assert neighbour_scores(scores, 2, 2) == ("left", 7.0, "above", 5.0)


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("grid_h", lambda: patch_scores_2d(65, 4, (0, 0))),
        ("query_rc", lambda: patch_scores_2d(4, 4, (4, 0))),
        ("method", lambda: patch_scores_2d(4, 4, (0, 0), method="radial")),
        ("dim", lambda: patch_scores_2d(4, 4, (0, 0), dim=6)),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call()


def test_mrope_is_1d_rope_for_text_and_differs_once_a_video_has_rows_and_columns():
    with_video = rope_core.mrope_positions(4, 2, 3, 4, 4)
    text_only_gap, video_gap = mrope_against_1d(with_video, 128, (16, 24, 24), 1e6)
    assert text_only_gap < 1e-12 and video_gap > 0.1
    one_patch_per_frame = rope_core.mrope_positions(4, 2, 1, 1, 0)  # t, h and w differ only by the offset
    assert mrope_against_1d(one_patch_per_frame, 8, (1, 1, 2), 1e6)[1] > 0


def test_rope_mixed_starts_with_one_angle_per_head_shared_by_every_pair():
    # Heo et al. 2024's code: one uniform angle per head; pairs t point along it, pairs t + d/4 at +90 degrees.
    angle = rope_mixed_head_angle(4)
    assert 0.0 <= angle < 2 * np.pi and rope_mixed_head_angle(4) == angle != rope_mixed_head_angle(5)
    drawn = patch_scores_2d(8, 8, (3, 3), dim=64, method="mixed", seed=4)
    shared = patch_scores_2d(8, 8, (3, 3), dim=64, method="mixed", directions=np.full(16, angle))
    np.testing.assert_allclose(drawn, shared)
    # One angle for the whole head is axial RoPE on turned axes: at 0 it is axial RoPE itself.
    np.testing.assert_allclose(
        patch_scores_2d(8, 8, (3, 3), dim=64, method="mixed", directions=np.zeros(16)),
        patch_scores_2d(8, 8, (3, 3), dim=64, method="axial"),
        atol=1e-12,
    )


def test_at_45_degrees_rope_mixed_draws_an_x_through_the_query():
    scores = patch_scores_2d(24, 24, (12, 12), dim=64, base=10.0, method="mixed", directions=np.full(16, np.pi / 4))
    diagonal = np.array([scores[12 + k, 12 + k] for k in range(5, 11)])
    beside = np.array([scores[12 + k, 12] for k in range(5, 11)])  # same distance along the column
    assert np.all(diagonal > beside + 0.2)


def test_patch_contents_are_the_mean_brightness_of_each_patch_from_minus_one_to_one():
    circle = patch_contents("circle", 8)
    assert circle.shape == (8, 8) and circle[4, 4] == pytest.approx(1.0) and circle[0, 0] == pytest.approx(-1.0)
    board = patch_contents("checkerboard", 8)
    assert set(np.round(board.ravel(), 9)) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="pattern"):
        patch_contents("photo", 8)


def test_contents_scale_each_patchs_query_and_key_so_the_picture_changes_the_scores():
    contents = patch_contents("circle", 10)
    for method in ("axial", "mixed", "flat1d"):
        plain = patch_scores_2d(10, 10, (5, 5), dim=32, base=10.0, method=method, seed=1)
        with_picture = patch_scores_2d(10, 10, (5, 5), dim=32, base=10.0, method=method, seed=1, contents=contents)
        # q_p = k_p = c_p · 1, so every score is c_query · c_key times the position-only score.
        np.testing.assert_allclose(with_picture, contents[5, 5] * contents * plain, atol=1e-12)
    checkerboard = patch_scores_2d(10, 10, (5, 5), dim=32, contents=patch_contents("checkerboard", 10))
    assert not np.allclose(checkerboard, patch_scores_2d(10, 10, (5, 5), dim=32, contents=contents))
    with pytest.raises(ValueError, match="contents"):
        patch_scores_2d(10, 10, (5, 5), dim=32, contents=np.ones((9, 10)))
