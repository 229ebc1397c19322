"""Reference numbers from the facts sheet and HF transformers semantics."""

import math
from collections import Counter

import numpy as np
import pytest

import rope_core as rc


def test_frequencies_and_wavelengths():
    frequencies = rc.inv_freq(128, 10000.0)
    assert frequencies.shape == (64,) and frequencies.dtype == np.float64
    assert frequencies[0] == 1.0
    wavelength = rc.wavelengths(frequencies)
    assert wavelength[0] == pytest.approx(2 * math.pi)
    assert wavelength[-1] == pytest.approx(54410, rel=1e-4)
    assert rc.wavelengths(rc.inv_freq(128, 5e5))[-1] == pytest.approx(2.56e6, rel=0.01)
    assert rc.full_turns(100, frequencies)[0] == 15
    np.testing.assert_allclose(rc.rotation_angles([0, 2], [1.0, 0.5]), [[0, 0], [2, 1]])


@pytest.mark.parametrize(
    "distance,expected", [(0, 32.50), (1, 31.54), (10, 17.95), (50, 12.63), (100, 10.23), (256, 6.54)]
)
def test_decay_bound_matches_roformer_curve(distance, expected):
    assert rc.decay_bound([distance], 128, 10000.0)[0] == pytest.approx(expected, abs=0.005)


def test_decay_is_not_monotone_and_aligned_vectors_start_at_one():
    curve = rc.decay_bound(np.arange(257), 128)
    assert (np.diff(curve) > 0).any()
    assert rc.all_ones_score([0], 64)[0] == pytest.approx(1.0)


def test_decay_accepts_scaled_inv_freq():
    scaled, _ = rc.scaled_inv_freq(128, 10000.0, "linear", factor=4)
    np.testing.assert_allclose(rc.decay_bound([40], 128, inv_freq=scaled), rc.decay_bound([10], 128))


def test_ntk_base():
    assert rc.ntk_scaled_base(128, 10000.0, 4) == pytest.approx(40890, abs=1)
    scaled, factor = rc.scaled_inv_freq(128, 10000.0, "ntk", factor=4)
    np.testing.assert_allclose(scaled, rc.inv_freq(128, 40889.94), rtol=1e-6)
    assert factor == 1.0


def test_linear_scaling_divides_frequencies():
    scaled, factor = rc.scaled_inv_freq(64, 10000.0, "linear", factor=8)
    np.testing.assert_allclose(scaled, rc.inv_freq(64) / 8)
    assert factor == 1.0


def test_dynamic_ntk_is_unscaled_until_max_position():
    base = rc.inv_freq(128)
    for seq_len in (None, 100, 4096):
        scaled, _ = rc.scaled_inv_freq(128, 1e4, "dynamic", factor=2, max_position_embeddings=4096, seq_len=seq_len)
        np.testing.assert_allclose(scaled, base)
    scaled, _ = rc.scaled_inv_freq(128, 1e4, "dynamic", factor=2, max_position_embeddings=4096, seq_len=8192)
    expected_base = 1e4 * (2 * 8192 / 4096 - 1) ** (128 / 126)
    np.testing.assert_allclose(scaled, rc.inv_freq(128, expected_base))


def test_yarn_correction_range_and_frequencies():
    assert rc.yarn_correction_range(128, 1e4, 4096) == (20, 46)
    low, high = rc.yarn_correction_range(128, 1e4, 4096, truncate=False)
    assert 20 < low < 21 and 45 < high < 46
    scaled, factor = rc.scaled_inv_freq(8, 1e4, "yarn", factor=4, original_max_position_embeddings=64)
    np.testing.assert_allclose(scaled, [1, 0.0625, 0.0025, 0.00025], rtol=1e-12)
    assert factor == pytest.approx(1.13863, abs=1e-5)
    assert factor == pytest.approx(0.1 * math.log(4) + 1)


def test_yarn_mscale_ratio_and_explicit_attention_factor():
    _, factor = rc.scaled_inv_freq(
        8, 1e4, "yarn", factor=40, original_max_position_embeddings=4096, mscale=1.0, mscale_all_dim=0.5
    )
    assert factor == pytest.approx((0.1 * math.log(40) + 1) / (0.05 * math.log(40) + 1))
    _, same = rc.scaled_inv_freq(
        8, 1e4, "yarn", factor=40, original_max_position_embeddings=4096, mscale=0.7, mscale_all_dim=0.7
    )
    assert same == pytest.approx(1.0)
    _, explicit = rc.scaled_inv_freq(
        8, 1e4, "yarn", factor=4, original_max_position_embeddings=64, attention_factor=1.25
    )
    assert explicit == 1.25


def test_llama3_band_counts_and_values():
    frequencies = rc.inv_freq(128, 5e5)
    labels = rc.llama3_bands(frequencies, 1, 4, 8192)
    assert Counter(labels.tolist()) == {"high": 29, "mid": 6, "low": 29}
    scaled, factor = rc.scaled_inv_freq(
        128,
        5e5,
        "llama3",
        factor=8,
        low_freq_factor=1,
        high_freq_factor=4,
        original_max_position_embeddings=8192,
    )
    assert factor == 1.0
    np.testing.assert_array_equal(scaled[labels == "high"], frequencies[labels == "high"])
    np.testing.assert_allclose(scaled[labels == "low"], frequencies[labels == "low"] / 8)
    mid = labels == "mid"
    assert np.all(scaled[mid] < frequencies[mid]) and np.all(scaled[mid] > frequencies[mid] / 8)


def test_longrope_switches_lists_and_sets_attention_factor():
    short, long = [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]
    params = dict(
        short_factor=short,
        long_factor=long,
        original_max_position_embeddings=4096,
        max_position_embeddings=131072,
    )
    base = rc.inv_freq(8)
    scaled, factor = rc.scaled_inv_freq(8, 1e4, "longrope", **params)
    np.testing.assert_allclose(scaled, base / short)
    assert factor == pytest.approx(math.sqrt(1 + math.log(32) / math.log(4096)))
    scaled, _ = rc.scaled_inv_freq(8, 1e4, "longrope", seq_len=4097, **params)
    np.testing.assert_allclose(scaled, base / long)
    scaled, _ = rc.scaled_inv_freq(8, 1e4, "longrope", seq_len=4096, **params)
    np.testing.assert_allclose(scaled, base / short)
    # An explicit factor takes precedence over the context ratio, as in HF.
    _, factor = rc.scaled_inv_freq(8, 1e4, "longrope", factor=4, **params)
    assert factor == pytest.approx(math.sqrt(1 + math.log(4) / math.log(4096)))


def test_float32_angles_lose_precision_at_large_positions():
    frequencies = rc.inv_freq(128, 1e4)

    def max_error(position):
        exact = rc.rotation_angles([position], frequencies)
        rounded = rc.rotation_angles([position], frequencies, dtype=np.float32).astype(np.float64)
        return max(np.abs(np.cos(rounded) - np.cos(exact)).max(), np.abs(np.sin(rounded) - np.sin(exact)).max())

    assert 1e-4 < max_error(8191) < 2e-3
    assert 1e-2 < max_error(1_000_000) < 0.25
    assert max_error(10) < 1e-6


def test_float32_apply_rope_stays_accurate_at_large_positions():
    x = np.random.default_rng(0).standard_normal((1, 64)).astype(np.float32)
    exact = rc.apply_rope(x.astype(np.float64), [1_000_000], rc.inv_freq(64))
    np.testing.assert_allclose(rc.apply_rope(x, [1_000_000], rc.inv_freq(64)), exact, atol=2e-6)


@pytest.mark.parametrize(
    "relative,expected",
    [(0, 0), (-1, 1), (1, 17), (-7, 7), (-8, 8), (8, 24), (-10_000, 15), (10_000, 31), (-127, 15), (127, 31)],
)
def test_t5_buckets_bidirectional(relative, expected):
    assert rc.t5_relative_bucket(np.array([relative]))[0] == expected


def test_t5_buckets_are_monotone_and_unidirectional_ignores_future():
    negative = rc.t5_relative_bucket(-np.arange(200), bidirectional=False)
    assert np.all(np.diff(negative) >= 0) and negative[0] == 0 and negative[-1] == 31
    assert np.all(rc.t5_relative_bucket(np.arange(50), bidirectional=False) == 0)
    bias, table = rc.t5_bias(10)
    assert bias.shape == (10, 10) and table.shape == (32,)
    assert bias[3, 5] == bias[0, 2] and bias[0, 0] == table[0]


def test_alibi_slopes():
    np.testing.assert_allclose(rc.alibi_slopes(8), [2.0 ** -(i + 1) for i in range(8)])
    np.testing.assert_allclose(rc.alibi_slopes(4), [0.25, 0.0625, 0.015625, 0.00390625])
    twelve = rc.alibi_slopes(12)
    np.testing.assert_allclose(twelve[:8], rc.alibi_slopes(8))
    np.testing.assert_allclose(twelve[8:], rc.alibi_slopes(16)[0::2][:4])
    bias = rc.alibi_bias(4, 0.5)
    assert bias[0, 3] == -1.5 and bias[3, 0] == -1.5 and bias[2, 2] == 0


def test_sinusoidal_and_learned_encodings():
    table = rc.sinusoidal_encoding(5, 8)
    assert table[0, 0] == 0 and table[0, 1] == 1
    assert table[3, 2] == pytest.approx(math.sin(3 / 10000 ** (2 / 8)))
    assert table[3, 3] == pytest.approx(math.cos(3 / 10000 ** (2 / 8)))
    learned = rc.learned_position_table(32, 8, seed=1)
    np.testing.assert_array_equal(rc.learned_encoding([0, 31], learned), learned[[0, 31]])
    with pytest.raises(ValueError, match="position 37 is beyond the learned table's max_len 32"):
        rc.learned_encoding([3, 37], learned)


def test_presets():
    llama31 = rc.MODEL_PRESETS["Llama 3.1 8B"]
    assert llama31.rope_type == "llama3" and llama31.rope_scaling["factor"] == 8.0
    for preset in rc.MODEL_PRESETS.values():
        frequencies, factor = rc.preset_inv_freq(preset)
        assert frequencies.shape == (preset.rotary_dim // 2,) and factor == 1.0
        assert preset.convention in rc.CONVENTIONS and preset.rotary_dim <= preset.head_dim
    assert rc.MODEL_PRESETS["GPT-J 6B"].rotary_dim == 64
    assert rc.MODEL_PRESETS["Pythia 1.4B (GPT-NeoX)"].rotary_dim == 32
