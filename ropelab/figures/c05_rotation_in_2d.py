"""Query and key as arrows on the plane, turned by their positions; every chart scrubs one position in the browser."""

from __future__ import annotations

from typing import Any

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c05_rotation_in_2d import PairStops
from ropelab.style import HIGHLIGHT_COLOUR, KEY_COLOUR, QUERY_COLOUR, style_figure

_GUIDE_COLOUR = "rgba(128,128,128,0.45)"
_CIRCLE_STEPS = 121
# The pair and the shifted pair sit side by side on a wide screen: one plane each, the legend (two rows) below.
PAIR_HEIGHT = 430
_LEGEND_BELOW = {"legend": {"y": -0.26, "yanchor": "top", "x": 0, "xanchor": "left"}, "margin": {"b": 125}}


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


def arrow_patch(tip: np.ndarray, name: str, label: str) -> dict[str, Any]:
    """The part of a labelled arrow a scrubber frame replaces (colours and widths stay the base trace's).

    Plain lists, not typed arrays: a scrubber carries hundreds of these two-point arrows, and encoding each as a
    base64 typed array costs more server time than the whole rest of the chart.
    """
    x, y = round(float(tip[0]), 6), round(float(tip[1]), 6)
    return {
        "x": [0.0, x],
        "y": [0.0, y],
        "name": name,
        "text": ["", label],
        "textposition": "top center" if y >= 0 else "bottom center",
        "hovertemplate": f"{name}<br>x = %{{x:.3f}}<br>y = %{{y:.3f}}<extra></extra>",
    }


def _show_stop(fig: spec.Figure, traces: list[int], frame: dict[str, Any]) -> spec.Figure:
    """Write the current stop's frame into the figure itself, so the base a page sends is base + frames[index]."""
    for trace_index, patch in zip(traces, frame["data"], strict=True):
        fig["data"][trace_index].update(patch)
    spec.merge(fig["layout"], frame.get("layout", {}))
    return fig


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
    """Fix a square, equal-aspect window around the origin (fixed so scrubbing never rescales it)."""
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


def _check_stops(stops: PairStops, index: int) -> int:
    count = stops.scores.shape[0]
    if count < 2 or stops.queries.shape != (count, 2) or stops.keys.shape != (count, 2):
        raise ValueError(
            f"stops need at least 2 rows of queries (S, 2), keys (S, 2) and scores (S,); got {stops.queries.shape}, "
            f"{stops.keys.shape}, {stops.scores.shape}"
        )
    if not 0 <= index < count:
        raise ValueError(f"the current stop must be in [0, {count - 1}], got {index}")
    return count


# ---------------------------------------------------------------------------------------------------------
# The pair: q and k before (dotted) and after turning (solid); the scrubber turns the query through m
# ---------------------------------------------------------------------------------------------------------


def _pair_title(m: int, n: int, theta: float, score: float) -> str:
    return f"m = {m}, n = {n}, θ = {theta:g}: score {score:.3f}"


def _query_name(m: int) -> str:
    return f"R(mθ) q, m = {m}"


def rotated_pair_chart(
    query: np.ndarray, key: np.ndarray, theta: float, m: int, n: int, stops: PairStops
) -> spec.Chart:
    """q and k turned by mθ and nθ, with a scrubber over the query positions in `stops` (the key stays at n)."""
    query, key = _vec2(query, "query"), _vec2(key, "key")
    matches = np.flatnonzero(stops.q_positions == m)
    if matches.size == 0:
        raise ValueError(f"m = {m} must be one of the scrubber's query positions")
    index = int(matches[0])
    _check_stops(stops, index)
    k_turned = stops.keys[index]
    fig = spec.figure(
        [
            _circle_trace(float(np.hypot(*query))),
            _circle_trace(float(np.hypot(*key))),
            arrow_trace(query, name="q (position 0)", colour=QUERY_COLOUR, dashed=True, width=2),
            arrow_trace(key, name="k (position 0)", colour=KEY_COLOUR, dashed=True, width=2),
            arrow_trace(stops.queries[index], name=_query_name(m), colour=QUERY_COLOUR, label="q"),
            arrow_trace(k_turned, name=f"R(nθ) k, n = {n}", colour=KEY_COLOUR, label="k"),
        ]
    )
    _equal_axes(fig, _reach(query, key))
    style_figure(fig, title=_pair_title(m, n, theta, stops.scores[index]), height=PAIR_HEIGHT)
    spec.update_layout(fig, **_LEGEND_BELOW)
    positions = [int(position) for position in stops.q_positions]
    frames = [
        {
            "data": [arrow_patch(tip, _query_name(position), "q")],
            "layout": {"title": {"text": _pair_title(position, n, theta, score)}},
        }
        for position, tip, score in zip(positions, stops.queries, stops.scores, strict=True)
    ]
    _show_stop(fig, [4], frames[index])
    q_turned = stops.queries[index]
    return spec.Chart(
        fig,
        alt=(
            f"Query arrow rotated by {m * theta:.2f} radians and key arrow rotated by {n * theta:.2f} radians; "
            f"their dot product is {stops.scores[index]:.3f}."
        ),
        csv=columns_to_csv(
            {
                "vector": ["q", "k", "R(m theta) q", "R(n theta) k"],
                "x0": [query[0], key[0], q_turned[0], k_turned[0]],
                "x1": [query[1], key[1], q_turned[1], k_turned[1]],
            }
        ),
        scrub=spec.Scrub(
            key="m",
            label="Query position m",
            values=positions,
            index=index,
            traces=[4],
            frames=frames,
            labels=[f"m = {position}, m − n = {position - n}" for position in positions],
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Shift both positions by Δ: the pair turns as a whole and the score stays put
# ---------------------------------------------------------------------------------------------------------


def _shift_title(shift: int, m: int, n: int, before: float, after: float) -> str:
    # Two short lines rather than one long one: a title does not wrap, and this one must fit a phone.
    return f"Δ = {shift}: ({m}, {n}) → ({m + shift}, {n + shift})<br>score {before:.3f} → {after:.3f}"


def shifted_pairs_chart(
    before: tuple[np.ndarray, np.ndarray], m: int, n: int, shift: int, theta: float, stops: PairStops
) -> spec.Chart:
    """The pair at (m, n), dotted, under the same pair at (m + Δ, n + Δ), with a scrubber over the shifts in `stops`."""
    q_before, k_before = _vec2(before[0], "q before"), _vec2(before[1], "k before")
    shifts = np.rint(stops.q_positions - m).astype(int)
    matches = np.flatnonzero(shifts == shift)
    if matches.size == 0:
        raise ValueError(f"Δ = {shift} must be one of the scrubber's shifts")
    index = int(matches[0])
    _check_stops(stops, index)
    score_before = float(q_before @ k_before)
    fig = spec.figure(
        [
            _circle_trace(float(np.hypot(*q_before))),
            _circle_trace(float(np.hypot(*k_before))),
            arrow_trace(q_before, name="q at m", colour=QUERY_COLOUR, dashed=True, width=2),
            arrow_trace(k_before, name="k at n", colour=KEY_COLOUR, dashed=True, width=2),
            arrow_trace(stops.queries[index], name="q at m + Δ", colour=QUERY_COLOUR, label="q"),
            arrow_trace(stops.keys[index], name="k at n + Δ", colour=KEY_COLOUR, label="k"),
        ]
    )
    _equal_axes(fig, _reach(q_before, k_before))
    # No legend (the page's caption says dotted = before, solid = after), so the plane keeps the pair's size.
    style_figure(fig, title=_shift_title(shift, m, n, score_before, stops.scores[index]), height=PAIR_HEIGHT - 55)
    spec.update_layout(fig, showlegend=False, margin={"t": 80, "b": 50})
    frames = [
        {
            "data": [arrow_patch(q_turned, "q at m + Δ", "q"), arrow_patch(k_turned, "k at n + Δ", "k")],
            "layout": {"title": {"text": _shift_title(int(step), m, n, score_before, score)}},
        }
        for step, q_turned, k_turned, score in zip(shifts, stops.queries, stops.keys, stops.scores, strict=True)
    ]
    _show_stop(fig, [4, 5], frames[index])
    score_after = float(stops.scores[index])
    return spec.Chart(
        fig,
        alt=(
            f"The pair at positions ({m}, {n}), dotted, and at ({m + shift}, {n + shift}), solid: the pair is rotated "
            f"as a whole by {shift * theta:.2f} radians and both scores equal {score_before:.3f}."
        ),
        csv=columns_to_csv({"m": [m, m + shift], "n": [n, n + shift], "score": [score_before, score_after]}),
        scrub=spec.Scrub(
            key="shift",
            label="Shift Δ",
            values=[int(step) for step in shifts],
            index=index,
            traces=[4, 5],
            frames=frames,
            labels=[f"Δ = {int(step)}: ({m + int(step)}, {n + int(step)})" for step in shifts],
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# The key sweep: the query stays at m, the key turns through every n, the score traces a cosine in m − n
# ---------------------------------------------------------------------------------------------------------


def _sweep_title(m: int, n: int, score: float) -> str:
    return f"m = {m}, n = {n}, m − n = {m - n}: score {score:.3f}"


def _marker_side(position: int, middle: float) -> str:
    # The readout sits on the side of the marker away from the nearer edge, clear of the axis and its ticks.
    return "top right" if position < middle else "top left"


def _sweep_marker(position: int, score: float, middle: float) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": np.array([position], dtype=np.float32),
        "y": np.array([score], dtype=np.float32),
        "mode": "markers+text",
        "text": [f"{score:.2f}"],
        "textposition": _marker_side(position, middle),
        "marker": {"color": HIGHLIGHT_COLOUR, "size": 13},
        "name": "current n",
        "showlegend": False,
        "hovertemplate": "n = %{x}<br>score = %{y:.3f}<extra></extra>",
    }


def key_sweep_chart(m: int, n: int, theta: float, stops: PairStops) -> spec.Chart:
    """The key turning through every position in `stops` while the query stays at m, and the score curve it traces."""
    positions = np.rint(stops.k_positions).astype(int)
    matches = np.flatnonzero(positions == n)
    if matches.size == 0:
        raise ValueError(f"n = {n} must be one of the scrubber's key positions")
    index = int(matches[0])
    _check_stops(stops, index)
    query_now = stops.queries[index]
    fig = spec.subplots(
        1,
        2,
        column_widths=[0.45, 0.55],
        subplot_titles=["q stays at m, k turns with n", "score for every key position n"],
        horizontal_spacing=0.1,
    )
    spec.add_trace(fig, _circle_trace(float(np.hypot(*stops.keys[index]))), row=1, col=1)
    spec.add_trace(fig, arrow_trace(query_now, name=f"query at m = {m}", colour=QUERY_COLOUR, label="q"), row=1, col=1)
    key_arrow = arrow_trace(stops.keys[index], name=f"key at n = {n}", colour=KEY_COLOUR, label="k")
    spec.add_trace(fig, key_arrow, row=1, col=1)
    curve = {
        "type": "scatter",
        "x": positions.astype(np.float32),
        "y": stops.scores.astype(np.float32),
        "mode": "lines",
        "name": "score",
        "line": {"color": _GUIDE_COLOUR, "width": 2},
        "hovertemplate": "n = %{x}<br>score = %{y:.3f}<extra></extra>",
        "showlegend": False,
    }
    spec.add_trace(fig, curve, row=1, col=2)
    middle = (positions[0] + positions[-1]) / 2
    spec.add_trace(fig, _sweep_marker(n, stops.scores[index], middle), row=1, col=2)
    if positions[0] <= m <= positions[-1]:
        spec.add_vline(
            fig, m, row=1, col=2, line={"color": QUERY_COLOUR, "dash": "dot", "width": 1.5}, annotation_text=" n = m"
        )
    _equal_axes(fig, _reach(query_now, stops.keys[index]), [(1, 1)])
    low, high = float(stops.scores.min()), float(stops.scores.max())
    margin = 0.15 * max(high - low, 1e-9)
    spec.update_xaxes(fig, row=1, col=2, title={"text": "key position n"}, range=[positions[0], positions[-1]])
    spec.update_yaxes(fig, row=1, col=2, title={"text": "score"}, range=[low - margin, high + margin])
    style_figure(fig, title=_sweep_title(m, n, stops.scores[index]), height=460)
    # The title carries the live readout; arrows are labelled at their tips, so no legend is needed.
    spec.update_layout(fig, showlegend=False)
    spec.finish(fig)
    frames = [
        {
            "data": [
                arrow_patch(tip, f"key at n = {position}", "k"),
                {
                    "x": [position],
                    "y": [round(float(score), 6)],
                    "text": [f"{score:.2f}"],
                    "textposition": _marker_side(position, middle),
                },
            ],
            "layout": {"title": {"text": _sweep_title(m, position, score)}},
        }
        for position, tip, score in zip(positions.tolist(), stops.keys, stops.scores, strict=True)
    ]
    _show_stop(fig, [2, 4], frames[index])
    period = 2 * np.pi / theta
    return spec.Chart(
        fig,
        alt=(
            f"The key turns through positions {positions[0]} to {positions[-1]} while the query stays at m = {m}: "
            f"the score oscillates between {low:.2f} and {high:.2f}, peaks where the arrows line up, and repeats "
            f"every {period:.1f} positions."
        ),
        csv=columns_to_csv(
            {"n": positions, "k_x0": stops.keys[:, 0], "k_x1": stops.keys[:, 1], "score_with_query_at_m": stops.scores}
        ),
        scrub=spec.Scrub(
            key="n",
            label="Key position n",
            values=positions.tolist(),
            index=index,
            traces=[2, 4],
            frames=frames,
            labels=[f"n = {position}, m − n = {m - position}" for position in positions.tolist()],
        ),
    )
