"""Attention heatmaps: six position schemes side by side, their position-dependence, and RoPE's pipeline steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c08_attention_maps import (
    LEARNED_ROWS,
    MapsOverShifts,
    MethodComparison,
    PipelineStage,
    toeplitz_deviation,
)
from ropelab.style import DIVERGING_SCALE, OKABE_ITO, SEQUENTIAL_SCALE, style_figure, symmetric_range

METHOD_LABELS = {
    "nope": "NoPE (no positions)",
    "sinusoidal": "Sinusoidal (absolute)",
    "learned": "Learned (absolute)",
    "t5": "T5 bias (relative)",
    "alibi": "ALiBi (relative)",
    "rope": "RoPE (rotary)",
}
# Values this small print as "0" on a log axis; float64 rounding of O(1) scores is about 1e-16.
LOG_FLOOR = 1e-17


def _visible(matrix: np.ndarray) -> np.ndarray:
    """Masked (-inf) entries become NaN so Plotly leaves those cells blank."""
    matrix = np.asarray(matrix, dtype=np.float64)
    return np.where(np.isfinite(matrix), matrix, np.nan).astype(np.float32)


def _token_axes(fig: spec.Figure, labels: Sequence[str], rows: int, cols: int) -> None:
    """Every panel has the same tokens, so only the outer panels carry labels (they would collide otherwise).

    The ranges are fixed rather than left to autorange, so a panel whose map is hidden keeps its grid.
    """
    ticks = np.arange(len(labels))
    edge = len(labels) - 0.5
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            spec.update_xaxes(
                fig, row=row, col=col, tickvals=ticks, ticktext=list(labels), tickangle=-60, showticklabels=row == rows,
                range=[-0.5, edge], showgrid=False, zeroline=False,
            )  # fmt: skip
            spec.update_yaxes(
                fig, row=row, col=col, tickvals=ticks, ticktext=list(labels), showticklabels=col == 1,
                range=[edge, -0.5], showgrid=False, zeroline=False,
            )  # fmt: skip


def diagonal_offsets(n: int) -> list[int]:
    """Which diagonals (key − query offsets) get a marker line: the main one and one a third of the way out on each
    side (fewer lines would not show the pattern, more would hide the cells)."""
    step = max(1, round(n / 3))
    return [offset for offset in (-step, 0, step) if abs(offset) < n - 1 or offset == 0]


def _diagonal_traces(n: int, visible: bool = True) -> list[dict]:
    """Dashed lines through the cells of equal distance j − i: a map that depends only on m − n is constant on each.

    Two line traces per panel (a wide pale line under a thin dark dashed one stays visible on every colour of both
    scales); traces rather than layout shapes, so a scrubber can hide them with a panel whose map is missing.
    """
    xs, ys = [], []
    for offset in diagonal_offsets(n):
        first_row, last_row = max(0, -offset), min(n - 1, n - 1 - offset)
        xs += [first_row + offset - 0.5, last_row + offset + 0.5, np.nan]
        ys += [first_row - 0.5, last_row + 0.5, np.nan]
    x, y = np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)
    common = {"type": "scatter", "mode": "lines", "x": x, "y": y, "hoverinfo": "skip", "showlegend": False,
              "visible": visible}  # fmt: skip
    return [
        {**common, "line": {"color": "rgba(255,255,255,0.55)", "width": 3}, "name": "diagonal (underlay)"},
        {**common, "line": {"color": "rgba(0,0,0,0.7)", "width": 1.2, "dash": "dash"}, "name": "equal distance"},
    ]


def _method_maps(
    matrices: Mapping[str, np.ndarray | None],
    labels: Sequence[str],
    *,
    kind: str = "probabilities",
    notes: Mapping[str, str] | None = None,
    masked: np.ndarray | None = None,
    colour_range: tuple[float, float] | None = None,
    title: str | None = None,
) -> spec.Figure:
    """A 2×3 grid of query×key heatmaps, one per method, on one shared colour scale, with the diagonals marked.

    `matrices` maps method → (n, n) array, or None for a method that cannot run (its heatmap and diagonals are
    hidden). kind "probabilities" uses a sequential 0…max scale; "scores" a diverging scale centred on zero;
    `colour_range` overrides the range (a scrubber keeps one range for all its stops). Cells where `masked` is
    True are left blank (a masked weight is exactly 0, which would look like a small weight). Each method named
    in `notes` gets a text trace in the middle of its panel, so a scrubber can change the text stop by stop.

    Trace order (what a scrubber's frames refer to): the heatmaps (one per method), then two diagonal traces per
    method (see diagonal_trace_indices), then the notes in the order of `notes`.
    """
    if kind not in ("probabilities", "scores"):
        raise ValueError(f"kind must be 'probabilities' or 'scores', got {kind!r}")
    methods = list(matrices)
    if not 1 <= len(methods) <= 6:
        raise ValueError(f"need between 1 and 6 methods, got {len(methods)}")
    notes = notes or {}
    n = len(labels)
    if masked is not None:
        hidden = np.asarray(masked, dtype=bool)
        matrices = {
            method: None if matrix is None else np.where(hidden, np.nan, np.asarray(matrix, dtype=np.float64))
            for method, matrix in matrices.items()
        }
    if colour_range is None:
        present = [np.asarray(matrix) for matrix in matrices.values() if matrix is not None]
        colour_range = _colour_range(present, kind)
    scale, bar_title = (SEQUENTIAL_SCALE, "weight") if kind == "probabilities" else (DIVERGING_SCALE, "score")
    fig = spec.subplots(
        2,
        3,
        subplot_titles=[METHOD_LABELS.get(method, method) for method in methods],
        horizontal_spacing=0.04,
        vertical_spacing=0.08,
    )
    for index, method in enumerate(methods):
        matrix = matrices[method]
        label = METHOD_LABELS.get(method, method)
        heatmap = {
            "type": "heatmap",
            "z": _visible(matrix) if matrix is not None else np.full((n, n), np.nan, dtype=np.float32),
            "visible": matrix is not None,
            "colorscale": scale,
            "zmin": colour_range[0],
            "zmax": colour_range[1],
            "showscale": index == 0,
            "colorbar": {"title": {"text": bar_title}, "len": 0.9},
            "name": label,
            "hovertemplate": f"{label}<br>query at s + %{{y}}, key at s + %{{x}}<br>{bar_title} %{{z:.3f}}"
            "<extra></extra>",
            "xgap": 1,
            "ygap": 1,
        }
        spec.add_trace(fig, heatmap, row=index // 3 + 1, col=index % 3 + 1)
    for index, method in enumerate(methods):
        for line in _diagonal_traces(n, visible=matrices[method] is not None):
            spec.add_trace(fig, line, row=index // 3 + 1, col=index % 3 + 1)
    for method, text in notes.items():
        index = methods.index(method)
        middle = np.array([(n - 1) / 2], dtype=np.float32)
        note = {"type": "scatter", "mode": "text", "x": middle, "y": middle, "text": [text], "textfont": {"size": 13},
                "hoverinfo": "skip", "showlegend": False, "name": f"{method} note"}  # fmt: skip
        spec.add_trace(fig, note, row=index // 3 + 1, col=index % 3 + 1)
    _token_axes(fig, labels, 2, 3)
    # Plotly's row=2 without a column (and col=1 without a row) meant every panel of that row (column).
    for col in range(1, 4):
        spec.update_xaxes(fig, row=2, col=col, title={"text": "key"})
    for row in range(1, 3):
        spec.update_yaxes(fig, row=row, col=1, title={"text": "query"})
    style_figure(fig, title=title, height=680)
    spec.update_layout(fig, margin={"t": 90 if title else 50})
    return spec.finish(fig)


def diagonal_trace_indices(position: int, methods: int) -> list[int]:
    """Indices of the two diagonal traces of the panel at `position` in a figure from _method_maps."""
    return [methods + 2 * position, methods + 2 * position + 1]


def _colour_range(matrices: Sequence[np.ndarray], kind: str) -> tuple[float, float]:
    finite = [matrix[np.isfinite(matrix)].ravel() for matrix in matrices]
    values = np.concatenate(finite) if finite else np.zeros(1)
    values = values if values.size else np.zeros(1)
    if kind == "probabilities":
        return 0.0, float(max(values.max(), 1e-9))
    return symmetric_range(values)


def _position_dependence(
    methods: Sequence[str], toeplitz: Sequence[float], shift: Sequence[float], *, title: str | None = None
) -> spec.Figure:
    """Grouped bars on a log axis: how far each method's scores are from Toeplitz, and how much a shift moves them.

    NaN (not measurable) is left out; values below LOG_FLOOR are drawn at the floor and labelled "0".
    """
    toeplitz = np.asarray(toeplitz, dtype=np.float64)
    shift = np.asarray(shift, dtype=np.float64)
    if toeplitz.shape != (len(methods),) or shift.shape != (len(methods),):
        raise ValueError("toeplitz and shift need one value per method")
    names = [METHOD_LABELS.get(method, method) for method in methods]
    fig = spec.figure()
    for label, values, colour in (
        ("max deviation from Toeplitz", toeplitz, OKABE_ITO[0]),
        ("max |Δscore| under the shift", shift, OKABE_ITO[1]),
    ):
        shown = np.where(np.isfinite(values), np.maximum(values, LOG_FLOOR), np.nan)
        text = ["n/a" if not np.isfinite(v) else ("0" if v < LOG_FLOOR else f"{v:.2g}") for v in values]
        spec.add_trace(
            fig,
            {
                "type": "bar",
                "x": names,
                "y": shown.astype(np.float32),
                "name": label,
                "marker": {"color": colour},
                "text": text,
                "textposition": "outside",
                "hovertemplate": "%{x}<br>" + label + " = %{text}<extra></extra>",
            },
        )
    spec.update_yaxes(fig, type="log", title={"text": "size (log scale)"}, range=[-17.5, 2], exponentformat="power")
    # The x-axis stays untitled: the method names under the bars say what it is.
    spec.update_layout(fig, barmode="group")
    return style_figure(fig, title=title, height=420)


def _pipeline_stage(
    arrays: Sequence[tuple[str, np.ndarray]],
    row_labels: Sequence[str],
    *,
    probabilities: bool = False,
    title: str | None = None,
) -> spec.Figure:
    """Heatmaps of one pipeline step's arrays side by side (rows = tokens), titled with their shapes."""
    if not 1 <= len(arrays) <= 3:
        raise ValueError(f"need between 1 and 3 arrays, got {len(arrays)}")
    titles = [f"{label}  ({matrix.shape[0]} × {matrix.shape[1]})" for label, matrix in arrays]
    fig = spec.subplots(1, len(arrays), subplot_titles=titles, horizontal_spacing=0.08)
    values = np.concatenate([np.asarray(m, dtype=np.float64)[np.isfinite(m)].ravel() for _, m in arrays])
    if probabilities:
        low, high, scale = 0.0, float(max(values.max(), 1e-9)) if values.size else 1.0, SEQUENTIAL_SCALE
    else:
        (low, high), scale = symmetric_range(values if values.size else np.zeros(1)), DIVERGING_SCALE
    ticks = np.arange(len(row_labels))
    for col, (label, matrix) in enumerate(arrays, start=1):
        matrix = np.asarray(matrix)
        square = matrix.shape[0] == matrix.shape[1] == len(row_labels)
        heatmap = {
            "type": "heatmap",
            "z": _visible(matrix),
            "colorscale": scale,
            "zmin": low,
            "zmax": high,
            "showscale": col == len(arrays),
            "name": label,
            "hovertemplate": f"{label}<br>row %{{y}}, column %{{x}}<br>value %{{z:.3f}}<extra></extra>",
        }
        spec.add_trace(fig, heatmap, row=1, col=col)
        spec.update_yaxes(fig, row=1, col=col, tickvals=ticks, ticktext=list(row_labels), autorange="reversed")
        if square:
            spec.update_xaxes(
                fig, row=1, col=col, tickvals=ticks, ticktext=list(row_labels), tickangle=-45, title={"text": "key"}
            )
        else:
            spec.update_xaxes(fig, row=1, col=col, title={"text": "channel"})
    style_figure(fig, title=title, height=380)
    return spec.finish(fig)


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def shown_words(words: Sequence[str], same_token: bool) -> list[str]:
    """The word at every position: with the same token repeated, every position holds the first word."""
    return [words[0]] * len(words) if same_token else list(words)


def token_labels(words: Sequence[str], shift: int, same_token: bool) -> list[str]:
    """Axis labels "word (position)"; with the same token repeated every position shows the first word."""
    shown = shown_words(words, same_token)
    return [f"{word} ({position})" for word, position in zip(shown, range(shift, shift + len(words)), strict=True)]


def _maps_title(view: str, n: int, dim: int, shift: int, causal: bool) -> str:
    # Short enough for a phone's width; the head size and the sentence are on the controls above the chart.
    return f"{view.capitalize()} at positions {shift} … {shift + n - 1}" + (", causal" if causal else "")


# Changes smaller than this are float rounding (RoPE's maps move by about 1e-14 under a shift): no colour or
# three-decimal hover can show them, so such a panel is not re-sent for every stop of the scrubber.
_UNSEEN_CHANGE = 1e-9


def method_maps_chart(
    stack: MapsOverShifts, shift: int, words: Sequence[str], view: str, *, dim: int, causal: bool
) -> spec.Chart:
    """The six schemes' attention probabilities (or scores) side by side, with a scrubber over every stop's shift.

    The base figure shows the stop whose shift is `shift`; dragging the scrubber swaps in the panels that change
    (the absolute encodings; the learned table runs out of rows past position 511) and the title, with one colour
    range for all stops so that a change of colour is a change of value.
    """
    if view not in ("probabilities", "scores"):
        raise ValueError(f"view must be 'probabilities' or 'scores', got {view!r}")
    matches = np.flatnonzero(stack.shifts == shift)
    if matches.size == 0:
        raise ValueError(f"shift {shift} is not one of the scrubber's stops")
    index = int(matches[0])
    methods = list(stack.scores)
    n = len(words)
    labels = list(words)
    chosen = stack.probabilities if view == "probabilities" else stack.scores
    masked = np.triu(np.ones((n, n), dtype=bool), 1) if causal else np.zeros((n, n), dtype=bool)
    shown = {method: np.where(masked, np.nan, chosen[method]) for method in methods}  # (S, n, n) per method
    colour_range = _colour_range([shown[method] for method in methods], view)
    missing = {method: stack.available[method] for method in methods if not stack.available[method].all()}

    def note(method: str, stop: int) -> str:
        if stack.available[method][stop]:
            return ""
        start = int(stack.shifts[stop])
        return f"No learned row<br>for positions ≥ {LEARNED_ROWS}<br>(this sentence: {start} … {start + n - 1})"

    figure = _method_maps(
        {method: shown[method][index] if stack.available[method][index] else None for method in methods},
        labels,
        kind=view,
        notes={method: note(method, index) for method in missing},
        colour_range=colour_range,
        title=_maps_title(view, n, dim, shift, causal),
    )
    changing = [
        position
        for position, method in enumerate(methods)
        if method in missing or np.nanmax(np.abs(shown[method] - shown[method][index]), initial=0.0) > _UNSEEN_CHANGE
    ]
    lines = [trace for position in range(len(methods)) if methods[position] in missing
             for trace in diagonal_trace_indices(position, len(methods))]  # fmt: skip
    notes_start = 3 * len(methods)
    note_traces = [notes_start + position for position in range(len(missing))]

    def heatmap_patch(method: str, stop: int) -> dict:
        if not stack.available[method][stop]:
            return {"visible": False}
        return {"z": _visible(shown[method][stop]), "visible": True}

    def frame(stop: int) -> dict:
        heatmaps = [heatmap_patch(methods[position], stop) for position in changing]
        diagonals = [{"visible": bool(stack.available[method][stop])} for method in missing for _ in range(2)]
        texts = [{"text": [note(method, stop)]} for method in missing]
        title = _maps_title(view, n, dim, int(stack.shifts[stop]), causal)
        return {"data": heatmaps + diagonals + texts, "layout": {"title": {"text": title}}}

    scrub = spec.Scrub(
        key="shift",
        label="Shift s",
        values=[int(value) for value in stack.shifts],
        index=index,
        traces=changing + lines + note_traces,
        frames=[frame(stop) for stop in range(stack.shifts.size)],
        labels=[f"s = {value}: positions {value} … {value + n - 1}" for value in stack.shifts],
        play_ms=90,
    )
    csv_labels = token_labels(words, shift, False)
    steady = [
        METHOD_LABELS[method]
        for method in methods
        if stack.available[method][index] and toeplitz_deviation(stack.scores[method][index]) < _UNSEEN_CHANGE
    ]
    return spec.Chart(
        figure,
        alt=(
            f"A 2 by 3 grid of {n} by {n} attention {view} heatmaps for NoPE, sinusoidal, learned, T5, ALiBi and "
            f"RoPE at positions {shift} to {shift + n - 1}; rows are queries, columns keys, dashed lines mark "
            f"diagonals of equal distance. Scores constant along every diagonal: {', '.join(steady) or 'none'}."
        ),
        csv=matrix_to_csv(shown["rope"][index], csv_labels, csv_labels, corner="RoPE query \\ key"),
        filename="ropelab_attention_maps_rope",
        scrub=scrub,
    )


def position_dependence_chart(results: Mapping[str, MethodComparison], *, shift: int, same_token: bool) -> spec.Chart:
    """Each scheme's deviation from Toeplitz and its score change under the shift, on a log axis."""
    methods = list(results)
    toeplitz = [results[method].toeplitz_deviation for method in methods]
    shifted = [results[method].shift_change for method in methods]
    title = f"Position dependence of the scores (shift s = {shift}" + (", same token repeated)" if same_token else ")")
    return spec.Chart(
        _position_dependence(methods, toeplitz, shifted, title=title),
        alt=(
            "Grouped bars on a log scale: deviation from Toeplitz and score change under the shift for each method. "
            f"RoPE's change under the shift is {results['rope'].shift_change:.1e}."
        ),
        csv=columns_to_csv(
            {
                "method": methods,
                "max_deviation_from_toeplitz": toeplitz,
                "max_abs_score_change_under_shift": shifted,
            }
        ),
    )


def pipeline_stage_chart(stages: Sequence[PipelineStage], step: int, labels: Sequence[str]) -> spec.Chart:
    """The arrays of one step of RoPE attention (rows are tokens), titled with the step's place in the pipeline."""
    stage = stages[step]
    first_label, first = stage.arrays[0]
    return spec.Chart(
        _pipeline_stage(
            stage.arrays,
            labels,
            probabilities=stage.name == "softmax",
            title=f"Step {step + 1} of {len(stages)}: {stage.name}",
        ),
        alt=(
            f"Heatmaps of the {stage.name} step: "
            + ", ".join(f"{label} with shape {matrix.shape[0]} by {matrix.shape[1]}" for label, matrix in stage.arrays)
            + "; rows are tokens."
        ),
        csv=matrix_to_csv(first, labels, [str(column) for column in range(first.shape[1])], corner=first_label),
        filename=f"ropelab_pipeline_{stage.name.replace(' ', '_')}",
    )
