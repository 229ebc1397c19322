"""The cheat sheet's chart draws every rule's θ'/θ as computed, on a log axis from 1 down to 1/s."""

from __future__ import annotations

import numpy as np

from ropelab.figures.c17_cheat_sheet import scaling_rules_chart
from ropelab.lessons.c17_cheat_sheet import RULE_NAMES, RULES, compare_scaling_rules
from tests.figures.validate import validated


def test_one_line_per_rule_with_its_ratios_and_yarns_factor_in_the_legend():
    comparison = compare_scaling_rules(8.0)
    chart = scaling_rules_chart(comparison)
    fig = validated(chart)
    assert [trace.name.split(" (cos")[0] for trace in fig.data] == [RULE_NAMES[rule] for rule in RULES]
    for trace, rule in zip(fig.data, RULES, strict=True):
        np.testing.assert_allclose(trace.y, comparison.ratios[rule], rtol=1e-6)
        np.testing.assert_array_equal(trace.x, np.arange(64))
    assert fig.data[2].name == "YaRN (cos, sin × 1.208)"
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.range) == [np.log10(1 / 8) - 0.12, 0.12]
    assert fig.layout.yaxis.ticktext[0] == "1/s = 1/8"


def test_the_band_marks_the_pairs_that_never_turn_once_in_the_context_and_the_alt_counts_them():
    comparison = compare_scaling_rules(8.0)
    chart = scaling_rules_chart(comparison)
    fig = validated(chart)
    (band,) = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    first_slow = int(np.flatnonzero(comparison.wavelengths > 8192)[0])
    assert band.x0 == first_slow - 0.5 and band.x1 == 63.5
    assert "Llama 3.1 leaves 29 pairs untouched and slows 29 by the full s" in chart.alt
    assert "PI (linear) leaves 0 pairs untouched and slows 64 by the full s" in chart.alt
    assert chart.csv.splitlines()[0] == "pair,wavelength_tokens,ratio_linear,ratio_ntk,ratio_yarn,ratio_llama3"
