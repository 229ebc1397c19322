"""Attention-map builders: six panels carry the core's numbers at every scrubber stop, masks blank cells, the
diagonals are marked, bars show the measurements."""

import copy
import json

import numpy as np
import pytest

import rope_core
from ropelab import chart as chart_element
from ropelab.figures import spec
from ropelab.figures.c08_attention_maps import (
    LOG_FLOOR,
    METHOD_LABELS,
    _method_maps,
    _pipeline_stage,
    _position_dependence,
    diagonal_offsets,
    diagonal_trace_indices,
    method_maps_chart,
    pipeline_stage_chart,
    position_dependence_chart,
    shown_words,
    token_labels,
)
from ropelab.lessons.c08_attention_maps import compare_methods, maps_over_shifts, rope_attention_pipeline, split_tokens
from ropelab.style import DARK_BACKGROUND_SWAPS
from tests.figures.validate import validated

SHIFTS = np.arange(0, 1001, 10)


@pytest.fixture(scope="module")
def sentence():
    words, ids = split_tokens("the cat sat on the mat")
    return words, ids, compare_methods(ids, 16, seed=4, causal=True, shift=30)


@pytest.fixture(scope="module")
def stack():
    words, ids = split_tokens("the cat sat on the mat")
    return words, maps_over_shifts(ids, 16, SHIFTS, seed=4)


def _frame_figure(chart, stop):
    """The figure the browser shows at scrubber stop `stop`: the base traces with that frame's patches merged in."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[stop]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace_index] = {**figure["data"][trace_index], **patch}
    spec.merge(figure["layout"], frame.get("layout", {}))
    return figure


def _heatmaps(fig):
    return [trace for trace in fig.data if trace.type == "heatmap"]


def test_six_panels_hold_each_methods_probabilities(stack):
    words, maps = stack
    labels = token_labels(words, 30, False)
    assert labels[:2] == ["the (30)", "cat (31)"]
    chart = method_maps_chart(maps, 30, words, "probabilities", dim=16, causal=False)
    fig = validated(chart)
    assert fig.layout.title.text == "Probabilities at positions 30 … 35"
    assert chart.filename == "ropelab_attention_maps_rope" and chart.csv.startswith("RoPE query \\ key,the (30),")
    heatmaps = _heatmaps(fig)
    assert [trace.name for trace in heatmaps] == [METHOD_LABELS[m] for m in rope_core.METHODS]
    _, ids = split_tokens("the cat sat on the mat")
    expected = compare_methods(ids, 16, seed=4, shift=30)
    for trace, method in zip(heatmaps, rope_core.METHODS, strict=True):
        np.testing.assert_allclose(trace.z, expected[method].maps.probabilities, atol=1e-6)
    assert sum(bool(trace.showscale) for trace in heatmaps) == 1
    assert heatmaps[0].zmin == 0.0
    assert list(fig.layout.yaxis.ticktext) == list(words)


def test_masked_cells_are_blank_and_scores_use_a_centred_scale(sentence):
    words, ids, results = sentence
    masked = np.isinf(rope_core.causal_mask(len(words)))
    causal = maps_over_shifts(ids, 16, SHIFTS, seed=4, causal=True)
    fig = validated(method_maps_chart(causal, 30, words, "scores", dim=16, causal=True))
    rope = np.asarray(_heatmaps(fig)[-1].z, dtype=float)
    assert np.isnan(rope[masked]).all()
    np.testing.assert_allclose(rope[~masked], results["rope"].maps.scores[~masked], atol=1e-5)
    fig = validated(_method_maps({"rope": results["rope"].maps.scores}, words, kind="scores", masked=masked))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[masked]).all() and np.isfinite(z[~masked]).all()
    assert fig.data[0].zmin == pytest.approx(-fig.data[0].zmax)


def test_a_missing_method_becomes_an_empty_panel_with_a_note():
    results = compare_methods(4, 8, shift=600)
    matrices = {m: None if r.maps is None else r.maps.probabilities for m, r in results.items()}
    fig = validated(_method_maps(matrices, ["a", "b", "c", "d"], notes={"learned": "no rows here"}))
    heatmaps = _heatmaps(fig)
    assert [bool(trace.visible) for trace in heatmaps] == [method != "learned" for method in rope_core.METHODS]
    blank = heatmaps[rope_core.METHODS.index("learned")]
    assert np.isnan(np.asarray(blank.z, dtype=float)).all()
    note = next(trace for trace in fig.data if trace.name == "learned note")
    assert list(note.text) == ["no rows here"] and note.xaxis == "x3" and note.yaxis == "y3"
    # The note sits in the middle of the learned panel (row 1, column 3), whose axes keep their fixed range.
    assert note.x[0] == note.y[0] == pytest.approx(1.5)
    assert tuple(fig.layout.xaxis3.range) == (-0.5, 3.5) and tuple(fig.layout.yaxis3.range) == (3.5, -0.5)
    learned_lines = [fig.data[i] for i in diagonal_trace_indices(rope_core.METHODS.index("learned"), 6)]
    assert [trace.visible for trace in learned_lines] == [False, False]
    stack = maps_over_shifts(np.arange(4), 8, [600], seed=0)
    chart = method_maps_chart(stack, 600, ["a", "b", "c", "d"], "probabilities", dim=8, causal=False)
    assert "No learned row<br>for positions ≥ 512<br>(this sentence: 600 … 603)" in [
        text for trace in chart.figure["data"] if trace.get("mode") == "text" for text in trace["text"]
    ]


def test_the_diagonals_are_marked_through_cells_of_equal_distance():
    assert diagonal_offsets(11) == [-4, 0, 4] and diagonal_offsets(1) == [0] and diagonal_offsets(3) == [-1, 0, 1]
    fig = validated(_method_maps({"rope": np.zeros((11, 11))}, list("abcdefghijk")))
    under, dashed = (fig.data[i] for i in diagonal_trace_indices(0, 1))
    assert dashed.line.dash == "dash" and dashed.xaxis == "x" and under.line.width > dashed.line.width
    x, y = np.asarray(dashed.x, dtype=float), np.asarray(dashed.y, dtype=float)
    segments = [(x[i : i + 2], y[i : i + 2]) for i in range(0, x.size, 3)]
    # Each segment runs corner to corner through the cells (row i, column i + offset): x − y is the offset.
    assert [round(float(xs[0] - ys[0])) for xs, ys in segments] == [-4, 0, 4]
    assert all(xs[1] - xs[0] == ys[1] - ys[0] for xs, ys in segments)
    assert np.isnan(x[2::3]).all()


def test_the_scrubber_moves_the_shift_through_every_stop(stack):
    words, maps = stack
    chart = method_maps_chart(maps, 100, words, "scores", dim=16, causal=False)
    scrub = chart.scrub
    assert scrub.key == "shift" and list(scrub.values) == SHIFTS.tolist() and scrub.values[scrub.index] == 100
    assert len(scrub.frames) == len(scrub.labels) == SHIFTS.size
    assert scrub.labels[scrub.index] == "s = 100: positions 100 … 105"
    # Only what changes is sent per stop: the absolute panels, and the learned panel's diagonals and note.
    methods = list(rope_core.METHODS)
    learned = methods.index("learned")
    assert scrub.traces == [
        methods.index("sinusoidal"), learned, *diagonal_trace_indices(learned, 6), 3 * len(methods)
    ]  # fmt: skip
    assert json.dumps(spec.encode_arrays(_frame_figure(chart, scrub.index))) == json.dumps(
        spec.encode_arrays(chart.figure)
    )
    size = len(
        chart_element.payload(chart.figure, alt=chart.alt, config={}, dark_swaps=DARK_BACKGROUND_SWAPS, scrub=scrub)
    )
    assert size < 300_000


@pytest.mark.parametrize("stop", [0, 37, 50, 51, 100])
def test_every_stop_shows_the_maps_at_its_shift(stack, stop):
    words, maps = stack
    chart = method_maps_chart(maps, 100, words, "scores", dim=16, causal=False)
    shift = int(SHIFTS[stop])
    fig = validated(spec.Chart(_frame_figure(chart, stop), alt=chart.alt))
    assert fig.layout.title.text == f"Scores at positions {shift} … {shift + 5}"
    _, ids = split_tokens("the cat sat on the mat")
    expected = compare_methods(ids, 16, seed=4, shift=shift)
    for trace, method in zip(_heatmaps(fig), rope_core.METHODS, strict=True):
        if expected[method].maps is None:
            assert method == "learned" and shift + 5 >= 512 and trace.visible is False
            continue
        assert trace.visible is not False
        np.testing.assert_allclose(trace.z, expected[method].maps.scores, atol=1e-5)
    note = next(trace for trace in fig.data if trace.name == "learned note")
    assert bool(note.text[0]) == (shift + 5 >= 512)
    # One colour range for every stop, so equal colours mean equal scores wherever the scrubber is.
    assert {trace.zmax for trace in _heatmaps(fig)} == {chart.figure["data"][0]["zmax"]}


def test_the_alt_text_names_the_schemes_whose_scores_are_constant_on_every_diagonal():
    words, ids = split_tokens("the cat sat on the mat")
    maps = maps_over_shifts(ids, 16, SHIFTS, seed=4, same_token=True)
    chart = method_maps_chart(maps, 0, shown_words(words, True), "scores", dim=16, causal=False)
    assert "Scores constant along every diagonal: NoPE (no positions), T5 bias (relative), ALiBi (relative), " \
        "RoPE (rotary)." in chart.alt  # fmt: skip
    assert shown_words(words, True) == ["the"] * 6
    with pytest.raises(ValueError, match="not one of the scrubber's stops"):
        method_maps_chart(maps, 15, words, "scores", dim=16, causal=False)
    with pytest.raises(ValueError, match="view"):
        method_maps_chart(maps, 0, words, "logits", dim=16, causal=False)


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
