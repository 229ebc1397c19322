"""Attention maps, linear attention with RoPE, 2-D RoPE and M-RoPE."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core as rc


def test_softmax_is_stable_and_handles_masked_rows():
    probabilities = rc.softmax(np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [0.0, -np.inf]]))
    np.testing.assert_allclose(probabilities, [[0.5, 0.5], [0, 0], [1, 0]])
    assert np.isinf(rc.causal_mask(3)[0, 1]) and rc.causal_mask(3)[1, 0] == 0


@pytest.mark.parametrize("method", rc.METHODS)
def test_attention_maps_are_distributions(method):
    maps = rc.attention_maps(12, 16, method, seed=1, causal=True)
    np.testing.assert_allclose(maps.probabilities.sum(axis=1), 1.0)
    assert np.all(np.triu(maps.probabilities, 1) == 0)


def test_rope_scores_depend_only_on_offsets_and_absolute_ones_do_not():
    rope = rc.attention_maps(10, 16, "rope", same_token=True)
    np.testing.assert_allclose(np.diag(rope.scores, 2), np.diag(rope.scores, 2)[0])
    shifted = rc.attention_maps(10, 16, "rope", shift=500)
    np.testing.assert_allclose(shifted.scores, rc.attention_maps(10, 16, "rope").scores, atol=1e-9)
    sinusoidal = rc.attention_maps(10, 16, "sinusoidal", shift=500)
    assert np.abs(sinusoidal.scores - rc.attention_maps(10, 16, "sinusoidal").scores).max() > 1e-3
    nope = rc.attention_maps(6, 16, "nope", same_token=True)
    np.testing.assert_allclose(nope.probabilities, 1 / 6)


def test_learned_method_fails_beyond_its_table():
    with pytest.raises(ValueError, match="beyond the learned table"):
        rc.attention_maps(8, 16, "learned", shift=10, learned_max_len=16)


def test_token_ids_share_content():
    maps = rc.attention_maps([3, 5, 3], 8, "nope")
    np.testing.assert_allclose(maps.scores[:, 0], maps.scores[:, 2])


def test_scaled_dot_product_scores():
    q = np.ones((2, 4))
    np.testing.assert_allclose(rc.scaled_dot_product_scores(q, q), np.full((2, 2), 2.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 150), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**31), st.booleans())
def test_linear_attention_rope_matches_bruteforce(seq, pairs, value_dim, seed, causal):
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, seq, 2 * pairs))
    v = rng.standard_normal((seq, value_dim))
    positions = np.arange(seq, dtype=float)
    frequencies = rc.inv_freq(2 * pairs)
    fast = rc.linear_attention_rope(q, k, v, positions, frequencies, causal=causal)
    slow = rc.linear_attention_rope_bruteforce(q, k, v, positions, frequencies, causal=causal)
    np.testing.assert_allclose(fast, slow, atol=1e-9, rtol=1e-7)


def test_linear_attention_without_rope_is_a_weighted_average():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((3, 40, 8))
    out = rc.linear_attention(q, k, v, causal=True)
    phi = np.where(q > 0, q + 1, np.exp(q)), np.where(k > 0, k + 1, np.exp(k))
    weights = np.tril(phi[0] @ phi[1].T)
    np.testing.assert_allclose(out, weights @ v / weights.sum(axis=1, keepdims=True))


def test_rope_linear_weights_can_be_negative_and_not_sum_to_one():
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((2, 64, 16))
    weights = rc.linear_attention_rope_weights(q, k, np.arange(64.0), rc.inv_freq(16))
    assert weights.min() < 0
    assert np.abs(weights.sum(axis=1) - 1).max() > 1e-3


@pytest.mark.parametrize("sections", [(16, 24, 24), (2, 3, 3)])
def test_mrope_with_equal_streams_is_1d_rope(sections):
    dim = 2 * sum(sections)
    x = np.random.default_rng(0).standard_normal((2, 9, dim))
    positions = np.arange(9) * 13.0
    np.testing.assert_allclose(
        rc.apply_mrope(x, positions, positions, positions, sections, base=1e6),
        rc.apply_rope(x, positions, rc.inv_freq(dim, 1e6), convention="half"),
        atol=1e-12,
    )


def test_mrope_positions_layout():
    ids = rc.mrope_positions(2, 1, 2, 3, 2)
    assert ids.shape == (3, 2 + 6 + 2)
    np.testing.assert_array_equal(ids[:, :2], [[0, 1]] * 3)
    np.testing.assert_array_equal(ids[1, 2:8], [2, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(ids[2, 2:8], [2, 3, 4, 2, 3, 4])
    np.testing.assert_array_equal(ids[:, 8:], [[5, 6]] * 3)


def test_axial_rope_uses_columns_then_rows():
    dim = 16
    x = np.random.default_rng(0).standard_normal((3, dim))
    rows, cols = np.array([0, 2, 5.0]), np.array([1, 4, 0.0])
    out = rc.axial_rope_2d(x, rows, cols, base=100.0)
    frequencies = rc.axial_inv_freq(dim, 100.0)
    first = rc.apply_rope(x[:, : dim // 2], cols, frequencies, convention="interleaved")
    second = rc.apply_rope(x[:, dim // 2 :], rows, frequencies, convention="interleaved")
    np.testing.assert_allclose(out, np.concatenate([first, second], axis=1), atol=1e-12)
    freqs_x, freqs_y = rc.mixed_inv_freq_directions(dim, np.zeros(dim // 4), base=100.0)
    np.testing.assert_allclose(rc.mixed_rope_2d(x, rows, cols, freqs_x, freqs_y), out, atol=1e-12)


def test_patch_scores_show_cross_and_row_wrap_artefacts():
    axial = rc.patch_scores_2d(8, 8, (3, 3), dim=64, method="axial")
    assert axial[3, 3] == pytest.approx(1.0)
    assert axial[3, 5] > axial[4, 5] and axial[5, 3] > axial[5, 4]  # same row/column beats off-axis
    flat = rc.patch_scores_2d(8, 8, (2, 0), dim=64, base=1e4, method="flat1d")
    assert flat[1, 7] > flat[2, 2]  # the previous row's last patch is a 1-D neighbour
    mixed = rc.patch_scores_2d(8, 8, (3, 3), dim=64, method="mixed", seed=4)
    assert mixed.shape == (8, 8) and mixed[3, 3] == pytest.approx(1.0)
