"""rope_core.implementation: operation counts, live timing, layout conversion, partial rotary, float32 angles."""

from __future__ import annotations

import time

import numpy as np
import pytest

import rope_core
from rope_core.implementation import (
    MAX_TIMED_DIM,
    MAX_TIMED_SEQ,
    channel_frequencies,
    float32_angle_error,
    layout_conversion_scores,
    partial_rotary,
    rope_operation_counts,
    rotation_pairs,
    time_rope_forms,
)


def test_operation_counts_are_quadratic_for_the_matrix_and_linear_otherwise():
    counts = rope_operation_counts([8, 128])
    np.testing.assert_array_equal(counts["dense matrix"], [2 * 64 - 8, 2 * 128 * 128 - 128])
    np.testing.assert_array_equal(counts["element-wise"], [24, 384])
    np.testing.assert_array_equal(counts["complex"], counts["element-wise"])
    assert rope_operation_counts.latex


@pytest.mark.parametrize("bad", [0, 3, 2048, 7.5])
def test_operation_counts_reject_bad_dims(bad):
    with pytest.raises(ValueError, match="dims"):
        rope_operation_counts([8, bad])


def test_the_three_forms_agree_and_every_timing_is_positive():
    result = time_rope_forms(64, 32, budget_seconds=0.05)
    assert result.forms == ("dense matrix", "element-wise", "complex")
    assert np.all(result.seconds_per_vector > 0) and np.all(np.isfinite(result.seconds_per_vector))
    assert np.all(result.repeats >= 1)
    assert result.vectors_per_call.tolist() == [32, 32, 32]
    assert result.max_abs_difference["dense matrix"] < 1e-12
    assert result.max_abs_difference["complex"] < 1e-12


def test_timing_stays_bounded_at_the_largest_sizes():
    start = time.perf_counter()
    result = time_rope_forms(MAX_TIMED_DIM, MAX_TIMED_SEQ, convention="half", budget_seconds=0.2)
    elapsed = time.perf_counter() - start
    # The dense form rotates only a few rows at d = 512, so its matrices stay small.
    assert result.vectors_per_call[0] == 2**20 // MAX_TIMED_DIM**2
    assert elapsed < 2.0  # generous: the machine running the tests is shared
    assert result.max_abs_difference["dense matrix"] < 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [{"dim": 1024, "seq_len": 8}, {"dim": 64, "seq_len": 0}, {"dim": 64, "seq_len": 5000}, {"dim": 7, "seq_len": 8},
     {"dim": 64, "seq_len": 8, "budget_seconds": 5.0}, {"dim": 64, "seq_len": 8, "convention": "other"}],
)  # fmt: skip
def test_timing_rejects_out_of_range_sizes(kwargs):
    with pytest.raises(ValueError):
        time_rope_forms(**kwargs)


def test_rotation_pairs_in_both_layouts():
    assert rotation_pairs(8, "interleaved").tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert rotation_pairs(8, "half").tolist() == [[0, 4], [1, 5], [2, 6], [3, 7]]
    permutation = rope_core.interleaved_to_half_permutation(8)
    # P sends interleaved pair i, (2i, 2i+1), to half-split positions (i, i + d/2).
    for i, (first, second) in enumerate(rotation_pairs(8, "interleaved")):
        assert permutation[i] == first and permutation[i + 4] == second


def test_channel_frequencies_leave_pass_through_channels_at_zero():
    frequencies = rope_core.inv_freq(4, 100.0)
    np.testing.assert_allclose(channel_frequencies(8, frequencies, "half"), [1, 0.1, 1, 0.1, 0, 0, 0, 0])
    np.testing.assert_allclose(channel_frequencies(8, frequencies, "interleaved"), [1, 1, 0.1, 0.1, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="inv_freq"):
        channel_frequencies(2, frequencies)


def test_converted_checkpoint_reproduces_scores_and_unconverted_does_not():
    result = layout_conversion_scores(16, 8, seed=3)
    assert result.reference.shape == (8, 8)
    assert result.max_diff_converted < 1e-12
    assert result.max_diff_unconverted > 0.1
    np.testing.assert_allclose(result.converted, result.reference, atol=1e-12)
    # The same input vector comes out different under the two layouts.
    assert np.max(np.abs(result.rotated_interleaved - result.rotated_half)) > 1e-3
    np.testing.assert_allclose(np.linalg.norm(result.rotated_interleaved), np.linalg.norm(result.rotated_half))


def test_partial_rotary_matches_gpt_j_and_neox():
    rotary_dim, frequencies = partial_rotary(256, 0.25)
    assert rotary_dim == 64
    np.testing.assert_allclose(frequencies, rope_core.inv_freq(64, 10000.0))
    assert partial_rotary(96, 0.25)[0] == 24  # GPT-NeoX-20B: 6144 / 64 heads = 96
    with pytest.raises(ValueError, match="rotary_fraction"):
        partial_rotary(12, 0.25)  # int(12 * 0.25) = 3 is odd
    with pytest.raises(ValueError, match="rotary_fraction"):
        partial_rotary(10, 0.3)


def test_float32_angle_error_matches_the_fact_sheet():
    errors = float32_angle_error([8191, 1_000_000], rope_core.inv_freq(128, 10000.0))
    assert 3e-4 < errors[0] < 5e-4
    assert 4e-2 < errors[1] < 6e-2
    assert float32_angle_error([0], rope_core.inv_freq(8))[0] == 0.0
