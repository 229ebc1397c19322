"""The three attention weightings of chapter 12 and the bounded timing, checked against direct formulas."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from ropelab.lessons.c12_linear_attention import (
    linear_attention_rope_bruteforce,
    linear_attention_weights,
    seeded_qkv,
    softmax_rope_weights,
    time_linear_attention,
)


def _elu_plus_one(x):
    return np.where(x > 0, x + 1.0, np.exp(x))


def _rotate(x, positions, frequencies):
    # Independent reference: build each position's dense half-split matrix and multiply.
    return np.stack(
        [rope_core.rotation_matrix(p, frequencies, "half") @ row for p, row in zip(positions, x, strict=True)]
    )


def test_seeded_qkv_is_reproducible_and_seed_dependent():
    first = seeded_qkv(5, 8, 3)
    again = seeded_qkv(5, 8, 3)
    other = seeded_qkv(5, 8, 4)
    assert all(a.shape == (5, 8) for a in first)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], first[1])


@pytest.mark.parametrize("causal", [False, True])
def test_softmax_rope_weights_match_a_direct_computation(causal):
    q, k, _ = seeded_qkv(7, 8, 1)
    frequencies = rope_core.inv_freq(8, 100.0)
    positions = np.arange(7.0)
    scores = _rotate(q, positions, frequencies) @ _rotate(k, positions, frequencies).T / math.sqrt(8)
    if causal:
        scores = np.where(np.tri(7, dtype=bool), scores, -np.inf)
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    weights = softmax_rope_weights(q, k, positions, frequencies, causal)
    np.testing.assert_allclose(weights, expected, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights >= 0).all()


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_weights_are_the_normalised_kernel(causal):
    q, k, v = seeded_qkv(6, 4, 2)
    kernel = _elu_plus_one(q) @ _elu_plus_one(k).T
    if causal:
        kernel = np.tril(kernel)
    expected = kernel / kernel.sum(axis=1, keepdims=True)
    weights = linear_attention_weights(q, k, causal)
    np.testing.assert_allclose(weights, expected, atol=1e-12)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    # The weights reproduce the library's O(N) linear attention output.
    np.testing.assert_allclose(weights @ v, rope_core.linear_attention(q, k, v, causal=causal), atol=1e-12)


def test_rope_in_the_numerator_makes_weights_negative_and_rows_not_sum_to_one():
    q, k, _ = seeded_qkv(24, 16, 0)
    weights = rope_core.linear_attention_rope_weights(q, k, np.arange(24), rope_core.inv_freq(16))
    assert (weights < 0).sum() > 0
    assert np.abs(weights.sum(axis=1) - 1.0).max() > 1e-3
    assert (linear_attention_weights(q, k) >= 0).all()


def test_timing_reports_equal_outputs_and_positive_times():
    timing = time_linear_attention([16, 64, 32], 8, seed=1, causal=True, budget_seconds=1.0)
    assert list(timing.lengths) == [16, 32, 64]
    assert timing.fast_seconds.shape == timing.quadratic_seconds.shape == (3,)
    assert (timing.fast_seconds > 0).all() and (timing.quadratic_seconds > 0).all()
    assert timing.max_abs_difference.max() < 1e-10
    assert timing.skipped == ()


def test_timing_skips_lengths_the_budget_cannot_pay_for():
    timing = time_linear_attention([8, 2048], 64, budget_seconds=1e-9)
    assert list(timing.lengths) == [8]
    assert timing.skipped == (2048,)


@pytest.mark.parametrize(
    "bad",
    [
        {"lengths": [4096]},
        {"lengths": []},
        {"lengths": "128"},
        {"dim": 7},
        {"budget_seconds": 10.0},
        {"feature_map": "tanh"},
    ],
)
def test_timing_rejects_bad_input(bad):
    arguments = {"lengths": [16], "dim": 8, **bad}
    with pytest.raises(ValueError):
        time_linear_attention(**arguments)


def test_weights_reject_mismatched_inputs():
    q, k, _ = seeded_qkv(4, 8, 0)
    with pytest.raises(ValueError):
        linear_attention_weights(q, k[:3])
    with pytest.raises(ValueError):
        softmax_rope_weights(q, k[:, :4], np.arange(4), rope_core.inv_freq(4))
    with pytest.raises(ValueError):
        seeded_qkv(0, 8)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 150), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**31), st.booleans())
def test_linear_attention_rope_matches_bruteforce(seq, pairs, value_dim, seed, causal):
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, seq, 2 * pairs))
    v = rng.standard_normal((seq, value_dim))
    positions = np.arange(seq, dtype=float)
    frequencies = rope_core.inv_freq(2 * pairs)
    fast = rope_core.linear_attention_rope(q, k, v, positions, frequencies, causal=causal)
    slow = linear_attention_rope_bruteforce(q, k, v, positions, frequencies, causal=causal)
    np.testing.assert_allclose(fast, slow, atol=1e-9, rtol=1e-7)


def test_the_quadratic_form_refuses_sequences_longer_than_it_may_build():
    with pytest.raises(ValueError, match="q"):
        linear_attention_rope_bruteforce(
            np.ones((5000, 2)), np.ones((5000, 2)), np.ones((5000, 2)), np.arange(5000), rope_core.inv_freq(2)
        )
    with pytest.raises(ValueError, match="v"):
        linear_attention_rope_bruteforce(np.ones((4, 2)), np.ones((4, 2)), np.ones((3, 2)), np.arange(4), [1.0])
