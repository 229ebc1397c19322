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
    angle_figure,
    method_label,
    score_curves_figure,
    wavelength_figure,
)
from ropelab.lessons.c11_context_extension import extension_frequencies
from tests.figures.validate import validated

METHODS = extension_frequencies(128, 500000.0, 8192, 8.0, 131072)
WAVELENGTHS = {name: wavelengths(value[0]) for name, value in METHODS.items()}
FACTORS = {name: value[1] for name, value in METHODS.items()}
BANDS = llama3_bands(inv_freq(128, 500000.0), 1.0, 4.0, 8192)


def wavelength_chart():
    return validated(
        wavelength_figure(
            WAVELENGTHS,
            train_length=8192,
            target_length=131072,
            attention_factors=FACTORS,
            yarn_range=yarn_correction_range(128, 500000.0, 8192),
            llama3_bands=BANDS,
        )
    )


def test_wavelength_lines_carry_the_core_values_on_a_log_axis():
    fig = wavelength_chart()
    assert fig.layout.yaxis.type == "log"
    by_name = {trace.name: trace for trace in fig.data}
    np.testing.assert_allclose(by_name["Original"].y, WAVELENGTHS["original"], rtol=1e-6)
    np.testing.assert_allclose(by_name["Position interpolation"].y, 8 * WAVELENGTHS["original"], rtol=1e-6)
    assert by_name["Original"].y[0] == pytest.approx(2 * np.pi, rel=1e-6)
    assert f"YaRN (a = {FACTORS['yarn']:.3f})" in by_name


def test_llama3_markers_are_split_29_6_29_with_counts_in_the_legend():
    names = [trace.name for trace in wavelength_chart().data if trace.name.startswith("Llama 3.1")]
    assert names == [
        "Llama 3.1 scaling: kept (fast), 29 pairs",
        "Llama 3.1 scaling: blended, 6 pairs",
        "Llama 3.1 scaling: divided by s (slow), 29 pairs",
    ]
    kept = wavelength_chart().data[5]
    np.testing.assert_allclose(kept.x, np.arange(29))
    np.testing.assert_allclose(kept.y, WAVELENGTHS["original"][:29], rtol=1e-6)


def test_yarn_band_is_shaded_between_its_correction_range():
    fig = wavelength_chart()
    low, high = yarn_correction_range(128, 500000.0, 8192)
    rects = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert len(rects) == 1 and (rects[0].x0, rects[0].x1) == (low, high)


def test_length_labels_sit_at_log10_of_their_value():
    annotations = {a.text: a for a in wavelength_chart().layout.annotations}
    assert annotations["training length L = 8,192"].y == pytest.approx(np.log10(8192))
    assert annotations["target length T = 131,072"].y == pytest.approx(np.log10(131072))


def test_angle_figure_rings_exactly_the_flagged_pairs():
    original = METHODS["original"][0]
    seen, reached, flagged = out_of_distribution_pairs(original, METHODS["yarn"][0], 8192, 131072)
    fig = validated(angle_figure(seen, reached, flagged, method="yarn", train_length=8192, target_length=131072))
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
    fig = validated(score_curves_figure(distances, scores, train_length=8192, attention_factors=FACTORS))
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
        score_curves_figure(np.arange(3), {"original": np.zeros(4)}, train_length=10)
    with pytest.raises(ValueError):
        angle_figure(np.ones(4), np.ones(3), np.zeros(4, bool), method="ntk", train_length=1, target_length=2)
