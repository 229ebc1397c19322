"""Absolute position vectors: adding them to tokens, and how similar two positions' vectors are."""

import numpy as np

from ._checks import check_base, check_dim, check_positions, check_real_array
from ._equation import equation
from .frequencies import inv_freq
from .limits import MAX_DIM, MAX_ELEMENTS, MAX_SEQ


@equation(r"h_p = x_p + PE_p")
def add_position_vectors(token_vectors, position_vectors) -> np.ndarray:
    """Return token vectors (seq, d) plus the position vector of the slot each one sits in (same shape)."""
    tokens = check_real_array("token_vectors", token_vectors, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    positions = check_real_array("position_vectors", position_vectors, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if tokens.shape != positions.shape:
        raise ValueError(f"position_vectors must have the shape of token_vectors {tokens.shape}, got {positions.shape}")
    return tokens + positions


@equation(r"s_{mn} = PE_m \cdot PE_n")
def position_similarity(table) -> np.ndarray:
    """Return the (n, n) matrix of dot products between every pair of rows of a position table (n, d)."""
    table = check_real_array("table", table, ndim=2, max_size=MAX_SEQ * MAX_DIM)
    if table.shape[0] == 0 or table.shape[0] ** 2 > MAX_ELEMENTS:
        raise ValueError(f"table must have between 1 and {int(MAX_ELEMENTS**0.5)} rows, got {table.shape[0]}")
    return table @ table.T


@equation(r"PE_m \cdot PE_{m+k} = \sum_{i=0}^{d/2-1} \cos\!\big(k\, b^{-2i/d}\big)")
def sinusoidal_similarity(distances, d_model: int, base: float = 10000.0) -> np.ndarray:
    """Return the dot product of two sinusoidal position vectors k apart; it depends on k only, not on m."""
    distances = check_positions("distances", distances, max_len=MAX_SEQ)
    d_model = check_dim(d_model, "d_model")
    base = check_base(base)
    # sin(a)sin(b) + cos(a)cos(b) = cos(a - b): each (sin, cos) column pair contributes one cosine of k·ω_i.
    return np.cos(np.multiply.outer(distances, inv_freq(d_model, base))).sum(axis=1)
