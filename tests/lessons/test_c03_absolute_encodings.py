"""Chapter 3's lesson: how similar two positions' vectors are, and the four terms of a score with added positions."""

import numpy as np
import pytest

from rope_core import sinusoidal_encoding
from ropelab.lessons.c02_why_positions import projection_weights, word_vectors
from ropelab.lessons.c03_absolute_encodings import position_similarity, score_terms, sinusoidal_similarity


def test_similarity_matrix_is_the_gram_matrix():
    table = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(position_similarity(table), [[1, 0, 1], [0, 4, 2], [1, 2, 2]])


@pytest.mark.parametrize(("d_model", "base"), [(8, 10_000.0), (64, 10_000.0), (32, 100.0)])
def test_sinusoidal_similarity_depends_on_distance_only(d_model, base):
    table = sinusoidal_encoding(40, d_model, base)
    gram = position_similarity(table)
    closed_form = sinusoidal_similarity(np.arange(40), d_model, base)
    for m in (0, 7, 20):
        np.testing.assert_allclose(gram[m, m:], closed_form[: 40 - m], atol=1e-10)
    # Every position vector has squared length d/2: sin^2 + cos^2 = 1 for each of the d/2 pairs.
    np.testing.assert_allclose(np.diag(gram), d_model / 2)
    assert closed_form[0] == pytest.approx(d_model / 2)


def test_sinusoidal_similarity_reference_values():
    # d = 4, b = 10000: frequencies 1 and 0.01.
    np.testing.assert_allclose(
        sinusoidal_similarity([0, 1, 10], 4), [2.0, np.cos(1) + np.cos(0.01), np.cos(10) + np.cos(0.1)]
    )


@pytest.mark.parametrize(
    ("distances", "d_model", "base"), [([0], 7, 1e4), ([0], 8, 1.0), ([np.nan], 8, 1e4), ([], 8, 1e4)]
)
def test_sinusoidal_similarity_rejects_bad_input(distances, d_model, base):
    with pytest.raises(ValueError):
        sinusoidal_similarity(distances, d_model, base)


def _words_and_table(dim=16, length=40):
    words = word_vectors(["dog", "man"], dim)
    return words[0], words[1], sinusoidal_encoding(length, dim)


@pytest.mark.parametrize("offset", [0, 1, 5, 39])
def test_the_four_terms_add_up_to_the_score_of_the_sums(offset):
    query_word, key_word, table = _words_and_table()
    projections = projection_weights(16, 0)
    terms = score_terms(query_word, key_word, table, offset, projections)
    assert terms.positions.tolist() == list(range(40 - offset)) and terms.offset == offset
    for m in (0, len(terms.positions) // 2, len(terms.positions) - 1):
        query = (query_word + table[m]) @ projections[0]
        key = (key_word + table[m + offset]) @ projections[1]
        assert terms.total[m] == pytest.approx(query @ key / 4.0, abs=1e-12)  # √16 = 4
    assert np.unique(terms.content_content).size == 1


def test_without_projections_the_position_term_is_the_distance_curve_and_the_cross_terms_still_move():
    query_word, key_word, table = _words_and_table()
    terms = score_terms(query_word, key_word, table, 3)
    np.testing.assert_allclose(terms.position_position, sinusoidal_similarity(np.array([3]), 16)[0] / 4.0)
    spread = terms.spread()
    assert spread["position · position"] < 1e-12 and spread["content · content"] == 0
    assert spread["cross terms"] > 0.5 and spread["total score"] == pytest.approx(spread["cross terms"])
    with_projections = score_terms(query_word, key_word, table, 3, projection_weights(16, 0)).spread()
    assert with_projections["position · position"] > 0.1  # the W_Q·W_Kᵀ mixing breaks even the position term


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("offset", lambda q, k, t: score_terms(q, k, t, 40)),
        ("query_word", lambda q, k, t: score_terms(q[:8], k, t, 1)),
        ("projections", lambda q, k, t: score_terms(q, k, t, 1, np.zeros((3, 8, 8)))),
        ("table", lambda q, k, t: score_terms(q, k, np.full((4, 16), np.nan), 1)),
    ],
)
def test_bad_score_terms_input_names_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call(*_words_and_table())
