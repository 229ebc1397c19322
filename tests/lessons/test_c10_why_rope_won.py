"""Chapter 10's lesson: one token pair's logit under every scheme, as the pair slides and as it moves apart."""

import numpy as np
import pytest

from rope_core import METHODS, attention_maps, t5_bias
from ropelab.lessons.c10_why_rope_won import (
    pair_score_across_shifts,
    pair_score_by_distance,
    slide_positions,
    t5_relative_bias_column,
)

SHIFTS = np.array([0, 5, 40, 200, 470])


@pytest.mark.parametrize("method", ["nope", "rope", "t5", "alibi"])
def test_relative_and_positionless_methods_give_the_same_logit_wherever_the_pair_sits(method):
    scores = pair_score_across_shifts(method, 7, SHIFTS, 32, seed=3)
    np.testing.assert_allclose(scores, scores[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("method", ["sinusoidal", "learned"])
def test_absolute_methods_change_the_logit_when_the_pair_slides(method):
    scores = pair_score_across_shifts(method, 7, SHIFTS[:4], 32, seed=3, learned_max_len=512)
    assert np.ptp(scores) > 0.05


def test_learned_table_has_no_score_beyond_its_last_row():
    scores = pair_score_across_shifts("learned", 10, [0, 53, 54, 55, 100], 16, learned_max_len=64)
    # Query position = shift + 10 must be below 64.
    assert np.isfinite(scores[:2]).all()
    assert np.isnan(scores[2:]).all()


def test_shift_scores_match_attention_maps_directly():
    direct = attention_maps([0, 1, 1, 1, 1], 16, "sinusoidal", seed=2, shift=11).scores[4, 0]
    assert pair_score_across_shifts("sinusoidal", 4, [11], 16, seed=2)[0] == pytest.approx(direct)


@pytest.mark.parametrize("method", METHODS)
def test_distance_curve_agrees_with_the_shift_curve(method):
    by_distance = pair_score_by_distance(method, 6, 16, seed=1, shift=9, learned_max_len=300)
    one = pair_score_across_shifts(method, 6, [9], 16, seed=1, learned_max_len=300)[0]
    assert by_distance[5] == pytest.approx(one)


@pytest.mark.parametrize("method", METHODS)
def test_distance_curve_is_the_key_column_of_attention_maps(method):
    # Computed without the rest of the score matrix, it must still be the map's own column.
    scores = pair_score_by_distance(method, 300, 32, seed=5, shift=20, learned_max_len=256)
    reachable = int(np.isfinite(scores).sum())
    assert reachable == (256 - 1 - 20 if method == "learned" else 300)
    maps = attention_maps([0] + [1] * reachable, 32, method, seed=5, shift=20, learned_max_len=256)
    np.testing.assert_allclose(scores[:reachable], maps.scores[1:, 0], rtol=0, atol=1e-12)


def test_t5_bias_column_is_the_bias_of_a_query_after_its_key():
    np.testing.assert_array_equal(t5_relative_bias_column(200, seed=2), t5_bias(201, seed=2)[0][1:, 0])
    with pytest.raises(ValueError, match="max_distance"):
        t5_relative_bias_column(0)


def test_alibi_distance_curve_falls_by_the_slope_per_token_relative_to_nope():
    alibi = pair_score_by_distance("alibi", 5, 16, seed=4)
    nope = pair_score_by_distance("nope", 5, 16, seed=4)
    np.testing.assert_allclose(nope - alibi, 0.5 * np.arange(1, 6), atol=1e-12)


def test_learned_distance_curve_stops_at_the_table_end():
    scores = pair_score_by_distance("learned", 20, 16, shift=5, learned_max_len=16)
    assert np.isfinite(scores[:10]).all() and np.isnan(scores[10:]).all()
    assert np.isnan(pair_score_by_distance("learned", 3, 16, shift=15, learned_max_len=16)).all()


def test_the_pair_slides_over_twice_the_table_in_128_equal_steps():
    assert slide_positions(64).tolist() == list(range(129))
    stops = slide_positions(1024)
    assert stops[0] == 0 and stops[-1] == 2048 and stops.size == 129 and set(np.diff(stops)) == {16}
    for bad in (32, 100, 0):
        with pytest.raises(ValueError, match="table_length"):
            slide_positions(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: pair_score_across_shifts("bogus", 3, [0]),
        lambda: pair_score_across_shifts("rope", 0, [0]),
        lambda: pair_score_across_shifts("rope", 3, []),
        lambda: pair_score_across_shifts("rope", 3, [-1]),
        lambda: pair_score_across_shifts("rope", 3, [1.5]),
        lambda: pair_score_across_shifts("rope", 3, np.arange(2000)),
        lambda: pair_score_by_distance("rope", 5000),
        lambda: pair_score_by_distance("rope", 5, d=7),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
