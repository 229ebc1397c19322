"""Chapter 12 page: three weightings of the same seeded inputs, their row sums, and the live O(N) vs O(N²) timing."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c12_linear_attention import linear_attention_weights, seeded_qkv, softmax_rope_weights
from ropelab.ui import BASE_CHOICES
from tests.app.helpers import (
    assert_clean,
    decode_array,
    drive_sliders_to_both_ends,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/12_Linear_attention.py"
DEFAULTS = {"L": 64, "seed": 0, "d": 16, "base": 10_000.0, "causal": False, "N": 1024}


def _panels(at):
    figure = plotly_figure(at, "weights")
    return [np.array(decode_array(trace["z"]), dtype=float) for trace in figure["data"] if trace["type"] == "heatmap"]


def _expected(length, dim, seed, base, causal):
    q, k, _ = seeded_qkv(length, dim, seed)
    positions = np.arange(length)
    frequencies = rope_core.inv_freq(dim, base)
    return [
        softmax_rope_weights(q, k, positions, frequencies, causal),
        linear_attention_weights(q, k, causal),
        rope_core.linear_attention_rope_weights(q, k, positions, frequencies, causal),
    ]


def _metric(at, label):
    return next(metric.value for metric in at.metric if metric.label == label)


def test_defaults_show_the_three_weightings_of_the_core():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    expected = _expected(64, 16, 0, 10_000.0, False)
    for shown, reference in zip(_panels(at), expected, strict=True):
        np.testing.assert_allclose(shown, reference, rtol=1e-5, atol=1e-7)
    negatives = int((expected[2] < 0).sum())
    assert negatives > 0
    assert _metric(at, "Negative weights in Eq. 19") == f"{negatives} of {64 * 64}"
    sums = plotly_figure(at, "row_sums")["data"]
    np.testing.assert_allclose(decode_array(sums[2]["y"]), expected[2].sum(axis=1), rtol=1e-5)
    timing = plotly_figure(at, "timing")["data"]
    timed = decode_array(timing[0]["x"])
    assert timed[0] == 64 and set(timed) <= {64, 128, 256, 512, 1024}
    assert float(_metric(at, "Max difference")) < 1e-10


def test_a_link_sets_every_control_and_the_weights_follow():
    at = run_page(PAGE, {"L": "7", "seed": "5", "d": "8", "base": "100", "causal": "true", "N": "128"})
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"L": 7, "seed": 5, "d": 8, "base": 100.0, "causal": True, "N": 128}
    panels = _panels(at)
    assert all(panel.shape == (7, 7) for panel in panels)
    for shown, reference in zip(panels, _expected(7, 8, 5, 100.0, True), strict=True):
        np.testing.assert_allclose(shown, reference, rtol=1e-5, atol=1e-7)
    # Causal: nothing above the diagonal in any panel.
    assert all(np.allclose(np.triu(panel, 1), 0.0) for panel in panels)
    assert set(decode_array(plotly_figure(at, "timing")["data"][0]["x"])) <= {64, 128}


@pytest.mark.parametrize(
    "params",
    [
        {"L": "3", "seed": "100", "d": "12", "base": "7", "N": "4096"},
        {"L": "abc", "seed": "-1", "d": "", "base": "nan", "N": "1e99", "causal": "maybe"},
    ],
)
def test_out_of_range_or_garbage_links_fall_back_to_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS


def test_the_sequence_length_slider_resizes_every_panel():
    at = run_page(PAGE)
    at.slider(key="L").set_value(9).run()
    assert_clean(at)
    panels = _panels(at)
    assert [panel.shape for panel in panels] == [(9, 9)] * 3
    np.testing.assert_allclose(panels[2], _expected(9, 16, 0, 10_000.0, False)[2], rtol=1e-5, atol=1e-7)


def test_every_control_at_its_extremes_runs_clean():
    at = run_page(PAGE)
    drive_sliders_to_both_ends(at, ("L", "seed"))
    assert _panels(at)[0].shape == (96, 96)
    for key, ends in (("base", (BASE_CHOICES[0], BASE_CHOICES[-1])), ("N", (64, 2048))):
        for option in ends:
            at.select_slider(key=key).set_value(option).run()
            assert_clean(at)
            assert at.select_slider(key=key).value == option
    for dim in (8, 64):
        at.select_slider(key="d").set_value(dim).run()
        assert_clean(at)
    at.toggle(key="causal").set_value(True).run()
    assert_clean(at)


def test_timings_are_kept_when_the_heatmap_length_moves_until_measure_again():
    at = run_page(PAGE)
    first = decode_array(plotly_figure(at, "timing")["data"][0]["y"])
    at.slider(key="L").set_value(20).run()  # the heatmaps' length is not an input of the timing
    assert_clean(at)
    assert decode_array(plotly_figure(at, "timing")["data"][0]["y"]) == first
    at.button(key="retime").click().run()
    assert_clean(at)
    assert decode_array(plotly_figure(at, "timing")["data"][0]["y"]) != first


def test_the_timing_has_its_own_head_size_so_the_weights_section_never_re_times_it():
    at = run_page(PAGE, {"td": "8", "N": "128"})
    assert_clean(at)
    assert plotly_figure(at, "timing")["layout"]["title"]["text"] == "Measured cost, d = 8"
    assert plotly_figure(at, "weights")["layout"]["title"]["text"] == "Attention weights, N = 64, d = 16"
    first = decode_array(plotly_figure(at, "timing")["data"][0]["y"])
    at.select_slider(key="d").set_value(64).run()
    assert_clean(at)
    assert plotly_figure(at, "weights")["layout"]["title"]["text"] == "Attention weights, N = 64, d = 64"
    assert decode_array(plotly_figure(at, "timing")["data"][0]["y"]) == first


def test_the_main_path_states_eq_19_and_its_price():
    at = run_page(PAGE)
    latex = " ".join(element.value for element in at.latex)
    assert "R_m" in latex and "\\sum_n" in latex
    prose = " ".join(str(element.value) for element in at.markdown)
    assert "only the numerator" in prose and "can be negative and need not sum to 1" in prose
