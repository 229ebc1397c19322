"""Chapter 6's lesson: the d = 4 example by hand and in code, the scrubber's stops, the matrix corners at every stop,
and which pairs and positions the charts sample."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core
from ropelab.lessons.c06_rope_in_d_dimensions import (
    code_check,
    evenly_spaced_pairs,
    matrix_corners,
    position_stops,
    sampled_positions,
    textbook_source,
    turn_pair,
    worked_example,
    worked_stops,
)

QUERY = np.array([1.0, 2.0, 0.5, -1.0])
KEY = np.array([2.0, 1.0, 1.0, 0.5])


def test_evenly_spaced_pairs_run_from_fastest_to_slowest():
    assert evenly_spaced_pairs(64).tolist() == [0, 9, 18, 27, 36, 45, 54, 63]
    assert evenly_spaced_pairs(4).tolist() == [0, 1, 2, 3]
    assert evenly_spaced_pairs(128, 8)[[0, -1]].tolist() == [0, 127]
    with pytest.raises(ValueError):
        evenly_spaced_pairs(0)


def test_sampled_positions_respect_the_row_budget():
    assert sampled_positions(100).tolist() == list(range(100))
    rows = sampled_positions(1_048_576, 256)
    assert rows.size <= 256 and rows[0] == 0 and rows[-1] < 1_048_576
    assert set(np.diff(rows).tolist()) == {4096}


def test_a_pair_turned_by_hand_is_the_rotation_matrix_applied_to_it():
    np.testing.assert_allclose(turn_pair(1.0, 2.0, 2.0), rope_core.rotation_matrix_2d(2.0) @ [1.0, 2.0], atol=1e-15)
    assert turn_pair(3.0, -1.0, 0.0) == (3.0, -1.0)


def test_the_worked_example_steps_are_the_library_rotation_pair_by_pair():
    example = worked_example(QUERY, KEY, 2, 1, 3, base=100.0)
    np.testing.assert_allclose(example.frequencies, [1.0, 0.1])
    assert [(step.q_angle, step.k_angle) for step in example.steps] == [(2.0, 1.0), (pytest.approx(0.2), 0.1)]
    assert [(step.q_angle, step.k_angle) for step in example.shifted_steps] == [
        (5.0, 4.0),
        (pytest.approx(0.5), pytest.approx(0.4)),
    ]
    library = rope_core.apply_rope(np.stack([QUERY, KEY]), [2, 1], [1.0, 0.1], convention="interleaved")
    np.testing.assert_allclose(example.turned("q"), library[0], atol=1e-14)
    np.testing.assert_allclose(example.turned("k"), library[1], atol=1e-14)
    assert example.score == pytest.approx(library[0] @ library[1], abs=1e-14)
    # Moving both positions leaves every pair's product, not only the total, where it was.
    for before, after in zip(example.steps, example.shifted_steps, strict=True):
        assert after.product == pytest.approx(before.product, abs=1e-12)
        assert after.q_turned != pytest.approx(before.q_turned)
    assert example.shifted_score == pytest.approx(example.score, abs=1e-12)
    np.testing.assert_allclose(
        example.turned("q", shifted=True),
        rope_core.apply_rope(QUERY[None], [5], [1.0, 0.1], convention="interleaved")[0],
        atol=1e-14,
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(0, 2**31))
def test_the_score_of_the_worked_example_depends_only_on_the_offset(m, n, shift, seed):
    query, key = np.random.default_rng(seed).standard_normal((2, 4))
    example = worked_example(query, key, m, n, shift)
    assert example.shifted_score == pytest.approx(example.score, abs=1e-9)
    relative = rope_core.rope_scores(query[None], key[None], [m - n + 50], [50], example.frequencies, "interleaved")
    assert example.score == pytest.approx(relative[0, 0], abs=1e-9)


def test_the_worked_example_refuses_what_is_not_hand_sized():
    with pytest.raises(ValueError, match="query"):
        worked_example(np.ones(3), np.ones(3), 1, 1, 1)
    with pytest.raises(ValueError, match="key"):
        worked_example(QUERY, np.ones(6), 1, 1, 1)
    with pytest.raises(ValueError, match="m"):
        worked_example(QUERY, KEY, -1, 1, 1)
    with pytest.raises(ValueError, match="shift"):
        worked_example(QUERY, KEY, 1, 1, -2)


def test_the_code_shown_is_the_code_that_runs_and_it_reproduces_the_hand_steps():
    source = textbook_source()
    assert source.startswith("def rotate_half(x") and "def apply_rope_textbook(x, positions, inv_freq)" in source
    assert "@" not in source and '"""' not in source  # no decorator, no docstring: only the lines that compute
    assert 8 <= len([line for line in source.splitlines() if line.strip()]) <= 12
    # Run exactly the text the page shows and compare it with the library on random input.
    namespace = {"np": np}
    exec(compile(source, "<shown code>", "exec"), namespace)  # our own source, as the page shows it
    x = np.random.default_rng(0).standard_normal((3, 5, 8))
    positions, frequencies = np.arange(5) * 7.0, rope_core.inv_freq(8, 500.0)
    shown = namespace["apply_rope_textbook"](x, positions, frequencies)
    np.testing.assert_allclose(shown, rope_core.apply_rope(x, positions, frequencies, convention="half"), atol=1e-12)
    np.testing.assert_array_equal(namespace["rotate_half"](x), rope_core.rotate_half(x))

    check = code_check(worked_example(QUERY, KEY, 2, 1, 3))
    assert check.half_order.tolist() == [0, 2, 1, 3]
    assert check.gap_to_hand < 1e-14 and check.gap_to_library < 1e-14
    assert check.score == pytest.approx(worked_example(QUERY, KEY, 2, 1, 3).score, abs=1e-14)
    np.testing.assert_allclose(check.textbook[:, [0, 2, 1, 3]], check.library, atol=1e-14)


def test_position_stops_include_the_position_and_stay_in_range():
    stops, index = position_stops(3, 1, 4096, 97)
    assert stops.tolist() == list(range(97)) and index == 3
    stops, index = position_stops(2000, 1, 4096, 97)
    assert stops[0] == 1952 and stops[-1] == 2048 and stops[index] == 2000
    stops, index = position_stops(4096, 16, 4096, 97)
    assert stops[-1] == 4096 and stops.size == 97 and stops[index] == 4096 and set(np.diff(stops)) == {16}
    stops, index = position_stops(3, 1024, 4096, 97)
    assert stops.tolist() == [3, 1027, 2051, 3075] and index == 0
    with pytest.raises(ValueError, match="position"):
        position_stops(5000, 1, 4096, 97)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 4096), st.sampled_from([1, 4, 16, 64, 256, 1024]), st.integers(2, 200))
def test_position_stops_are_evenly_spaced_bounded_and_hold_the_position(position, step, count):
    stops, index = position_stops(position, step, 4096, count)
    assert stops[index] == position and stops[0] >= 0 and stops[-1] <= 4096
    assert 1 <= stops.size <= count
    if stops.size > 1:
        assert set(np.diff(stops).tolist()) == {step}
    assert stops.size == min(count, position // step + (4096 - position) // step + 1)


def test_matrix_corners_are_the_corners_of_the_core_matrix_at_every_stop():
    frequencies = rope_core.inv_freq(128, 10_000.0)
    corners = matrix_corners([0, 7, 300], frequencies)
    assert corners.overview.shape == (3, 32, 32) and corners.fast.shape == corners.slow.shape == (3, 4, 4)
    for stop, position in enumerate([0, 7, 300]):
        full = rope_core.rotation_matrix(position, frequencies)
        np.testing.assert_allclose(corners.overview[stop], full[:32, :32], atol=1e-12)
        np.testing.assert_allclose(corners.fast[stop], full[:4, :4], atol=1e-12)
        np.testing.assert_allclose(corners.slow[stop], full[-4:, -4:], atol=1e-12)
    small = matrix_corners([5], rope_core.inv_freq(4, 10_000.0))
    assert small.overview.shape == (1, 4, 4) and small.n_pairs == 2


def test_worked_stops_are_the_worked_example_at_every_shift():
    example = worked_example(QUERY, KEY, 2, 1, 3)
    stops = worked_stops(example, np.arange(21))
    assert stops.queries.shape == stops.keys.shape == (21, 4) and stops.products.shape == (21, 2)
    for shift in (0, 3, 20):
        moved = worked_example(QUERY, KEY, 2, 1, shift)
        np.testing.assert_allclose(stops.queries[shift], moved.turned("q", shifted=True), atol=1e-14)
        np.testing.assert_allclose(stops.keys[shift], moved.turned("k", shifted=True), atol=1e-14)
        np.testing.assert_allclose(stops.products[shift], [step.product for step in moved.shifted_steps], atol=1e-14)
    # Each pair's product is the same at every shift: it depends on m − n only.
    np.testing.assert_allclose(stops.products, np.tile(stops.products[0], (21, 1)), atol=1e-12)
    with pytest.raises(ValueError, match="shifts"):
        worked_stops(example, [])
