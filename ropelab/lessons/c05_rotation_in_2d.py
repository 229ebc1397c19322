"""Chapter 5, rotation in 2-D: one query and one key turned by their positions, the score computed from m − n
alone, and live numerical checks of the rotation-matrix identities that make RoPE work.
"""

from dataclasses import dataclass

import numpy as np

from rope_core import CONVENTIONS, apply_rope, rope_scores, rotation_matrix_2d
from rope_core._checks import check_choice, check_float, check_inv_freq, check_position, check_vector
from rope_core._equation import equation

from .c01_complex_numbers import matrix_exponential, skew_generator

MAX_CHECK_ANGLE = 1e4


def rotated(vector: np.ndarray, position: int, theta: float) -> np.ndarray:
    """A 2-vector turned by position·θ with rope_core.apply_rope (with d = 2 both layouts agree)."""
    # "interleaved" reads the two coordinates as (x0, x1), the order the chapter writes them in.
    return apply_rope(vector[None, :], [position], [theta], convention="interleaved")[0]


def pair_score(query: np.ndarray, key: np.ndarray, m: int, n: int, theta: float) -> float:
    """The dot product of the query turned to position m and the key turned to position n."""
    return float(rope_scores(query[None, :], key[None, :], [m], [n], [theta], convention="interleaved")[0, 0])


@dataclass(frozen=True)
class PositionSweep:
    """The query turned to every position in `positions` while the key stays at n, and the score at each."""

    positions: np.ndarray
    queries: np.ndarray  # (len(positions), 2): the query at each position
    key: np.ndarray  # the key at position n
    scores: np.ndarray
    n: int


def position_sweep(query: np.ndarray, key: np.ndarray, n: int, theta: float, positions: np.ndarray) -> PositionSweep:
    """Turn the query through every position while the key stays at n; the score traces a cosine in m − n."""
    queries = np.tile(query, (positions.size, 1))
    scores = rope_scores(queries, key[None, :], positions, [n], [theta], convention="interleaved")[:, 0]
    rotated_queries = apply_rope(queries, positions, [theta], convention="interleaved")
    return PositionSweep(positions, rotated_queries, rotated(key, n, theta), scores, n)


def _pair_views(x: np.ndarray, convention: str) -> tuple[np.ndarray, np.ndarray]:
    """The two members of every rotated pair, as views: (x_i, x_{i+d/2}) for "half", (x_2i, x_2i+1) otherwise."""
    if convention == "half":
        half = x.shape[-1] // 2
        return x[..., :half], x[..., half:]
    return x[..., 0::2], x[..., 1::2]


@equation(
    r"\langle R_m q, R_n k\rangle = "
    r"\operatorname{Re}\sum_i \tilde q_i\, \overline{\tilde k_i}\, e^{i(m-n)\theta_i}"
)
def relative_score(q, k, m: float, n: float, inv_freq, convention: str = "half") -> float:
    """Return the rotated score of one query at m and one key at n, computed from m - n only."""
    frequencies = check_inv_freq(inv_freq)
    q = check_vector("q", q, 2 * frequencies.size)
    k = check_vector("k", k, 2 * frequencies.size)
    m = check_position("m", m)
    n = check_position("n", n)
    convention = check_choice("convention", convention, CONVENTIONS)
    q_first, q_second = _pair_views(q, convention)
    k_first, k_second = _pair_views(k, convention)
    q_complex = q_first + 1j * q_second
    k_complex = k_first + 1j * k_second
    return float(np.real(np.sum(q_complex * np.conj(k_complex) * np.exp(1j * (m - n) * frequencies))))


def matrix_text(matrix: np.ndarray) -> str:
    """A matrix as one line of text with three decimals and signs, e.g. [[+1.000, -0.000], [+0.000, +1.000]]."""
    rows = ("[" + ", ".join(f"{value:+.3f}" for value in row) + "]" for row in np.atleast_2d(matrix))
    return "[" + ", ".join(rows) + "]"


def matrix_latex(matrix: np.ndarray) -> str:
    """A matrix as a LaTeX pmatrix with three decimals."""
    body = r" \\ ".join(" & ".join(f"{value:.3f}" for value in row) for row in matrix)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


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
