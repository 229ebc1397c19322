"""Chapter 11's lesson: every context-extension method on one model, with Hugging Face's semantics."""

import math

import numpy as np
import pytest

from rope_core import inv_freq, llama3_bands
from ropelab.lessons.c11_context_extension import EXTENSION_METHODS, extension_frequencies


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
