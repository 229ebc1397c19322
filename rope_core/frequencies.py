"""Rotation frequencies, wavelengths and angles of the d/2 RoPE pairs."""

import math

import numpy as np

from ._checks import check_base, check_dim, check_dtype, check_float, check_inv_freq, check_positions
from ._equation import equation
from .limits import MAX_ELEMENTS, MAX_POSITION


@equation(r"\theta_i = b^{-2i/d},\quad i = 0, \dots, d/2 - 1")
def inv_freq(dim: int, base: float = 10000.0) -> np.ndarray:
    """Return the d/2 RoPE frequencies theta_i = base^(-2i/d), fastest (pair 0) first."""
    dim = check_dim(dim)
    base = check_base(base)
    return base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)


@equation(r"\lambda_i = \frac{2\pi}{\theta_i}")
def wavelengths(inv_freq) -> np.ndarray:
    """Return the wavelength in tokens of each pair: the distance over which it turns once."""
    frequencies = check_inv_freq(inv_freq)
    if (frequencies == 0).any():
        raise ValueError("inv_freq must be strictly positive to have a finite wavelength, got a 0 entry")
    return 2.0 * np.pi / frequencies


@equation(r"\phi_{m,i} = m\,\theta_i")
def rotation_angles(positions, inv_freq, dtype=np.float64) -> np.ndarray:
    """Return the (seq, d/2) angles m*theta_i; dtype=float32 forms the product in float32."""
    dtype = check_dtype(dtype)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    if positions.size * frequencies.size > MAX_ELEMENTS:
        raise ValueError(
            f"positions x inv_freq must have at most {MAX_ELEMENTS} elements, got {positions.size} x {frequencies.size}"
        )
    # Casting both factors first reproduces the rounding of a float32 pipeline, which is the lesson.
    return np.multiply.outer(positions.astype(dtype), frequencies.astype(dtype))


@equation(r"\text{turns}_i = \frac{L\,\theta_i}{2\pi}")
def full_turns(context_length: float, inv_freq) -> np.ndarray:
    """Return how many complete rotations each pair makes over `context_length` tokens (floored)."""
    context_length = check_float("context_length", context_length, 0.0, MAX_POSITION)
    frequencies = check_inv_freq(inv_freq)
    return np.floor(context_length * frequencies / (2.0 * math.pi))
