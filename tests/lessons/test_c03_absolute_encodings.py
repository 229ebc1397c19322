"""Chapter 3's lesson: how similar two positions' vectors are, as a table and from the formula."""

import numpy as np
import pytest

from rope_core import sinusoidal_encoding
from ropelab.lessons.c03_absolute_encodings import position_similarity, sinusoidal_similarity


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
