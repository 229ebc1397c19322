"""Chapter 3, absolute encodings: how similar two positions' vectors are, in a table and from the formula.

The sinusoidal and learned tables themselves are rope_core.sinusoidal_encoding and rope_core.learned_position_table;
adding them to the tokens is chapter 2's add_position_vectors.
"""

import numpy as np

from rope_core import inv_freq
from rope_core._checks import check_base, check_dim, check_positions, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_DIM, MAX_ELEMENTS, MAX_SEQ


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
