"""The cheat sheet's comparison of context-extension rules agrees with the rules' published numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rope_core import ntk_scaled_base
from ropelab.lessons.c17_cheat_sheet import RULES, compare_scaling_rules


def test_pi_slows_every_pair_by_s_and_ntk_keeps_pair_0_and_slows_the_last_by_s():
    comparison = compare_scaling_rules(4.0, dim=128, base=10_000.0, context=4096)
    np.testing.assert_allclose(comparison.ratios["linear"], 0.25)
    ntk = comparison.ratios["ntk"]
    assert ntk[0] == 1.0 and ntk[-1] == pytest.approx(0.25)
    assert np.all(np.diff(ntk) < 0), "NTK slows every later pair a little more"
    new_base = ntk_scaled_base(128, 10_000.0, 4.0)
    assert new_base == pytest.approx(40_890, rel=1e-4)
    np.testing.assert_allclose(ntk, (new_base / 10_000.0) ** (-2 * np.arange(64) / 128))


def test_yarn_keeps_the_fast_pairs_slows_the_slow_ones_and_scales_cos_and_sin():
    comparison = compare_scaling_rules(4.0, dim=128, base=10_000.0, context=4096)
    yarn = comparison.ratios["yarn"]
    # The facts sheet: d = 128, b = 1e4, L = 4096 ramps between pairs 20 and 46.
    np.testing.assert_allclose(yarn[:21], 1.0)
    np.testing.assert_allclose(yarn[46:], 0.25)
    assert np.all((yarn[21:46] < 1.0) & (yarn[21:46] > 0.25))
    assert comparison.attention_factors["yarn"] == pytest.approx(0.1 * math.log(4.0) + 1)
    assert {rule: comparison.attention_factors[rule] for rule in ("linear", "ntk", "llama3")} == dict.fromkeys(
        ("linear", "ntk", "llama3"), 1.0
    )


def test_llama_3_1_on_its_own_settings_keeps_29_blends_6_and_divides_29():
    comparison = compare_scaling_rules(8.0)  # d = 128, b = 500,000, L = 8192: Llama 3.1 8B
    llama = comparison.ratios["llama3"]
    assert int(np.isclose(llama, 1.0).sum()) == 29
    assert int(np.isclose(llama, 1 / 8).sum()) == 29
    assert comparison.wavelengths[0] == pytest.approx(2 * math.pi)
    assert int((comparison.wavelengths > comparison.context).sum()) >= 29


def test_only_pi_changes_pair_0():
    for factor in (2.0, 8.0, 32.0):
        comparison = compare_scaling_rules(factor)
        assert comparison.ratios["linear"][0] == pytest.approx(1 / factor)
        for rule in set(RULES) - {"linear"}:
            assert comparison.ratios[rule][0] == pytest.approx(1.0), rule


@pytest.mark.parametrize("factor", [0.5, float("nan"), 1e9])
def test_bad_factors_raise_value_errors_that_name_the_factor(factor):
    with pytest.raises(ValueError, match="factor"):
        compare_scaling_rules(factor)
