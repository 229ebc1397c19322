"""Long-term decay of RoPE scores with distance (RoFormer section 3.4.3): the bound, and aligned vectors' score."""

import numpy as np

from ._checks import check_dim, check_inv_freq, check_positions
from ._equation import equation
from .frequencies import inv_freq as default_inv_freq
from .limits import MAX_SEQ


def _frequencies(dim, base, inv_freq) -> np.ndarray:
    if inv_freq is None:
        return default_inv_freq(dim, base)
    frequencies = check_inv_freq(inv_freq)
    dim = check_dim(dim)
    if frequencies.size != dim // 2:
        raise ValueError(f"inv_freq must have dim/2 = {dim // 2} entries, got {frequencies.size}")
    return frequencies


@equation(r"B(r) = \frac{1}{d/2}\sum_{j=1}^{d/2} |S_j|,\quad S_j = \sum_{k=0}^{j-1} e^{i r \theta_k}")
def decay_bound(distances, dim: int = 128, base: float = 10000.0, *, inv_freq=None) -> np.ndarray:
    """Return RoFormer's decay bound curve: the mean |partial sum| of e^{i r theta_k}, at each distance r."""
    distances = check_positions("distances", distances, max_len=MAX_SEQ)
    frequencies = _frequencies(dim, base, inv_freq)
    partial_sums = np.cumsum(np.exp(1j * np.multiply.outer(distances, frequencies)), axis=1)
    return np.abs(partial_sums).mean(axis=1)


@equation(
    r"\frac{\langle R_m \mathbf{1}, R_n \mathbf{1}\rangle}{d} = "
    r"\frac{1}{d/2}\sum_{i} \cos\big((m-n)\theta_i\big)"
)
def all_ones_score(distances, dim: int = 128, base: float = 10000.0, *, inv_freq=None) -> np.ndarray:
    """Return the normalised score of q = k = all-ones at each distance (1 at distance 0)."""
    distances = check_positions("distances", distances, max_len=MAX_SEQ)
    frequencies = _frequencies(dim, base, inv_freq)
    return np.cos(np.multiply.outer(distances, frequencies)).mean(axis=1)
