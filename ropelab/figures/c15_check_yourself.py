"""Chapter 15's charts: a chart to read an answer from, and the score per chapter."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.style import OKABE_ITO, style_figure


def _period_question(offsets: np.ndarray, scores: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """The score of one RoPE pair against the offset m, with a grid fine enough to read the period off."""
    offsets = np.asarray(offsets, dtype=np.float32)
    scores = np.asarray(scores, dtype=np.float32)
    if offsets.shape != scores.shape or offsets.ndim != 1:
        raise ValueError(f"offsets and scores must be 1-D of equal length, got {offsets.shape} and {scores.shape}")
    score = {
        "type": "scatter",
        "x": offsets,
        "y": scores,
        "mode": "lines+markers",
        "line": {"color": OKABE_ITO[0], "width": 2},
        "marker": {"size": 5},
        "name": "score",
        "hovertemplate": "m = %{x}<br>score %{y:.3f}<extra></extra>",
    }
    fig = spec.figure([score])
    spec.update_xaxes(fig, title={"text": "offset m (tokens)"}, dtick=4, showgrid=True)
    spec.update_yaxes(fig, title={"text": "⟨R(mθ) q, k⟩"}, range=[-1.1, 1.1], zeroline=True)
    return style_figure(fig, title=title, height=300)


def _chapter_score(
    table: Mapping[int, tuple[int, int]], titles: Mapping[int, str], *, title: str | None = None
) -> spec.Figure:
    """Horizontal bars: questions answered correctly out of those asked, for every chapter in the quiz."""
    chapters = sorted(table)
    labels = [f"{number}. {titles.get(number, '')}" for number in chapters]
    right = np.array([table[number][0] for number in chapters], dtype=np.float32)
    total = np.array([table[number][1] for number in chapters], dtype=np.float32)
    asked = {
        "type": "bar",
        "y": labels,
        "x": total,
        "orientation": "h",
        "name": "questions",
        "marker": {"color": "rgba(128,128,128,0.25)", "line": {"color": "rgba(128,128,128,0.8)", "width": 1}},
        "hovertemplate": "%{y}<br>%{x} question(s)<extra></extra>",
    }
    correct = {
        "type": "bar",
        "y": labels,
        "x": right,
        "orientation": "h",
        "name": "correct",
        "marker": {"color": OKABE_ITO[2]},
        "hovertemplate": "%{y}<br>%{x} correct<extra></extra>",
    }
    fig = spec.figure([asked, correct])
    spec.update_layout(fig, barmode="overlay", bargap=0.3)
    spec.update_xaxes(fig, title={"text": "questions"}, dtick=1, range=[0, max(float(total.max(initial=1)), 1) + 0.2])
    spec.update_yaxes(fig, autorange="reversed")
    return style_figure(fig, title=title, height=120 + 28 * len(chapters))


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def period_question_chart(offsets: np.ndarray, scores: np.ndarray) -> spec.Chart:
    """The chart a quiz question asks the reader to read the period from."""
    return spec.Chart(
        _period_question(offsets, scores, title="Score of one rotating pair against the offset m"),
        alt=(
            f"A cosine-shaped score against offsets 0 to {int(np.max(offsets))}; it returns to its maximum "
            "of 1 once every wavelength."
        ),
        csv=columns_to_csv({"offset_m": offsets, "score": scores}),
    )


def chapter_score_chart(
    table: Mapping[int, tuple[int, int]], titles: Mapping[int, str], *, seed: int, answered: int
) -> spec.Chart:
    """Correct answers out of the questions asked, per chapter."""
    correct = sum(right for right, _ in table.values())
    questions = sum(total for _, total in table.values())
    return spec.Chart(
        _chapter_score(table, titles, title=f"Correct answers per chapter (variant {seed})"),
        alt=f"Bars per chapter: {correct} of {questions} questions correct so far, {answered} answered.",
        csv=columns_to_csv(
            {
                "chapter": list(table),
                "title": [titles[number] for number in table],
                "correct": [right for right, _ in table.values()],
                "questions": [total for _, total in table.values()],
            }
        ),
    )
