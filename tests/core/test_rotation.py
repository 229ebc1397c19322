"""rope_core.rotation: the rotation algebra RoPE relies on, and apply_rope against the textbook form and a slow loop."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rope_core as rc

angles = st.floats(-1e3, 1e3, allow_nan=False)
positions = st.floats(-5e3, 5e3, allow_nan=False)
half_dims = st.integers(1, 16)
seeds = st.integers(0, 2**31)
conventions = st.sampled_from(rc.CONVENTIONS)
FAST = settings(max_examples=60, deadline=None)


def random_vectors(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


@FAST
@given(angles)
def test_rotation_is_orthogonal_with_unit_determinant(alpha):
    rotation = rc.rotation_matrix_2d(alpha)
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(np.linalg.inv(rotation), rotation.T, atol=1e-12)
    np.testing.assert_allclose(rotation.T, rc.rotation_matrix_2d(-alpha), atol=1e-12)
    assert abs(np.linalg.det(rotation) - 1.0) < 1e-12


@FAST
@given(angles, angles)
def test_rotations_compose_by_adding_angles(a, b):
    np.testing.assert_allclose(
        rc.rotation_matrix_2d(a) @ rc.rotation_matrix_2d(b), rc.rotation_matrix_2d(a + b), atol=1e-9
    )
    np.testing.assert_allclose(
        rc.rotation_matrix_2d(a).T @ rc.rotation_matrix_2d(b), rc.rotation_matrix_2d(b - a), atol=1e-9
    )


@FAST
@given(half_dims, positions, positions, seeds, conventions)
def test_relative_property_and_norm_preservation(pairs, m, n, seed, convention):
    frequencies = rc.inv_freq(2 * pairs, 10000.0)
    q, k = random_vectors(seed, 2, 2 * pairs)
    r_m = rc.rotation_matrix(m, frequencies, convention)
    r_n = rc.rotation_matrix(n, frequencies, convention)
    r_diff = rc.rotation_matrix(n - m, frequencies, convention)
    np.testing.assert_allclose((r_m @ q) @ (r_n @ k), q @ (r_diff @ k), atol=1e-8)
    np.testing.assert_allclose(np.linalg.norm(r_m @ q), np.linalg.norm(q), rtol=1e-12)
    assert abs(np.linalg.det(r_m) - 1.0) < 1e-9


@FAST
@given(half_dims, conventions)
def test_position_zero_is_identity(pairs, convention):
    frequencies = rc.inv_freq(2 * pairs)
    np.testing.assert_array_equal(rc.rotation_matrix(0.0, frequencies, convention), np.eye(2 * pairs))


@FAST
@given(half_dims, st.integers(1, 6), seeds)
def test_layouts_agree_through_the_permutation(pairs, seq, seed):
    dim = 2 * pairs
    frequencies = rc.inv_freq(dim)
    perm = rc.interleaved_to_half_permutation(dim)
    x = random_vectors(seed, seq, dim)
    pos = np.arange(seq) * 7.0
    np.testing.assert_allclose(
        rc.apply_rope(x[..., perm], pos, frequencies, convention="half"),
        rc.apply_rope(x, pos, frequencies, convention="interleaved")[..., perm],
        atol=1e-12,
    )


def test_layouts_differ_without_conversion():
    x = random_vectors(0, 4, 8)
    frequencies = rc.inv_freq(8)
    half = rc.apply_rope(x, np.arange(4.0), frequencies, convention="half")
    interleaved = rc.apply_rope(x, np.arange(4.0), frequencies, convention="interleaved")
    assert np.abs(half - interleaved).max() > 0.1


@FAST
@given(st.integers(1, 5), st.integers(1, 6), seeds, conventions)
def test_partial_rotary_passes_the_tail_through(rot_pairs, extra_pairs, seed, convention):
    rotary_dim = 2 * rot_pairs
    dim = rotary_dim + 2 * extra_pairs
    x = random_vectors(seed, 2, 5, dim)
    pos = np.arange(5) * 3.0
    frequencies = rc.inv_freq(rotary_dim)
    out = rc.apply_rope(x, pos, frequencies, convention=convention, rotary_dim=rotary_dim)
    np.testing.assert_array_equal(out[..., rotary_dim:], x[..., rotary_dim:])
    np.testing.assert_allclose(
        out[..., :rotary_dim], rc.apply_rope(x[..., :rotary_dim], pos, frequencies, convention=convention)
    )


def test_attention_factor_scales_cos_and_sin():
    x = random_vectors(1, 3, 8)
    frequencies = rc.inv_freq(8)
    scaled = rc.apply_rope(x, np.arange(3.0), frequencies, attention_factor=1.5)
    np.testing.assert_allclose(scaled, 1.5 * rc.apply_rope(x, np.arange(3.0), frequencies), atol=1e-12)


def test_out_argument_is_filled_and_returned():
    x = random_vectors(2, 2, 6, 8).astype(np.float32)
    out = np.empty_like(x)
    result = rc.apply_rope(x, np.arange(6), rc.inv_freq(8), out=out)
    assert result is out
    np.testing.assert_allclose(out, rc.apply_rope(x, np.arange(6), rc.inv_freq(8)))


# ---------------------------------------------------------------------------------------------------------
# apply_rope computes exactly the textbook form, and what an independent slow loop computes
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 2), (5, 8), (3, 17, 64), (2, 3, 40, 128), (1, 700, 256)])
def test_apply_rope_equals_the_textbook_form(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    positions = rng.uniform(0, 5e4, shape[-2])
    frequencies = rc.inv_freq(shape[-1], float(rng.choice([100.0, 1e4, 5e5])))
    textbook = rc.apply_rope_textbook(x, positions, frequencies)
    np.testing.assert_allclose(rc.apply_rope(x, positions, frequencies), textbook, rtol=0, atol=1e-12)


def test_rotate_half_pairs_channel_i_with_channel_i_plus_half():
    x = np.arange(1.0, 7.0)
    np.testing.assert_array_equal(rc.rotate_half(x), [-4.0, -5.0, -6.0, 1.0, 2.0, 3.0])
    # Applied twice it is a half turn: every channel comes back negated.
    np.testing.assert_array_equal(rc.rotate_half(rc.rotate_half(x)), -x)


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
    frequencies = rc.inv_freq(96)
    half = rc.apply_rope(x, positions, frequencies, convention="half")
    np.testing.assert_allclose(half, rc.apply_rope_textbook(x, positions, frequencies), atol=2e-5)
    # The interleaved layout is the half-split one with the channels reordered by P.
    perm = rc.interleaved_to_half_permutation(96)
    interleaved = rc.apply_rope(x, positions, frequencies, convention="interleaved")
    np.testing.assert_allclose(
        interleaved[..., perm], rc.apply_rope_textbook(x[..., perm], positions, frequencies), atol=2e-5
    )
