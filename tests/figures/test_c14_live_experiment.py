"""Figure builders of chapter 14 return the traces and numbers the training run produced."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest

from ropelab import chart as ropelab_chart
from ropelab.figures import spec
from ropelab.figures.c14_live_experiment import (
    LOSS_FLOOR,
    _accuracy_by_length,
    _attention_maps,
    _loss_curves,
    accuracy_chart,
    attention_chart,
    live_loss_chart,
    loss_chart,
    pair_usage_chart,
    switch_off_chart,
    task_chart,
)
from ropelab.lessons import c14_live_experiment as training
from tests.figures.validate import validated

SMALL = training.ExperimentSettings(offset=2, train_length=8, steps=20, seed=1, dim=8, vocab=6, batch=4)


@pytest.fixture(scope="module")
def small_run():
    return training.run_experiment(SMALL)


def test_task_figure_shows_inputs_targets_and_one_arrow_per_target():
    tokens, targets = training.copy_task_example(10, 16, 3, seed=4)
    chart = task_chart(tokens, targets, 3)
    fig = validated(chart)
    assert "the first 3 positions have no target" in chart.alt
    inputs, shown_targets, empty = fig.data
    assert list(inputs.text) == [str(t) for t in tokens]
    assert list(shown_targets.text) == [str(t) for t in tokens[:7]]
    np.testing.assert_array_equal(shown_targets.x, np.arange(3, 10))
    np.testing.assert_array_equal(empty.x, [0, 1, 2])
    arrows = fig.layout.annotations
    assert len(arrows) == 7
    assert all(arrow.x - arrow.ax == 3 for arrow in arrows)


def test_loss_curves_have_one_trace_per_scheme_with_the_losses(small_run):
    chart = loss_chart(small_run, math.log(SMALL.vocab))
    fig = validated(chart)
    assert chart.alt.endswith(f". A uniform guess has loss {math.log(SMALL.vocab):.2f}.")
    assert chart.csv.splitlines()[0] == "step,nope,sinusoidal,learned,rope"
    live = live_loss_chart(small_run, math.log(SMALL.vocab))
    assert live.alt == "Training loss of the four models after 20 of 20 steps." and live.csv is None
    assert [trace.name for trace in fig.data] == ["NoPE", "Sinusoidal", "Learned absolute", "RoPE"]
    for trace, scheme in zip(fig.data, training.SCHEMES, strict=True):
        np.testing.assert_allclose(trace.y, np.maximum(small_run.losses[scheme], LOSS_FLOOR), rtol=1e-6)
        np.testing.assert_array_equal(trace.x, np.arange(1, SMALL.steps + 1))
        assert trace.y.dtype == np.float32
    assert fig.layout.yaxis.type == "log"
    (chance_label,) = [note for note in fig.layout.annotations if "ln V" in (note.text or "")]
    assert chance_label.y == pytest.approx(np.log10(math.log(SMALL.vocab)))  # log axis: annotations take log10


def test_long_loss_curves_are_downsampled_but_keep_the_last_step():
    curve = {"rope": np.linspace(3.0, 0.01, 5000)}
    trace = validated(_loss_curves(curve, 5000, 2.0, max_points=100)).data[0]
    assert len(trace.x) <= 101 and trace.x[-1] == 5000 and trace.x[0] == 1


def test_accuracy_figure_plots_rope_core_scores_and_leaves_learned_empty_beyond_l(small_run):
    lengths = np.array([4, 8, 12, 16])
    scores = training.accuracy_by_length(small_run, lengths)
    chart = accuracy_chart(lengths, scores, SMALL.train_length, 1 / SMALL.vocab)
    fig = validated(chart)
    assert "Learned absolute" in chart.alt and "n/a, n/a" in chart.alt
    rope, learned_trace = fig.data[3], fig.data[2]
    assert rope.name == "RoPE"
    np.testing.assert_allclose(rope.y, scores["rope"], rtol=1e-6)
    learned = np.asarray(learned_trace.y, dtype=float)
    assert np.isnan(learned[2:]).all() and not np.isnan(learned[:2]).any()
    assert learned_trace.name == "Learned absolute (n/a beyond L = 8)"
    within = validated(_accuracy_by_length(lengths[:2], {"learned": scores["learned"][:2]}, 8, 0.1))
    assert within.data[0].name == "Learned absolute"


def test_attention_maps_figure_shows_the_models_weights_and_an_na_panel(small_run):
    tokens, maps = training.attention_maps(small_run, 12)
    chart = attention_chart(tokens, maps, SMALL.offset, SMALL.train_length)
    fig = validated(chart)
    assert "Learned absolute: not available" in chart.alt and chart.filename == "ropelab_rope_attention"
    heatmaps = [trace for trace in fig.data if isinstance(trace, go.Heatmap)]
    assert [trace.name for trace in heatmaps] == ["NoPE", "Sinusoidal", "RoPE"]
    np.testing.assert_allclose(heatmaps[2].z, maps["rope"], rtol=1e-6)
    assert any("n/a: no embedding" in (note.text or "") for note in fig.layout.annotations)
    with pytest.raises(ValueError):
        _attention_maps(np.arange(65), {"rope": np.zeros((65, 65))}, 1, 8)


@pytest.fixture(scope="module")
def bridge(small_run):
    return training.pair_usage(small_run), training.pair_ablation(small_run)


def _frame_figure(chart, stop):
    """What the browser shows at scrubber stop `stop`: the base traces with that frame's patches merged in."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[stop]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace_index] = {**figure["data"][trace_index], **patch}
    spec.merge(figure["layout"], frame["layout"])
    return figure


def test_pair_usage_chart_plots_the_norms_and_the_single_pair_ablation(bridge):
    usage, ablation = bridge
    chart = pair_usage_chart(usage, ablation)
    fig = validated(chart)
    queries, keys, single = fig.data
    np.testing.assert_allclose(queries.y, usage.query, rtol=1e-6)
    np.testing.assert_allclose(keys.y, usage.key, rtol=1e-6)
    np.testing.assert_allclose(single.y, ablation.single_accuracy, rtol=1e-6)
    np.testing.assert_array_equal(queries.x, np.arange(SMALL.dim // 2))
    assert single.xaxis == "x2" and queries.xaxis == "x"
    titles = [note.text for note in fig.layout.annotations]
    assert "Size of pair i in queries and keys (0 = fastest)" in titles
    assert fig.layout.xaxis.title.text is None, "no axis title for the legend below to cover"
    assert f"intact {ablation.accuracy:.0%}" in chart.alt
    header = chart.csv.splitlines()[0].split(",")
    assert header[:2] == ["pair", "wavelength_tokens"] and "accuracy_with_this_pair_off" in header
    with pytest.raises(ValueError, match="pairs"):
        pair_usage_chart(training.PairUsage(*(np.ones(3) for _ in range(5))), ablation)


@pytest.mark.parametrize("order", training.ABLATION_ORDERS)
def test_switch_off_chart_base_is_its_own_stop_and_every_stop_shows_its_map(bridge, order):
    _, ablation = bridge
    pairs = SMALL.dim // 2
    chart = switch_off_chart(ablation, order, 2, SMALL.offset)
    assert chart.scrub.key == "off" and list(chart.scrub.values) == list(range(pairs + 1))
    assert json.dumps(spec.encode_arrays(_frame_figure(chart, 2))) == json.dumps(spec.encode_arrays(chart.figure))
    accuracy, mass, maps = ablation.cumulative[order]
    for stop in range(pairs + 1):
        fig = validated(spec.Chart(_frame_figure(chart, stop), alt=chart.alt))
        np.testing.assert_allclose(fig.data[0].z, maps[stop], atol=1e-6)
        assert list(fig.data[4].x) == [stop, stop]
        assert list(fig.data[4].y) == pytest.approx([accuracy[stop], mass[stop]], abs=1e-6)
        assert f"accuracy {accuracy[stop]:.0%}" in fig.layout.title.text
    assert "none of" in chart.scrub.frames[0]["layout"]["title"]["text"]
    assert f"all of {pairs}" in chart.scrub.frames[pairs]["layout"]["title"]["text"]
    np.testing.assert_allclose(validated(chart).data[2].y, accuracy, rtol=1e-6)
    payload = ropelab_chart.payload(chart.figure, alt=chart.alt, config={}, dark_swaps={}, scrub=chart.scrub)
    assert len(payload) < 300_000
    with pytest.raises(ValueError, match="count"):
        switch_off_chart(ablation, order, pairs + 1, SMALL.offset)
