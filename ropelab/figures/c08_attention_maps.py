"""Attention heatmaps: six position schemes side by side, their position-dependence, and RoPE's pipeline steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c08_attention_maps import MethodComparison, PipelineStage
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
    """Every panel has the same tokens, so only the outer panels carry labels (they would collide otherwise)."""
    ticks = np.arange(len(labels))
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            spec.update_xaxes(
                fig, row=row, col=col, tickvals=ticks, ticktext=list(labels), tickangle=-60, showticklabels=row == rows
            )
            spec.update_yaxes(
                fig,
                row=row,
                col=col,
                tickvals=ticks,
                ticktext=list(labels),
                autorange="reversed",
                showticklabels=col == 1,
            )


def _method_maps(
    matrices: Mapping[str, np.ndarray | None],
    labels: Sequence[str],
    *,
    kind: str = "probabilities",
    notes: Mapping[str, str] | None = None,
    masked: np.ndarray | None = None,
    title: str | None = None,
) -> spec.Figure:
    """A 2×3 grid of query×key heatmaps, one per method, on one shared colour scale.

    `matrices` maps method → (n, n) array or None (drawn as an empty panel with its note). kind
    "probabilities" uses a sequential 0…max scale; "scores" a diverging scale centred on zero. Cells where
    `masked` is True are left blank (a masked weight is exactly 0, which would look like a small weight).
    """
    if kind not in ("probabilities", "scores"):
        raise ValueError(f"kind must be 'probabilities' or 'scores', got {kind!r}")
    methods = list(matrices)
    if not 1 <= len(methods) <= 6:
        raise ValueError(f"need between 1 and 6 methods, got {len(methods)}")
    notes = notes or {}
    if masked is not None:
        hidden = np.asarray(masked, dtype=bool)
        matrices = {
            method: None if matrix is None else np.where(hidden, np.nan, np.asarray(matrix, dtype=np.float64))
            for method, matrix in matrices.items()
        }
    present = [np.asarray(matrix) for matrix in matrices.values() if matrix is not None]
    finite = np.concatenate([matrix[np.isfinite(matrix)].ravel() for matrix in present]) if present else np.zeros(1)
    if kind == "probabilities":
        colour_range, scale, bar_title = (0.0, float(max(finite.max(), 1e-9))), SEQUENTIAL_SCALE, "weight"
    else:
        colour_range, scale, bar_title = symmetric_range(finite), DIVERGING_SCALE, "score"
    fig = spec.subplots(
        2,
        3,
        subplot_titles=[METHOD_LABELS.get(method, method) for method in methods],
        horizontal_spacing=0.04,
        vertical_spacing=0.08,
    )
    for index, method in enumerate(methods):
        row, col = divmod(index, 3)
        matrix = matrices[method]
        if matrix is None:
            # An all-blank heatmap keeps this panel's axes like its neighbours'; the note sits in its middle.
            blank = np.full((len(labels), len(labels)), np.nan, dtype=np.float32)
            spec.add_trace(
                fig,
                {"type": "heatmap", "z": blank, "showscale": False, "hoverinfo": "skip", "name": f"{method} (no data)"},
                row=row + 1,
                col=col + 1,
            )
            axis_suffix = "" if index == 0 else str(index + 1)
            x_domain = fig["layout"][f"xaxis{axis_suffix}"]["domain"]
            y_domain = fig["layout"][f"yaxis{axis_suffix}"]["domain"]
            spec.add_annotation(
                fig,
                text=notes.get(method, "not available"),
                xref="paper",
                yref="paper",
                x=(x_domain[0] + x_domain[1]) / 2,
                y=(y_domain[0] + y_domain[1]) / 2,
                showarrow=False,
                font={"size": 12},
            )
            continue
        heatmap = {
            "type": "heatmap",
            "z": _visible(matrix),
            "colorscale": scale,
            "zmin": colour_range[0],
            "zmax": colour_range[1],
            "showscale": index == 0,
            "colorbar": {"title": {"text": bar_title}, "len": 0.9},
            "name": METHOD_LABELS.get(method, method),
            "hovertemplate": f"{METHOD_LABELS.get(method, method)}<br>query %{{y}} → key %{{x}}"
            f"<br>{bar_title} %{{z:.3f}}<extra></extra>",
            "xgap": 1,
            "ygap": 1,
        }
        spec.add_trace(fig, heatmap, row=row + 1, col=col + 1)
    _token_axes(fig, labels, 2, 3)
    # Plotly's row=2 without a column (and col=1 without a row) meant every panel of that row (column).
    for col in range(1, 4):
        spec.update_xaxes(fig, row=2, col=col, title={"text": "key"})
    for row in range(1, 3):
        spec.update_yaxes(fig, row=row, col=1, title={"text": "query"})
    style_figure(fig, title=title, height=700)
    spec.update_layout(fig, margin={"t": 90 if title else 50})
    return spec.finish(fig)


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


def token_labels(words: Sequence[str], shift: int, same_token: bool) -> list[str]:
    """Axis labels "word (position)"; with the same token repeated every position shows the first word."""
    shown = [words[0]] * len(words) if same_token else list(words)
    return [f"{word} ({position})" for word, position in zip(shown, range(shift, shift + len(words)), strict=True)]


def method_maps_chart(
    results: Mapping[str, MethodComparison], labels: Sequence[str], view: str, *, dim: int, shift: int, causal: bool
) -> spec.Chart:
    """The six schemes' attention probabilities (or scores) side by side; the learned table may have no rows."""
    n = len(labels)
    matrices = {
        method: None if result.maps is None else getattr(result.maps, view) for method, result in results.items()
    }
    notes = {
        method: f"No learned row<br>for positions ≥ 512<br>(this sentence: {shift} … {shift + n - 1})"
        for method, result in results.items()
        if result.maps is None
    }
    figure = _method_maps(
        matrices,
        labels,
        kind=view,
        notes=notes,
        masked=np.triu(np.ones((n, n), dtype=bool), 1) if causal else None,
        title=f"Attention {view}: {n} tokens, d = {dim}, positions {shift} … {shift + n - 1}"
        + (", causal" if causal else ""),
    )
    return spec.Chart(
        figure,
        alt=(
            f"A 2 by 3 grid of {n} by {n} attention {view} heatmaps for NoPE, sinusoidal, learned, "
            f"T5, ALiBi and RoPE; rows are queries and columns keys."
        ),
        csv=matrix_to_csv(matrices["rope"], labels, labels, corner="RoPE query \\ key"),
        filename="ropelab_attention_maps_rope",
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
