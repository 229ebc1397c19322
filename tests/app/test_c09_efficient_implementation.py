"""Chapter 9 page: the textbook code and the live timing of three equal forms, layouts and checkpoint conversion;
partial rotary, the cos/sin tables and precision in Go deeper."""

import inspect

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c09_efficient_implementation as lesson_c09
from ropelab.lessons.c09_efficient_implementation import float32_angle_error, layout_conversion_scores
from tests.app.helpers import (
    assert_clean,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/09_Efficient_implementation.py"
COMPLEX_SOURCE = "apply_rope_complex — multiply by e^{imθ}"
DEFAULTS = {"d": 64, "L": 128, "hd": 8, "seed": 0, "pos": 131_072}


def _dense_marker(at):
    return next(trace for trace in plotly_figure(at, "op_counts")["data"] if trace.get("mode") == "markers+text")


def _numbers(trace, field):
    return np.array(decode_array(trace[field]), dtype=float)


def _caption(at, start):
    return next(str(caption.value) for caption in at.caption if str(caption.value).startswith(start))


def test_defaults_show_the_textbook_code_agree_forms_and_show_positive_timings():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    # The main path shows the short textbook code, exactly as it runs (decorator and docstring left out).
    assert (
        at.code[0].value.strip()
        == lesson_c09.code_listing(rope_core.rotate_half, rope_core.apply_rope_textbook).strip()
    )
    assert "rotate_half(x) * np.sin(angles)" in at.code[0].value and "_kernel" not in at.code[0].value
    # The live check: the dense and complex forms give the textbook code's vectors to float rounding.
    note = _caption(at, "All three give the same vectors")
    dense, complex_form = (float(part.split(")")[0].split(",")[0]) for part in note.split(" by ")[1:3])
    assert dense < 1e-12 and complex_form < 1e-12
    timing = plotly_figure(at, "timing")["data"][0]
    microseconds = _numbers(timing, "x")
    assert microseconds.shape == (3,) and np.all(microseconds > 0)  # values vary run to run; only presence counts
    metrics = metric_values(at)
    assert float(metrics["max |converted − original| scores"]) < 1e-12
    assert float(metrics["max |not permuted − original| scores"]) > 0.1
    assert metrics["unrotated Δ"] == "0.0e+00"
    # Go deeper's source viewer opens on the dense form; the conversion shows its weight permutation.
    codes = [block.value.strip() for block in at.code]
    assert inspect.getsource(lesson_c09.apply_rope_dense).strip() in codes
    assert inspect.getsource(lesson_c09.permute_qk_weight_rows).strip() in codes


def test_the_precision_text_names_the_pair_that_float32_gets_wrong():
    at = run_page(PAGE, {"pos": "8,191"})
    assert_clean(at)
    text = " ".join(str(block.value) for block in at.markdown)
    pairs = lesson_c09.float32_pair_errors(8191, rope_core.inv_freq(128))
    assert pairs.worst == 1
    assert "its error here is exactly 0" in text  # pair 0: θ = 1, the angle is m itself
    assert f"the worst is **pair 1** ($\\theta_{{1}}$ = {pairs.inv_freq[1]:.4f})" in text
    assert f"its angle of {pairs.angles[1]:,.1f} rad is off by {pairs.angle_errors[1]:.1e} rad" in text
    assert metric_values(at)["max error at m = 8,191"] == f"{pairs.cos_sin_errors[1]:.1e}" == "4.0e-04"
    large_base = run_page(PAGE, {"pos": "8,191", "base": "500k"})
    worst = lesson_c09.float32_pair_errors(8191, rope_core.inv_freq(128, 500_000.0)).worst
    assert worst != 0 and f"the worst is **pair {worst}**" in " ".join(str(b.value) for b in large_base.markdown)


def test_a_link_sets_the_controls_and_the_charts_follow():
    at = run_page(
        PAGE,
        {"d": "128", "L": "16", "layout": "interleaved", "hd": "16", "seed": "5", "pos": "1,000,000",
         "rot": "Pythia 1.4B (GPT-NeoX)", "model": "Llama 2 7B", "src": COMPLEX_SOURCE},
    )  # fmt: skip
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"d": 128, "L": 16, "hd": 16, "seed": 5, "pos": 1_000_000}
    dense_marker = _dense_marker(at)
    assert _numbers(dense_marker, "x")[0] == 128
    assert _numbers(dense_marker, "y")[0] == 2 * 128**2 - 128
    assert plotly_figure(at, "timing")["layout"]["title"]["text"] == "Measured now: d = 128, L = 16"
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
    codes = [block.value.strip() for block in at.code]
    assert inspect.getsource(lesson_c09.apply_rope_complex).strip() in codes
    assert inspect.getsource(lesson_c09.apply_rope_dense).strip() not in codes


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
