"""Live numerical checks of the 2-D rotation-matrix identities that make RoPE work."""

from dataclasses import dataclass

import numpy as np

from ._checks import check_float
from ._equation import equation
from .complex_plane import matrix_exponential, rotation_matrix_2d, skew_generator

MAX_CHECK_ANGLE = 1e4


@dataclass(frozen=True)
class RotationIdentity:
    """One identity evaluated at concrete angles: both sides computed independently, and how far apart they are."""

    name: str
    latex: str
    text: str
    left: np.ndarray
    right: np.ndarray

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.left - self.right)))


@equation(
    r"\begin{gathered} R(\alpha)^{\top}R(\alpha) = I,\qquad \det R(\alpha) = 1,\qquad "
    r"R(\alpha)^{-1} = R(\alpha)^{\top} = R(-\alpha), \\ "
    r"R(\alpha)R(\beta) = R(\alpha+\beta),\qquad R(\alpha)^{\top}R(\beta) = R(\beta-\alpha),\qquad "
    r"e^{\alpha J} = R(\alpha) \end{gathered}"
)
def rotation_identities(alpha: float, beta: float) -> tuple[RotationIdentity, ...]:
    """Evaluate each rotation identity at (alpha, beta) radians; each side is computed by a different route."""
    alpha = check_float("alpha", alpha, -MAX_CHECK_ANGLE, MAX_CHECK_ANGLE)
    beta = check_float("beta", beta, -MAX_CHECK_ANGLE, MAX_CHECK_ANGLE)
    r_alpha = rotation_matrix_2d(alpha)
    r_beta = rotation_matrix_2d(beta)
    identity = np.eye(2)
    # np.linalg.inv and det work for any matrix, so they check the rotation claims without assuming them.
    return (
        RotationIdentity(
            "orthogonal", r"R(\alpha)^{\top}R(\alpha) = I", "R(α)ᵀ R(α) = I", r_alpha.T @ r_alpha, identity
        ),
        RotationIdentity(
            "determinant one",
            r"\det R(\alpha) = 1",
            "det R(α) = 1",
            np.array([[np.linalg.det(r_alpha)]]),
            np.array([[1.0]]),
        ),
        RotationIdentity(
            "inverse is transpose",
            r"R(\alpha)^{-1} = R(\alpha)^{\top}",
            "R(α)⁻¹ = R(α)ᵀ",
            np.linalg.inv(r_alpha),
            r_alpha.T,
        ),
        RotationIdentity(
            "transpose turns back",
            r"R(\alpha)^{\top} = R(-\alpha)",
            "R(α)ᵀ = R(−α)",
            r_alpha.T,
            rotation_matrix_2d(-alpha),
        ),
        RotationIdentity(
            "angles add",
            r"R(\alpha)\,R(\beta) = R(\alpha+\beta)",
            "R(α) R(β) = R(α+β)",
            r_alpha @ r_beta,
            rotation_matrix_2d(alpha + beta),
        ),
        RotationIdentity(
            "only the difference survives",
            r"R(\alpha)^{\top}R(\beta) = R(\beta-\alpha)",
            "R(α)ᵀ R(β) = R(β−α)",
            r_alpha.T @ r_beta,
            rotation_matrix_2d(beta - alpha),
        ),
        RotationIdentity(
            "exponential of a skew matrix",
            r"e^{\alpha J} = R(\alpha)",
            "exp(αJ) = R(α)",
            matrix_exponential(alpha * skew_generator()),
            r_alpha,
        ),
    )
