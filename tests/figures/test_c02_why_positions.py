"""Chart builders of chapter 2: heatmaps carry the weights and outputs that the lesson computes."""

import numpy as np
import pytest

from ropelab.figures.c02_why_positions import attention_weights_chart, outputs_chart, token_labels
from ropelab.lessons.c02_why_positions import compare_orders, projection_weights, word_vectors
from tests.figures.validate import validated

WORDS = ["the", "dog", "bit", "the", "man"]
ORDER = np.array([0, 4, 2, 3, 1])


@pytest.fixture(scope="module")
def comparison():
    return compare_orders(word_vectors(WORDS), ORDER, projection_weights(8))


def test_labels_are_numbered_escaped_and_short():
    labels = token_labels(["the", "<script>alert(1)</script>", "the", "extraordinarily"])
    assert labels[0] == "1. the" and labels[2] == "3. the"
    assert "<" not in labels[1] and labels[1].startswith("2. &lt;script&gt;")
    assert labels[3] == "4. extraordina…"
    assert len(set(labels)) == len(labels)


def test_attention_heatmaps_hold_both_weight_matrices(comparison):
    reordered_words = [WORDS[i] for i in ORDER]
    chart = attention_weights_chart(comparison, WORDS, reordered_words, with_positions=False)
    fig = validated(chart)
    assert chart.alt.startswith("Two attention-weight heatmaps for 5 words") and "moved along" in chart.alt
    assert len(chart.csv.strip().splitlines()) == 1 + 2 * 25  # a row per (sentence, query, key)
    left, right = fig.data
    np.testing.assert_allclose(np.asarray(left.z), comparison.original.weights, atol=1e-6)
    np.testing.assert_allclose(np.asarray(right.z), comparison.reordered.weights, atol=1e-6)
    # Without positions the right map is the left one with rows and columns moved with their words.
    np.testing.assert_allclose(np.asarray(right.z), np.asarray(left.z)[np.ix_(ORDER, ORDER)], atol=1e-6)
    assert list(left.y) == token_labels(WORDS) and list(right.x) == token_labels(reordered_words)
    assert fig.layout.coloraxis.cmin == 0.0
    assert fig.layout.coloraxis.cmax == pytest.approx(comparison.original.weights.max())


def test_output_heatmaps_use_a_symmetric_range(comparison):
    reordered_words = [WORDS[i] for i in ORDER]
    chart = outputs_chart(comparison, WORDS, reordered_words, with_positions=True)
    fig = validated(chart)
    assert "with position vectors" in chart.alt
    assert chart.csv.splitlines()[0] == "sentence,slot,word," + ",".join(f"dim_{i}" for i in range(8))
    left, right = fig.data
    assert list(left.x) == [f"dim {i}" for i in range(8)]
    np.testing.assert_allclose(np.asarray(right.z), comparison.original.outputs[ORDER], atol=1e-6)
    bound = np.abs(comparison.original.outputs).max()
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == pytest.approx((-bound, bound))
