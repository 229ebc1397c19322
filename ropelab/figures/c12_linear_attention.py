"""Chapter 12's charts: softmax, linear and RoPE-linear attention weights, their row sums, and the cost curve."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c12_linear_attention import LinearTiming
from ropelab.style import DIVERGING_SCALE, OKABE_ITO, style_figure, symmetric_range

# The three weightings, in the order the chapter compares them.
METHOD_NAMES = ("Softmax + RoPE", "Linear, no positions", "Linear + RoPE (Eq. 19)")
_PANEL_GAP = 0.06
# The darkest blue of the diverging scale: reads as "negative" in both light and dark themes.
NEGATIVE_MARKER_COLOUR = "#2166ac"


def _weight_heatmaps(weights: Sequence[np.ndarray], titles: Sequence[str], *, title: str | None = None) -> spec.Figure:
    """Side-by-side (query m × key n) heatmaps on a diverging scale centred on 0, one colour range per panel.

    Each panel keeps its own symmetric range, because softmax weights are far peakier than linear ones; the
    colours still mean the same thing everywhere: red positive, white zero, blue negative. Negative cells are
    also ringed by a marker trace named "negative weight (count)". Each panel's title ends with its colour range.
    """
    if len(weights) != len(titles) or not weights:
        raise ValueError(f"need one title per weight matrix, got {len(weights)} matrices and {len(titles)} titles")
    matrices = [np.asarray(matrix, dtype=np.float64) for matrix in weights]
    for matrix in matrices:
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"every weight matrix must be square (N, N), got shape {matrix.shape}")
    panels = len(matrices)
    ranges = [symmetric_range(matrix) for matrix in matrices]
    # Each panel's colour range is in its title rather than on a colour bar: bars under side-by-side panels stayed
    # behind when a phone stacks the panels, and three of them crowded a projector's screen.
    labelled = [f"{label} (±{high:.2g})" for label, (_, high) in zip(titles, ranges, strict=True)]
    fig = spec.subplots(1, panels, subplot_titles=labelled, horizontal_spacing=_PANEL_GAP)
    for column, (matrix, label, (low, high)) in enumerate(zip(matrices, titles, ranges, strict=True), start=1):
        axis_name = "coloraxis" if column == 1 else f"coloraxis{column}"
        positions = np.arange(matrix.shape[0])
        heatmap = {
            "type": "heatmap",
            "z": matrix.astype(np.float32),
            "x": positions,
            "y": positions,
            "coloraxis": axis_name,
            "name": label,
            "hovertemplate": f"{label}<br>query m = %{{y}}, key n = %{{x}}<br>weight = %{{z:.4f}}<extra></extra>",
        }
        spec.add_trace(fig, heatmap, row=1, col=column)
        # Small negative weights are pale on the colour scale, so ring every one of them to make the sign visible.
        negative_rows, negative_cols = np.nonzero(matrix < 0)
        if negative_rows.size:
            rings = {
                "type": "scatter",
                "x": negative_cols.astype(np.float32),
                "y": negative_rows.astype(np.float32),
                "mode": "markers",
                "marker": {"symbol": "circle-open", "size": 5, "color": NEGATIVE_MARKER_COLOUR, "line": {"width": 1}},
                "name": f"negative weight ({negative_rows.size})",
                "hoverinfo": "skip",
            }
            spec.add_trace(fig, rings, row=1, col=column)
        spec.update_layout(
            fig, **{axis_name: {"colorscale": DIVERGING_SCALE, "cmin": low, "cmax": high, "showscale": False}}
        )
    edge = matrices[0].shape[0] - 0.5
    # Fixed ranges: the marker trace must not pad one panel's axes and make it smaller than the others.
    spec.update_xaxes(fig, title={"text": "key position n"}, constrain="domain", range=[-0.5, edge], showgrid=False)
    # Square panels hug their titles (constrained to the top) instead of floating in the middle of a tall figure.
    spec.update_yaxes(fig, range=[edge, -0.5], constrain="domain", constraintoward="top", showgrid=False)
    spec.update_yaxes(fig, row=1, col=1, title={"text": "query position m"})
    for column in range(1, panels + 1):
        suffix = "" if column == 1 else str(column)
        spec.update_yaxes(fig, row=1, col=column, scaleanchor=f"x{suffix}", scaleratio=1)
    style_figure(fig, title=title, height=460)
    spec.update_layout(fig, showlegend=False)
    return spec.finish(fig)


def _row_sums(
    positions: np.ndarray, row_sums: Sequence[np.ndarray], names: Sequence[str], *, title: str | None = None
) -> spec.Figure:
    """Σ_n W_mn against the query position m for each method; 1 is where a probability distribution sits."""
    positions = np.asarray(positions)
    if len(row_sums) != len(names):
        raise ValueError(f"need one name per row-sum curve, got {len(row_sums)} curves and {len(names)} names")
    fig = spec.figure()
    dashes = ("solid", "dash", "solid", "dot")
    for index, (sums, name) in enumerate(zip(row_sums, names, strict=True)):
        sums = np.asarray(sums, dtype=np.float64)
        if sums.shape != positions.shape:
            raise ValueError(f"row sums for {name!r} must have shape {positions.shape}, got {sums.shape}")
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": positions,
                "y": sums.astype(np.float32),
                "mode": "lines+markers",
                "name": name,
                "line": {"color": OKABE_ITO[index % len(OKABE_ITO)], "width": 2, "dash": dashes[index % len(dashes)]},
                "marker": {"size": 5},
                "hovertemplate": f"{name}<br>query m = %{{x}}<br>row sum = %{{y:.4f}}<extra></extra>",
            },
        )
    spec.add_hline(fig, 1.0, line={"color": "rgba(128,128,128,0.7)", "dash": "dot"}, annotation_text="sum = 1")
    spec.update_xaxes(fig, title={"text": "query position m"})
    spec.update_yaxes(fig, title={"text": "Σₙ weight (row sum)"})
    return style_figure(fig, title=title, height=360)


def _timing(
    lengths: np.ndarray, fast_seconds: np.ndarray, quadratic_seconds: np.ndarray, *, title: str | None = None
) -> spec.Figure:
    """Measured milliseconds of the O(N) and O(N²) forms against sequence length, both axes logarithmic."""
    lengths = np.asarray(lengths)
    fast_seconds = np.asarray(fast_seconds, dtype=np.float64)
    quadratic_seconds = np.asarray(quadratic_seconds, dtype=np.float64)
    if not (lengths.shape == fast_seconds.shape == quadratic_seconds.shape) or lengths.ndim != 1:
        raise ValueError(
            f"lengths and both timings must be 1-D of equal length, got {lengths.shape}, "
            f"{fast_seconds.shape}, {quadratic_seconds.shape}"
        )
    fig = spec.figure()
    for seconds, name, colour, symbol in (
        (fast_seconds, "O(N): running sums (Eq. 19 regrouped)", OKABE_ITO[2], "circle"),
        (quadratic_seconds, "O(N²): full N×N weight matrix", OKABE_ITO[3], "square"),
    ):
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": lengths,
                "y": (seconds * 1e3).astype(np.float32),
                "mode": "lines+markers",
                "name": name,
                "line": {"color": colour, "width": 2},
                "marker": {"size": 9, "symbol": symbol},
                "hovertemplate": f"{name}<br>N = %{{x}}<br>%{{y:.2f}} ms<extra></extra>",
            },
        )
    spec.update_xaxes(
        fig,
        title={"text": "sequence length N (log scale)"},
        type="log",
        tickvals=lengths,
        ticktext=[str(int(n)) for n in lengths],
    )
    spec.update_yaxes(fig, title={"text": "time per call, ms (log scale)"}, type="log", dtick=1, exponentformat="none")
    return style_figure(fig, title=title, height=380)


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def weight_heatmaps_chart(weights: Sequence[np.ndarray], dim: int) -> spec.Chart:
    """The three N × N weightings side by side; Eq. 19's negative weights are ringed."""
    rope_linear = weights[2]
    length = rope_linear.shape[0]
    labels = [str(position) for position in range(length)]
    negative = int(np.count_nonzero(rope_linear < 0))
    return spec.Chart(
        _weight_heatmaps(weights, METHOD_NAMES, title=f"Attention weights, N = {length}, d = {dim}"),
        alt=(
            f"Three {length}-by-{length} heatmaps of attention weights on the same seeded inputs. Softmax with RoPE "
            f"and plain linear attention are non-negative; linear attention with RoPE in the numerator has "
            f"{negative} negative weights, the lowest {rope_linear.min():.4f}."
        ),
        csv=matrix_to_csv(rope_linear, labels, labels, corner="query m \\ key n"),
        filename="ropelab_linear_rope_weights",
    )


def row_sums_chart(positions: np.ndarray, row_sums: Sequence[np.ndarray]) -> spec.Chart:
    """How much total weight each query hands out under each weighting (1 for a probability distribution)."""
    return spec.Chart(
        _row_sums(positions, row_sums, METHOD_NAMES, title="Row sums: how much total weight each query hands out"),
        alt=(
            f"Row sums against query position: softmax and plain linear stay at 1, Eq. 19 ranges from "
            f"{row_sums[2].min():.3f} to {row_sums[2].max():.3f}."
        ),
        csv=columns_to_csv({"query_m": positions, **dict(zip(METHOD_NAMES, row_sums, strict=True))}),
    )


def timing_chart(timing: LinearTiming, dim: int) -> spec.Chart:
    """The measured cost of the O(N) and O(N²) forms of Eq. 19 against N."""
    fast_ms, quadratic_ms = timing.fast_seconds * 1e3, timing.quadratic_seconds * 1e3
    largest = int(timing.lengths[-1])
    return spec.Chart(
        _timing(timing.lengths, timing.fast_seconds, timing.quadratic_seconds, title=f"Measured cost, d = {dim}"),
        alt=(
            f"Log-log plot of measured time against N from {int(timing.lengths[0])} to {largest}: at N = {largest} "
            f"the O(N) form took {fast_ms[-1]:.1f} ms and the O(N²) form {quadratic_ms[-1]:.1f} ms."
        ),
        csv=columns_to_csv(
            {
                "N": timing.lengths,
                "linear_form_ms": fast_ms,
                "quadratic_form_ms": quadratic_ms,
                "max_abs_difference": timing.max_abs_difference,
            }
        ),
    )
