"""rope_core.scaling, what a scaling does: which pairs leave their training range, and the scaled all-ones score.

The frequencies of every rope_type are checked against reference numbers in test_known_values.py.
"""

import math

import numpy as np
import pytest

from rope_core import all_ones_score, inv_freq, out_of_distribution_pairs, scaled_all_ones_score


def test_out_of_distribution_flags_only_slow_pairs_that_go_further():
    theta = inv_freq(64, 10000.0)
    seen, reached, flagged = out_of_distribution_pairs(theta, theta, 1000, 4000)
    np.testing.assert_allclose(seen, 1000 * theta)
    np.testing.assert_allclose(reached, 4000 * theta)
    np.testing.assert_array_equal(flagged, 1000 * theta < 2 * math.pi)
    assert flagged.any() and not flagged.all()


def test_position_interpolation_at_exactly_s_times_l_is_not_flagged():
    theta = inv_freq(128, 10000.0)
    _, _, flagged = out_of_distribution_pairs(theta, theta / 8, 4096, 8 * 4096)
    assert not flagged.any()


def test_training_length_beyond_target_flags_nothing():
    theta = inv_freq(32, 10000.0)
    assert not out_of_distribution_pairs(theta, theta, 5000, 2000)[2].any()


def test_scaled_score_multiplies_by_the_square_of_the_attention_factor():
    theta = inv_freq(16, 10000.0)
    distances = np.array([0, 3, 50])
    np.testing.assert_allclose(
        scaled_all_ones_score(distances, theta, 1.2), 1.44 * all_ones_score(distances, 16, 10000.0)
    )
    assert scaled_all_ones_score([0], theta)[0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: out_of_distribution_pairs([1.0, 0.1], [1.0], 10, 20),
        lambda: out_of_distribution_pairs([1.0], [1.0], 10, -1),
        lambda: scaled_all_ones_score([0], [1.0], 0.0),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
