"""Chapter 9's lesson: the dense and complex forms, operation counts, live timing, layout conversion, partial rotary,
the cos/sin cache and float32 angles."""

from __future__ import annotations

import inspect
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from ropelab.lessons.c09_efficient_implementation import (
    MAX_TIMED_DIM,
    MAX_TIMED_SEQ,
    RopeFormTiming,
    apply_rope_complex,
    apply_rope_dense,
    cache_sizes_mib,
    channel_frequencies,
    code_listing,
    float32_angle_error,
    float32_pair_errors,
    kv_cos_sin_cache_bytes,
    layout_conversion_scores,
    partial_rotary,
    permute_qk_weight_rows,
    rope_cos_sin,
    rope_operation_counts,
    rotate_interleaved,
    rotation_pairs,
    time_rope_forms,
    unrotated_change,
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
    # The element-wise form timed is the textbook code the chapter shows; the other two are checked against it.
    result = time_rope_forms(64, 32, budget_seconds=0.05)
    assert result.forms == ("dense matrix", "element-wise", "complex")
    assert np.all(result.seconds_per_vector > 0) and np.all(np.isfinite(result.seconds_per_vector))
    assert np.all(result.repeats >= 1)
    assert result.vectors_per_call.tolist() == [32, 32, 32]
    assert result.max_abs_difference["dense matrix"] < 1e-12
    assert result.max_abs_difference["complex"] < 1e-12


def test_timing_stays_bounded_at_the_largest_sizes():
    start = time.perf_counter()
    result = time_rope_forms(MAX_TIMED_DIM, MAX_TIMED_SEQ, budget_seconds=0.2)
    elapsed = time.perf_counter() - start
    # The dense form rotates only a few rows at d = 512, so its matrices stay small.
    assert result.vectors_per_call[0] == 2**20 // MAX_TIMED_DIM**2
    assert elapsed < 2.0  # generous: the machine running the tests is shared
    assert result.max_abs_difference["dense matrix"] < 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [{"dim": 1024, "seq_len": 8}, {"dim": 64, "seq_len": 0}, {"dim": 64, "seq_len": 5000}, {"dim": 7, "seq_len": 8},
     {"dim": 64, "seq_len": 8, "budget_seconds": 5.0}, {"dim": 64, "seq_len": 8, "base": 0.5}],
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


def test_the_code_listing_is_the_running_code_without_decorator_or_docstring():
    listing = code_listing(rope_core.rotate_half, rope_core.apply_rope_textbook)
    assert listing.startswith("def rotate_half(x: np.ndarray) -> np.ndarray:\n    half = x.shape[-1] // 2\n")
    assert "return x * np.cos(angles) + rotate_half(x) * np.sin(angles)\n" in listing
    assert '"""' not in listing and "@equation" not in listing and "\n\n\ndef" not in listing
    assert "\n\ndef apply_rope_textbook(x, positions, inv_freq) -> np.ndarray:\n" in listing
    # Every line that is left is a line of the real source, in order.
    source = inspect.getsource(rope_core.apply_rope_textbook).splitlines()
    kept = listing.split("\n\n")[1].splitlines()
    assert [line for line in source if line in kept] == kept
    namespace = {"np": np}
    exec(listing, namespace)  # the listing runs and computes what the library does
    x = np.random.default_rng(0).standard_normal((3, 8))
    np.testing.assert_array_equal(
        namespace["apply_rope_textbook"](x, [0, 1, 2], rope_core.inv_freq(8)),
        rope_core.apply_rope_textbook(x, [0, 1, 2], rope_core.inv_freq(8)),
    )
    with pytest.raises(ValueError, match="plain functions"):
        code_listing(RopeFormTiming)


def test_float32_pair_errors_put_the_error_on_pairs_with_theta_below_one():
    frequencies = rope_core.inv_freq(128, 10000.0)
    short = float32_pair_errors(8191, frequencies)
    # θ_0 = 1: the angle is the whole number m, exact in float32 up to 2**24.
    assert short.angle_errors[0] == 0.0 and short.cos_sin_errors[0] == 0.0
    assert short.worst == 1 and short.inv_freq[1] == pytest.approx(10000.0 ** (-2 / 128))
    assert short.angles[1] == pytest.approx(8191 * 10000.0 ** (-2 / 128))
    assert 4e-4 < short.angle_errors[1] < 6e-4
    assert short.cos_sin_errors[1] == pytest.approx(float32_angle_error([8191], frequencies)[0])
    long = float32_pair_errors(1_000_000, frequencies)
    assert long.cos_sin_errors[0] == 0.0 and long.worst == 1 and 4e-2 < long.cos_sin_errors.max() < 6e-2
    assert float32_pair_errors(10_000_000, frequencies).angle_errors[0] == 0.0  # the largest position allowed
    with pytest.raises(ValueError, match="position"):
        float32_pair_errors(2**24, frequencies)


def test_float32_angle_error_matches_the_fact_sheet():
    errors = float32_angle_error([8191, 1_000_000], rope_core.inv_freq(128, 10000.0))
    assert 3e-4 < errors[0] < 5e-4
    assert 4e-2 < errors[1] < 6e-2
    assert float32_angle_error([0], rope_core.inv_freq(8))[0] == 0.0


# ---------------------------------------------------------------------------------------------------------
# The three forms, the cos/sin tables and the checkpoint conversion
# ---------------------------------------------------------------------------------------------------------

FAST = settings(max_examples=60, deadline=None)
half_dims = st.integers(1, 16)
seeds = st.integers(0, 2**31)
conventions = st.sampled_from(rope_core.CONVENTIONS)


@FAST
@given(half_dims, st.integers(1, 9), seeds, conventions, st.sampled_from([np.float64, np.float32]))
def test_dense_elementwise_and_complex_forms_agree(pairs, seq, seed, convention, dtype):
    frequencies = rope_core.inv_freq(2 * pairs, 500.0)
    x = np.random.default_rng(seed).standard_normal((3, seq, 2 * pairs)).astype(dtype)
    pos = np.random.default_rng(seed).uniform(-1e3, 1e3, seq)
    fast = rope_core.apply_rope(x, pos, frequencies, convention=convention)
    dense = apply_rope_dense(x, pos, frequencies, convention=convention)
    complex_form = apply_rope_complex(x, pos, frequencies, convention=convention)
    assert fast.dtype == dense.dtype == complex_form.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(fast, dense, atol=tolerance)
    np.testing.assert_allclose(fast, complex_form, atol=tolerance)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=-1), np.linalg.norm(x, axis=-1), rtol=tolerance)


def test_the_dense_form_stacks_chapter_6s_matrices():
    frequencies = rope_core.inv_freq(8)
    # Rotating the 8 unit vectors, all at position 5, reads the matrix off column by column.
    for convention in rope_core.CONVENTIONS:
        dense = apply_rope_dense(np.eye(8), np.full(8, 5.0), frequencies, convention=convention)
        np.testing.assert_array_equal(dense, rope_core.rotation_matrix(5.0, frequencies, convention).T)


@FAST
@given(half_dims, seeds, conventions)
def test_elementwise_formula_with_cos_sin_tables(pairs, seed, convention):
    frequencies = rope_core.inv_freq(2 * pairs)
    x = np.random.default_rng(seed).standard_normal((4, 2 * pairs))
    pos = np.arange(4) * 11.0
    cos, sin = rope_cos_sin(pos, frequencies, convention)
    partner = rope_core.rotate_half(x) if convention == "half" else rotate_interleaved(x)
    np.testing.assert_allclose(
        x * cos + partner * sin, rope_core.apply_rope(x, pos, frequencies, convention=convention), atol=1e-12
    )


@FAST
@given(st.integers(1, 8), st.integers(1, 4), st.integers(2, 7), seeds)
def test_permuted_weight_rows_give_identical_scores(pairs, n_heads, seq, seed):
    head_dim = 2 * pairs
    rng = np.random.default_rng(seed)
    w_q, w_k = rng.standard_normal((2, n_heads * head_dim, 12))
    tokens = rng.standard_normal((seq, 12))
    frequencies = rope_core.inv_freq(head_dim)
    pos = np.arange(seq, dtype=float)
    w_q_half = permute_qk_weight_rows(w_q, head_dim, n_heads)
    w_k_half = permute_qk_weight_rows(w_k, head_dim, n_heads)
    for head in range(n_heads):
        rows = slice(head * head_dim, (head + 1) * head_dim)
        reference = rope_core.rope_scores(
            tokens @ w_q[rows].T, tokens @ w_k[rows].T, pos, pos, frequencies, "interleaved"
        )
        converted = rope_core.rope_scores(
            tokens @ w_q_half[rows].T, tokens @ w_k_half[rows].T, pos, pos, frequencies, "half"
        )
        np.testing.assert_allclose(converted, reference, atol=1e-9)


def test_cache_size_counts_cos_and_sin_with_duplicated_halves():
    assert kv_cos_sin_cache_bytes(131072, 128, np.float32) == 2 * 131072 * 128 * 4
    assert kv_cos_sin_cache_bytes(10, 64, np.float64, duplicated=False) == 2 * 10 * 32 * 8


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("head_dim", lambda: permute_qk_weight_rows(np.ones((6, 4)), 3, 2)),
        ("weight", lambda: permute_qk_weight_rows(np.ones((6, 4)), 4, 2)),
        ("n_heads", lambda: permute_qk_weight_rows(np.ones((8, 4)), 4, 200)),
        ("seq_len", lambda: kv_cos_sin_cache_bytes(0, 64)),
        ("dtype", lambda: kv_cos_sin_cache_bytes(8, 64, "int8")),
        ("x", lambda: apply_rope_dense(np.ones(8), [0], rope_core.inv_freq(8))),
        ("positions", lambda: apply_rope_complex(np.ones((2, 8)), [0], rope_core.inv_freq(8))),
        ("inv_freq", lambda: apply_rope_complex(np.ones((2, 8)), [0, 1], rope_core.inv_freq(4))),
        ("convention", lambda: rope_cos_sin([0], [1.0], "neox")),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call()


def test_partial_rotary_leaves_the_tail_exactly_alone_and_caches_are_sized_per_preset():
    rotary_dim, frequencies = partial_rotary(256, 0.25)
    assert unrotated_change(256, frequencies, "interleaved", rotary_dim) == 0.0
    presets = list(rope_core.MODEL_PRESETS.values())
    sizes = cache_sizes_mib(presets)
    expected = [kv_cos_sin_cache_bytes(p.context_length, p.rotary_dim, np.float32) / 2**20 for p in presets]
    np.testing.assert_array_equal(sizes, expected)
