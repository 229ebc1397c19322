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
    RotationIdentity,
    matrix_latex,
    matrix_text,
    pair_score,
    position_sweep,
    relative_score,
    rotated,
    rotation_identities,
)

angles = st.floats(-20.0, 20.0, allow_nan=False)


def by_name(alpha, beta):
    return {check.name: check for check in rotation_identities(alpha, beta)}


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


def test_the_sweep_turns_only_the_query_and_scores_each_offset():
    query, key = np.array([1.0, 0.6]), np.array([0.8, -0.5])
    sweep = position_sweep(query, key, 5, 0.3, np.arange(64))
    np.testing.assert_allclose(sweep.queries[10], rotation_matrix_2d(3.0) @ query, atol=1e-14)
    np.testing.assert_allclose(sweep.key, rotation_matrix_2d(1.5) @ key, atol=1e-14)
    np.testing.assert_allclose(sweep.scores, sweep.queries @ sweep.key, atol=1e-12)
    assert sweep.n == 5 and sweep.scores.shape == (64,)
