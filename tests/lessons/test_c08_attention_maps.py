"""Chapter 8's lesson: tokenising safely, Toeplitz and shift measures, the step-by-step pipeline."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c08_attention_maps import (
    LEARNED_ROWS,
    MAX_SHIFT_STOPS,
    MAX_TOKENS,
    compare_methods,
    largest_score_offset,
    maps_over_shifts,
    rope_attention_pipeline,
    shift_change,
    split_tokens,
    toeplitz_deviation,
)


def test_equal_words_share_an_id_and_markup_is_stripped():
    words, ids = split_tokens("The cat saw the <b>dog</b>")
    assert words == ("The", "cat", "saw", "the", "bdogb")
    assert ids.tolist() == [0, 1, 2, 0, 3]


def test_tokens_are_bounded_and_never_empty():
    words, ids = split_tokens(" ".join(f"w{i}" for i in range(40)))
    assert len(words) == MAX_TOKENS == ids.size
    assert split_tokens("   <>  ")[0] == ("·",)
    assert all(len(word) <= 12 for word in split_tokens("x" * 80)[0])
    with pytest.raises(ValueError):
        split_tokens(None)


def test_toeplitz_deviation_is_zero_for_a_toeplitz_matrix_and_skips_masked_entries():
    offsets = np.arange(5)
    toeplitz = np.sin(offsets[None, :] - offsets[:, None] + 0.3)
    assert toeplitz_deviation(toeplitz) < 1e-15
    toeplitz[2, 2] += 0.5
    assert toeplitz_deviation(toeplitz) == pytest.approx(0.5)
    masked = np.where(np.tri(5, dtype=bool), 1.0, -np.inf)
    assert toeplitz_deviation(masked) == 0.0
    assert toeplitz_deviation([[3.0]]) == 0.0


def test_shift_change_reports_the_largest_visible_difference():
    assert shift_change([[1.0, -np.inf], [2.0, 3.0]], [[1.5, -np.inf], [2.0, 2.0]]) == 1.0


def test_same_token_mode_makes_relative_methods_toeplitz_and_absolute_ones_not():
    results = compare_methods(8, 32, same_token=True, seed=1)
    for method in ("nope", "t5", "alibi", "rope"):
        assert results[method].toeplitz_deviation < 1e-12, method
    for method in ("sinusoidal", "learned"):
        assert results[method].toeplitz_deviation > 0.05, method


def test_shift_leaves_rope_scores_alone_but_moves_absolute_ones():
    _, ids = split_tokens("the cat sat on the mat")
    results = compare_methods(ids, 32, shift=40, causal=True)
    assert results["rope"].shift_change < 1e-12
    assert results["sinusoidal"].shift_change > 0.1
    assert results["learned"].shift_change > 0.1
    assert results["nope"].shift_change == 0.0


def test_learned_table_reports_positions_beyond_its_rows_instead_of_raising():
    results = compare_methods(6, 16, shift=600)
    learned = results["learned"]
    assert learned.maps is None and math.isnan(learned.toeplitz_deviation)
    assert "max_len" in learned.problem
    assert results["rope"].maps is not None


def test_pipeline_matches_attention_maps_exactly_and_has_the_right_shapes():
    _, ids = split_tokens("a b c a d")
    stages = rope_attention_pipeline(ids, 16, seed=2, causal=True, shift=3)
    names = [stage.name for stage in stages]
    assert names == ["embeddings", "project", "rotate", "scores", "softmax", "weighted sum"]
    maps = rope_core.attention_maps(ids, 16, "rope", seed=2, causal=True, shift=3)
    by_name = {stage.name: dict(stage.arrays) for stage in stages}
    np.testing.assert_array_equal(by_name["softmax"]["A"], maps.probabilities)
    np.testing.assert_array_equal(by_name["scores"]["S"], maps.scores)
    assert by_name["weighted sum"]["O"].shape == (5, 16)
    np.testing.assert_allclose(by_name["weighted sum"]["O"], maps.probabilities @ by_name["project"]["V"])
    # Equal tokens share their embedding.
    np.testing.assert_array_equal(by_name["embeddings"]["X"][0], by_name["embeddings"]["X"][3])
    assert all(stage.latex for stage in stages)


def test_pipeline_same_token_mode_matches_attention_maps():
    stages = rope_attention_pipeline(np.array([4, 1, 2]), 8, same_token=True)
    maps = rope_core.attention_maps([4, 1, 2], 8, "rope", same_token=True)
    np.testing.assert_array_equal(dict(stages[4].arrays)["A"], maps.probabilities)


@pytest.mark.parametrize("bad", [np.array([], dtype=int), np.arange(17), np.array([0.5, 1.0]), np.array([-1, 0])])
def test_pipeline_rejects_bad_token_ids(bad):
    with pytest.raises(ValueError):
        rope_attention_pipeline(bad, 16)


@pytest.mark.parametrize(("causal", "same_token"), [(False, False), (True, True)])
def test_maps_over_shifts_equal_attention_maps_at_every_stop(causal, same_token):
    _, ids = split_tokens("a rose is a rose")
    shifts = np.array([0, 7, 300, 505, 508, 1000])
    stack = maps_over_shifts(ids, 16, shifts, seed=3, causal=causal, same_token=same_token)
    assert stack.shifts.tolist() == shifts.tolist()
    for method in rope_core.METHODS:
        assert stack.scores[method].shape == stack.probabilities[method].shape == (6, 5, 5)
        for stop, shift in enumerate(shifts.tolist()):
            options = {"seed": 3, "causal": causal, "same_token": same_token, "shift": shift}
            try:
                maps = rope_core.attention_maps(ids, 16, method, **options)
            except ValueError:
                # The learned table has rows 0 … 511; a sentence reaching past it cannot be encoded at all.
                assert method == "learned" and shift + 4 >= LEARNED_ROWS
                assert not stack.available[method][stop] and np.isnan(stack.scores[method][stop]).all()
                continue
            assert stack.available[method][stop]
            np.testing.assert_allclose(stack.scores[method][stop], maps.scores, rtol=0, atol=1e-12)
            np.testing.assert_allclose(stack.probabilities[method][stop], maps.probabilities, rtol=0, atol=1e-12)
    assert stack.available["learned"].tolist() == [True, True, True, True, False, False]


def test_maps_over_shifts_show_which_schemes_a_shift_moves():
    _, ids = split_tokens("the cat sat on the mat")
    stack = maps_over_shifts(ids, 32, np.arange(0, 401, 50), seed=1)
    for method in ("nope", "t5", "alibi", "rope"):
        assert np.abs(stack.scores[method] - stack.scores[method][0]).max() < 1e-12, method
    for method in ("sinusoidal", "learned"):
        assert np.abs(stack.scores[method] - stack.scores[method][0]).max() > 0.1, method


@pytest.mark.parametrize(
    ("shifts", "message"),
    [([], "shifts"), (np.arange(MAX_SHIFT_STOPS + 1), "shifts"), ([0.5], "shifts"), ([-10], "shifts"),
     ([10**6], "shifts")],
)  # fmt: skip
def test_maps_over_shifts_reject_bad_stops(shifts, message):
    with pytest.raises(ValueError, match=message):
        maps_over_shifts(np.arange(3), 8, np.asarray(shifts))
    with pytest.raises(ValueError, match="token_ids"):
        maps_over_shifts(np.arange(17), 8, [0])


def test_largest_score_offset_reads_the_visible_maximum():
    scores = np.array([[0.0, 5.0, 1.0], [2.0, 0.0, -1.0], [9.0, 0.0, 0.0]])
    assert largest_score_offset(scores) == -2
    scores[2, 0] = -3.0
    assert largest_score_offset(scores) == 1
    assert largest_score_offset(scores + rope_core.causal_mask(3)) == -1  # the 5 above the diagonal is masked
    assert largest_score_offset(np.where(np.eye(3) > 0, 1.0, -np.inf)) == 0
    with pytest.raises(ValueError):
        largest_score_offset(np.full((2, 2), -np.inf))
