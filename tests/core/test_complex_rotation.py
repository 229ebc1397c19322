"""rope_core.complex_rotation: the three routes to a rotated complex number agree."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rope_core.complex_rotation import rotate_three_ways


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
