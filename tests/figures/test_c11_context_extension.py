"""Chart builders of chapter 11: wavelengths, angles and scores of every context-extension method."""

import numpy as np
import pytest

from rope_core import (
    inv_freq,
    llama3_bands,
    out_of_distribution_pairs,
    scaled_all_ones_score,
    wavelengths,
    yarn_correction_range,
)
from ropelab.figures.c11_context_extension import (
    METHOD_LABELS,
    _angle,
    _score_curves,
    angle_chart,
    method_label,
    score_curves_chart,
    wavelength_chart,
)
from ropelab.lessons.c11_context_extension import extension_frequencies
from tests.figures.validate import validated

METHODS = extension_frequencies(128, 500000.0, 8192, 8.0, 131072)
WAVELENGTHS = {name: wavelengths(value[0]) for name, value in METHODS.items()}
FACTORS = {name: value[1] for name, value in METHODS.items()}
BANDS = llama3_bands(inv_freq(128, 500000.0), 1.0, 4.0, 8192)


def llama31_wavelengths():
    chart = wavelength_chart(
        WAVELENGTHS,
        FACTORS,
        yarn_correction_range(128, 500000.0, 8192),
        BANDS,
        train_length=8192,
        target_length=131072,
        base_label="500k",
        factor=8.0,
    )
    assert chart.alt.endswith("Llama 3.1 keeps 29, blends 6 and divides 29 pairs.")
    return validated(chart)


def test_wavelength_lines_carry_the_core_values_on_a_log_axis():
    fig = llama31_wavelengths()
    assert fig.layout.yaxis.type == "log"
    by_name = {trace.name: trace for trace in fig.data}
    np.testing.assert_allclose(by_name["Original"].y, WAVELENGTHS["original"], rtol=1e-6)
    np.testing.assert_allclose(by_name["Position interpolation"].y, 8 * WAVELENGTHS["original"], rtol=1e-6)
    assert by_name["Original"].y[0] == pytest.approx(2 * np.pi, rel=1e-6)
    assert f"YaRN (a = {FACTORS['yarn']:.3f})" in by_name


def test_llama3_markers_are_split_29_6_29_with_counts_in_the_legend():
    names = [trace.name for trace in llama31_wavelengths().data if trace.name.startswith("Llama 3.1")]
    assert names == [
        "Llama 3.1 scaling: kept (fast), 29 pairs",
        "Llama 3.1 scaling: blended, 6 pairs",
        "Llama 3.1 scaling: divided by s (slow), 29 pairs",
    ]
    kept = llama31_wavelengths().data[5]
    np.testing.assert_allclose(kept.x, np.arange(29))
    np.testing.assert_allclose(kept.y, WAVELENGTHS["original"][:29], rtol=1e-6)


def test_yarn_band_is_shaded_between_its_correction_range():
    fig = llama31_wavelengths()
    low, high = yarn_correction_range(128, 500000.0, 8192)
    rects = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert len(rects) == 1 and (rects[0].x0, rects[0].x1) == (low, high)


def test_length_labels_sit_at_log10_of_their_value():
    annotations = {a.text: a for a in llama31_wavelengths().layout.annotations}
    assert annotations["training length L = 8,192"].y == pytest.approx(np.log10(8192))
    assert annotations["target length T = 131,072"].y == pytest.approx(np.log10(131072))


def test_angle_figure_rings_exactly_the_flagged_pairs():
    original = METHODS["original"][0]
    seen, reached, flagged = out_of_distribution_pairs(original, METHODS["yarn"][0], 8192, 131072)
    chart = angle_chart(seen, reached, flagged, "yarn", train_length=8192, target_length=131072)
    fig = validated(chart)
    assert f"{int(flagged.sum())} of 64 pairs go beyond" in chart.alt
    bars, line, rings = fig.data
    np.testing.assert_allclose(bars.y, 8192 * original, rtol=1e-6)
    np.testing.assert_allclose(line.y, reached, rtol=1e-6)
    np.testing.assert_array_equal(rings.x, np.flatnonzero(flagged))
    assert rings.name == f"out of range: {int(flagged.sum())} pairs" and flagged.sum() == 29
    assert any(
        a.text == "one full turn (2π)" and a.y == pytest.approx(np.log10(2 * np.pi)) for a in fig.layout.annotations
    )


def test_score_curves_use_scaled_scores_and_mark_the_training_length():
    distances = np.array([1.0, 10.0, 100.0, 1000.0])
    scores = {name: scaled_all_ones_score(distances, *value) for name, value in METHODS.items()}
    chart = score_curves_chart(distances, scores, FACTORS, train_length=8192, target_length=131072)
    fig = validated(chart)
    assert fig.layout.title.text == "All-ones score against distance, up to T = 131,072"
    assert fig.layout.xaxis.type == "log"
    yarn = next(trace for trace in fig.data if trace.name.startswith("YaRN"))
    np.testing.assert_allclose(yarn.y, scores["yarn"], rtol=1e-6)
    assert yarn.y[0] > 1.4  # a² ≈ 1.459 lifts YaRN's curve above 1
    assert fig.data[0].name == METHOD_LABELS["original"]
    assert any(shape.x0 == 8192 for shape in fig.layout.shapes)


def test_method_label_shows_only_non_trivial_attention_factors():
    assert method_label("linear") == "Position interpolation"
    assert method_label("yarn", 1.2) == "YaRN (a = 1.200)"


def test_builders_reject_mismatched_lengths():
    with pytest.raises(ValueError):
        _score_curves(np.arange(3), {"original": np.zeros(4)}, train_length=10)
    with pytest.raises(ValueError):
        _angle(np.ones(4), np.ones(3), np.zeros(4, bool), method="ntk", train_length=1, target_length=2)
