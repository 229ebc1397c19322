"""Query and key as arrows on the plane, turned by their positions; a client-side animation over positions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.figures.animation import add_position_scrubber
from ropelab.lessons.c05_rotation_in_2d import PositionSweep
from ropelab.style import HIGHLIGHT_COLOUR, KEY_COLOUR, QUERY_COLOUR, style_figure

_GUIDE_COLOUR = "rgba(128,128,128,0.45)"
_CIRCLE_STEPS = 121


def _vec2(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (2,):
        raise ValueError(f"{name} must be a 2-vector, got shape {array.shape}")
    return array


def arrow_trace(
    tip: np.ndarray,
    *,
    name: str,
    colour: str,
    dashed: bool = False,
    width: float = 4,
    showlegend: bool = True,
    label: str | None = None,
) -> dict[str, Any]:
    """An arrow from the origin to `tip` (a scatter trace dict): a line plus an arrowhead marker along the line.

    `label` writes a short name just beyond the tip, so the arrow reads without a legend.
    """
    tip = _vec2(tip, "tip")
    trace = {
        "type": "scatter",
        "x": np.array([0.0, tip[0]], dtype=np.float32),
        "y": np.array([0.0, tip[1]], dtype=np.float32),
        "mode": "lines+markers+text" if label else "lines+markers",
    }
    if label:  # an unlabelled arrow leaves text unset rather than sending null to plotly.js
        trace["text"] = ["", label]
    trace.update(
        {
            # Put the label beyond the tip, on the side the arrow points to, so it never sits on the arrowhead.
            "textposition": "top center" if tip[1] >= 0 else "bottom center",
            "textfont": {"color": colour, "size": 16},
            "name": name,
            "line": {"color": colour, "width": width, "dash": "dot" if dashed else "solid"},
            "marker": {"symbol": ["circle", "arrow"], "size": [1, 16], "angleref": "previous", "color": colour},
            "opacity": 0.45 if dashed else 1.0,
            "showlegend": showlegend,
            "hovertemplate": f"{name}<br>x = %{{x:.3f}}<br>y = %{{y:.3f}}<extra></extra>",
        }
    )
    return trace


def _circle_trace(radius: float) -> dict[str, Any]:
    turn = np.linspace(0.0, 2.0 * np.pi, _CIRCLE_STEPS)
    return {
        "type": "scatter",
        "x": (radius * np.cos(turn)).astype(np.float32),
        "y": (radius * np.sin(turn)).astype(np.float32),
        "mode": "lines",
        "line": {"color": _GUIDE_COLOUR, "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _equal_axes(fig: spec.Figure, reach: float, rows_cols: list[tuple[int, int]] | None = None) -> None:
    """Fix a square, equal-aspect window around the origin (fixed so animation frames never rescale it)."""
    window = [-reach, reach]
    targets = rows_cols or [(None, None)]
    for index, (row, col) in enumerate(targets, start=1):
        anchor = "x" if index == 1 else f"x{index}"
        spec.update_xaxes(fig, row=row, col=col, range=window, zeroline=True, title={"text": "x₀"}, constrain="domain")
        spec.update_yaxes(
            fig, row=row, col=col, range=window, zeroline=True, title={"text": "x₁"}, scaleanchor=anchor, scaleratio=1
        )


def _reach(*vectors: np.ndarray) -> float:
    return 1.2 * max(float(np.hypot(*vector)) for vector in vectors)


def _rotated_pair(
    q: np.ndarray,
    k: np.ndarray,
    q_rotated: np.ndarray,
    k_rotated: np.ndarray,
    *,
    m: int,
    n: int,
    title: str | None = None,
) -> spec.Figure:
    """q and k before (dotted) and after rotation by their positions m and n (solid)."""
    q, k, q_rotated, k_rotated = (
        _vec2(v, label) for v, label in ((q, "q"), (k, "k"), (q_rotated, "q_rotated"), (k_rotated, "k_rotated"))
    )
    fig = spec.figure(
        [
            _circle_trace(float(np.hypot(*q))),
            _circle_trace(float(np.hypot(*k))),
            arrow_trace(q, name="q (position 0)", colour=QUERY_COLOUR, dashed=True, width=2),
            arrow_trace(k, name="k (position 0)", colour=KEY_COLOUR, dashed=True, width=2),
            arrow_trace(q_rotated, name=f"R(mθ) q, m = {m}", colour=QUERY_COLOUR, label="q"),
            arrow_trace(k_rotated, name=f"R(nθ) k, n = {n}", colour=KEY_COLOUR, label="k"),
        ]
    )
    _equal_axes(fig, _reach(q, k))
    style_figure(fig, title=title, height=500)
    spec.update_layout(fig, legend={"y": -0.18, "yanchor": "top", "x": 0, "xanchor": "left"}, margin={"b": 110})
    return fig


def _shifted_pairs(
    panels: list[tuple[np.ndarray, np.ndarray, str]], q_label: str = "query", k_label: str = "key"
) -> spec.Figure:
    """Side-by-side planes, one per (q_rotated, k_rotated, subtitle) panel, on identical axes."""
    if not panels:
        raise ValueError("panels must contain at least one (q_rotated, k_rotated, subtitle) entry")
    fig = spec.subplots(1, len(panels), subplot_titles=[subtitle for _, _, subtitle in panels])
    vectors = []
    for column, (q_rotated, k_rotated, _) in enumerate(panels, start=1):
        q_rotated, k_rotated = _vec2(q_rotated, "q_rotated"), _vec2(k_rotated, "k_rotated")
        vectors += [q_rotated, k_rotated]
        spec.add_trace(fig, _circle_trace(float(np.hypot(*q_rotated))), row=1, col=column)
        spec.add_trace(
            fig,
            arrow_trace(q_rotated, name=q_label, colour=QUERY_COLOUR, showlegend=False, label="q"),
            row=1,
            col=column,
        )
        spec.add_trace(
            fig,
            arrow_trace(k_rotated, name=k_label, colour=KEY_COLOUR, showlegend=False, label="k"),
            row=1,
            col=column,
        )
    _equal_axes(fig, _reach(*vectors), [(1, column) for column in range(1, len(panels) + 1)])
    return spec.finish(style_figure(fig, height=420))


def _position_sweep(
    positions: np.ndarray,
    q_rotated: np.ndarray,
    k_rotated: np.ndarray,
    scores: np.ndarray,
    *,
    n: int,
    start_index: int = 0,
    frame_ms: int = 120,
) -> spec.Figure:
    """Animated in the browser: q turns through every position while k stays at n; the score curve follows.

    positions (M,), q_rotated (M, 2) = R(mθ)q for each m, k_rotated (2,) = R(nθ)k, scores (M,). Each frame
    swaps only the q arrow and the score marker, so scrubbing needs no server round trip and no redraw.
    """
    positions = np.asarray(positions)
    q_rotated = np.asarray(q_rotated, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    k_rotated = _vec2(k_rotated, "k_rotated")
    count = positions.shape[0]
    if positions.ndim != 1 or q_rotated.shape != (count, 2) or scores.shape != (count,) or count == 0:
        raise ValueError(
            f"need positions (M,), q_rotated (M, 2), scores (M,); got {positions.shape}, {q_rotated.shape}, "
            f"{scores.shape}"
        )
    if not 0 <= start_index < count:
        raise ValueError(f"start_index must be in [0, {count - 1}], got {start_index}")

    fig = spec.subplots(
        1,
        2,
        column_widths=[0.45, 0.55],
        subplot_titles=["q turns with m, k stays at n", "score ⟨R(mθ)q, R(nθ)k⟩ for every m"],
        horizontal_spacing=0.1,
    )
    reach = _reach(q_rotated[0], k_rotated)
    spec.add_trace(fig, _circle_trace(float(np.hypot(*q_rotated[0]))), row=1, col=1)
    spec.add_trace(fig, arrow_trace(k_rotated, name=f"key at n = {n}", colour=KEY_COLOUR, label="k"), row=1, col=1)
    spec.add_trace(fig, _sweep_query(q_rotated[start_index], positions[start_index]), row=1, col=1)
    curve = {
        "type": "scatter",
        "x": positions.astype(np.float32),
        "y": scores.astype(np.float32),
        "mode": "lines",
        "name": "score",
        "line": {"color": _GUIDE_COLOUR, "width": 2},
        "hovertemplate": "m = %{x}<br>score = %{y:.3f}<extra></extra>",
        "showlegend": False,
    }
    spec.add_trace(fig, curve, row=1, col=2)
    spec.add_trace(fig, _sweep_marker(positions[start_index], scores[start_index]), row=1, col=2)
    animated = [2, 4]  # indices of the query arrow and the score marker: the only traces a frame replaces

    fig["frames"] = [
        {
            "name": str(int(position)),
            "data": [_sweep_query(q_rotated[index], position), _sweep_marker(position, scores[index])],
            "traces": animated,
            "layout": {"title": {"text": _sweep_title(position, n, scores[index])}},
        }
        for index, position in enumerate(positions)
    ]
    add_position_scrubber(
        fig,
        positions,
        prefix="query position m = ",
        active_index=start_index,
        frame_ms=frame_ms,
        current_value_style={"xanchor": "right"},
        slider_placement={"x": 0.16, "len": 0.84, "y": -0.23, "yanchor": "top", "pad": {"t": 0}},
        button_placement={"x": 0, "y": -0.27},
    )
    _equal_axes(fig, reach, [(1, 1)])
    low, high = float(scores.min()), float(scores.max())
    margin = 0.1 * max(high - low, 1e-9)
    spec.update_xaxes(fig, row=1, col=2, title={"text": "query position m"}, range=[positions[0], positions[-1]])
    spec.update_yaxes(fig, row=1, col=2, title={"text": "score"}, range=[low - margin, high + margin])
    style_figure(fig, title=_sweep_title(positions[start_index], n, scores[start_index]), height=580)
    # The frame title carries the live readout; arrows are labelled at their tips, so no legend is needed.
    spec.update_layout(fig, margin={"b": 170, "t": 90}, showlegend=False)
    return spec.finish(fig)


def _sweep_query(tip: np.ndarray, position) -> dict[str, Any]:
    return arrow_trace(tip, name=f"query at m = {int(position)}", colour=QUERY_COLOUR, label="q")


def _sweep_marker(position, score: float) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": np.array([position], dtype=np.float32),
        "y": np.array([score], dtype=np.float32),
        "mode": "markers+text",
        "text": [f"{score:.2f}"],
        "textposition": "top center",
        "marker": {"color": HIGHLIGHT_COLOUR, "size": 13},
        "name": "current m",
        "showlegend": False,
        "hovertemplate": "m = %{x}<br>score = %{y:.3f}<extra></extra>",
    }


def _sweep_title(position, n: int, score: float) -> str:
    return f"m = {int(position)}, n = {n}, m − n = {int(position) - n}: score = {score:.3f}"


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def rotated_pair_chart(
    query: np.ndarray, key: np.ndarray, m: int, n: int, theta: float, q_turned: np.ndarray, k_turned: np.ndarray,
    score: float,
) -> spec.Chart:  # fmt: skip
    """q and k before and after being turned by mθ and nθ, with their score."""
    return spec.Chart(
        _rotated_pair(
            query, key, q_turned, k_turned, m=m, n=n, title=f"q turned by {m}θ, k turned by {n}θ (θ = {theta:g} rad)"
        ),
        alt=(
            f"Query arrow rotated by {m * theta:.2f} radians and key arrow rotated by {n * theta:.2f} radians; "
            f"their dot product is {score:.3f}."
        ),
        csv=columns_to_csv(
            {
                "vector": ["q", "k", "R(m theta) q", "R(n theta) k"],
                "x0": [query[0], key[0], q_turned[0], k_turned[0]],
                "x1": [query[1], key[1], q_turned[1], k_turned[1]],
            }
        ),
    )


def shifted_pairs_chart(
    before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray], m: int, n: int, shift: int,
    theta: float, scores: tuple[float, float],
) -> spec.Chart:  # fmt: skip
    """The pair at (m, n) next to the same pair at (m + Δ, n + Δ): turned as a whole, the same score."""
    return spec.Chart(
        _shifted_pairs(
            [
                (*before, f"m = {m}, n = {n}: score {scores[0]:.3f}"),
                (*after, f"m = {m + shift}, n = {n + shift}: score {scores[1]:.3f}"),
            ]
        ),
        alt=(
            f"Two panels: positions ({m}, {n}) and ({m + shift}, {n + shift}); the pair is rotated as a whole by "
            f"{shift * theta:.2f} radians and both scores equal {scores[0]:.3f}."
        ),
        csv=columns_to_csv({"m": [m, m + shift], "n": [n, n + shift], "score": list(scores)}),
    )


def position_sweep_chart(sweep: PositionSweep, theta: float, start_index: int) -> spec.Chart:
    """The query turning through every position (animated in the browser) and the score curve it traces."""
    first, last = int(sweep.positions[0]), int(sweep.positions[-1])
    return spec.Chart(
        _position_sweep(sweep.positions, sweep.queries, sweep.key, sweep.scores, n=sweep.n, start_index=start_index),
        alt=(
            f"Animation over query positions {first} to {last} with the key fixed at n = {sweep.n}: the score "
            f"oscillates between {sweep.scores.min():.2f} and {sweep.scores.max():.2f}, repeating every "
            f"{2 * np.pi / theta:.1f} positions."
        ),
        csv=columns_to_csv(
            {
                "m": sweep.positions,
                "q_x0": sweep.queries[:, 0],
                "q_x1": sweep.queries[:, 1],
                "score_with_key_at_n": sweep.scores,
            }
        ),
    )
