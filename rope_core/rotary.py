"""Applying RoPE three ways (element-wise, dense matrix, complex) in both memory layouts."""

import numpy as np

from ._checks import (
    check_choice,
    check_dim,
    check_dtype,
    check_float,
    check_int,
    check_inv_freq,
    check_position,
    check_positions,
    check_real_array,
    check_vector,
)
from ._equation import equation
from .limits import MAX_ATTENTION_FACTOR, MAX_DIM, MAX_ELEMENTS, MAX_HEADS, MAX_SEQ

CONVENTIONS = ("half", "interleaved")

# Each block of x, out and the scratch buffer (~0.5 MB each) stays in the 2 MB L2 cache across its passes.
_BLOCK_BYTES = 1 << 19
_TWO_PI = 2.0 * np.pi


def _check_x(x, name: str = "x", *, check_finite: bool = True) -> np.ndarray:
    """Check shape, size and dtype of x; the fast path checks finiteness per block."""
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be an array of real numbers, got {x!r}")
    array = np.asarray(x)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if array.ndim < 2:
        raise ValueError(f"{name} must have shape (..., seq, d) with at least 2 dimensions, got {array.shape}")
    if array.size > MAX_ELEMENTS:
        raise ValueError(f"{name} must have at most {MAX_ELEMENTS} elements, got {array.size} (shape {array.shape})")
    if array.dtype != np.float32:
        array = array.astype(np.float64, copy=False)
    if check_finite and not np.isfinite(array).all():
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return np.ascontiguousarray(array)


def _check_out(out, x: np.ndarray) -> np.ndarray:
    if out is None:
        return np.empty_like(x)
    if not isinstance(out, np.ndarray) or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError(f"out must be an ndarray of shape {x.shape} and dtype {x.dtype}, got {type(out).__name__}")
    if not out.flags.c_contiguous or np.may_share_memory(out, x):
        raise ValueError("out must be C-contiguous and must not overlap x")
    return out


def _check_rotary_layout(x: np.ndarray, inv_freq: np.ndarray, rotary_dim) -> int:
    head_dim = x.shape[-1]
    if rotary_dim is None:
        if 2 * inv_freq.size != head_dim:
            raise ValueError(
                f"inv_freq must have d/2 = {head_dim / 2:g} entries for x with last dimension {head_dim}, "
                f"got {inv_freq.size} (pass rotary_dim for partial rotary)"
            )
        return head_dim
    rotary_dim = check_int("rotary_dim", rotary_dim, 2, min(head_dim, MAX_DIM), even=True)
    if 2 * inv_freq.size != rotary_dim:
        raise ValueError(f"inv_freq must have rotary_dim/2 = {rotary_dim // 2} entries, got {inv_freq.size}")
    return rotary_dim


def _check_sequence_match(x: np.ndarray, positions: np.ndarray) -> None:
    if x.shape[-2] != positions.size:
        raise ValueError(f"positions must have length seq = {x.shape[-2]} (x.shape[-2]), got {positions.size}")


def _pair_views(x: np.ndarray, convention: str) -> tuple[np.ndarray, np.ndarray]:
    """Split the last axis into the two members of every rotated pair (as views, no copy)."""
    if convention == "half":
        half = x.shape[-1] // 2
        return x[..., :half], x[..., half:]
    return x[..., 0::2], x[..., 1::2]


def _cos_sin(angles: np.ndarray, dtype: np.dtype, attention_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Accurate cos/sin tables in `dtype` for float64 angles."""
    if dtype == np.float32:
        # Reducing to [-pi, pi] in float64 first lets the fast float32 cos/sin stay accurate at any position.
        reduced = (angles - _TWO_PI * np.rint(angles / _TWO_PI)).astype(np.float32)
        cos, sin = np.cos(reduced), np.sin(reduced)
    else:
        cos, sin = np.cos(angles), np.sin(angles)
    if attention_factor != 1.0:
        cos *= dtype.type(attention_factor)
        sin *= dtype.type(attention_factor)
    return cos, sin


def _raise_if_not_finite(block: np.ndarray) -> None:
    flat = block.reshape(-1)
    # A dot product is a cheap in-cache test: it is finite unless some entry is NaN/inf (or squares overflow).
    if not np.isfinite(np.dot(flat, flat)) and not np.isfinite(flat).all():
        raise ValueError("x must contain only finite values (found NaN or inf, or the rotation overflowed)")


def _blocks(n_outer: int, seq: int, row_bytes: int):
    """Yield (outer slice, first row, last row) blocks of about _BLOCK_BYTES each."""
    rows_per_block = max(1, _BLOCK_BYTES // row_bytes)
    pos_block = min(seq, rows_per_block)
    outer_block = max(1, rows_per_block // pos_block) if pos_block == seq else 1
    for o0 in range(0, n_outer, outer_block):
        for p0 in range(0, seq, pos_block):
            yield slice(o0, min(o0 + outer_block, n_outer)), p0, min(p0 + pos_block, seq)


def _rotate_interleaved_into(x: np.ndarray, cos: np.ndarray, sin: np.ndarray, out: np.ndarray) -> None:
    """Interleaved pairs are adjacent, so x is viewed as complex numbers and rotated by one multiply."""
    n_outer, seq, width = x.shape
    pairs = cos.shape[1]
    complex_type = np.complex64 if x.dtype == np.float32 else np.complex128
    phase = np.ones((seq, width // 2), dtype=complex_type)  # channels past rotary_dim are multiplied by 1
    phase.real[:, :pairs] = cos
    phase.imag[:, :pairs] = sin
    x_complex = x.view(complex_type)
    out_complex = out.view(complex_type)
    for outer, p0, p1 in _blocks(n_outer, seq, width * x.itemsize):
        np.multiply(x_complex[outer, p0:p1], phase[p0:p1], out=out_complex[outer, p0:p1])
        _raise_if_not_finite(out[outer, p0:p1])


def _rotate_half_into(x: np.ndarray, cos: np.ndarray, sin: np.ndarray, out: np.ndarray) -> None:
    """Half-split rotation with long contiguous passes only.

    In the flattened array the partner of channel j < h is 'h elements later' and of channel h <= j < 2h is
    'h elements earlier', so rotate_half(x) * sin becomes two shifted contiguous products whose sin tables
    are zero where the shift does not apply. Five contiguous passes beat six short strided ones.
    """
    n_outer, seq, width = x.shape
    pairs = cos.shape[1]
    cos_full = np.ones((seq, width), dtype=x.dtype)  # channels past rotary_dim pass through
    cos_full[:, :pairs] = cos
    cos_full[:, pairs : 2 * pairs] = cos
    sin_from_later = np.zeros((seq, width), dtype=x.dtype)
    sin_from_later[:, :pairs] = -sin
    sin_from_earlier = np.zeros((seq, width), dtype=x.dtype)
    sin_from_earlier[:, pairs : 2 * pairs] = sin
    flat_x = x.reshape(n_outer, seq * width)
    flat_out = out.reshape(n_outer, seq * width)
    flat_cos = cos_full.reshape(-1)
    flat_later = sin_from_later.reshape(-1)
    flat_earlier = sin_from_earlier.reshape(-1)
    scratch = None
    for outer, p0, p1 in _blocks(n_outer, seq, width * x.itemsize):
        a, b = p0 * width, p1 * width
        xb, ob = flat_x[outer, a:b], flat_out[outer, a:b]
        if scratch is None:
            scratch = np.empty(xb.shape, dtype=x.dtype)
        tmp = scratch[: xb.shape[0], : b - a]
        h = pairs
        np.multiply(xb, flat_cos[a:b], out=ob)
        np.multiply(xb[:, h:], flat_later[a : b - h], out=tmp[:, :-h])
        np.add(ob[:, :-h], tmp[:, :-h], out=ob[:, :-h])
        np.multiply(xb[:, :-h], flat_earlier[a + h : b], out=tmp[:, h:])
        np.add(ob[:, h:], tmp[:, h:], out=ob[:, h:])
        _raise_if_not_finite(ob)


def _rotate_by_angles(
    x: np.ndarray, angles: np.ndarray, convention: str, attention_factor: float = 1.0, out=None
) -> np.ndarray:
    """Rotate the first 2*angles.shape[1] channels of x (..., seq, d) pair by pair; pass the rest through."""
    out = _check_out(out, x)
    cos, sin = _cos_sin(angles, x.dtype, attention_factor)
    flat_x = x.reshape((-1, *x.shape[-2:]))
    flat_out = out.reshape(flat_x.shape)
    if convention == "interleaved":
        _rotate_interleaved_into(flat_x, cos, sin, flat_out)
    else:
        _rotate_half_into(flat_x, cos, sin, flat_out)
    return out


@equation(r"\operatorname{rotate\_half}(x) = \big(-x_{d/2:d},\; x_{0:d/2}\big)")
def rotate_half(x) -> np.ndarray:
    """Return concat(-x[d/2:], x[:d/2]) along the last axis (the half-split partner of every channel)."""
    x = check_real_array("x", x, max_size=MAX_ELEMENTS, keep_float32=True)
    if x.ndim < 1 or x.shape[-1] % 2:
        raise ValueError(f"x must have an even last dimension, got shape {x.shape}")
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


@equation(r"\operatorname{rotate\_pairs}(x)_{2i} = -x_{2i+1},\quad \operatorname{rotate\_pairs}(x)_{2i+1} = x_{2i}")
def rotate_interleaved(x) -> np.ndarray:
    """Return (-x1, x0, -x3, x2, ...): the interleaved partner of every channel (GPT-J's rotate_every_two)."""
    x = check_real_array("x", x, max_size=MAX_ELEMENTS, keep_float32=True)
    if x.ndim < 1 or x.shape[-1] % 2:
        raise ValueError(f"x must have an even last dimension, got shape {x.shape}")
    out = np.empty_like(x)
    out[..., 0::2] = -x[..., 1::2]
    out[..., 1::2] = x[..., 0::2]
    return out


@equation(
    r"\cos_{m} = (\cos m\theta_0, \dots) \text{ laid out like } x,\quad "
    r"\operatorname{RoPE}(x)_m = x_m \odot \cos_m + \operatorname{rotate}(x_m) \odot \sin_m"
)
def rope_cos_sin(
    positions, inv_freq, convention: str = "half", dtype=np.float64, attention_factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (seq, d) cos and sin tables in `convention`'s layout, angles in `dtype`."""
    convention = check_choice("convention", convention, CONVENTIONS)
    dtype = check_dtype(dtype)
    attention_factor = check_float("attention_factor", attention_factor, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    if positions.size * frequencies.size * 2 > MAX_ELEMENTS:
        raise ValueError(f"positions x d must have at most {MAX_ELEMENTS} elements")
    angles = np.multiply.outer(positions.astype(dtype), frequencies.astype(dtype))
    cos = np.cos(angles) * dtype.type(attention_factor)
    sin = np.sin(angles) * dtype.type(attention_factor)
    if convention == "half":
        return np.concatenate([cos, cos], axis=-1), np.concatenate([sin, sin], axis=-1)
    return np.repeat(cos, 2, axis=-1), np.repeat(sin, 2, axis=-1)


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
    """Rotate x (..., seq, d) at `positions` element-wise, O(d); float32 in, float32 out."""
    x = _check_x(x, check_finite=False)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    attention_factor = check_float("attention_factor", attention_factor, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
    _check_sequence_match(x, positions)
    _check_rotary_layout(x, frequencies, rotary_dim)
    # Angles in float64 even for float32 x: the table is tiny and this keeps large positions accurate.
    angles = np.multiply.outer(positions, frequencies)
    return _rotate_by_angles(x, angles, convention, attention_factor, out)


@equation(r"\operatorname{RoPE}(x)_m = R^{d}_{m}\, x_m")
def apply_rope_dense(x, positions, inv_freq, convention: str = "half") -> np.ndarray:
    """Rotate x (..., seq, d) with one dense (d, d) matrix per position: O(d^2), for teaching."""
    x = _check_x(x)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    _check_sequence_match(x, positions)
    _check_rotary_layout(x, frequencies, None)
    if positions.size * x.shape[-1] ** 2 > MAX_ELEMENTS:
        raise ValueError(
            f"seq * d^2 must be at most {MAX_ELEMENTS} for the dense form, got {positions.size} * {x.shape[-1]}^2"
        )
    matrices = _rotation_matrices(positions, frequencies, convention)
    rotated = np.matmul(matrices, x[..., None].astype(np.float64))[..., 0]
    return rotated.astype(x.dtype, copy=False)


@equation(r"\tilde x_i \leftarrow \tilde x_i\, e^{i m\theta_i},\quad \tilde x_i = x_{2i} + i\,x_{2i+1}")
def apply_rope_complex(x, positions, inv_freq, convention: str = "interleaved") -> np.ndarray:
    """Rotate x (..., seq, d) by viewing each pair as a complex number and multiplying by e^{i m theta}."""
    x = _check_x(x)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    _check_sequence_match(x, positions)
    _check_rotary_layout(x, frequencies, None)
    first, second = _pair_views(x.astype(np.float64), convention)
    rotated = (first + 1j * second) * np.exp(1j * np.multiply.outer(positions, frequencies))
    out = np.empty(x.shape, dtype=np.float64)
    out_first, out_second = _pair_views(out, convention)
    out_first[...] = rotated.real
    out_second[...] = rotated.imag
    return out.astype(x.dtype, copy=False)


@equation(
    r"P = [0, 2, 4, \dots, d-2,\; 1, 3, \dots, d-1],\quad "
    r"\operatorname{half}(Px, m) = P\,\operatorname{inter}(x, m)"
)
def interleaved_to_half_permutation(dim: int) -> np.ndarray:
    """Return the channel order P that turns an interleaved-layout vector into the half-split layout."""
    dim = check_dim(dim)
    return np.concatenate([np.arange(0, dim, 2), np.arange(1, dim, 2)])


@equation(r"W'_{h\,d_h + j,\,:} = W_{h\,d_h + P_j,\,:}")
def permute_qk_weight_rows(weight, head_dim: int, n_heads: int) -> np.ndarray:
    """Reorder the output rows of W_q or W_k per head with P (interleaved checkpoint -> half-split)."""
    head_dim = check_dim(head_dim, "head_dim")
    n_heads = check_int("n_heads", n_heads, 1, MAX_HEADS)
    weight = check_real_array("weight", weight, ndim=2, keep_float32=True)
    if weight.shape[0] != head_dim * n_heads:
        raise ValueError(f"weight must have head_dim * n_heads = {head_dim * n_heads} rows, got shape {weight.shape}")
    per_head = interleaved_to_half_permutation(head_dim)
    rows = (np.arange(n_heads)[:, None] * head_dim + per_head[None, :]).ravel()
    return weight[rows]


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
