"""Attention-map builders: six panels carry the core's numbers, masks blank cells, bars show the measurements."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c08_attention_maps import (
    LOG_FLOOR,
    METHOD_LABELS,
    _method_maps,
    _pipeline_stage,
    _position_dependence,
    method_maps_chart,
    pipeline_stage_chart,
    position_dependence_chart,
    token_labels,
)
from ropelab.lessons.c08_attention_maps import compare_methods, rope_attention_pipeline, split_tokens
from tests.figures.validate import validated


@pytest.fixture(scope="module")
def sentence():
    words, ids = split_tokens("the cat sat on the mat")
    return words, ids, compare_methods(ids, 16, seed=4, causal=True, shift=30)


def test_six_panels_hold_each_methods_probabilities(sentence):
    words, _, results = sentence
    labels = token_labels(words, 30, False)
    assert labels[:2] == ["the (30)", "cat (31)"]
    chart = method_maps_chart(results, labels, "probabilities", dim=16, shift=30, causal=False)
    fig = validated(chart)
    assert fig.layout.title.text == "Attention probabilities: 6 tokens, d = 16, positions 30 … 35"
    assert chart.filename == "ropelab_attention_maps_rope" and chart.csv.startswith("RoPE query \\ key,the (30),")
    heatmaps = [trace for trace in fig.data if trace.type == "heatmap"]
    assert [trace.name for trace in heatmaps] == [METHOD_LABELS[m] for m in rope_core.METHODS]
    for trace, method in zip(heatmaps, rope_core.METHODS, strict=True):
        np.testing.assert_allclose(trace.z, results[method].maps.probabilities, atol=1e-6)
    assert sum(bool(trace.showscale) for trace in heatmaps) == 1
    assert heatmaps[0].zmin == 0.0


def test_masked_cells_are_blank_and_scores_use_a_centred_scale(sentence):
    words, _, results = sentence
    masked = np.isinf(rope_core.causal_mask(len(words)))
    fig = validated(method_maps_chart(results, words, "scores", dim=16, shift=30, causal=True))
    assert np.array_equal(masked, np.triu(np.ones_like(masked), 1))  # the chart's mask is the causal one
    fig = validated(_method_maps({"rope": results["rope"].maps.scores}, words, kind="scores", masked=masked))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[masked]).all() and np.isfinite(z[~masked]).all()
    assert fig.data[0].zmin == pytest.approx(-fig.data[0].zmax)


def test_a_missing_method_becomes_an_annotated_empty_panel():
    results = compare_methods(4, 8, shift=600)
    matrices = {m: None if r.maps is None else r.maps.probabilities for m, r in results.items()}
    fig = validated(_method_maps(matrices, ["a", "b", "c", "d"], notes={"learned": "no rows here"}))
    chart = method_maps_chart(results, ["a", "b", "c", "d"], "probabilities", dim=8, shift=600, causal=False)
    assert "No learned row<br>for positions ≥ 512<br>(this sentence: 600 … 603)" in [
        annotation.text for annotation in validated(chart).layout.annotations
    ]
    filled = [trace for trace in fig.data if trace.type == "heatmap" and not trace.name.endswith("(no data)")]
    assert len(filled) == 5
    blank = next(trace for trace in fig.data if trace.name == "learned (no data)")
    assert np.isnan(np.asarray(blank.z, dtype=float)).all()
    note = next(annotation for annotation in fig.layout.annotations if annotation.text == "no rows here")
    # The note sits in the middle of the learned panel (row 1, column 3).
    assert fig.layout.xaxis3.domain[0] < note.x < fig.layout.xaxis3.domain[1]
    assert fig.layout.yaxis3.domain[0] < note.y < fig.layout.yaxis3.domain[1]


def test_maps_reject_bad_kind():
    with pytest.raises(ValueError, match="kind"):
        _method_maps({"rope": np.eye(2)}, ["a", "b"], kind="logits")


def test_position_dependence_bars_floor_zero_and_skip_nan():
    fig = validated(_position_dependence(["nope", "learned", "rope"], [0.0, np.nan, 3e-16], [0.0, np.nan, 2.0]))
    toeplitz, shift = fig.data
    assert toeplitz.y[0] == pytest.approx(LOG_FLOOR) and toeplitz.text[0] == "0"
    assert np.isnan(toeplitz.y[1]) and toeplitz.text[1] == "n/a"
    assert toeplitz.y[2] == pytest.approx(3e-16, rel=1e-6)
    assert shift.y[2] == pytest.approx(2.0)
    assert fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError):
        _position_dependence(["rope"], [1.0, 2.0], [1.0])


def test_position_dependence_chart_reads_both_measures_of_every_method(sentence):
    _, _, results = sentence
    chart = position_dependence_chart(results, shift=30, same_token=True)
    fig = validated(chart)
    assert fig.layout.title.text == "Position dependence of the scores (shift s = 30, same token repeated)"
    assert f"RoPE's change under the shift is {results['rope'].shift_change:.1e}." in chart.alt
    assert len(chart.csv.strip().splitlines()) == 1 + len(rope_core.METHODS)


def test_pipeline_stage_panels_show_shapes_and_values(sentence):
    words, ids, _ = sentence
    stages = rope_attention_pipeline(ids, 16, seed=4)
    project = stages[1]
    chart = pipeline_stage_chart(stages, 1, words)
    fig = validated(chart)
    assert fig.layout.title.text == "Step 2 of 6: project" and chart.filename == "ropelab_pipeline_project"
    assert [annotation.text for annotation in fig.layout.annotations] == [
        f"{label}  (6 × 16)" for label in ("Q", "K", "V")
    ]
    np.testing.assert_allclose(fig.data[0].z, project.arrays[0][1], atol=1e-6)
    weights = validated(pipeline_stage_chart(stages, 4, words))
    assert weights.data[0].zmin == 0.0
    with pytest.raises(ValueError):
        _pipeline_stage([], words)
