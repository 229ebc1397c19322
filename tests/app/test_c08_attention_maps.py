"""Chapter 8 page: six maps from one sentence with a shift scrubber, measured position dependence, and the
step-by-step pipeline."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c08_attention_maps import compare_methods, rope_attention_pipeline, split_tokens
from tests.app.helpers import (
    assert_clean,
    chart_payload,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
)

PAGE = "pages/08_Attention_maps.py"
DEFAULT_TEXT = "the cat sat on the mat because the cat was tired"
SLIDERS = {"seed": 1, "shift": 100}
TOGGLES = {"causal": False, "same": True}


def _heatmaps(figure):
    """The panels that carry data (a method that cannot run keeps a hidden, empty heatmap)."""
    return [t for t in figure["data"] if t["type"] == "heatmap" and t.get("visible", True)]


def _z(trace):
    return np.array(decode_array(trace["z"]), dtype=float)


def _state(at):
    return (
        {key: at.slider(key=key).value for key in SLIDERS} | {"d": at.select_slider(key="d").value},
        {key: at.toggle(key=key).value for key in TOGGLES},
        at.text_input(key="text").value,
    )


def test_defaults_show_the_same_token_at_every_position_with_a_shift_scrubber():
    at = run_page(PAGE)
    assert_clean(at)
    assert _state(at) == (SLIDERS | {"d": 32}, TOGGLES, DEFAULT_TEXT)
    assert at.radio(key="view").value == "scores"
    _, ids = split_tokens(DEFAULT_TEXT)
    expected = compare_methods(ids, 32, seed=1, same_token=True, shift=100)
    payload = chart_payload(at, "maps")
    maps = _heatmaps(payload["figure"])
    assert len(maps) == 6
    np.testing.assert_allclose(_z(maps[-1]), expected["rope"].maps.scores, atol=1e-6)
    assert payload["figure"]["layout"]["yaxis"]["ticktext"] == ["the"] * 11
    assert "Scores constant along every diagonal: NoPE (no positions), T5 bias (relative), ALiBi (relative), " \
        "RoPE (rotary)." in payload["alt"]  # fmt: skip
    scrub = payload["scrub"]
    assert scrub["index"] == 10 and len(scrub["frames"]) == len(scrub["labels"]) == 101
    assert scrub["labels"][10] == "s = 100: positions 100 … 110" and scrub["labels"][-1].startswith("s = 1000:")
    bars = plotly_figure(at, "dependence")["data"]
    shift_bars = np.array(decode_array(bars[1]["y"]), dtype=float)
    assert shift_bars[-1] < 1e-12  # RoPE: only rounding
    assert shift_bars[1] > 0.1  # sinusoidal moves
    assert plotly_figure(at, "pipeline")["data"]
    # The misconception card reads where RoPE's largest score sits off the diagonal from this very map.
    scores = expected["rope"].maps.scores
    query, key = np.unravel_index(np.argmax(scores), scores.shape)
    assert key != query
    assert any(f"key − query = {key - query}" in str(block.value) for block in at.markdown)


def test_a_link_sets_every_control_and_the_charts_follow():
    text = "a rose is a rose"
    at = run_page(
        PAGE,
        {"seed": "7", "d": "64", "shift": "300", "causal": "true", "same": "true", "text": text, "view": "scores",
         "step": "softmax"},
    )  # fmt: skip
    assert_clean(at)
    assert _state(at) == ({"seed": 7, "shift": 300, "d": 64}, {"causal": True, "same": True}, text)
    assert chart_payload(at, "maps")["scrub"]["index"] == 30
    _, ids = split_tokens(text)
    expected = compare_methods(ids, 64, seed=7, causal=True, same_token=True, shift=300)
    figure = plotly_figure(at, "maps")
    assert "positions 300 … 304" in figure["layout"]["title"]["text"]
    rope_scores = _z(_heatmaps(figure)[-1])
    visible = np.isfinite(expected["rope"].maps.scores)
    np.testing.assert_allclose(rope_scores[visible], expected["rope"].maps.scores[visible], atol=1e-5)
    assert np.isnan(rope_scores[~visible]).all()
    stages = rope_attention_pipeline(ids, 64, seed=7, causal=True, same_token=True, shift=300)
    pipeline = plotly_figure(at, "pipeline")
    np.testing.assert_allclose(_z(pipeline["data"][0]), dict(stages[4].arrays)["A"], atol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        {"seed": "100", "d": "1000", "shift": "5000", "view": "logits", "step": "nowhere"},
        {"seed": "abc", "d": "12", "shift": "-10", "causal": "maybe", "same": "2"},
        {"d": "13"},
    ],
)
def test_bad_links_fall_back_to_the_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert _state(at) == (SLIDERS | {"d": 32}, TOGGLES, DEFAULT_TEXT)
    assert len(_heatmaps(plotly_figure(at, "maps"))) == 6


def test_hostile_and_overlong_text_is_cleaned_and_bounded():
    hostile = "<img src=x onerror=alert(1)> " + " ".join(f"w{i}" for i in range(30))
    at = run_page(PAGE, {"text": hostile[:80]})
    assert_clean(at)
    figure = plotly_figure(at, "maps")
    labels = figure["layout"]["yaxis"]["ticktext"]
    assert len(labels) <= 16
    assert not any("<" in label or ">" in label for label in labels)
    assert any("first 16 words" in str(warning.value) for warning in at.warning)
    empty = run_page(PAGE, {"text": ""})
    assert_clean(empty)
    assert len(_heatmaps(plotly_figure(empty, "maps"))) == 6


def test_shifting_past_the_learned_table_empties_its_panel_but_not_ropes():
    at = run_page(PAGE)
    before = _z(_heatmaps(plotly_figure(at, "maps"))[-1])
    at.slider(key="shift").set_value(600).run()
    assert_clean(at)
    figure = plotly_figure(at, "maps")
    maps = _heatmaps(figure)
    assert len(maps) == 5
    assert "Learned" not in " ".join(trace["name"] for trace in maps)
    np.testing.assert_allclose(_z(maps[-1]), before, atol=1e-6)  # RoPE: the shift changes nothing
    notes = [text for trace in figure["data"] if trace.get("mode") == "text" for text in trace["text"]]
    assert notes == ["No learned row<br>for positions ≥ 512<br>(this sentence: 600 … 610)"]
    assert any("no row for these positions" in str(caption.value) for caption in at.caption)
    assert not at.warning  # a fact of the lesson, not a rejected input
    metrics = metric_values(at)
    assert metrics["Learned: max |Δscore|"] == "no rows"
    assert float(metrics["RoPE: max |Δscore|"]) < 1e-12


def test_same_token_mode_makes_ropes_toeplitz_bar_tiny_and_different_words_do_not():
    at = run_page(PAGE)
    toeplitz = np.array(decode_array(plotly_figure(at, "dependence")["data"][0]["y"]), dtype=float)
    methods = list(rope_core.METHODS)
    assert toeplitz[methods.index("rope")] < 1e-12
    assert toeplitz[methods.index("sinusoidal")] > 0.05
    words = run_page(PAGE, {"same": "false"})
    assert_clean(words)
    toeplitz = np.array(decode_array(plotly_figure(words, "dependence")["data"][0]["y"]), dtype=float)
    assert toeplitz[methods.index("rope")] > 0.05
    assert plotly_figure(words, "maps")["layout"]["yaxis"]["ticktext"][:3] == ["the", "cat", "sat"]
    assert any("Turn on *same token repeated*" in str(caption.value) for caption in words.caption)


def test_a_link_notice_only_ever_speaks_of_the_links_own_value():
    # Regression (#13 §4): after the reader moved the shift, a notice about "the link's value" stayed on the page.
    at = run_page(PAGE, {"shift": "550"})
    assert_clean(at)
    assert not at.warning
    for value in (560, 570, 550, 600):
        at.slider(key="shift").set_value(value).run()
        assert_clean(at)
        assert not [w for w in at.warning if "link" in str(w.value)], value
    rejected = run_page(PAGE, {"shift": "5000"})  # beyond the slider: the link's value is really not used
    assert any("the link's value `5000`" in str(w.value) for w in rejected.warning)
    rejected.slider(key="shift").set_value(600).run()
    assert not [w for w in rejected.warning if "link" in str(w.value)]
