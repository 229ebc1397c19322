"""Chapter 7's lesson: the distances the charts sample, and random queries and keys, whose mean score is zero."""

import numpy as np
import pytest

from ropelab.lessons.c07_long_term_decay import display_distances, random_score_mean


def test_random_vectors_show_no_decay_their_mean_score_is_zero_at_every_distance():
    mean, stderr = random_score_mean([0, 10, 100, 1000], 64, n_samples=2000, seed=3)
    assert np.all(np.abs(mean) < 5 * stderr)


def test_display_distances_are_every_integer_until_the_budget_then_strided():
    assert display_distances(256, 4096).tolist() == list(range(257))
    long = display_distances(4096, 512)
    assert long[0] == 0 and long[-1] == 4096 and long.size <= 513
    assert display_distances(4096, 4096).size <= 4096  # rope_core caps distances at MAX_SEQ
    with pytest.raises(ValueError):
        display_distances(0)


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("n_samples", lambda: random_score_mean([1], 8, n_samples=10**6)),
        ("seed", lambda: random_score_mean([1], 8, seed=-1)),
        ("dim", lambda: random_score_mean([1], 7)),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call()
