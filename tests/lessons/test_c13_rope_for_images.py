"""Chapter 13's lesson: one query patch scored against a grid under axial, mixed and flattened RoPE."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c13_rope_for_images import mrope_against_1d, neighbour_scores, patch_scores_2d


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
