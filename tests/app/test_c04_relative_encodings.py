"""Chapter 4 page: L and seed reshape every chart, each Go deeper its own; links work; bad ones fall back."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c04_relative_encodings as lesson_c04
from ropelab.lessons.c04_relative_encodings import attention_with_bias
from tests.app.helpers import (
    assert_clean,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/04_Relative_encodings.py"
SLIDERS = {"L": 24, "seed": 0, "clip": 4, "buckets": 32, "maxdist": 128, "heads": 12, "pos": 12}
CHARTS = (
    "shaw_table",
    "shaw_bias",
    "t5_buckets",
    "t5_bias",
    "alibi_slopes",
    "alibi_bias",
    "overview",
    "attention_row",
)
# The overview's traces, column by column: each scheme's bias, then the attention it gives.
OVERVIEW_ATTENTION = {"no bias": 1, "clipped": 3, "T5": 5, "ALiBi": 7}


def heatmap(at, key, panel=0):
    return np.array(decode_array(plotly_figure(at, key)["data"][panel]["z"]))


def test_defaults_render_every_chart_clean():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, SLIDERS) == SLIDERS
    assert at.toggle(key="bidir").value is True and at.toggle(key="causal").value is False
    for key in CHARTS:
        assert plotly_figure(at, key)["data"], key
    np.testing.assert_allclose(heatmap(at, "shaw_bias"), lesson_c04.clipped_relative_bias(24, 4, 0)[0], atol=1e-6)
    np.testing.assert_allclose(
        heatmap(at, "overview", panel=OVERVIEW_ATTENTION["ALiBi"] - 1), rope_core.alibi_bias(24, 0.5), atol=1e-6
    )
    assert not at.warning


def test_sliders_reshape_the_charts():
    at = run_page(PAGE)
    at.slider(key="L").set_value(10).run()
    at.slider(key="clip").set_value(2).run()
    at.slider(key="heads").set_value(12).run()
    assert_clean(at)
    # The deep dives follow their own controls; the overview keeps each scheme at its fixed setting.
    assert len(np.unique(heatmap(at, "overview", panel=OVERVIEW_ATTENTION["clipped"] - 1))) == 9
    assert heatmap(at, "shaw_bias").shape == (10, 10)
    assert len(np.unique(heatmap(at, "shaw_bias"))) == 5  # 2k + 1 clipped offsets
    assert list(plotly_figure(at, "shaw_table")["data"][0]["x"]) == ["≤ -2", "-1", "0", "1", "≥ 2"]
    slopes = np.concatenate([decode_array(trace["y"]) for trace in plotly_figure(at, "alibi_slopes")["data"]])
    np.testing.assert_allclose(slopes, rope_core.alibi_slopes(12), rtol=1e-6)
    np.testing.assert_allclose(heatmap(at, "alibi_bias"), rope_core.alibi_bias(10, 2**-0.5), rtol=1e-6)


def test_a_link_sets_the_t5_controls_and_the_attention_map():
    params = {"L": "16", "seed": "7", "buckets": "16", "maxdist": "40", "bidir": "false", "causal": "true"}
    at = run_page(PAGE, params)
    assert_clean(at)
    assert at.slider(key="buckets").value == 16 and at.slider(key="maxdist").value == 40
    assert at.toggle(key="bidir").value is False and at.toggle(key="causal").value is True
    bucket_map = plotly_figure(at, "t5_buckets")["data"][0]
    offsets, buckets = decode_array(bucket_map["x"]), decode_array(bucket_map["y"])
    np.testing.assert_array_equal(buckets, rope_core.t5_relative_bucket(np.array(offsets), False, 16, 40))
    np.testing.assert_allclose(heatmap(at, "t5_bias"), rope_core.t5_bias(16, 16, 40, False, 7)[0], atol=1e-6)
    # The overview keeps T5's own setting (32 buckets up to 128), one-way because the page is causal.
    scores = rope_core.attention_maps(16, 64, "nope", seed=7).scores
    overview_t5 = rope_core.t5_bias(16, 32, 128, False, 7)[0]
    np.testing.assert_allclose(heatmap(at, "overview", panel=OVERVIEW_ATTENTION["T5"] - 1), overview_t5, atol=1e-6)
    expected = attention_with_bias(scores, overview_t5, causal=True)
    np.testing.assert_allclose(heatmap(at, "overview", panel=OVERVIEW_ATTENTION["T5"]), expected, atol=1e-6)
    assert np.all(np.triu(heatmap(at, "overview", panel=OVERVIEW_ATTENTION["no bias"]), 1) == 0)


def test_alibi_bias_concentrates_attention_and_the_twelve_head_story_is_computed():
    at = run_page(PAGE)
    assert_clean(at)
    metrics = metric_values(at)
    assert float(metrics["ALiBi (m = 0.5)"].rstrip("%")) > 2 * float(metrics["no bias"].rstrip("%"))
    story = next(element.value for element in at.markdown if str(element.value).startswith("For H = 12"))
    assert "$2^{-0.5}$, $2^{-1.5}$, $2^{-2.5}$, $2^{-3.5}$" in story
    assert "Three of these lie between the regular slopes, and $2^{-0.5}$ ≈ 0.707 is steeper than all of them" in story
    at.slider(key="heads").set_value(8).run()
    assert_clean(at)
    assert any(str(element.value).startswith("For H = 8, a power of two") for element in at.markdown)


def test_an_impossible_bucket_setting_warns_and_uses_t5_defaults():
    at = run_page(PAGE, {"buckets": "64", "maxdist": "10"})
    assert_clean(at)
    assert any("bucket" in warning.value.lower() for warning in at.warning)
    buckets = decode_array(plotly_figure(at, "t5_buckets")["data"][0]["y"])
    assert max(buckets) == 31


def test_query_past_the_end_is_clamped_with_a_notice():
    at = run_page(PAGE, {"L": "8", "pos": "40"})
    assert_clean(at)
    assert any("past the end" in warning.value for warning in at.warning)
    row = plotly_figure(at, "attention_row")
    assert len(decode_array(row["data"][0]["y"])) == 8


@pytest.mark.parametrize(
    "params",
    [
        {"L": "65", "seed": "100", "clip": "17", "buckets": "3", "maxdist": "257", "heads": "33", "pos": "64"},
        {"L": "abc", "seed": "nan", "clip": "inf", "buckets": "<script>", "heads": "1e99", "bidir": "maybe"},
    ],
    ids=["out_of_range", "garbage"],
)
def test_bad_links_fall_back_to_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert widget_values(at, SLIDERS) == SLIDERS
    assert at.toggle(key="bidir").value is True
    assert heatmap(at, "shaw_bias").shape == (24, 24)
