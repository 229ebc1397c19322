"""rope_core.images: axial and mixed 2-D RoPE on patch grids, and M-RoPE."""

import numpy as np
import pytest

import rope_core as rc


@pytest.mark.parametrize("sections", [(16, 24, 24), (2, 3, 3)])
def test_mrope_with_equal_streams_is_1d_rope(sections):
    dim = 2 * sum(sections)
    x = np.random.default_rng(0).standard_normal((2, 9, dim))
    positions = np.arange(9) * 13.0
    np.testing.assert_allclose(
        rc.apply_mrope(x, positions, positions, positions, sections, base=1e6),
        rc.apply_rope(x, positions, rc.inv_freq(dim, 1e6), convention="half"),
        atol=1e-12,
    )


def test_mrope_positions_layout():
    ids = rc.mrope_positions(2, 1, 2, 3, 2)
    assert ids.shape == (3, 2 + 6 + 2)
    np.testing.assert_array_equal(ids[:, :2], [[0, 1]] * 3)
    np.testing.assert_array_equal(ids[1, 2:8], [2, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(ids[2, 2:8], [2, 3, 4, 2, 3, 4])
    np.testing.assert_array_equal(ids[:, 8:], [[5, 6]] * 3)


def test_axial_rope_uses_columns_then_rows():
    dim = 16
    x = np.random.default_rng(0).standard_normal((3, dim))
    rows, cols = np.array([0, 2, 5.0]), np.array([1, 4, 0.0])
    out = rc.axial_rope_2d(x, rows, cols, base=100.0)
    frequencies = rc.axial_inv_freq(dim, 100.0)
    first = rc.apply_rope(x[:, : dim // 2], cols, frequencies, convention="interleaved")
    second = rc.apply_rope(x[:, dim // 2 :], rows, frequencies, convention="interleaved")
    np.testing.assert_allclose(out, np.concatenate([first, second], axis=1), atol=1e-12)
    freqs_x, freqs_y = rc.mixed_inv_freq_directions(dim, np.zeros(dim // 4), base=100.0)
    np.testing.assert_allclose(rc.mixed_rope_2d(x, rows, cols, freqs_x, freqs_y), out, atol=1e-12)
