"""Rotating queries and keys by their positions: the textbook form first, then the fast apply_rope, the rotation
matrices, the two memory layouts, and the scores of rotated queries and keys.

Read this module top to bottom: `rotate_half` and `apply_rope_textbook` are RoPE in a few lines (no checks,
float64). `apply_rope` computes exactly the same thing for any input a page or a user may send: it validates
every argument, keeps float32 as float32, supports the interleaved layout and partial rotary, and runs the
cache-blocked kernel of `_kernel.py` (tests check it against the textbook form and an independent slow loop).
"""

import math

import numpy as np

from . import _kernel
from ._checks import (
    check_choice,
    check_dim,
    check_float,
    check_inv_freq,
    check_position,
    check_positions,
    check_real_array,
    check_rotary_layout,
    check_sequence_match,
    check_x,
)
from ._equation import equation
from .limits import MAX_ATTENTION_FACTOR, MAX_DIM, MAX_ELEMENTS, MAX_SEQ

# How the d channels form d/2 pairs: "half" pairs (x_i, x_{i+d/2}) as Hugging Face's Llama does, "interleaved"
# pairs neighbours (x_{2i}, x_{2i+1}) as the RoFormer paper, Meta's original Llama code and GPT-J do.
CONVENTIONS = ("half", "interleaved")
# Angles beyond this many radians are refused by rotation_matrix_2d (and the chapter 1 helpers).
MAX_ANGLE = 1e7


# ---------------------------------------------------------------------------------------------------------
# RoPE as the papers write it
# ---------------------------------------------------------------------------------------------------------


@equation(r"\operatorname{rotate\_half}(x) = \big(-x_{d/2:d},\; x_{0:d/2}\big)")
def rotate_half(x: np.ndarray) -> np.ndarray:
    """Return concat(-x[d/2:], x[:d/2]) along the last axis: each channel's partner in its pair, turned by 90°.

    Channel i < d/2 pairs with channel i + d/2 (the half-split layout). No checks: this is the textbook helper.
    """
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


@equation(
    r"\operatorname{RoPE}(x)_m = x_m \odot \cos(m\theta) + \operatorname{rotate\_half}(x_m) \odot \sin(m\theta),"
    r"\quad \theta = (\theta_0, \dots, \theta_{d/2-1},\ \theta_0, \dots, \theta_{d/2-1})"
)
def apply_rope_textbook(x, positions, inv_freq) -> np.ndarray:
    """RoPE in its textbook form, half-split layout: x·cos(mθ) + rotate_half(x)·sin(mθ), in float64, no checks.

    x has shape (..., seq, d), positions shape (seq,) and inv_freq shape (d/2,). Channels i and i + d/2 form
    pair i, and both turn by the angle m·θ_i, so the d/2 angles are written out twice.
    """
    x = np.asarray(x, dtype=np.float64)
    angles = np.multiply.outer(np.asarray(positions, dtype=np.float64), np.asarray(inv_freq, dtype=np.float64))
    angles = np.concatenate([angles, angles], axis=-1)
    return x * np.cos(angles) + rotate_half(x) * np.sin(angles)


# ---------------------------------------------------------------------------------------------------------
# The same rotation for real use: validated, both layouts, partial rotary, float32, fast
# ---------------------------------------------------------------------------------------------------------


@equation(r"\operatorname{RoPE}(x)_m = x_m \odot \cos(m\theta) + \operatorname{rotate}(x_m) \odot \sin(m\theta)")
def apply_rope(
    x,
    positions,
    inv_freq,
    *,
    convention: str = "half",
    rotary_dim: int | None = None,
    attention_factor: float = 1.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Rotate x (..., seq, d) at `positions` element-wise, O(d); float32 in, float32 out.

    The same numbers as apply_rope_textbook (half layout), for every input: arguments are validated with
    ValueErrors that name them, `convention="interleaved"` pairs neighbouring channels, `rotary_dim` rotates only
    the first channels (partial rotary), `attention_factor` scales cos and sin (YaRN), and `out` is filled in place.
    """
    x = check_x(x, check_finite=False)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    attention_factor = check_float("attention_factor", attention_factor, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
    check_sequence_match(x, positions)
    check_rotary_layout(x, frequencies, rotary_dim)
    # Angles in float64 even for float32 x: the table is tiny and this keeps large positions accurate.
    angles = np.multiply.outer(positions, frequencies)
    return _kernel.rotate_by_angles(x, angles, convention, attention_factor, out)


# ---------------------------------------------------------------------------------------------------------
# Rotation matrices
# ---------------------------------------------------------------------------------------------------------


@equation(r"R(\alpha) = \begin{pmatrix} \cos\alpha & -\sin\alpha \\ \sin\alpha & \cos\alpha \end{pmatrix}")
def rotation_matrix_2d(alpha: float) -> np.ndarray:
    """Return the 2x2 counter-clockwise rotation matrix R(alpha)."""
    alpha = check_float("alpha", alpha, -MAX_ANGLE, MAX_ANGLE)
    cos, sin = math.cos(alpha), math.sin(alpha)
    return np.array([[cos, -sin], [sin, cos]])


@equation(r"R^{d}_{m} = \operatorname{diag}\big(R(m\theta_0), R(m\theta_1), \dots, R(m\theta_{d/2-1})\big)")
def rotation_matrix(position: float, inv_freq, convention: str = "interleaved") -> np.ndarray:
    """Return the dense (d, d) RoPE matrix for one position: block-diagonal, or its half-split reordering."""
    position = check_position("position", position)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    return _rotation_matrices(np.array([position]), frequencies, convention)[0]


def _rotation_matrices(positions: np.ndarray, frequencies: np.ndarray, convention: str) -> np.ndarray:
    pairs = frequencies.size
    angles = np.multiply.outer(positions, frequencies)
    cos, sin = np.cos(angles), np.sin(angles)
    matrices = np.zeros((positions.size, 2 * pairs, 2 * pairs))
    pair = np.arange(pairs)
    first, second = (pair, pair + pairs) if convention == "half" else (2 * pair, 2 * pair + 1)
    matrices[:, first, first] = cos
    matrices[:, first, second] = -sin
    matrices[:, second, first] = sin
    matrices[:, second, second] = cos
    return matrices


@equation(
    r"P = [0, 2, 4, \dots, d-2,\; 1, 3, \dots, d-1],\quad "
    r"\operatorname{half}(Px, m) = P\,\operatorname{inter}(x, m)"
)
def interleaved_to_half_permutation(dim: int) -> np.ndarray:
    """Return the channel order P that turns an interleaved-layout vector into the half-split layout."""
    dim = check_dim(dim)
    return np.concatenate([np.arange(0, dim, 2), np.arange(1, dim, 2)])


def _check_qk_matrix(name: str, values, max_rows: int = MAX_SEQ) -> np.ndarray:
    array = check_real_array(name, values, ndim=2, max_size=max_rows * MAX_DIM)
    if array.shape[0] > max_rows or array.shape[0] == 0:
        raise ValueError(f"{name} must have between 1 and {max_rows} rows, got shape {array.shape}")
    return array


@equation(r"s_{mn} = \big(R^{d}_{m} q_m\big)^{\top} \big(R^{d}_{n} k_n\big)")
def rope_scores(q, k, q_positions, k_positions, inv_freq, convention: str = "half") -> np.ndarray:
    """Return the (seq_q, seq_k) dot products of rotated queries and keys (no 1/sqrt(d) scaling)."""
    q = _check_qk_matrix("q", q)
    k = _check_qk_matrix("k", k)
    if q.shape[1] != k.shape[1]:
        raise ValueError(f"k must have the same last dimension as q ({q.shape[1]}), got {k.shape[1]}")
    q_positions = check_positions("q_positions", q_positions)
    k_positions = check_positions("k_positions", k_positions)
    rotated_q = apply_rope(q, q_positions, inv_freq, convention=convention)
    rotated_k = apply_rope(k, k_positions, inv_freq, convention=convention)
    return rotated_q @ rotated_k.T
