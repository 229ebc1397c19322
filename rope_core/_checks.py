"""Input validators. Every failure is a ValueError naming the parameter, the bad value and what is allowed."""

import math
import numbers
from collections.abc import Iterable

import numpy as np

from .limits import MAX_BASE, MAX_DIM, MAX_ELEMENTS, MAX_FACTOR, MAX_POSITION, MAX_SEQ, MIN_FACTOR

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value, low: int, high: int, *, even: bool = False) -> int:
    """Return `value` as a Python int after checking it is an integer (not a bool) in [low, high]."""
    kind = "an even integer" if even else "an integer"
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = int(value)
        ok = low <= value <= high and (not even or value % 2 == 0)
    if not ok:
        raise ValueError(f"{name} must be {kind} in [{low}, {high}], got {_short(value)}")
    return value


def check_float(name: str, value, low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> float:
    """Return `value` as a Python float after checking it is a finite real number within the given range."""
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = float(value)
        ok = math.isfinite(value)
        ok = ok and (value > low if low_open else value >= low)
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        raise ValueError(f"{name} must be a finite number in {left}{low:g}, {high:g}{right}, got {_short(value)}")
    return value


def check_bool(name: str, value) -> bool:
    """Return `value` after checking it is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_short(value)}")
    return bool(value)


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Return `value` after checking it is one of `choices`."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {_short(value)}")
    return value


def check_dim(dim, name: str = "dim", *, multiple_of: int = 2) -> int:
    """Check a rotary/model dimension: an integer in [multiple_of, MAX_DIM] divisible by `multiple_of`."""
    ok = isinstance(dim, numbers.Integral) and not isinstance(dim, (bool, np.bool_))
    if ok:
        ok = multiple_of <= int(dim) <= MAX_DIM and int(dim) % multiple_of == 0
    if not ok:
        kind = "an even integer" if multiple_of == 2 else f"an integer divisible by {multiple_of}"
        raise ValueError(f"{name} must be {kind} in [{multiple_of}, {MAX_DIM}], got {_short(dim)}")
    return int(dim)


def check_base(base, name: str = "base") -> float:
    """Check a RoPE base (rope_theta): finite, > 1 and <= MAX_BASE."""
    return check_float(name, base, 1.0, MAX_BASE, low_open=True)


def check_factor(factor, name: str = "factor") -> float:
    """Check a context-extension factor: finite, in [1, 1024]."""
    return check_float(name, factor, MIN_FACTOR, MAX_FACTOR)


def check_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Check that `dtype` is float32 or float64 and return it as a numpy dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be one of [float32, float64], got {_short(dtype)}")
    return resolved


def check_real_array(
    name: str,
    values,
    *,
    ndim: int | tuple[int, ...] | None = None,
    max_size: int = MAX_ELEMENTS,
    max_abs: float | None = None,
    keep_float32: bool = False,
) -> np.ndarray:
    """Return `values` as a finite float array (float64 unless `keep_float32` and it already is float32)."""
    if isinstance(values, (bool, np.bool_)):
        raise ValueError(f"{name} must be an array of real numbers, got {_short(values)}")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers, got {_short(values)}") from exc
    if array.dtype == object or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and array.ndim not in allowed:
        raise ValueError(f"{name} must have ndim in {list(allowed)}, got shape {array.shape}")
    if array.size > max_size:
        raise ValueError(f"{name} must have at most {max_size} elements, got {array.size} (shape {array.shape})")
    if not (keep_float32 and array.dtype == np.float32):
        array = array.astype(np.float64, copy=False)
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    if max_abs is not None and array.size and np.abs(array).max() > max_abs:
        raise ValueError(
            f"{name} must have absolute values in [0, {max_abs:g}], got max |value| {np.abs(array).max():g}"
        )
    return array


def check_positions(name: str, positions, *, max_len: int = MAX_SEQ) -> np.ndarray:
    """Check a 1-D array of (possibly fractional) positions: finite, |p| <= MAX_POSITION, len <= max_len."""
    if isinstance(positions, numbers.Real) and not isinstance(positions, (bool, np.bool_)):
        positions = [positions]
    array = check_real_array(name, positions, ndim=1, max_size=max_len, max_abs=MAX_POSITION)
    if array.size == 0:
        raise ValueError(f"{name} must contain at least one position, got an empty array")
    return array


def check_position(name: str, value) -> float:
    """Check one position: finite with |value| <= MAX_POSITION."""
    return check_float(name, value, -MAX_POSITION, MAX_POSITION)


def check_inv_freq(inv_freq, name: str = "inv_freq") -> np.ndarray:
    """Check inverse frequencies: a non-empty 1-D array of finite values with at most MAX_DIM // 2 entries."""
    array = check_real_array(name, inv_freq, ndim=1, max_size=MAX_DIM // 2, max_abs=1e6)
    if array.size == 0:
        raise ValueError(f"{name} must have between 1 and {MAX_DIM // 2} entries, got 0")
    if (array < 0).any():
        raise ValueError(f"{name} must be non-negative, got min {array.min():g}")
    return array


def check_vector(name: str, values, length: int | None = None) -> np.ndarray:
    """Check a finite 1-D float vector, optionally of an exact length."""
    array = check_real_array(name, values, ndim=1, max_size=MAX_DIM)
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {array.shape[0]}")
    return array


def check_x(x, name: str = "x", *, check_finite: bool = True) -> np.ndarray:
    """Check an array of vectors (..., seq, d): real, at least 2-D, bounded in size; float32 stays float32.

    Returns a C-contiguous float64 (or float32) array. The fast path of apply_rope passes check_finite=False
    and checks finiteness block by block instead, while the data is in cache.
    """
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


def check_rotary_layout(x: np.ndarray, inv_freq: np.ndarray, rotary_dim) -> int:
    """Check that inv_freq has one frequency per rotated pair of x (all of d, or the first rotary_dim channels)."""
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


def check_sequence_match(x: np.ndarray, positions: np.ndarray) -> None:
    """Raise unless x (..., seq, d) has one row per position."""
    if x.shape[-2] != positions.size:
        raise ValueError(f"positions must have length seq = {x.shape[-2]} (x.shape[-2]), got {positions.size}")
