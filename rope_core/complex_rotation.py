"""One rotation of a complex number computed three independent ways, so a page can show that they agree."""

from dataclasses import dataclass

import numpy as np

from ._checks import check_float
from ._equation import equation
from .complex_plane import matrix_exponential, rotate_complex, rotation_matrix_2d, skew_generator

MAX_PART = 1e6
MAX_TURN = 1e4


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
