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


def test_angle_stops_are_every_five_degrees_and_hold_the_current_angle():
    stops, index = lesson.angle_stops(-6.3, 6.3, math.pi / 4)
    assert stops.size == 145  # −2π … 2π in steps of π/36
    assert stops[0] == pytest.approx(-2 * math.pi) and stops[-1] == pytest.approx(2 * math.pi)
    np.testing.assert_allclose(np.diff(stops), math.pi / 36)
    assert stops[index] == math.pi / 4  # exactly the angle shown, not a rounded neighbour
    between, at = lesson.angle_stops(-6.3, 6.3, 0.79)
    assert between.size == 146 and between[at] == 0.79
    assert between[at - 1] < 0.79 < between[at + 1]
    assert np.all(np.diff(between) > 0)
    edge, last = lesson.angle_stops(-6.3, 6.3, 6.3)
    assert edge[last] == 6.3 and last == edge.size - 1


@pytest.mark.parametrize(
    ("parameter", "call"),
    [
        ("current", lambda: lesson.angle_stops(-1.0, 1.0, 2.0)),
        ("high", lambda: lesson.angle_stops(1.0, 0.0, 0.5)),
        ("high - low", lambda: lesson.angle_stops(-100.0, 100.0, 0.0)),
        ("thetas", lambda: lesson.sweep_angles(1.0, 1.0, np.zeros(600))),
        ("thetas", lambda: lesson.sweep_angles(1.0, 1.0, [math.nan])),
        ("a", lambda: lesson.sweep_angles(math.inf, 1.0, [0.0])),
    ],
)
def test_bad_sweeps_raise_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError, match=parameter):
        call()


@settings(max_examples=30, deadline=None)
@given(a=st.floats(-5, 5), b=st.floats(-5, 5), theta=st.floats(-6.3, 6.3))
def test_every_stop_of_a_sweep_is_the_single_rotation(a, b, theta):
    stops, index = lesson.angle_stops(-6.3, 6.3, theta)
    sweep = lesson.sweep_angles(a, b, stops)
    routes = rotate_three_ways(a, b, theta)
    np.testing.assert_allclose(sweep.by_product[index], routes.by_product, atol=1e-12)
    np.testing.assert_allclose(sweep.by_matrix[index], routes.by_matrix, atol=1e-12)
    np.testing.assert_allclose(sweep.unit[index], lesson.euler_point(theta), atol=1e-15)
    np.testing.assert_allclose(np.hypot(*sweep.by_product.T), math.hypot(a, b), atol=1e-12)
    np.testing.assert_allclose(sweep.by_product, sweep.by_matrix, atol=1e-12)
