"""Chapter 10's charts: one token pair's logit under each position scheme, as the pair slides or moves apart."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.style import OKABE_ITO, style_figure

# Display names and line styles; RoPE is drawn thickest because it is the subject of the chapter.
SCHEME_LABELS = {
    "nope": "NoPE (no positions)",
    "sinusoidal": "Sinusoidal (absolute)",
    "learned": "Learned (absolute)",
    "t5": "T5 bias (relative)",
    "alibi": "ALiBi (relative)",
    "rope": "RoPE (rotary)",
}
_STYLE = {
    "nope": {"color": "#888888", "width": 2, "dash": "dot"},
    "sinusoidal": {"color": OKABE_ITO[1], "width": 2, "dash": "solid"},
    "learned": {"color": OKABE_ITO[3], "width": 1.5, "dash": "solid"},
    "t5": {"color": OKABE_ITO[2], "width": 2, "dash": "dash"},
    "alibi": {"color": OKABE_ITO[4], "width": 2, "dash": "dash"},
    "rope": {"color": OKABE_ITO[0], "width": 4, "dash": "solid"},
}


def _line_traces(fig: spec.Figure, x: np.ndarray, scores: Mapping[str, np.ndarray], hover_x: str) -> None:
    for method, values in scores.items():
        label = SCHEME_LABELS.get(method, method)
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": np.asarray(x, dtype=np.float32),
                "y": np.asarray(values, dtype=np.float32),
                "mode": "lines",
                "name": label,
                # A copy: the module-wide style must not change if a later step edits this trace's line.
                "line": dict(_STYLE.get(method, {})),
                "hovertemplate": f"{label}<br>{hover_x} = %{{x}}<br>logit = %{{y:.3f}}<extra></extra>",
            },
        )


def _shift_scores(
    shifts: np.ndarray,
    scores: Mapping[str, np.ndarray],
    *,
    distance: int,
    table_length: int | None = None,
    title: str | None = None,
) -> spec.Figure:
    """Logit of the same token pair `distance` apart against the key's position, one line per scheme.

    Flat lines mean the scheme only sees the distance; NaN entries (no learned row) leave a gap. With
    `table_length`, a marker shows where the learned table runs out (query position = table_length - 1).
    """
    shifts = np.asarray(shifts)
    for method, values in scores.items():
        if np.shape(values) != shifts.shape:
            raise ValueError(f"scores[{method!r}] has shape {np.shape(values)}, expected {shifts.shape}")
    fig = spec.figure()
    _line_traces(fig, shifts, scores, "key position p")
    if table_length is not None:
        last_key = table_length - 1 - distance
        spec.add_vline(fig, last_key, line={"color": _STYLE["learned"]["color"], "dash": "dot", "width": 1.5})
        # spec.add_vline would label the right of the line; this label goes left of it, as plotly's "top left" did.
        spec.add_top_label(fig, f"learned table ends (query at {table_length - 1})", last_key, xanchor="right")
    spec.update_xaxes(fig, title={"text": f"position p of the key token (query at p + {distance})"}, rangemode="tozero")
    spec.update_yaxes(fig, title={"text": "logit q·k/√d (+ bias)"})
    return spec.legend_below(style_figure(fig, title=title, height=520), rows=2)


def _distance_scores(
    distances: np.ndarray,
    scores: Mapping[str, np.ndarray],
    *,
    marked_distance: int | None = None,
    unbounded: tuple[str, ...] = ("alibi",),
    title: str | None = None,
) -> spec.Figure:
    """Logit of the same token pair against their distance r, one line per scheme (key at a fixed position).

    Schemes in `unbounded` (ALiBi's linear penalty) would squash every other line, so the y-range is fitted
    to the rest and those lines run off the bottom with a note saying where they end.
    """
    distances = np.asarray(distances)
    for method, values in scores.items():
        if np.shape(values) != distances.shape:
            raise ValueError(f"scores[{method!r}] has shape {np.shape(values)}, expected {distances.shape}")
    fig = spec.figure()
    _line_traces(fig, distances, scores, "distance r")
    if marked_distance is not None:
        # spec.add_vline's label sits where plotly's annotation_position="top right" put it: top, right of the line.
        spec.add_vline(
            fig,
            marked_distance,
            line={"color": "#888888", "dash": "dot", "width": 1.5},
            annotation_text=f"r = {marked_distance} (chart above)",
        )
    bounded = [np.asarray(v, dtype=float) for m, v in scores.items() if m not in unbounded]
    bounded = np.concatenate(bounded) if bounded else np.array([])
    bounded = bounded[np.isfinite(bounded)]
    clipped = [m for m in unbounded if m in scores and np.nanmin(scores[m]) < (bounded.min() if bounded.size else 0)]
    if bounded.size and clipped:
        pad = 0.08 * max(float(np.ptp(bounded)), 1.0)
        spec.update_yaxes(fig, range=[float(bounded.min()) - pad, float(bounded.max()) + pad])
        ends = ", ".join(f"{SCHEME_LABELS.get(m, m)} reaches {float(np.nanmin(scores[m])):.1f}" for m in clipped)
        spec.add_annotation(
            fig,
            text=f"off the bottom: {ends}",
            xref="paper",
            yref="paper",
            x=1,
            y=0.02,
            xanchor="right",
            showarrow=False,
            font={"size": 12},
        )
    spec.update_xaxes(fig, title={"text": "distance r between the two tokens (tokens)"})
    spec.update_yaxes(fig, title={"text": "logit q·k/√d (+ bias)"})
    return spec.legend_below(style_figure(fig, title=title, height=500), rows=2)


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def shift_scores_chart(
    shifts: np.ndarray, scores: Mapping[str, np.ndarray], *, distance: int, table_length: int, dim: int
) -> spec.Chart:
    """One token pair, always r apart, slid along the sequence: a flat line means only the distance counts."""
    return spec.Chart(
        _shift_scores(
            shifts,
            scores,
            distance=distance,
            table_length=table_length,
            title=f"Same two tokens, always r = {distance} apart, slid along the sequence (d = {dim})",
        ),
        alt=(
            f"Logit of one token pair {distance} apart as the pair slides from position 0 to {2 * table_length}: "
            "RoPE, T5, ALiBi and no-position lines are flat; sinusoidal and learned absolute lines wander, and the "
            f"learned line stops where its {table_length}-row table ends."
        ),
        csv=columns_to_csv({"key_position": shifts, **{f"logit_{name}": values for name, values in scores.items()}}),
    )


def distance_scores_chart(distances: np.ndarray, scores: Mapping[str, np.ndarray], *, marked: int) -> spec.Chart:
    """The same pair moved apart, key fixed at position 0, one line per scheme."""
    return spec.Chart(
        _distance_scores(
            distances,
            scores,
            marked_distance=marked,
            title="The same two tokens moved apart (key fixed at position 0)",
        ),
        alt=(
            f"Logit of the same token pair against distance 1 to {distances[-1]}: ALiBi falls in a straight line, "
            "T5 steps between buckets, RoPE oscillates, the learned line ends at the table's last row."
        ),
        csv=columns_to_csv({"distance": distances, **{f"logit_{name}": values for name, values in scores.items()}}),
    )
