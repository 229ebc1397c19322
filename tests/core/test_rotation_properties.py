"""Property tests of the rotation algebra RoPE relies on, and agreement of its three implementations."""

import numpy as np
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
@given(st.floats(-50, 50, allow_nan=False), seeds)
def test_matrix_exponential_of_generator_is_rotation(alpha, seed):
    np.testing.assert_allclose(
        rc.matrix_exponential(alpha * rc.skew_generator()), rc.rotation_matrix_2d(alpha), atol=1e-9
    )
    vec = random_vectors(seed, 2)
    np.testing.assert_allclose(rc.rotate_complex(vec, alpha), rc.rotation_matrix_2d(alpha) @ vec, atol=1e-9)


def test_matrix_exponential_matches_known_scalar_cases():
    np.testing.assert_allclose(rc.matrix_exponential(np.array([[1.0]])), [[np.e]], rtol=1e-13)
    np.testing.assert_allclose(rc.matrix_exponential(np.diag([0.0, -2.0])), np.diag([1.0, np.exp(-2.0)]))
    modulus, argument = rc.polar_form(0.0, 2.0)
    assert modulus == 2.0 and abs(argument - np.pi / 2) < 1e-15
    assert rc.euler_point(np.pi) == (np.cos(np.pi), np.sin(np.pi))


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
    assert abs(rc.relative_score(q, k, m, n, frequencies, convention) - (r_m @ q) @ (r_n @ k)) < 1e-8
    assert abs(np.linalg.det(r_m) - 1.0) < 1e-9


@FAST
@given(half_dims, conventions)
def test_position_zero_is_identity(pairs, convention):
    frequencies = rc.inv_freq(2 * pairs)
    np.testing.assert_array_equal(rc.rotation_matrix(0.0, frequencies, convention), np.eye(2 * pairs))


@FAST
@given(half_dims, st.integers(1, 9), seeds, conventions, st.sampled_from([np.float64, np.float32]))
def test_dense_elementwise_and_complex_forms_agree(pairs, seq, seed, convention, dtype):
    frequencies = rc.inv_freq(2 * pairs, 500.0)
    x = random_vectors(seed, 3, seq, 2 * pairs).astype(dtype)
    pos = np.random.default_rng(seed).uniform(-1e3, 1e3, seq)
    fast = rc.apply_rope(x, pos, frequencies, convention=convention)
    dense = rc.apply_rope_dense(x, pos, frequencies, convention=convention)
    complex_form = rc.apply_rope_complex(x, pos, frequencies, convention=convention)
    assert fast.dtype == dense.dtype == complex_form.dtype == dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(fast, dense, atol=tolerance)
    np.testing.assert_allclose(fast, complex_form, atol=tolerance)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=-1), np.linalg.norm(x, axis=-1), rtol=tolerance)


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
@given(st.integers(1, 8), st.integers(1, 4), st.integers(2, 7), seeds)
def test_permuted_weight_rows_give_identical_scores(pairs, n_heads, seq, seed):
    head_dim = 2 * pairs
    rng = np.random.default_rng(seed)
    w_q, w_k = rng.standard_normal((2, n_heads * head_dim, 12))
    tokens = rng.standard_normal((seq, 12))
    frequencies = rc.inv_freq(head_dim)
    pos = np.arange(seq, dtype=float)
    w_q_half = rc.permute_qk_weight_rows(w_q, head_dim, n_heads)
    w_k_half = rc.permute_qk_weight_rows(w_k, head_dim, n_heads)
    for head in range(n_heads):
        rows = slice(head * head_dim, (head + 1) * head_dim)
        reference = rc.rope_scores(tokens @ w_q[rows].T, tokens @ w_k[rows].T, pos, pos, frequencies, "interleaved")
        converted = rc.rope_scores(tokens @ w_q_half[rows].T, tokens @ w_k_half[rows].T, pos, pos, frequencies, "half")
        np.testing.assert_allclose(converted, reference, atol=1e-9)


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


@FAST
@given(half_dims, seeds, conventions)
def test_elementwise_formula_with_cos_sin_tables(pairs, seed, convention):
    frequencies = rc.inv_freq(2 * pairs)
    x = random_vectors(seed, 4, 2 * pairs)
    pos = np.arange(4) * 11.0
    cos, sin = rc.rope_cos_sin(pos, frequencies, convention)
    partner = rc.rotate_half(x) if convention == "half" else rc.rotate_interleaved(x)
    np.testing.assert_allclose(
        x * cos + partner * sin, rc.apply_rope(x, pos, frequencies, convention=convention), atol=1e-12
    )


def test_out_argument_is_filled_and_returned():
    x = random_vectors(2, 2, 6, 8).astype(np.float32)
    out = np.empty_like(x)
    result = rc.apply_rope(x, np.arange(6), rc.inv_freq(8), out=out)
    assert result is out
    np.testing.assert_allclose(out, rc.apply_rope(x, np.arange(6), rc.inv_freq(8)))
