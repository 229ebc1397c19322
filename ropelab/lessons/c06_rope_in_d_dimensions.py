"""Chapter 6, RoPE in d dimensions: which pairs and positions the charts sample, so every chart stays readable.

Everything the chapter computes is rope_core's (inv_freq, wavelengths, rotation_angles, full_turns, rotation_matrix).
"""

import numpy as np

MAX_HEATMAP_ROWS = 256


def evenly_spaced_pairs(n_pairs: int, count: int = 8) -> np.ndarray:
    """Indices of `count` pairs spread from the fastest (0) to the slowest (n_pairs − 1); all pairs if fewer."""
    if n_pairs < 1 or count < 1:
        raise ValueError(f"n_pairs and count must be positive, got {n_pairs} and {count}")
    if n_pairs <= count:
        return np.arange(n_pairs)
    return np.unique(np.round(np.linspace(0, n_pairs - 1, count)).astype(int))


def sampled_positions(context_length: int, max_rows: int = MAX_HEATMAP_ROWS) -> np.ndarray:
    """Integer positions 0, s, 2s, … below `context_length` with a stride s that keeps at most `max_rows` rows."""
    if context_length < 1 or max_rows < 1:
        raise ValueError(f"context_length and max_rows must be positive, got {context_length} and {max_rows}")
    stride = -(-context_length // max_rows)
    return np.arange(0, context_length, stride)
