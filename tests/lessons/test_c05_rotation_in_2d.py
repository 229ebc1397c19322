"""Chapter 5's lesson: one query and key turned by their positions, the score from m − n, the identities checked."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core as rc
from rope_core import rotation_matrix_2d
from ropelab.lessons.c05_rotation_in_2d import (
    MAX_CHECK_ANGLE,
    REQUIREMENTS,
    SCHEMES,
    RotationIdentity,
    added_score_terms,
    design_checks,
    encode,
    encode_at,
    matrix_latex,
    matrix_text,
    pair_score,
    pair_stops,
    position_vector,
    relative_score,
    rotated,
    rotation_identities,
)

angles = st.floats(-20.0, 20.0, allow_nan=False)


def by_name(alpha, beta):
    return {check.name: check for check in rotation_identities(alpha, beta)}


@settings(deadline=None)  # no timing assertion: the machines are shared
@given(angles, angles)
def test_every_identity_holds_to_rounding(alpha, beta):
    for check in rotation_identities(alpha, beta):
        assert check.max_abs_error < 1e-9, check.name


def test_sides_are_the_expected_matrices_at_known_angles():
    checks = by_name(math.pi / 2, math.pi / 3)
    np.testing.assert_allclose(checks["angles add"].right, rotation_matrix_2d(5 * math.pi / 6))
    np.testing.assert_allclose(checks["only the difference survives"].right, rotation_matrix_2d(-math.pi / 6))
    np.testing.assert_allclose(checks["inverse is transpose"].left, [[0, 1], [-1, 0]], atol=1e-15)
    np.testing.assert_allclose(checks["determinant one"].left, [[1.0]])
    np.testing.assert_allclose(checks["exponential of a skew matrix"].left, [[0, -1], [1, 0]], atol=1e-12)


def test_error_measures_the_gap_between_sides():
    check = RotationIdentity("demo", "x", "x", np.array([[1.0, 2.0]]), np.array([[1.0, 2.5]]))
    assert check.max_abs_error == pytest.approx(0.5)


def test_every_check_has_latex_and_the_function_has_its_equation():
    assert "e^{\\alpha J}" in rotation_identities.latex
    assert all(check.latex and check.text for check in rotation_identities(0.1, 0.2))


@pytest.mark.parametrize("bad", [math.nan, math.inf, MAX_CHECK_ANGLE * 2, "1", True])
def test_bad_angles_raise_value_error_naming_the_parameter(bad):
    with pytest.raises(ValueError, match="alpha"):
        rotation_identities(bad, 0.0)
    with pytest.raises(ValueError, match="beta"):
        rotation_identities(0.0, bad)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 16),
    st.floats(-5e3, 5e3),
    st.floats(-5e3, 5e3),
    st.integers(0, 2**31),
    st.sampled_from(rc.CONVENTIONS),
)
def test_relative_score_is_the_rotated_dot_product(pairs, m, n, seed, convention):
    frequencies = rc.inv_freq(2 * pairs, 10000.0)
    q, k = np.random.default_rng(seed).standard_normal((2, 2 * pairs))
    rotated_dot = (rc.rotation_matrix(m, frequencies, convention) @ q) @ (
        rc.rotation_matrix(n, frequencies, convention) @ k
    )
    assert abs(relative_score(q, k, m, n, frequencies, convention) - rotated_dot) < 1e-8


def test_the_pair_turns_by_position_times_theta_and_scores_by_offset():
    query, key = np.array([1.0, 0.6]), np.array([0.8, -0.5])
    np.testing.assert_allclose(rotated(query, 3, 0.5), rotation_matrix_2d(1.5) @ query, atol=1e-15)
    assert pair_score(query, key, 5, 2, 0.3) == pytest.approx(pair_score(query, key, 105, 102, 0.3), abs=1e-12)
    assert pair_score(query, key, 5, 2, 0.3) == pytest.approx(relative_score(query, key, 5, 2, [0.3], "interleaved"))


def test_matrices_are_written_with_three_decimals():
    matrix = np.array([[1.0, -0.25], [0.5, 0.0]])
    assert matrix_text(matrix) == "[[+1.000, -0.250], [+0.500, +0.000]]"
    assert matrix_latex(matrix) == r"\begin{pmatrix} 1.000 & -0.250 \\ 0.500 & 0.000 \end{pmatrix}"


QUERY, KEY = np.array([1.0, 0.6]), np.array([0.8, -0.5])


def test_stops_turn_the_query_and_key_to_paired_positions_and_score_each_pair():
    stops = pair_stops(QUERY, KEY, np.arange(64), 5, 0.3)
    np.testing.assert_allclose(stops.queries[10], rotation_matrix_2d(3.0) @ QUERY, atol=1e-14)
    np.testing.assert_allclose(stops.keys, np.tile(rotation_matrix_2d(1.5) @ KEY, (64, 1)), atol=1e-14)
    np.testing.assert_allclose(stops.scores, [pair_score(QUERY, KEY, m, 5, 0.3) for m in range(64)], atol=1e-12)
    shifted = pair_stops(QUERY, KEY, 3 + np.arange(40), 1 + np.arange(40), 0.7)
    np.testing.assert_allclose(shifted.scores, pair_score(QUERY, KEY, 3, 1, 0.7), atol=1e-12)
    assert shifted.k_positions.tolist() == list(range(1, 41))


def test_the_sinusoidal_position_vector_is_sine_then_cosine_and_adding_splits_the_score_in_four():
    np.testing.assert_allclose(position_vector(4, 0.25), [np.sin(1.0), np.cos(1.0)])
    terms = added_score_terms(QUERY, KEY, 7, 2, 0.4)
    p_m, p_n = position_vector(7, 0.4), position_vector(2, 0.4)
    assert terms.content_content == pytest.approx(QUERY @ KEY)
    assert terms.content_position == pytest.approx(QUERY @ p_n)
    assert terms.position_content == pytest.approx(p_m @ KEY)
    # sin·sin + cos·cos = cos of the difference: the position-only term depends on m − n alone.
    assert terms.position_position == pytest.approx(np.cos(5 * 0.4))
    assert terms.total == pytest.approx((QUERY + p_m) @ (KEY + p_n))
    assert "p_m, p_n" in added_score_terms.latex


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 128), st.integers(0, 128), st.sampled_from([0.05 * step for step in range(1, 21)]))
def test_rotating_passes_every_requirement_and_adding_fails_the_first_three(m, n, theta):
    checks = design_checks(QUERY, KEY, m, n, theta)
    assert list(checks) == [name for name, _ in REQUIREMENTS]
    for name, by_scheme in checks.items():
        assert list(by_scheme) == list(SCHEMES)
        assert by_scheme["rotate"].passed, (name, by_scheme["rotate"])
    assert [checks[name]["add"].passed for name, _ in REQUIREMENTS] == [False, False, False, True, True]


def test_the_evidence_is_the_numbers_of_each_test():
    m, n, theta = 3, 1, 0.3
    checks = design_checks(QUERY, KEY, m, n, theta)
    added = lambda vector, position: vector + position_vector(position, theta)  # noqa: E731
    moved = max(
        abs(added(QUERY, m + shift) @ added(KEY, n + shift) - added(QUERY, m) @ added(KEY, n)) for shift in range(1, 33)
    )
    assert checks["offset"]["add"].gap == pytest.approx(moved)
    assert checks["offset"]["add"].detail == f"moving both by 1 … 32 changes the score by up to {moved:.3f}"
    assert checks["offset"]["rotate"].detail == "moving both by 1 … 32 changes the score by 0"
    terms = added_score_terms(QUERY, KEY, m, n, theta)
    assert checks["apart"]["add"].detail == (
        f"content × position {terms.content_position + terms.position_content:+.3f}, "
        f"position alone {terms.position_position:+.3f}"
    )
    assert checks["apart"]["rotate"].detail == "content × position 0, position alone 0"
    stretched = np.linalg.norm(added(QUERY, m))
    assert f"‖q‖ {np.linalg.norm(QUERY):.3f} → {stretched:.3f}" in checks["length"]["add"].detail
    score = pair_score(QUERY, KEY, m, n, theta)
    assert checks["dot"]["rotate"].detail.endswith(f"= {score:.3f}")
    far = rotated(QUERY, 1_000_000, theta)
    assert checks["table"]["rotate"].detail == f"q at 1,000,000: ({far[0]:.2f}, {far[1]:.2f})"


def test_encoding_one_position_or_many_agrees_and_bad_input_names_the_parameter():
    positions = np.array([0.0, 5.0, 17.0])
    for scheme in SCHEMES:
        many = encode_at(scheme, QUERY, positions, 0.45)
        for row, position in zip(many, positions, strict=True):
            np.testing.assert_allclose(row, encode(scheme, QUERY, position, 0.45), atol=1e-14)
    np.testing.assert_allclose(encode("rotate", QUERY, 5, 0.45), rotation_matrix_2d(2.25) @ QUERY, atol=1e-14)
    with pytest.raises(ValueError, match="scheme"):
        encode("multiply", QUERY, 1, 0.3)
    with pytest.raises(ValueError, match="theta"):
        design_checks(QUERY, KEY, 1, 2, math.nan)
    with pytest.raises(ValueError, match="query"):
        design_checks(np.ones(3), KEY, 1, 2, 0.3)
