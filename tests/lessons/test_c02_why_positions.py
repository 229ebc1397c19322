"""Chapter 2's lesson: word vectors, reorderings, and attention that is blind to order unless positions are added."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core import sinusoidal_encoding
from ropelab.lessons.c02_why_positions import (
    add_position_vectors,
    compare_orders,
    projection_weights,
    scaled_dot_product_scores,
    self_attention,
    shuffle_order,
    split_words,
    word_vectors,
)


def test_split_words_keeps_the_first_words_and_counts_the_rest():
    assert split_words("the  dog\tbit\nthe man", max_words=3) == (("the", "dog", "bit"), 2)
    assert split_words("   ", max_words=3) == ((), 0)
    assert split_words("<script>alert(1)</script>") == (("<script>alert(1)</script>",), 0)


@pytest.mark.parametrize("bad", [None, 3, b"bytes", "x" * 10_001])
def test_split_words_rejects_non_text(bad):
    with pytest.raises(ValueError, match="text"):
        split_words(bad)


def test_equal_words_get_equal_vectors_and_different_words_differ():
    vectors = word_vectors(["the", "dog", "the"], dim=8)
    assert vectors.shape == (3, 8)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert not np.allclose(vectors[0], vectors[1])
    # The vector of a word does not depend on its neighbours or on the process (no Python hash()).
    np.testing.assert_array_equal(word_vectors(["dog"], dim=8)[0], vectors[1])


def test_word_vectors_are_stable_across_runs():
    first = word_vectors(["cat"], dim=4)[0]
    expected = np.random.default_rng(
        int.from_bytes(__import__("hashlib").blake2b(b"cat", digest_size=8).digest(), "little")
    ).standard_normal(4)
    np.testing.assert_array_equal(first, expected)


@pytest.mark.parametrize("bad", [[], "word", [1, 2], ["a"] * 4097])
def test_word_vectors_reject_bad_input(bad):
    with pytest.raises(ValueError, match="words"):
        word_vectors(bad)


def test_seed_zero_keeps_the_order_and_other_seeds_move_something():
    np.testing.assert_array_equal(shuffle_order(5, 0), np.arange(5))
    for seed in range(1, 40):
        order = shuffle_order(2, seed)
        np.testing.assert_array_equal(order, [1, 0])
        order = shuffle_order(6, seed)
        assert sorted(order) == list(range(6)) and not np.array_equal(order, np.arange(6))
    np.testing.assert_array_equal(shuffle_order(6, 3), shuffle_order(6, 3))


@pytest.mark.parametrize(("n", "seed"), [(0, 1), (5000, 1), (3, -1), (3, 1.5), (True, 1)])
def test_shuffle_order_rejects_bad_arguments(n, seed):
    with pytest.raises(ValueError):
        shuffle_order(n, seed)


def test_self_attention_matches_a_direct_computation():
    x = word_vectors(["a", "b", "c"], dim=4)
    w = projection_weights(4, seed=1)
    result = self_attention(x, w)
    logits = (x @ w[0]) @ (x @ w[1]).T / 2.0
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result.scores, logits)
    np.testing.assert_allclose(result.weights, weights)
    np.testing.assert_allclose(result.outputs, weights @ (x @ w[2]))
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0)


def test_self_attention_rejects_mismatched_projections():
    with pytest.raises(ValueError, match="projections"):
        self_attention(np.ones((3, 4)), projection_weights(8))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 1000))
def test_without_positions_reordering_only_permutes_the_results(n, seed):
    x = np.random.default_rng(seed).standard_normal((n, 8))
    order = shuffle_order(n, seed + 1)
    result = compare_orders(x, order, projection_weights(8))
    assert result.output_gap < 1e-12 and result.score_gap < 1e-12
    np.testing.assert_allclose(result.reordered.weights, result.original.weights[np.ix_(order, order)], atol=1e-12)


def test_adding_positions_breaks_the_symmetry():
    words = ["the", "dog", "bit", "the", "man"]
    x = word_vectors(words, dim=8)
    swap = np.array([0, 4, 2, 3, 1])  # "the man bit the dog"
    result = compare_orders(x, swap, projection_weights(8), sinusoidal_encoding(5, 8))
    assert result.output_gap > 1e-3 and result.score_gap > 1e-3


def test_repeated_words_get_identical_outputs_without_positions():
    x = word_vectors(["the", "dog", "bit", "the", "man"], dim=8)
    outputs = self_attention(x, projection_weights(8)).outputs
    np.testing.assert_array_equal(outputs[0], outputs[3])


@pytest.mark.parametrize("order", [[0, 0, 1], [0, 1], [0, 1, 3]])
def test_compare_orders_rejects_non_permutations(order):
    with pytest.raises(ValueError, match="order"):
        compare_orders(np.ones((3, 8)), order, projection_weights(8))


def test_add_position_vectors_adds_slot_by_slot():
    tokens = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(add_position_vectors(tokens, np.ones((3, 2))), tokens + 1)
    with pytest.raises(ValueError, match="position_vectors"):
        add_position_vectors(tokens, np.ones((2, 2)))


def test_scaled_dot_product_scores():
    q = np.ones((2, 4))
    np.testing.assert_allclose(scaled_dot_product_scores(q, q), np.full((2, 2), 2.0))
