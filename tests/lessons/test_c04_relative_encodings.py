"""Chapter 4's lesson: the clipped bias, T5's buckets and their formula, ALiBi's slope groups, a bias inside softmax."""

import numpy as np
import pytest

from rope_core import alibi_bias, attention_maps, t5_bias, t5_relative_bucket
from ropelab.lessons.c04_relative_encodings import (
    alibi_slope_groups,
    attention_with_bias,
    clipped_relative_bias,
    overview_biases,
    t5_views,
)


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


def _bucket_by_the_formula_shown(r: int, bidirectional: bool, n: int, max_distance: int) -> int:
    """The bucket formula the page displays, evaluated case by case for one offset r = j − i."""
    total = n // 2 if bidirectional else n
    exact = total // 2
    if bidirectional:
        base, distance = (total if r > 0 else 0), abs(r)
    else:
        base, distance = 0, max(-r, 0)
    if distance < exact:
        return base + distance
    # T5's code takes the logarithm in float32, so the displayed formula is evaluated the same way here.
    ratio = np.log(np.float32(distance) / np.float32(exact)) / np.float32(np.log(max_distance / exact))
    return base + min(total - 1, exact + int(ratio * np.float32(total - exact)))


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize(("n", "max_distance"), [(32, 128), (8, 20), (16, 40), (64, 256), (4, 5), (10, 12)])
def test_the_bucket_formula_on_the_page_is_what_the_code_computes(bidirectional, n, max_distance):
    offsets = np.arange(-3 * max_distance, 3 * max_distance + 1)
    shown = [_bucket_by_the_formula_shown(int(r), bidirectional, n, max_distance) for r in offsets]
    np.testing.assert_array_equal(t5_relative_bucket(offsets, bidirectional, n, max_distance), shown)
    last = (n // 2 if bidirectional else n) - 1
    assert shown[0] == last  # far behind the query: clamped into the last bucket of its direction
    assert shown[-1] == (last + n // 2 if bidirectional else 0)  # far ahead: the other half, or bucket 0 causally


def test_twelve_alibi_heads_three_extra_slopes_between_and_one_steeper():
    groups = alibi_slope_groups(12)
    np.testing.assert_allclose(groups.exponents, [-1, -2, -3, -4, -5, -6, -7, -8, -0.5, -1.5, -2.5, -3.5])
    np.testing.assert_allclose(np.log2(groups.between), [-1.5, -2.5, -3.5])
    np.testing.assert_allclose(np.log2(groups.steeper), [-0.5])
    assert groups.regular.size == 8 and groups.extra.size == 4


@pytest.mark.parametrize("heads", range(1, 33))
def test_the_first_extra_alibi_slope_is_always_the_steepest_and_the_rest_fall_between(heads):
    groups = alibi_slope_groups(heads)
    assert groups.regular.size + groups.extra.size == heads
    assert np.all(np.diff(groups.regular) < 0)
    if groups.extra.size:
        assert groups.steeper.size == 1 and groups.steeper[0] == groups.extra[0] == groups.slopes.max()
        assert groups.between.size == groups.extra.size - 1
    else:
        assert groups.between.size == groups.steeper.size == 0


def test_overview_biases_are_each_scheme_at_its_fixed_setting():
    biases = overview_biases(16, 5, causal=False)
    assert list(biases) == ["no bias", "clipped (k = 4)", "T5 buckets", "ALiBi (m = 0.5)"]
    assert not biases["no bias"].any()
    np.testing.assert_array_equal(biases["clipped (k = 4)"], clipped_relative_bias(16, 4, 5)[0])
    np.testing.assert_array_equal(biases["T5 buckets"], t5_bias(16, 32, 128, True, 5)[0])
    np.testing.assert_array_equal(biases["ALiBi (m = 0.5)"], alibi_bias(16, 0.5))
    one_way = overview_biases(16, 5, causal=True)["T5 buckets"]
    np.testing.assert_array_equal(one_way, t5_bias(16, 32, 128, False, 5)[0])
    for bias in biases.values():
        for offset in range(-15, 16):
            assert np.unique(np.diag(bias, offset)).size == 1  # constant along every diagonal
