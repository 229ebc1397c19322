"""The 2-D picture behind RoPE: rotation matrices, complex multiplication and the matrix exponential."""

import math

import numpy as np

from ._checks import check_float, check_int, check_real_array
from ._equation import equation

MAX_ANGLE = 1e7
MAX_EXPM_SIZE = 128


def _check_angle(alpha, name: str = "alpha") -> float:
    return check_float(name, alpha, -MAX_ANGLE, MAX_ANGLE)


@equation(r"R(\alpha) = \begin{pmatrix} \cos\alpha & -\sin\alpha \\ \sin\alpha & \cos\alpha \end{pmatrix}")
def rotation_matrix_2d(alpha: float) -> np.ndarray:
    """Return the 2x2 counter-clockwise rotation matrix R(alpha)."""
    alpha = _check_angle(alpha)
    cos, sin = math.cos(alpha), math.sin(alpha)
    return np.array([[cos, -sin], [sin, cos]])


@equation(r"(x_0 + i x_1)\, e^{i\alpha} = (x_0\cos\alpha - x_1\sin\alpha) + i\,(x_0\sin\alpha + x_1\cos\alpha)")
def rotate_complex(vec2, alpha: float) -> np.ndarray:
    """Rotate a 2-vector by treating it as the complex number x0 + i*x1 and multiplying by e^{i alpha}."""
    vec2 = check_real_array("vec2", vec2, ndim=1, max_size=2)
    if vec2.shape != (2,):
        raise ValueError(f"vec2 must have shape (2,), got {vec2.shape}")
    alpha = _check_angle(alpha)
    rotated = complex(vec2[0], vec2[1]) * complex(math.cos(alpha), math.sin(alpha))
    return np.array([rotated.real, rotated.imag])


@equation(r"J = \begin{pmatrix} 0 & -1 \\ 1 & 0 \end{pmatrix},\quad J^2 = -I")
def skew_generator() -> np.ndarray:
    """Return J, the generator of 2-D rotations (multiplication by i)."""
    return np.array([[0.0, -1.0], [1.0, 0.0]])


@equation(r"e^{A} = \left(\sum_{k=0}^{K} \frac{(A/2^s)^k}{k!}\right)^{2^s}")
def matrix_exponential(matrix, terms: int = 30) -> np.ndarray:
    """Matrix exponential by a Taylor series with scaling and squaring (uses no cos/sin)."""
    matrix = check_real_array("matrix", matrix, ndim=2, max_size=MAX_EXPM_SIZE**2, max_abs=1e6)
    if matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"matrix must be square and non-empty, got shape {matrix.shape}")
    terms = check_int("terms", terms, 1, 100)
    norm = np.abs(matrix).sum(axis=1).max()
    # Shrinking A until its norm is below 1/2 makes the truncated series accurate; squaring undoes the shrink.
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0 else 0
    scaled = matrix / 2.0**squarings
    result = np.eye(matrix.shape[0])
    term = np.eye(matrix.shape[0])
    for k in range(1, terms + 1):
        term = term @ scaled / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


@equation(r"a + ib = r e^{i\varphi},\quad r = \sqrt{a^2+b^2},\quad \varphi = \operatorname{atan2}(b, a)")
def polar_form(a: float, b: float) -> tuple[float, float]:
    """Return (modulus, argument) of the complex number a + ib; the argument is in (-pi, pi]."""
    a = check_float("a", a, -1e150, 1e150)
    b = check_float("b", b, -1e150, 1e150)
    return math.hypot(a, b), math.atan2(b, a)


@equation(r"e^{i\theta} = \cos\theta + i\sin\theta")
def euler_point(theta: float) -> tuple[float, float]:
    """Return (cos theta, sin theta), the point e^{i theta} on the unit circle."""
    theta = _check_angle(theta, "theta")
    return math.cos(theta), math.sin(theta)
