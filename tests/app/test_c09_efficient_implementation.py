"""Chapter 9 page: live timing of three equal forms, layouts and checkpoint conversion, partial rotary, precision."""

import inspect

import numpy as np
import pytest

import rope_core
from ropelab import ui
from ropelab.lessons import c09_efficient_implementation as lesson_c09
from ropelab.lessons.c09_efficient_implementation import float32_angle_error, layout_conversion_scores
from tests.app.helpers import (
    assert_clean,
    decode_array,
    drive_sliders_to_both_ends,
    metric_values,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/09_Efficient_implementation.py"
DENSE_SOURCE = "apply_rope_dense — one d×d matrix per vector, O(d²)"
DEFAULTS = {"d": 64, "L": 128, "hd": 8, "seed": 0, "pos": 131_072}


def _dense_marker(at):
    return next(trace for trace in plotly_figure(at, "op_counts")["data"] if trace.get("mode") == "markers+text")


def _numbers(trace, field):
    return np.array(decode_array(trace[field]), dtype=float)


def test_defaults_agree_forms_and_show_positive_timings():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    metrics = metric_values(at)
    assert float(metrics["max |dense − element-wise|"]) < 1e-12
    assert float(metrics["max |complex − element-wise|"]) < 1e-12
    timing = plotly_figure(at, "timing")["data"][0]
    microseconds = _numbers(timing, "x")
    assert microseconds.shape == (3,) and np.all(microseconds > 0)  # values vary run to run; only presence counts
    assert float(metrics["max |converted − original| scores"]) < 1e-12
    assert float(metrics["max |not permuted − original| scores"]) > 0.1
    assert metrics["unrotated Δ"] == "0.0e+00"
    shown_source = at.code[0].value
    assert shown_source.strip() == inspect.getsource(rope_core.apply_rope_textbook).strip()


def test_every_control_at_both_ends():
    at = run_page(PAGE)
    drive_sliders_to_both_ends(at, ("L", "seed"))
    # Select sliders take real option values; their .options are the formatted labels.
    ends = {"d": (8, 512), "hd": (4, 32), "pos": (10, 10_000_000), "base": (ui.BASE_CHOICES[0], ui.BASE_CHOICES[-1])}
    for key, values in ends.items():
        for value in values:
            at.select_slider(key=key).set_value(value).run()
            assert_clean(at)
            assert at.select_slider(key=key).value == value


def test_a_link_sets_the_controls_and_the_charts_follow():
    at = run_page(
        PAGE,
        {"d": "128", "L": "16", "layout": "interleaved", "hd": "16", "seed": "5", "pos": "1,000,000",
         "rot": "Pythia 1.4B (GPT-NeoX)", "model": "Llama 2 7B", "src": DENSE_SOURCE},
    )  # fmt: skip
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"d": 128, "L": 16, "hd": 16, "seed": 5, "pos": 1_000_000}
    dense_marker = _dense_marker(at)
    assert _numbers(dense_marker, "x")[0] == 128
    assert _numbers(dense_marker, "y")[0] == 2 * 128**2 - 128
    assert "L = 16, interleaved" in plotly_figure(at, "timing")["layout"]["title"]["text"]
    boxes = [trace for trace in plotly_figure(at, "pairing")["data"] if trace.get("mode") == "markers+text"]
    assert [len(_numbers(trace, "x")) for trace in boxes] == [16, 16]
    expected = layout_conversion_scores(16, 8, seed=5)
    unconverted = np.array(decode_array(plotly_figure(at, "conversion")["data"][2]["z"]), dtype=float)
    np.testing.assert_allclose(unconverted, expected.unconverted, rtol=1e-5, atol=1e-5)
    partial = plotly_figure(at, "partial")
    assert len(_numbers(partial["data"][0], "x")) == 32  # Pythia: 32 of 128 channels rotate
    marker = plotly_figure(at, "precision")["data"][1]
    error = float32_angle_error([1e6], rope_core.inv_freq(128))[0]
    assert _numbers(marker, "y")[0] == pytest.approx(error, rel=1e-6)
    assert 4e-2 < error < 6e-2
    assert metric_values(at)["cos + sin, float32"] == "4.00 MiB"  # 2 × 4096 × 128 × 4 bytes
    assert at.code[0].value.strip() == inspect.getsource(lesson_c09.apply_rope_dense).strip()


@pytest.mark.parametrize(
    "params",
    [
        {"d": "1024", "L": "100000", "hd": "64", "seed": "-1", "pos": "5"},
        {"d": "13", "L": "abc", "hd": "5", "seed": "nan", "pos": "<b>", "layout": "diagonal", "model": "GPT-5"},
    ],
)
def test_bad_links_fall_back_to_the_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    assert at.selectbox(key="model").value == "Llama 3.1 8B"


def test_moving_head_size_moves_the_cost_marker_and_the_timing_title():
    at = run_page(PAGE)
    at.select_slider(key="d").set_value(512).run()
    assert_clean(at)
    assert _numbers(_dense_marker(at), "y")[0] == 2 * 512**2 - 512
    assert "d = 512" in plotly_figure(at, "timing")["layout"]["title"]["text"]
    assert np.all(_numbers(plotly_figure(at, "timing")["data"][0], "x") > 0)


def test_timings_are_kept_across_unrelated_moves_until_measure_again():
    at = run_page(PAGE)
    first = _numbers(plotly_figure(at, "timing")["data"][0], "x")
    at.slider(key="seed").set_value(5).run()  # a control of another section: the timing must not be redone
    assert_clean(at)
    np.testing.assert_array_equal(_numbers(plotly_figure(at, "timing")["data"][0], "x"), first)
    at.button(key="retime").click().run()
    assert_clean(at)
    again = _numbers(plotly_figure(at, "timing")["data"][0], "x")
    assert again.shape == (3,) and np.all(again > 0) and not np.array_equal(again, first)
