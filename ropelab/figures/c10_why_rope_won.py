"""Chapter 10's charts: one token pair's logit under each position scheme, as the pair slides or moves apart."""

from __future__ import annotations

import functools
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
    position: float | None = None,
    title: str | None = None,
) -> spec.Figure:
    """Logit of the same token pair `distance` apart against the key's position, one line per scheme.

    Flat lines mean the scheme only sees the distance; NaN entries (no learned row) leave a gap. With
    `table_length`, a marker shows where the learned table runs out (query position = table_length - 1).
    With `position`, the pair stands at key position `position`: a dot on every line (trace 6), a vertical line
    through them (trace 7), and under the chart a strip of the sequence with the two tokens (trace 8) and the
    learned table's rows shaded.
    """
    shifts = np.asarray(shifts)
    for method, values in scores.items():
        if np.shape(values) != shifts.shape:
            raise ValueError(f"scores[{method!r}] has shape {np.shape(values)}, expected {shifts.shape}")
    if position is None:
        fig = spec.figure()
    else:
        fig = spec.subplots(2, 1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.82, 0.18])
    _line_traces(fig, shifts, scores, "key position p")
    if position is not None:
        for trace in _pair_traces(shifts, scores, position, distance):
            spec.add_trace(fig, trace, row=trace.pop("_row"), col=1)
    if table_length is not None:
        last_key = table_length - 1 - distance
        spec.add_vline(fig, last_key, line={"color": _STYLE["learned"]["color"], "dash": "dot", "width": 1.5})
        # spec.add_vline would label the right of the line; this label goes left of it, as plotly's "top left" did.
        spec.add_top_label(fig, "learned table ends", last_key, xanchor="right")
    x_title = {"text": f"position p of the key token (query at p + {distance})"}
    if position is None:
        spec.update_xaxes(fig, title=x_title, rangemode="tozero")
    else:
        # The strip shows the query too, r tokens right of the key: both panels run to the last query position.
        end = float(shifts.max()) + distance
        spec.update_xaxes(fig, range=[-0.01 * end, 1.01 * end])
        spec.update_xaxes(fig, row=2, col=1, title=x_title)
        spec.update_yaxes(fig, row=2, col=1, range=[-1, 1], showticklabels=False, showgrid=False, zeroline=False)
        if table_length is not None:
            # A filled trace rather than a shape, so the legend names it and no label has to fit on a phone.
            band = {
                "type": "scatter", "mode": "lines", "fill": "toself", "fillcolor": "rgba(213, 94, 0, 0.14)",
                "x": np.array([-0.5, table_length - 0.5, table_length - 0.5, -0.5, -0.5], dtype=np.float32),
                "y": np.array([-1, -1, 1, 1, -1], dtype=np.float32), "line": {"width": 0},
                "name": f"learned table: rows 0 … {table_length - 1}", "hoverinfo": "skip",
            }  # fmt: skip
            spec.add_trace(fig, band, row=2, col=1)
    spec.update_yaxes(fig, row=1 if position is not None else None, title={"text": "logit q·k/√d (+ bias)"})
    fig = spec.legend_below(style_figure(fig, title=title, height=500 if position else 520), rows=2)
    if position is not None:
        # The strip's axis title sits lower than a single panel's: the legend goes a little further down.
        spec.update_layout(fig, legend={"y": -0.24}, margin={"b": 160})
    return spec.finish(fig)


def _logits_at(shifts: np.ndarray, scores: Mapping[str, np.ndarray], position: float) -> list[float]:
    index = int(np.flatnonzero(np.asarray(shifts) == position)[0])
    return [float(np.asarray(values, dtype=float)[index]) for values in scores.values()]


def _dot_heights(values) -> list[float | None]:
    """Logits as the short lists a scrubber stop sends: float32's precision, NaN as None (a gap in plotly.js)."""
    return [None if value != value else float(f"{value:.7g}") for value in np.asarray(values, dtype=float).tolist()]


def _pair_traces(shifts, scores, position: float, distance: int) -> list[dict]:
    """The pair at key position `position`: dots on the lines, a line through them, the two tokens on the strip."""
    finite = np.concatenate([np.asarray(v, dtype=float).ravel() for v in scores.values()])
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    colours = [_STYLE.get(method, {}).get("color", "#888888") for method in scores]
    names = [SCHEME_LABELS.get(method, method) for method in scores]
    return [
        {
            "_row": 1, "type": "scatter", "mode": "markers", "name": "the pair now",
            # Plain lists, as every scrubber stop sends them (see shift_scores_chart).
            "x": [position] * len(names),
            "y": _dot_heights(_logits_at(shifts, scores, position)),
            "marker": {"color": colours, "size": 11, "line": {"color": "white", "width": 1.5}},
            "customdata": names, "showlegend": False,
            "hovertemplate": "%{customdata}<br>key at p = %{x}<br>logit = %{y:.3f}<extra></extra>",
        },
        {
            "_row": 1, "type": "scatter", "mode": "lines", "name": "key position now",
            "x": [position, position], "y": [low, high],
            "line": {"color": "#888888", "width": 1}, "hoverinfo": "skip", "showlegend": False,
        },
        {
            "_row": 2, "type": "scatter", "mode": "markers+text", "name": "the two tokens",
            "x": [position, position + distance], "y": [0, 0],
            # Above and below, so r = 1 does not make them collide; unclipped, so a pair at the end keeps its words.
            "text": ["key", "query"], "textposition": ["top center", "bottom center"], "cliponaxis": False,
            "marker": {"color": [_STYLE["rope"]["color"], OKABE_ITO[1]], "size": 12, "symbol": "square"},
            "hovertemplate": "%{text} at position %{x}<extra></extra>", "showlegend": False,
        },
    ]  # fmt: skip


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
    shifts: np.ndarray,
    scores: Mapping[str, np.ndarray],
    *,
    distance: int,
    table_length: int,
    dim: int,
    position: int | None = None,
) -> spec.Chart:
    """One token pair, always r apart, slid along the sequence: a flat line means only the distance counts.

    With `position` (one of `shifts`), the pair stands there and a scrubber slides it through every shift: the
    dots on the lines and the two tokens on the strip below move while the reader drags, and the released
    position goes to the URL-bound control "p".
    """
    shifts = np.asarray(shifts)
    if position is not None and not np.any(shifts == position):
        raise ValueError(f"position {position} is not one of the shifts")
    figure = _shift_scores(
        shifts,
        scores,
        distance=distance,
        table_length=table_length,
        position=position,
        title=f"Slid along, r = {distance} apart (d = {dim})",  # short enough for a phone
    )
    alt = (
        f"Logit of one token pair {distance} apart as the pair slides from position 0 to {int(shifts.max())}: "
        "RoPE, T5, ALiBi and no-position lines are flat; sinusoidal and learned absolute lines wander, and the "
        f"learned line stops where its {table_length}-row table ends."
    )
    # Made only when the reader asks for it (writing 129 × 6 numbers as text costs more than the chart itself).
    csv = functools.partial(
        columns_to_csv, {"key_position": shifts, **{f"logit_{name}": values for name, values in scores.items()}}
    )
    if position is None:
        return spec.Chart(figure, alt=alt, csv=csv)
    lines = len(scores)
    # Every stop's dots, all at once; a few numbers per stop travel as plain lists (a typed array per stop would
    # cost more to encode than it saves), NaN going out as null, a gap where the learned table has no row.
    at_stops = np.stack([np.asarray(values, dtype=np.float64) for values in scores.values()], axis=1)
    frames = [
        {
            "data": [
                {"x": [stop] * lines, "y": _dot_heights(row)},
                {"x": [stop, stop]},
                {"x": [stop, stop + distance]},
            ]
        }
        for stop, row in zip(shifts.tolist(), at_stops, strict=True)
    ]
    labels = [
        f"key at p = {int(stop)}, query at {int(stop) + distance}"
        + (" (past the learned table)" if stop + distance >= table_length else "")
        for stop in shifts.tolist()
    ]
    here = _logits_at(shifts, scores, position)
    named = ", ".join(
        f"{SCHEME_LABELS.get(method, method)} {value:.2f}" for method, value in zip(scores, here, strict=True)
        if np.isfinite(value)
    )  # fmt: skip
    return spec.Chart(
        figure,
        alt=f"{alt} The pair stands with its key at position {position}: {named}.",
        csv=csv,
        scrub=spec.Scrub(
            key="p",
            label="Key position p",
            values=[int(stop) for stop in shifts.tolist()],
            index=int(np.flatnonzero(shifts == position)[0]),
            traces=[lines, lines + 1, lines + 2],
            frames=frames,
            labels=labels,
            play_ms=60,
        ),
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
