"""Chapter 1, complex numbers: polar form, Euler's formula, and one rotation computed three independent ways.

Multiplying by e^{iθ} rotates a point of the plane; the 2×2 matrix R(θ) (rope_core.rotation_matrix_2d) and the
power series of e^{θJ} land on the same point. Chapter 5 reuses the matrix exponential for its identity checks.
The angle scrubber's stops (every 5°) are turned here too, all at once, so dragging needs no server.
"""

import math
from dataclasses import dataclass

import numpy as np

from rope_core import rotation_matrix_2d
from rope_core._checks import check_float, check_int, check_real_array
from rope_core._equation import equation
from rope_core.rotation import MAX_ANGLE

MAX_EXPM_SIZE = 128
MAX_PART = 1e6
MAX_TURN = 1e4
ANGLE_STEP = math.pi / 36  # 5°: the scrubber's stops; multiples of it include π/6, π/4, π/2, π and 2π
MAX_ANGLE_STOPS = 512


def _check_angle(alpha, name: str = "alpha") -> float:
    return check_float(name, alpha, -MAX_ANGLE, MAX_ANGLE)


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


@dataclass(frozen=True)
class RotationRoutes:
    """z = a + ib turned by θ: by complex multiplication, by the 2×2 matrix R(θ), and by the series for e^{θJ}."""

    by_product: np.ndarray
    by_matrix: np.ndarray
    by_exponential: np.ndarray

    @property
    def max_difference(self) -> float:
        """Largest coordinate gap between any two routes (rounding error only)."""
        stacked = np.stack([self.by_product, self.by_matrix, self.by_exponential])
        return float(np.max(stacked.max(axis=0) - stacked.min(axis=0)))


@equation(
    r"z\,e^{i\theta} \;\longleftrightarrow\; R(\theta)\begin{pmatrix} a \\ b \end{pmatrix}"
    r" \;=\; e^{\theta J}\begin{pmatrix} a \\ b \end{pmatrix}"
)
def rotate_three_ways(a: float, b: float, theta: float) -> RotationRoutes:
    """Rotate (a, b) by theta radians by complex product, rotation matrix and matrix exponential (no cos/sin)."""
    a = check_float("a", a, -MAX_PART, MAX_PART)
    b = check_float("b", b, -MAX_PART, MAX_PART)
    theta = check_float("theta", theta, -MAX_TURN, MAX_TURN)
    point = np.array([a, b])
    return RotationRoutes(
        by_product=rotate_complex(point, theta),
        by_matrix=rotation_matrix_2d(theta) @ point,
        by_exponential=matrix_exponential(theta * skew_generator()) @ point,
    )


def angle_stops(low: float, high: float, current: float) -> tuple[np.ndarray, int]:
    """Every multiple of 5° (π/36) in [low, high], plus `current` when it falls between two; and where it sits.

    The current angle is always one of the stops, so the picture a scrubber starts from is exactly the one shown.
    """
    low = check_float("low", low, -MAX_TURN, MAX_TURN)
    high = check_float("high", high, low, MAX_TURN)
    current = check_float("current", current, low, high)
    first, last = math.ceil(low / ANGLE_STEP - 1e-9), math.floor(high / ANGLE_STEP + 1e-9)
    if last - first + 2 > MAX_ANGLE_STOPS:
        raise ValueError(f"high - low must span at most {MAX_ANGLE_STOPS - 2} steps of 5°, got {last - first + 1}")
    grid = np.arange(first, last + 1) * ANGLE_STEP
    # An angle within rounding of a grid stop (π/4 typed, or released from the scrubber) is that stop.
    nearest = int(np.argmin(np.abs(grid - current))) if grid.size else -1
    if grid.size and abs(grid[nearest] - current) <= 1e-9:
        grid[nearest] = current
        return grid, nearest
    index = int(np.searchsorted(grid, current))
    return np.insert(grid, index, current), index


@dataclass(frozen=True)
class AngleSweep:
    """One point z = a + ib turned by many angles at once: e^{iθ}, z·e^{iθ} and R(θ)·(a, b), one row per angle."""

    thetas: np.ndarray  # (S,)
    unit: np.ndarray  # (S, 2): e^{iθ} = (cos θ, sin θ)
    by_product: np.ndarray  # (S, 2): z·e^{iθ} by complex multiplication
    by_matrix: np.ndarray  # (S, 2): R(θ)·(a, b) by the 2×2 matrix


@equation(
    r"z\,e^{i\theta_s} \;\longleftrightarrow\; R(\theta_s)\begin{pmatrix} a \\ b \end{pmatrix},\quad s = 1 \dots S"
)
def sweep_angles(a: float, b: float, thetas) -> AngleSweep:
    """Turn (a, b) by every angle in `thetas` (1-D): Euler's point, the complex product and the rotation matrix."""
    a = check_float("a", a, -MAX_PART, MAX_PART)
    b = check_float("b", b, -MAX_PART, MAX_PART)
    thetas = check_real_array("thetas", thetas, ndim=1, max_size=MAX_ANGLE_STOPS, max_abs=MAX_TURN)
    if thetas.size == 0:
        raise ValueError("thetas must contain at least one angle")
    turns = np.exp(1j * thetas)
    product = complex(a, b) * turns
    matrices = np.stack([rotation_matrix_2d(theta) for theta in thetas])
    return AngleSweep(
        thetas=thetas,
        unit=np.column_stack([turns.real, turns.imag]),
        by_product=np.column_stack([product.real, product.imag]),
        by_matrix=matrices @ np.array([a, b]),
    )
