"""Chapter 2 page: the sentence, shuffle and position switch drive the heatmaps; bad links and text stay harmless."""

import numpy as np
import pytest

from ropelab.figures.c02_why_positions import token_labels
from ropelab.lessons.c02_why_positions import shuffle_order
from tests.app.helpers import assert_clean, decode_array, metric_values, plotly_figure, run_page

PAGE = "pages/02_Why_positions.py"
DEFAULT_WORDS = ["the", "dog", "bit", "the", "man"]


def _sentences(at):
    return [element.value for element in at.code[:2]]


def _gaps(at):
    metrics = metric_values(at)
    return float(metrics["Largest output change"]), float(metrics["Largest score change"])


def _heatmaps(at, key):
    figure = plotly_figure(at, key)
    return [(np.array(decode_array(trace["z"]), dtype=float), list(trace["y"])) for trace in figure["data"]]


def test_defaults_show_a_shuffle_that_only_moves_things():
    at = run_page(PAGE)
    assert_clean(at)
    order = shuffle_order(5, 1)
    assert _sentences(at) == ["the dog bit the man", " ".join(DEFAULT_WORDS[i] for i in order)]
    assert max(_gaps(at)) < 1e-12
    (left, left_rows), (right, _) = _heatmaps(at, "weights")
    assert left_rows == token_labels(DEFAULT_WORDS)
    np.testing.assert_allclose(right, left[np.ix_(order, order)], atol=1e-6)
    (left, _), (right, _) = _heatmaps(at, "outputs")
    np.testing.assert_allclose(right, left[order], atol=1e-6)


def test_shuffle_slider_at_both_ends():
    at = run_page(PAGE)
    at.slider(key="seed").set_value(0).run()
    assert_clean(at)
    original, reordered = _sentences(at)
    assert original == reordered
    at.slider(key="seed").set_value(50).run()
    assert_clean(at)
    assert _sentences(at)[1] == " ".join(DEFAULT_WORDS[i] for i in shuffle_order(5, 50))


def test_the_shuffle_button_moves_to_the_next_shuffle():
    at = run_page(PAGE)
    at.button[0].click().run()
    assert_clean(at)
    assert at.slider(key="seed").value == 2
    assert _sentences(at)[1] == " ".join(DEFAULT_WORDS[i] for i in shuffle_order(5, 2))


def test_position_vectors_break_the_symmetry():
    at = run_page(PAGE)
    at.toggle(key="pe").set_value(True).run()
    assert_clean(at)
    output_gap, score_gap = _gaps(at)
    assert output_gap > 1e-3 and score_gap > 1e-3


def test_a_link_sets_sentence_shuffle_and_positions():
    at = run_page(PAGE, {"text": "a b c d", "seed": "7", "pe": "true"})
    assert_clean(at)
    assert at.text_input(key="text").value == "a b c d"
    assert at.slider(key="seed").value == 7 and at.toggle(key="pe").value is True
    order = shuffle_order(4, 7)
    (_, left_rows), (_, right_rows) = _heatmaps(at, "weights")
    assert left_rows == token_labels("abcd")
    assert right_rows == token_labels(["abcd"[i] for i in order])
    assert min(_gaps(at)) > 1e-3


@pytest.mark.parametrize("seed", ["999", "-1", "abc", "1.5", "nan"])
def test_bad_shuffle_values_fall_back_to_the_default(seed):
    at = run_page(PAGE, {"seed": seed, "pe": "maybe"})
    assert_clean(at)
    assert at.slider(key="seed").value == 1 and at.toggle(key="pe").value is False


def test_markup_in_the_sentence_stays_plain_text():
    at = run_page(PAGE, {"text": "<script>alert(1)</script> <b>bold</b>"})
    assert_clean(at)
    assert _sentences(at)[0] == "<script>alert(1)</script> <b>bold</b>"
    (_, rows), _ = _heatmaps(at, "weights")
    assert all("<" not in row for row in rows)
    assert rows[0] == "1. &lt;script&gt;ale…"


def test_long_and_empty_sentences_are_handled_with_a_notice():
    at = run_page(PAGE)
    at.text_input(key="text").set_value(" ".join(f"w{i}" for i in range(20))).run()
    assert_clean(at)
    assert any("first 12 words" in warning.value for warning in at.warning)
    (_, rows), _ = _heatmaps(at, "weights")
    assert len(rows) == 12
    at.text_input(key="text").set_value("   ").run()
    assert_clean(at)
    assert any("no words" in warning.value for warning in at.warning)
    assert _sentences(at)[0] == "the dog bit the man"


def test_a_single_word_runs_and_explains():
    at = run_page(PAGE, {"text": "alone"})
    assert_clean(at)
    assert any("single word" in warning.value for warning in at.warning)


def test_the_two_copies_of_a_word_get_the_same_output_until_positions_are_added():
    at = run_page(PAGE)
    (outputs, rows), _ = _heatmaps(at, "outputs")
    assert rows[0] == "1. the" and rows[3] == "4. the"
    np.testing.assert_array_equal(outputs[0], outputs[3])
    at.toggle(key="pe").set_value(True).run()
    assert_clean(at)
    (outputs, _), _ = _heatmaps(at, "outputs")
    assert np.abs(outputs[0] - outputs[3]).max() > 1e-3
