"""Chapter 4's lesson: the clipped relative bias, T5's buckets as the page shows them, and a bias inside softmax."""

import numpy as np
import pytest

from rope_core import alibi_bias, attention_maps, t5_bias, t5_relative_bucket
from ropelab.lessons.c04_relative_encodings import attention_with_bias, clipped_relative_bias, t5_views


def test_zero_bias_is_plain_softmax_and_rows_sum_to_one():
    scores = np.random.default_rng(0).standard_normal((6, 6))
    weights = attention_with_bias(scores, np.zeros((6, 6)))
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(weights, expected)


def test_matches_the_t5_and_alibi_maps_built_inside_attention_maps():
    plain = attention_maps(12, 16, "nope", seed=3)
    t5 = attention_maps(12, 16, "t5", seed=3, num_buckets=8, max_distance=20)
    np.testing.assert_allclose(attention_with_bias(plain.scores, t5_bias(12, 8, 20, True, 3)[0]), t5.probabilities)
    alibi = attention_maps(12, 16, "alibi", seed=3, causal=True, alibi_slope=0.25)
    np.testing.assert_allclose(
        attention_with_bias(plain.scores, alibi_bias(12, 0.25), causal=True), alibi.probabilities
    )


def test_causal_mask_zeroes_the_future():
    weights = attention_with_bias(np.zeros((5, 5)), np.zeros((5, 5)), causal=True)
    assert np.all(np.triu(weights, 1) == 0)
    np.testing.assert_allclose(weights[4], np.full(5, 0.2))


def test_a_large_negative_bias_removes_a_key():
    bias = np.zeros((3, 3))
    bias[:, 2] = -1e4
    weights = attention_with_bias(np.zeros((3, 3)), bias)
    np.testing.assert_allclose(weights[:, 2], 0.0, atol=1e-12)
    np.testing.assert_allclose(weights[:, 0], 0.5)


@pytest.mark.parametrize(
    ("scores", "bias", "match"),
    [
        (np.zeros((3, 3)), np.zeros((3, 4)), "bias"),
        (np.zeros((3, 4)), np.zeros((3, 4)), "scores"),
        (np.zeros((2, 2)), np.array([[0.0, np.nan], [0.0, 0.0]]), "bias"),
    ],
)
def test_bad_shapes_and_values_raise(scores, bias, match):
    with pytest.raises(ValueError, match=match):
        attention_with_bias(scores, bias)


def test_clipped_bias_is_constant_along_diagonals_and_shares_the_edge_values():
    bias, table = clipped_relative_bias(10, 3, seed=2)
    assert table.shape == (7,)
    for offset in range(-9, 10):
        diagonal = np.diag(bias, offset)
        np.testing.assert_array_equal(diagonal, table[np.clip(offset, -3, 3) + 3])
    bias, per_distance = clipped_relative_bias(6, max_relative=2, seed=0)
    assert per_distance.shape == (5,)
    assert bias[0, 5] == per_distance[4] and bias[5, 0] == per_distance[0] and bias[2, 2] == per_distance[2]
    with pytest.raises(ValueError, match="max_relative"):
        clipped_relative_bias(10, -1)


def test_t5_views_cover_twice_the_max_distance_and_match_the_core():
    views = t5_views(12, 32, 20, True, 0)
    assert views.offsets[0] == -40 and views.offsets[-1] == 40
    np.testing.assert_array_equal(views.buckets, t5_relative_bucket(views.offsets, True, 32, 20))
    np.testing.assert_array_equal(views.bias, t5_bias(12, 32, 20, True, 0)[0])
    assert t5_views(50, 32, 20, True, 0).offsets[-1] == 50  # a long window reaches past 2D
