"""Chart builders of chapter 11: wavelengths, angles and scores of every context-extension method."""

import copy

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
from ropelab.figures import spec
from ropelab.figures.c11_context_extension import (
    METHOD_LABELS,
    _angle,
    _score_curves,
    angle_chart,
    interpolation_chart,
    method_label,
    score_curves_chart,
    target_caveat,
    wavelength_chart,
)
from ropelab.lessons.c11_context_extension import extension_frequencies, interpolated_positions, sweep_target_length
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


def llama31_angles(index=2, method="yarn"):
    lengths = [1024, 8192, 131072, 262144]
    sweep = sweep_target_length(method, 128, 500000.0, 8192, lengths, 8.0)
    chart = angle_chart(
        sweep, index, method, train_length=8192, stop_values=[1, 8, 128, 256], scaled_context=65536, unit=1024
    )
    return sweep, chart


def frame_figure(chart, stop):
    """The figure the browser shows at scrubber stop `stop`: the frame's patches over the base traces and layout."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[stop]
    for trace, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace] = {**figure["data"][trace], **patch}
    spec.merge(figure["layout"], frame.get("layout", {}))
    return figure


def test_angle_figure_rings_exactly_the_flagged_pairs():
    _, chart = llama31_angles()
    original = METHODS["original"][0]
    _, reached, flagged = out_of_distribution_pairs(original, METHODS["yarn"][0], 8192, 131072)
    fig = validated(chart)
    assert f"{int(flagged.sum())} of 64 pairs go beyond" in chart.alt
    bars, line, rings, note = fig.data
    np.testing.assert_allclose(bars.y, 8192 * original, rtol=1e-6)
    np.testing.assert_allclose(line.y, reached, rtol=1e-6)
    # Every pair has a place in the rings trace; only the flagged ones have a value (the rest are gaps).
    np.testing.assert_array_equal(
        np.flatnonzero(np.isfinite(np.asarray(rings.y, dtype=float))), np.flatnonzero(flagged)
    )
    assert rings.name == f"out of range: {int(flagged.sum())} pairs" and flagged.sum() == 29
    assert any(
        a.text == "one full turn (2π)" and a.y == pytest.approx(np.log10(2 * np.pi)) for a in fig.layout.annotations
    )
    assert note.mode == "text" and note.text[0].startswith("Beyond s·L = 65,536")


def test_the_scrubber_holds_every_stop_and_its_current_frame_is_the_figure_sent():
    sweep, chart = llama31_angles(index=2)
    scrub = chart.scrub
    assert (scrub.key, scrub.index, list(scrub.values), list(scrub.traces)) == ("T", 2, [1, 8, 128, 256], [1, 2, 3])
    assert len(scrub.frames) == len(scrub.labels) == 4 and scrub.labels[2] == "T = 131,072"
    # Compared as the browser receives them (arrays as typed-array bytes).
    assert spec.encode_arrays(frame_figure(chart, 2)) == spec.encode_arrays(chart.figure)
    for stop, length in enumerate(sweep.target_lengths):
        fig = validated(frame_figure(chart, stop))
        np.testing.assert_allclose(fig.data[1].y, sweep.reached[stop], rtol=1e-6)
        assert fig.data[2].name == f"out of range: {int(sweep.flagged[stop].sum())} pairs"
        assert f"T = {int(length):,}" in fig.layout.title.text
    # The note follows the target: inside training, nothing; beyond s·L, the warning.
    notes = [frame["data"][2]["text"][0] for frame in scrub.frames]
    assert notes[0].startswith("T ≤ L") and notes[1].startswith("T ≤ L") and notes[3].startswith("Beyond s·L")
    # The axis is fixed across stops, so the picture does not jump while the reader drags.
    assert all("range" not in frame["layout"] for frame in scrub.frames) and chart.figure["layout"]["yaxis"]["range"]


def test_the_caveat_marks_the_scaled_context_only_for_models_with_a_factor():
    assert target_caveat(65536, 8192, 65536) == ""
    assert target_caveat(65537, 8192, 65536).startswith("Beyond s·L = 65,536")
    assert target_caveat(131072, 8192, None) == ""
    assert target_caveat(4096, 8192, None).startswith("T ≤ L = 8,192")


def test_angle_chart_rejects_stops_that_do_not_match_the_sweep():
    sweep, _ = llama31_angles()
    with pytest.raises(ValueError, match="one value per stop"):
        angle_chart(sweep, 0, "yarn", train_length=8192, stop_values=[1, 2])


def test_the_number_line_maps_tokens_to_fractional_positions():
    tokens, positions = interpolated_positions(8.0)
    chart = interpolation_chart(tokens, positions, 8.0)
    fig = validated(chart)
    assert chart.alt.endswith("14 of them land between the whole positions 0 to 2 that training used.")
    by_name = {trace.name: trace for trace in fig.data}
    np.testing.assert_allclose(by_name["token m, as the model runs"].x, np.arange(17))
    squeezed = [trace for trace in fig.data if trace.name == "position m/s the rotation gets"]
    assert len(squeezed) == 2 and all(np.allclose(trace.x, np.arange(17) / 8) for trace in squeezed)
    whole = [trace for trace in fig.data if trace.name == "whole positions, the only ones training used"]
    assert all(list(trace.x) == [0, 1, 2] for trace in whole)
    fan = by_name["m → m/s"]
    assert (fan.x[0], fan.x[1], fan.x[3], fan.x[4]) == (0, 0, 1, 0.125)  # token 1 joins position 1/8
    texts = [a.text for a in fig.layout.annotations]
    assert "token 1 → 0.125" in texts and "token 4 → 0.5" in texts
    with pytest.raises(ValueError, match="equal length"):
        interpolation_chart(np.arange(3), np.arange(4), 2.0)


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
