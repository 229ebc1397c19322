"""apply_rope against a deliberately slow pure-Python implementation written separately here."""

import math

import numpy as np
import pytest

import rope_core as rc


def slow_rope(vector, position, dim, base, convention):
    """Rotate one vector pair by pair with plain Python floats."""
    out = list(vector)
    for i in range(dim // 2):
        theta = base ** (-2.0 * i / dim)
        angle = position * theta
        a, b = (i, i + dim // 2) if convention == "half" else (2 * i, 2 * i + 1)
        out[a] = vector[a] * math.cos(angle) - vector[b] * math.sin(angle)
        out[b] = vector[a] * math.sin(angle) + vector[b] * math.cos(angle)
    return out


@pytest.mark.parametrize("convention", ["half", "interleaved"])
@pytest.mark.parametrize("dim,base", [(2, 10.0), (8, 10000.0), (64, 500000.0)])
def test_apply_rope_matches_slow_loop(convention, dim, base):
    rng = np.random.default_rng(dim)
    x = rng.standard_normal((2, 7, dim))
    positions = [0, 1, 2, 17, 100, 4095, 123456.5]
    fast = rc.apply_rope(x, positions, rc.inv_freq(dim, base), convention=convention)
    for h in range(2):
        for s, position in enumerate(positions):
            expected = slow_rope(list(x[h, s]), position, dim, base, convention)
            np.testing.assert_allclose(fast[h, s], expected, atol=1e-9)


def test_large_batches_cross_block_boundaries():
    # Bigger than one cache block, with an odd number of positions, to exercise every edge of the tiling.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1501, 96)).astype(np.float32)
    positions = np.arange(1501) * 5.0
    for convention in rc.CONVENTIONS:
        fast = rc.apply_rope(x, positions, rc.inv_freq(96), convention=convention)
        subset = rc.apply_rope_dense(x[:, ::97], positions[::97], rc.inv_freq(96), convention=convention)
        np.testing.assert_allclose(fast[:, ::97], subset, atol=2e-5)
