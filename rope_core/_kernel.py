"""The fast kernel behind apply_rope (and the 2-D and M-RoPE rotations): the same x·cos + partner·sin as
rotation.apply_rope_textbook, computed in cache-sized blocks with no temporary the size of x.

Read rotation.apply_rope_textbook first: this module only changes how the arithmetic is scheduled, never what it
computes (tests/core/test_rotation.py checks apply_rope against the textbook form and a slow loop).
"""

import numpy as np

# Each block of x, out and the scratch buffer (~0.5 MB each) stays in the 2 MB L2 cache across its passes.
_BLOCK_BYTES = 1 << 19
_TWO_PI = 2.0 * np.pi


def _check_out(out, x: np.ndarray) -> np.ndarray:
    if out is None:
        return np.empty_like(x)
    if not isinstance(out, np.ndarray) or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError(f"out must be an ndarray of shape {x.shape} and dtype {x.dtype}, got {type(out).__name__}")
    if not out.flags.c_contiguous or np.may_share_memory(out, x):
        raise ValueError("out must be C-contiguous and must not overlap x")
    return out


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


def rotate_by_angles(
    x: np.ndarray, angles: np.ndarray, convention: str, attention_factor: float = 1.0, out=None
) -> np.ndarray:
    """Rotate the first 2*angles.shape[1] channels of a checked x (..., seq, d) pair by pair; pass the rest through.

    `angles` is the (seq, pairs) table of m·θ_i in float64; x comes from _checks.check_x (float32 or float64).
    """
    out = _check_out(out, x)
    cos, sin = _cos_sin(angles, x.dtype, attention_factor)
    flat_x = x.reshape((-1, *x.shape[-2:]))
    flat_out = out.reshape(flat_x.shape)
    if convention == "interleaved":
        _rotate_interleaved_into(flat_x, cos, sin, flat_out)
    else:
        _rotate_half_into(flat_x, cos, sin, flat_out)
    return out
