"""Chapter 11's lesson: every context-extension method on one model, with Hugging Face's semantics."""

import math

import numpy as np
import pytest

from rope_core import inv_freq, llama3_bands, out_of_distribution_pairs
from ropelab.lessons.c11_context_extension import (
    EXTENSION_METHODS,
    HF_ROPE_TYPES,
    extension_frequencies,
    interpolated_positions,
    log_spaced_stops,
    method_frequencies,
    scale_factor,
    sweep_target_length,
)


def llama31(seq_len=131072):
    return extension_frequencies(128, 500000.0, 8192, 8.0, seq_len)


def test_every_method_is_returned_in_order():
    assert tuple(llama31()) == EXTENSION_METHODS


def test_reference_numbers_from_the_facts_sheet():
    methods = extension_frequencies(128, 10000.0, 4096, 4.0, 4096)
    theta = inv_freq(128, 10000.0)
    np.testing.assert_allclose(methods["original"][0], theta)
    np.testing.assert_allclose(methods["linear"][0], theta / 4)
    # NTK-aware base b * s^(d/(d-2)) ≈ 40,890 for d=128, s=4: the slowest pair is b'^(-126/128).
    assert methods["ntk"][0][-1] == pytest.approx(40889.94 ** (-126 / 128), rel=1e-6)
    # Dynamic NTK leaves the frequencies alone while the sequence fits the training length.
    np.testing.assert_allclose(methods["dynamic"][0], theta)
    assert methods["yarn"][1] == pytest.approx(0.1 * math.log(4) + 1)
    assert all(methods[name][1] == 1.0 for name in ("original", "linear", "ntk", "dynamic", "llama3"))


def test_yarn_keeps_fast_pairs_and_divides_slow_ones():
    frequencies, _ = extension_frequencies(128, 10000.0, 4096, 4.0, 4096)["yarn"]
    theta = inv_freq(128, 10000.0)
    # (low, high) = (20, 46) for d=128, b=1e4, L=4096.
    np.testing.assert_allclose(frequencies[:21], theta[:21])
    np.testing.assert_allclose(frequencies[46:], theta[46:] / 4)


def test_llama31_bands_are_29_6_29_and_slow_pairs_divided_by_8():
    theta = inv_freq(128, 500000.0)
    labels = llama3_bands(theta, 1.0, 4.0, 8192)
    assert [(labels == band).sum() for band in ("high", "mid", "low")] == [29, 6, 29]
    scaled = llama31()["llama3"][0]
    np.testing.assert_allclose(scaled[labels == "high"], theta[labels == "high"])
    np.testing.assert_allclose(scaled[labels == "low"], theta[labels == "low"] / 8)


def test_dynamic_ntk_grows_the_base_beyond_the_training_length():
    short = llama31(8192)["dynamic"][0]
    long = llama31(65536)["dynamic"][0]
    np.testing.assert_allclose(short, inv_freq(128, 500000.0))
    expected_base = 500000.0 * (8 * 65536 / 8192 - 7) ** (128 / 126)
    assert long[-1] == pytest.approx(expected_base ** (-126 / 128), rel=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: extension_frequencies(127, 1e4, 4096, 2.0, 4096),
        lambda: extension_frequencies(128, 1e4, 4096, 0.5, 4096),
        lambda: extension_frequencies(128, 1e4, 0, 2.0, 4096),
        lambda: extension_frequencies(128, 1e4, 4096, 2.0, 10**9),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_one_method_is_the_same_as_its_entry_in_the_full_table():
    table = extension_frequencies(64, 10000.0, 2048, 3.0, 9000)
    for method in EXTENSION_METHODS:
        frequencies, factor = method_frequencies(method, 64, 10000.0, 2048, 3.0, 9000)
        np.testing.assert_array_equal(frequencies, table[method][0])
        assert factor == table[method][1]
    with pytest.raises(ValueError, match="method"):
        method_frequencies("rope", 64, 10000.0, 2048, 3.0, 9000)


def test_ntk_is_not_a_hugging_face_rope_type():
    assert "ntk" not in HF_ROPE_TYPES
    assert set(HF_ROPE_TYPES) == {"default", "linear", "dynamic", "yarn", "longrope", "llama3"}


def test_the_factor_comes_from_the_config_or_follows_the_target_length():
    assert scale_factor(8192, 131072, 8.0) == 8.0
    assert scale_factor(4096, 65536) == 16.0
    assert scale_factor(4096, 1024) == 1.0  # nothing to extend
    with pytest.raises(ValueError, match="config_factor"):
        scale_factor(4096, 65536, 0.5)


def test_log_spaced_stops_are_whole_sorted_unique_and_keep_the_landmarks():
    stops = log_spaced_stops(1, 1024, 81, include=[64, 77, 2000])
    assert stops[0] == 1 and stops[-1] == 1024 and 64 in stops and 77 in stops and 2000 not in stops
    assert np.all(np.diff(stops) > 0) and stops.dtype.kind == "i"
    # Spread on a log scale: the middle stop sits near the geometric middle (32), far below the arithmetic one (512).
    assert stops[len(stops) // 2] < 128
    with pytest.raises(ValueError, match="count"):
        log_spaced_stops(1, 1024, 1)


@pytest.mark.parametrize(("method", "config_factor"), [("llama3", 8.0), ("dynamic", 8.0), ("yarn", None)])
def test_a_sweep_is_out_of_distribution_pairs_at_every_stop(method, config_factor):
    lengths = [1024, 8192, 65536, 131072]
    sweep = sweep_target_length(method, 128, 500000.0, 8192, lengths, config_factor)
    original = inv_freq(128, 500000.0)
    for stop, length in enumerate(lengths):
        factor = config_factor if config_factor is not None else max(length / 8192, 1.0)
        assert sweep.factors[stop] == factor
        scaled = extension_frequencies(128, 500000.0, 8192, factor, length)[method][0]
        seen, reached, flagged = out_of_distribution_pairs(original, scaled, 8192, length)
        np.testing.assert_allclose(sweep.seen, seen)
        np.testing.assert_allclose(sweep.reached[stop], reached)
        np.testing.assert_array_equal(sweep.flagged[stop], flagged)


def test_llama31_flags_nothing_at_its_scaled_context_and_29_pairs_at_twice_it():
    sweep = sweep_target_length("llama3", 128, 500000.0, 8192, [65536, 131072], 8.0)
    assert sweep.flagged.sum(axis=1).tolist() == [0, 29]


def test_position_interpolation_gives_token_m_the_position_m_over_s():
    tokens, positions = interpolated_positions(8.0)
    assert tokens.tolist() == list(range(17))  # two whole training positions: 2·s tokens
    np.testing.assert_allclose(positions, tokens / 8)
    assert interpolated_positions(1.0)[0].size == 9  # at least 8 steps
    assert interpolated_positions(300.0)[0].size == 49  # at most 48
    with pytest.raises(ValueError, match="factor"):
        interpolated_positions(0.5)
