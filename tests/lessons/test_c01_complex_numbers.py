"""Chapter 1's lesson: polar form, Euler's point, the matrix exponential, and three routes to one rotation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core as rc
from ropelab.lessons import c01_complex_numbers as lesson
from ropelab.lessons.c01_complex_numbers import rotate_three_ways


def test_quarter_turn_of_three_plus_four_i():
    routes = rotate_three_ways(3.0, 4.0, math.pi / 2)
    # i·(3 + 4i) = −4 + 3i
    for point in (routes.by_product, routes.by_matrix, routes.by_exponential):
        np.testing.assert_allclose(point, [-4.0, 3.0], atol=1e-12)
    assert routes.max_difference < 1e-12


@settings(max_examples=50, deadline=None)
@given(a=st.floats(-2, 2), b=st.floats(-2, 2), theta=st.floats(-7, 7, allow_nan=False, allow_infinity=False))
def test_routes_agree_and_keep_the_length(a, b, theta):
    routes = rotate_three_ways(a, b, theta)
    assert routes.max_difference < 1e-12
    assert math.hypot(*routes.by_matrix) == pytest.approx(math.hypot(a, b), abs=1e-12)


def test_max_difference_sees_a_disagreement():
    routes = rotate_three_ways(1.0, 0.0, 0.3)
    broken = type(routes)(routes.by_product, routes.by_matrix + np.array([0.0, 0.5]), routes.by_exponential)
    assert broken.max_difference == pytest.approx(0.5)


@pytest.mark.parametrize(("a", "b", "theta"), [(math.nan, 0, 0), (0, math.inf, 0), (0, 0, 1e5), ("1", 0, 0)])
def test_bad_input_raises(a, b, theta):
    with pytest.raises(ValueError):
        rotate_three_ways(a, b, theta)


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50, allow_nan=False), st.integers(0, 2**31))
def test_matrix_exponential_of_generator_is_rotation(alpha, seed):
    np.testing.assert_allclose(
        lesson.matrix_exponential(alpha * lesson.skew_generator()), rc.rotation_matrix_2d(alpha), atol=1e-9
    )
    vec = np.random.default_rng(seed).standard_normal(2)
    np.testing.assert_allclose(lesson.rotate_complex(vec, alpha), rc.rotation_matrix_2d(alpha) @ vec, atol=1e-9)


def test_matrix_exponential_matches_known_scalar_cases():
    np.testing.assert_allclose(lesson.matrix_exponential(np.array([[1.0]])), [[np.e]], rtol=1e-13)
    np.testing.assert_allclose(lesson.matrix_exponential(np.diag([0.0, -2.0])), np.diag([1.0, np.exp(-2.0)]))
    modulus, argument = lesson.polar_form(0.0, 2.0)
    assert modulus == 2.0 and abs(argument - np.pi / 2) < 1e-15
    assert lesson.euler_point(np.pi) == (np.cos(np.pi), np.sin(np.pi))


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("vec2", lambda: lesson.rotate_complex([1, 2, 3], 0.1)),
        ("matrix", lambda: lesson.matrix_exponential(np.ones((2, 3)))),
        ("terms", lambda: lesson.matrix_exponential(np.eye(2), terms=0)),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call()
