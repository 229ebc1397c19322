import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rope_core.complex_plane import rotation_matrix_2d
from rope_core.rotation_checks import MAX_CHECK_ANGLE, RotationIdentity, rotation_identities

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
