"""The home page's chart: clock faces, each RoPE pair drawn as a hand on the unit circle at its own angle."""

from __future__ import annotations

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.style import OKABE_ITO, style_figure

_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 97)


def _clock_hands(angles: np.ndarray, labels: list[str], *, title: str | None = None) -> spec.Figure:
    """One small clock per pair with its hand at the given angle (radians, counter-clockwise from +x)."""
    angles = np.asarray(angles, dtype=np.float64)
    if angles.ndim != 1 or angles.size != len(labels):
        raise ValueError(f"angles must be 1-D with one entry per label, got shape {angles.shape} for {len(labels)}")
    columns = angles.size
    fig = spec.subplots(1, columns, subplot_titles=list(labels), horizontal_spacing=0.03)
    rim_x, rim_y = np.cos(_CIRCLE).astype(np.float32), np.sin(_CIRCLE).astype(np.float32)
    for column, angle in enumerate(angles, start=1):
        colour = OKABE_ITO[(column - 1) % len(OKABE_ITO)]
        rim = {
            "type": "scatter",
            "x": rim_x,
            "y": rim_y,
            "mode": "lines",
            "line": {"color": "rgba(128,128,128,0.5)", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        }
        hand = {
            "type": "scatter",
            "x": np.array([0.0, np.cos(angle)], dtype=np.float32),
            "y": np.array([0.0, np.sin(angle)], dtype=np.float32),
            "mode": "lines+markers",
            "line": {"color": colour, "width": 4},
            "marker": {"size": [4, 10], "color": colour},
            "name": labels[column - 1],
            "hovertemplate": (
                f"{labels[column - 1]}<br>angle mod 2π = {np.mod(angle, 2 * np.pi):.3f} rad<extra></extra>"
            ),
            "showlegend": False,
        }
        spec.add_trace(fig, rim, row=1, col=column)
        spec.add_trace(fig, hand, row=1, col=column)
    spec.update_xaxes(fig, range=[-1.15, 1.15], visible=False, constrain="domain")
    spec.update_yaxes(fig, range=[-1.15, 1.15], visible=False, scaleanchor="x", scaleratio=1)
    for column in range(2, columns + 1):
        spec.update_yaxes(fig, row=1, col=column, scaleanchor=f"x{column}")
    style_figure(fig, title=title, height=240)
    # Subplot titles sit above the plot area, so the clocks need less margin than the shared default.
    spec.update_layout(fig, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return spec.finish(fig)


def _hand_patch(angle: float, label: str) -> dict:
    return {
        "x": np.array([0.0, np.cos(angle)], dtype=np.float32),
        "y": np.array([0.0, np.sin(angle)], dtype=np.float32),
        "hovertemplate": f"{label}<br>angle mod 2π = {np.mod(angle, 2 * np.pi):.3f} rad<extra></extra>",
    }


def teaser_clocks_chart(
    positions: np.ndarray, inv_freq: np.ndarray, pairs: np.ndarray, angles: np.ndarray, index: int
) -> spec.Chart:
    """A few pairs of one vector as clocks, with a scrubber over the position: the fast hand races, the slow ones crawl.

    `angles` is (positions, pairs): every stop's angles, computed up front; `index` is the position shown now.
    """
    positions = np.asarray(positions)
    angles = np.asarray(angles, dtype=np.float64)
    if angles.shape != (positions.size, len(pairs)) or not 0 <= index < positions.size:
        raise ValueError(f"angles must be (positions, pairs) = ({positions.size}, {len(pairs)}) with a valid index")
    labels = [f"pair {pair}: θ = {inv_freq[pair]:.3g}" for pair in pairs]
    fig = _clock_hands(angles[index], labels)
    hands = [2 * column + 1 for column in range(len(pairs))]  # each clock is a rim, then its hand
    position = int(positions[index])
    scrub = spec.Scrub(
        key="m",
        label="Position m",
        values=[int(value) for value in positions],
        index=index,
        traces=hands,
        frames=[
            {"data": [_hand_patch(angle, label) for angle, label in zip(row, labels, strict=True)]} for row in angles
        ],
        labels=[f"position m = {int(value)}" for value in positions],
        play_ms=150,
    )
    return spec.Chart(
        fig,
        alt=(
            f"Four clock hands at position {position}: pair 0 has turned {angles[index, 0]:.2f} rad, pair "
            f"{pairs[-1]} only {angles[index, -1]:.2f} rad. A scrubber under the clocks moves the position."
        ),
        csv=columns_to_csv({"pair": pairs, "theta": inv_freq[pairs], "angle_rad": angles[index]}),
        scrub=scrub,
    )
