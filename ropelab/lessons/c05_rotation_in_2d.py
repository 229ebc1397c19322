"""Chapter 5, rotation in 2-D: what a position scheme must do, tested on adding a position vector and on rotating;
one query and one key turned by their positions (every scrubber stop at once), the score from m − n alone, and
live numerical checks of the rotation-matrix identities that make RoPE work.
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


# ---------------------------------------------------------------------------------------------------------
# Designing a position scheme: what it must do, and how adding a vector and rotating fare, on the reader's numbers
# ---------------------------------------------------------------------------------------------------------

SCHEMES = ("add", "rotate")
SCHEME_NAMES = {"add": "Add a position vector", "rotate": "Rotate by the position"}
# (key, what a scheme must do); each check's evidence says how it was tested on the reader's numbers.
REQUIREMENTS = (
    ("offset", "Only the offset m − n counts"),
    ("apart", "Content and position do not blur"),
    ("length", "Lengths are kept"),
    ("dot", "It works with a dot product"),
    ("table", "No table to outgrow"),
)
SHIFTS = tuple(range(1, 33))
FAR_POSITION = 1_000_000
# A requirement holds when what it measures is zero up to floating-point rounding.
TOLERANCE = 1e-9


def position_vector(position: float, theta: float) -> np.ndarray:
    """Chapter 3's sinusoidal position vector for one pair at frequency θ: (sin pθ, cos pθ)."""
    position = check_position("position", position)
    theta = check_float("theta", theta, 0.0, MAX_CHECK_ANGLE)
    angle = position * theta
    return np.array([np.sin(angle), np.cos(angle)])


def encode(scheme: str, vector, position: float, theta: float) -> np.ndarray:
    """A 2-vector with its position put in: `add` adds the position vector, `rotate` turns it by position·θ."""
    return encode_at(scheme, vector, [check_position("position", position)], theta)[0]


def encode_at(scheme: str, vector, positions, theta: float) -> np.ndarray:
    """`encode` at every one of `positions` at once: one row per position."""
    scheme = check_choice("scheme", scheme, SCHEMES)
    vector = check_vector("vector", vector, 2)
    theta = check_float("theta", theta, 0.0, MAX_CHECK_ANGLE)
    positions = np.asarray(positions, dtype=np.float64)
    if scheme == "rotate":
        return turned_at(vector, positions, theta)
    angles = positions * theta
    return vector + np.stack([np.sin(angles), np.cos(angles)], axis=-1)


@dataclass(frozen=True)
class AddedScoreTerms:
    """The four terms of ⟨q + p_m, k + p_n⟩: content with content, content with position, and position alone."""

    content_content: float  # ⟨q, k⟩
    content_position: float  # ⟨q, p_n⟩
    position_content: float  # ⟨p_m, k⟩
    position_position: float  # ⟨p_m, p_n⟩

    @property
    def total(self) -> float:
        return self.content_content + self.content_position + self.position_content + self.position_position


@equation(
    r"\langle q + p_m,\, k + p_n\rangle = \langle q, k\rangle + \langle q, p_n\rangle + \langle p_m, k\rangle"
    r" + \langle p_m, p_n\rangle"
)
def added_score_terms(query, key, m: float, n: float, theta: float) -> AddedScoreTerms:
    """Split the score of q + p_m against k + p_n into its four terms (chapter 3's expansion)."""
    query, key = check_vector("query", query, 2), check_vector("key", key, 2)
    p_m, p_n = position_vector(m, theta), position_vector(n, theta)
    return AddedScoreTerms(float(query @ key), float(query @ p_n), float(p_m @ key), float(p_m @ p_n))


@dataclass(frozen=True)
class RequirementCheck:
    """One requirement tested on one scheme: whether it holds, what was measured (0 when it holds), the evidence."""

    passed: bool
    gap: float
    detail: str


def _number(value: float, digits: int = 3) -> str:
    # Rounding noise prints as 0, so a requirement that holds reads as exactly what it is.
    return "0" if abs(value) < TOLERANCE else f"{value:+.{digits}f}"


def _check_scheme(scheme: str, query, key, m: float, n: float, theta: float) -> dict[str, RequirementCheck]:
    shifts = np.array((0, *SHIFTS), dtype=np.float64)
    queries = encode_at(scheme, query, m + shifts, theta)  # row 0 is the query at m itself
    keys = encode_at(scheme, key, n + shifts, theta)
    scores = np.einsum("ij,ij->i", queries, keys)
    base_score = float(scores[0])
    moved = float(np.max(np.abs(scores[1:] - base_score)))
    nothing = np.zeros(2)
    empty_q, empty_k = encode(scheme, nothing, m, theta), encode(scheme, nothing, n, theta)
    encoded_q, encoded_k = queries[0], keys[0]
    alone = float(empty_q @ empty_k)
    cross = float(encoded_q @ empty_k + empty_q @ encoded_k) - 2.0 * alone
    norms = [float(np.linalg.norm(vector)) for vector in (query, encoded_q, key, encoded_k)]
    stretch = max(abs(norms[1] - norms[0]), abs(norms[3] - norms[2]))
    # The score as attention computes it: the plain dot product of the two vectors, each encoded alone.
    plain = float(encode(scheme, query, m, theta) @ encode(scheme, key, n, theta))
    far = encode(scheme, query, FAR_POSITION, theta)
    far_ok = bool(np.all(np.isfinite(far)))
    moving = "moving both by 1 … 32 changes the score"
    return {
        "offset": RequirementCheck(
            moved < TOLERANCE, moved, f"{moving} by up to {moved:.3f}" if moved >= TOLERANCE else f"{moving} by 0"
        ),
        "apart": RequirementCheck(
            max(abs(cross), abs(alone)) < TOLERANCE,
            max(abs(cross), abs(alone)),
            f"content × position {_number(cross)}, position alone {_number(alone)}",
        ),
        "length": RequirementCheck(
            stretch < TOLERANCE,
            stretch,
            f"‖q‖ {norms[0]:.3f} → {norms[1]:.3f}, ‖k‖ {norms[2]:.3f} → {norms[3]:.3f}",
        ),
        "dot": RequirementCheck(
            abs(plain - base_score) < TOLERANCE,
            abs(plain - base_score),
            f"({encoded_q[0]:.2f}, {encoded_q[1]:.2f}) · ({encoded_k[0]:.2f}, {encoded_k[1]:.2f}) = {plain:.3f}",
        ),
        "table": RequirementCheck(
            far_ok, 0.0 if far_ok else float("inf"), f"q at {FAR_POSITION:,}: ({far[0]:.2f}, {far[1]:.2f})"
        ),
    }


def design_checks(query, key, m: float, n: float, theta: float) -> dict[str, dict[str, RequirementCheck]]:
    """Every requirement of a position scheme tested on both schemes with these numbers: requirement → scheme."""
    query, key = check_vector("query", query, 2), check_vector("key", key, 2)
    m, n = check_position("m", m), check_position("n", n)
    theta = check_float("theta", theta, 0.0, MAX_CHECK_ANGLE)
    by_scheme = {scheme: _check_scheme(scheme, query, key, m, n, theta) for scheme in SCHEMES}
    return {name: {scheme: by_scheme[scheme][name] for scheme in SCHEMES} for name, _ in REQUIREMENTS}


# ---------------------------------------------------------------------------------------------------------
# Every stop of the scrubbers, computed at once
# ---------------------------------------------------------------------------------------------------------


def turned_at(vector: np.ndarray, positions, theta: float) -> np.ndarray:
    """The 2-vector turned to each of `positions` (one row per position), with one call to apply_rope."""
    positions = np.asarray(positions, dtype=np.float64)
    return apply_rope(np.tile(vector, (positions.size, 1)), positions, [theta], convention="interleaved")


@dataclass(frozen=True)
class PairStops:
    """The query and key at paired positions (q_positions[i], k_positions[i]) and their score at each."""

    q_positions: np.ndarray
    k_positions: np.ndarray
    queries: np.ndarray  # (stops, 2)
    keys: np.ndarray  # (stops, 2)
    scores: np.ndarray  # (stops,)


def pair_stops(query: np.ndarray, key: np.ndarray, q_positions, k_positions, theta: float) -> PairStops:
    """Turn the query to every q_positions[i] and the key to k_positions[i]; score each pair (rows match up)."""
    q_positions = np.asarray(q_positions, dtype=np.float64)
    k_positions = np.broadcast_to(np.asarray(k_positions, dtype=np.float64), q_positions.shape)
    queries = turned_at(query, q_positions, theta)
    keys = turned_at(key, k_positions, theta)
    return PairStops(q_positions, np.array(k_positions), queries, keys, np.einsum("ij,ij->i", queries, keys))


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
