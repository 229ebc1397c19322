"""rc.attention: softmax and the mask, the six schemes' attention maps, pair logits, linear attention."""

import numpy as np
import pytest

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


@pytest.mark.parametrize("method", rc.METHODS)
def test_pair_logits_are_the_attention_map_entries_they_stand_for(method):
    # Reference: the full attention map of key token, r query tokens, read at [r, 0], one map per key position.
    distance, positions = 5, [0, 3, 40, 41, 700]
    expected = [
        rc.attention_maps([0] + [1] * distance, 16, method, seed=4, shift=p, learned_max_len=800).scores[distance, 0]
        for p in positions
    ]
    got = rc.pair_logits(1, 0, distance, positions, 16, method, seed=4, learned_max_len=800)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_pair_logits_handle_positions_further_apart_than_one_table():
    far = [0, 3000, 6000]
    expected = [rc.attention_maps([0, 1], 8, "sinusoidal", seed=2, shift=p).scores[1, 0] for p in far]
    np.testing.assert_allclose(rc.pair_logits(1, 0, 1, far, 8, "sinusoidal", seed=2), expected, rtol=1e-10)


def test_pair_logits_refuse_bad_positions():
    with pytest.raises(ValueError, match="key_positions"):
        rc.pair_logits(1, 0, 3, [1.5])
    with pytest.raises(ValueError, match="key_positions"):
        rc.pair_logits(1, 0, 3, [])
    with pytest.raises(ValueError, match="key_positions"):
        rc.pair_logits(1, 0, 3, [-2])
