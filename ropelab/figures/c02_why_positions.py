"""Chapter 2's charts: a sentence and its reordering side by side; attention weights and outputs follow their words."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c02_why_positions import OrderComparison
from ropelab.style import DIVERGING_SCALE, SEQUENTIAL_SCALE, style_figure, symmetric_range

MAX_LABEL_CHARS = 12


def token_labels(words: Sequence[str]) -> list[str]:
    """Axis labels '1. the', '2. dog', ...: numbered so repeated words stay apart, escaped so text stays text."""
    labels = []
    for slot, word in enumerate(words, start=1):
        short = word if len(word) <= MAX_LABEL_CHARS else word[: MAX_LABEL_CHARS - 1] + "…"
        # Plotly renders a subset of HTML in labels; escaping makes '<b>' or '<a href=…>' show exactly as typed.
        labels.append(f"{slot}. {html.escape(short, quote=True)}")
    return labels


@dataclass(frozen=True)
class _Panel:
    values: np.ndarray
    rows: list[str]
    columns: list[str]


def _paired_heatmaps(
    left: _Panel,
    right: _Panel,
    *,
    x_title: str,
    y_title: str,
    hover: str,
    coloraxis: dict,
    title: str,
) -> spec.Figure:
    fig = spec.subplots(1, 2, subplot_titles=("original order", "reordered"), horizontal_spacing=0.16)
    for column, panel in enumerate((left, right), start=1):
        heatmap = {
            "type": "heatmap",
            "z": np.asarray(panel.values, dtype=np.float32),
            "x": panel.columns,
            "y": panel.rows,
            "coloraxis": "coloraxis",
            "texttemplate": "%{z:.2f}",
            "textfont": {"size": 11},
            "hovertemplate": hover + "<extra></extra>",
            "xgap": 1,
            "ygap": 1,
        }
        spec.add_trace(fig, heatmap, row=1, col=column)
        spec.update_xaxes(fig, row=1, col=column, title={"text": x_title}, tickangle=-45, type="category")
        # Matrix convention: the first token is the top row.
        spec.update_yaxes(fig, row=1, col=column, title={"text": y_title}, autorange="reversed", type="category")
    spec.update_layout(fig, coloraxis=coloraxis)
    style_figure(fig, title=title, height=int(np.clip(190 + 34 * len(left.rows), 400, 660)))
    return spec.finish(fig)


def attention_weights_chart(
    comparison: OrderComparison, words: Sequence[str], reordered_words: Sequence[str], *, with_positions: bool
) -> spec.Chart:
    """Softmax attention weights (query rows × key columns) for a sentence and for its reordering."""
    original, reordered = comparison.original.weights, comparison.reordered.weights
    original_labels, reordered_labels = token_labels(words), token_labels(reordered_words)
    top = float(max(np.max(original), np.max(reordered), 1e-9))
    fig = _paired_heatmaps(
        _Panel(original, original_labels, original_labels),
        _Panel(reordered, reordered_labels, reordered_labels),
        x_title="key (looked at)",
        y_title="query (looking)",
        hover="query %{y} looks at key %{x}<br>weight %{z:.4f}",
        coloraxis={"colorscale": SEQUENTIAL_SCALE, "cmin": 0.0, "cmax": top, "colorbar": {"title": {"text": "weight"}}},
        title="Attention weights follow their words",
    )
    n = len(words)
    alt = f"Two attention-weight heatmaps for {n} words, original order and reordered. " + (
        "With position vectors added the two maps differ beyond a reordering."
        if with_positions
        else "The reordered map holds the same numbers, with rows and columns moved along with their words."
    )
    csv = columns_to_csv(
        {
            "sentence": ["original"] * n**2 + ["reordered"] * n**2,
            "query_slot": [i + 1 for i in range(n) for _ in range(n)] * 2,
            "key_slot": [j + 1 for _ in range(n) for j in range(n)] * 2,
            "query_word": [w for w in words for _ in words] + [w for w in reordered_words for _ in words],
            "key_word": list(words) * n + list(reordered_words) * n,
            "weight": list(original.ravel()) + list(reordered.ravel()),
        }
    )
    return spec.Chart(fig, alt=alt, csv=csv)


def outputs_chart(
    comparison: OrderComparison, words: Sequence[str], reordered_words: Sequence[str], *, with_positions: bool
) -> spec.Chart:
    """Attention outputs (one row per token, one column per dimension) for a sentence and for its reordering."""
    original, reordered = comparison.original.outputs, comparison.reordered.outputs
    dim = np.shape(original)[1]
    dims = [f"dim {index}" for index in range(dim)]
    low, high = symmetric_range(np.concatenate([np.ravel(original), np.ravel(reordered)]))
    fig = _paired_heatmaps(
        _Panel(original, token_labels(words), dims),
        _Panel(reordered, token_labels(reordered_words), dims),
        x_title="output dimension",
        y_title="token",
        hover="token %{y}, %{x}<br>output %{z:.4f}",
        coloraxis={"colorscale": DIVERGING_SCALE, "cmin": low, "cmax": high, "colorbar": {"title": {"text": "output"}}},
        title="Outputs follow their words",
    )
    alt = (
        f"Two heatmaps of the {dim}-dimensional attention outputs of each word, original order and "
        "reordered: each word's row keeps its numbers and only changes place."
        if not with_positions
        else "Two heatmaps of attention outputs; with position vectors the rows of the same word differ."
    )
    csv = columns_to_csv(
        {
            "sentence": ["original"] * len(words) + ["reordered"] * len(words),
            "slot": list(range(1, len(words) + 1)) * 2,
            "word": list(words) + list(reordered_words),
            **{f"dim_{j}": list(original[:, j]) + list(reordered[:, j]) for j in range(dim)},
        }
    )
    return spec.Chart(fig, alt=alt, csv=csv)
