"""Bad inputs raise ValueError naming the parameter, so no URL value can crash a page or stall the server."""

import math

import numpy as np
import pytest

import rope_core as rc

F8 = rc.inv_freq(8)
X = np.ones((3, 8))
LLAMA3 = dict(factor=8, low_freq_factor=1, high_freq_factor=4, original_max_position_embeddings=8192)

CASES = [
    ("dim", lambda: rc.inv_freq(7)),
    ("dim", lambda: rc.inv_freq(0)),
    ("dim", lambda: rc.inv_freq(2000)),
    ("dim", lambda: rc.inv_freq(True)),
    ("dim", lambda: rc.inv_freq(8.0)),
    ("base", lambda: rc.inv_freq(8, 1.0)),
    ("base", lambda: rc.inv_freq(8, math.nan)),
    ("base", lambda: rc.inv_freq(8, math.inf)),
    ("base", lambda: rc.inv_freq(8, 1e12)),
    ("base", lambda: rc.inv_freq(8, True)),
    ("positions", lambda: rc.apply_rope(X, [0, 1, math.inf], F8)),
    ("positions", lambda: rc.apply_rope(X, [0, 1, 2e7], F8)),
    ("positions", lambda: rc.apply_rope(X, [0, 1], F8)),
    ("positions", lambda: rc.rotation_angles([math.nan], F8)),
    ("x", lambda: rc.apply_rope(np.array([[math.nan] * 8]), [0], F8)),
    ("x", lambda: rc.apply_rope(np.ones(8), [0], F8)),
    ("x", lambda: rc.apply_rope(np.broadcast_to(np.ones(1), (2**24 + 8, 2)), np.zeros(1), rc.inv_freq(2))),
    ("inv_freq", lambda: rc.apply_rope(X, [0, 1, 2], rc.inv_freq(4))),
    ("inv_freq", lambda: rc.apply_rope(X, [0, 1, 2], [1.0, math.nan, 1, 1])),
    ("rotary_dim", lambda: rc.apply_rope(X, [0, 1, 2], F8, rotary_dim=5)),
    ("rotary_dim", lambda: rc.apply_rope(X, [0, 1, 2], F8, rotary_dim=16)),
    ("convention", lambda: rc.apply_rope(X, [0, 1, 2], F8, convention="neox")),
    ("attention_factor", lambda: rc.apply_rope(X, [0, 1, 2], F8, attention_factor=0.0)),
    ("position", lambda: rc.rotation_matrix(math.inf, F8)),
    ("dtype", lambda: rc.rotation_angles([1], F8, dtype=np.int32)),
    ("alpha", lambda: rc.rotation_matrix_2d(math.nan)),
    ("factor", lambda: rc.scaled_inv_freq(8, 1e4, "linear", factor=0.5)),
    ("factor", lambda: rc.scaled_inv_freq(8, 1e4, "ntk", factor=math.nan)),
    ("factor", lambda: rc.scaled_inv_freq(8, 1e4, "linear", factor=2000)),
    ("factor", lambda: rc.scaled_inv_freq(8, 1e4, "llama3", **{**LLAMA3, "factor": True})),
    ("rope_type", lambda: rc.scaled_inv_freq(8, 1e4, "yarn2")),
    ("bogus", lambda: rc.scaled_inv_freq(8, 1e4, "linear", factor=2, bogus=1)),
    ("original_max_position_embeddings", lambda: rc.scaled_inv_freq(8, 1e4, "yarn", factor=2)),
    (
        "short_factor",
        lambda: rc.scaled_inv_freq(
            8,
            1e4,
            "longrope",
            short_factor=[1, 1, 1],
            long_factor=[1] * 4,
            original_max_position_embeddings=64,
            max_position_embeddings=128,
        ),
    ),
    (
        "long_factor",
        lambda: rc.scaled_inv_freq(
            8,
            1e4,
            "longrope",
            short_factor=[1] * 4,
            long_factor=[1, 1, math.inf, 1],
            original_max_position_embeddings=64,
            max_position_embeddings=128,
        ),
    ),
    ("high_freq_factor", lambda: rc.scaled_inv_freq(8, 5e5, "llama3", **{**LLAMA3, "high_freq_factor": 0.5})),
    ("truncate", lambda: rc.yarn_correction_range(128, 1e4, 4096, truncate="yes")),
    ("distances", lambda: rc.decay_bound(np.arange(5000), 128)),
    ("distances", lambda: rc.decay_bound([math.nan], 128)),
    ("n_positions", lambda: rc.sinusoidal_encoding(10**6, 8)),
    ("d_model", lambda: rc.sinusoidal_encoding(4, 7)),
    ("max_len", lambda: rc.learned_position_table(0, 8)),
    ("positions", lambda: rc.learned_encoding([-1], np.ones((4, 2)))),
    ("relative_position", lambda: rc.t5_relative_bucket([0.5])),
    ("num_buckets", lambda: rc.t5_relative_bucket([1], num_buckets=True)),
    ("n_heads", lambda: rc.alibi_slopes(0)),
    ("n_heads", lambda: rc.alibi_slopes(129)),
    ("slope", lambda: rc.alibi_bias(4, -1.0)),
    ("seq_len", lambda: rc.alibi_bias(5000, 0.5)),
    ("method", lambda: rc.attention_maps(4, 8, "relative")),
    ("tokens", lambda: rc.attention_maps(5000, 8)),
    ("tokens", lambda: rc.attention_maps([1, -2], 8)),
    ("shift", lambda: rc.attention_maps(4, 8, shift=-1)),
    ("d", lambda: rc.attention_maps(4, 9)),
    ("feature_map", lambda: rc.linear_attention(X, X, X, feature_map="softmax")),
    ("dim", lambda: rc.axial_inv_freq(6)),
    ("directions", lambda: rc.mixed_inv_freq_directions(16, [0.0, 1.0])),
    ("sections", lambda: rc.apply_mrope(np.ones((2, 8)), [0, 1], [0, 1], [0, 1], sections=(1, 1, 1))),
    ("h_pos", lambda: rc.apply_mrope(np.ones((2, 6)), [0, 1], [0, math.inf], [0, 1], sections=(1, 1, 1))),
    ("grid_t", lambda: rc.mrope_positions(0, 0, 2, 2)),
    ("preset", lambda: rc.preset_inv_freq("Llama 2 7B")),
    ("context_length", lambda: rc.full_turns(-1, F8)),
    ("n", lambda: rc.causal_mask(10**5)),
]


@pytest.mark.parametrize("parameter,call", CASES, ids=[f"{i}-{name}" for i, (name, _) in enumerate(CASES)])
def test_bad_input_raises_value_error_naming_the_parameter(parameter, call):
    with pytest.raises(ValueError) as info:
        call()
    assert parameter in str(info.value)


def test_message_states_value_and_allowed_range():
    with pytest.raises(ValueError, match=r"dim must be an even integer in \[2, 1024\], got 7"):
        rc.inv_freq(7)
    with pytest.raises(ValueError, match=r"base must be a finite number in \(1, 1e\+09\], got nan"):
        rc.inv_freq(8, math.nan)


def test_numpy_scalars_are_accepted():
    np.testing.assert_array_equal(rc.inv_freq(np.int64(8), np.float32(10000.0)), rc.inv_freq(8, 10000.0))
    assert rc.alibi_slopes(np.int32(4)).shape == (4,)


def test_limits_are_exported():
    assert (rc.MAX_DIM, rc.MAX_SEQ, rc.MAX_POSITION, rc.MAX_ELEMENTS) == (1024, 4096, 10_000_000, 2**25)
    assert (rc.MAX_BASE, rc.MAX_HEADS, rc.MAX_GRID) == (1e9, 128, 64)
