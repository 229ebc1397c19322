"""Clock faces: each RoPE pair drawn as a hand on the unit circle, turning at its own frequency."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ropelab.style import OKABE_ITO, style_figure


def clock_hands_figure(angles: np.ndarray, labels: list[str], *, title: str | None = None) -> go.Figure:
    """One small clock per pair with its hand at the given angle (radians, counter-clockwise from +x)."""
    angles = np.asarray(angles, dtype=np.float64)
    if angles.ndim != 1 or angles.size != len(labels):
        raise ValueError(f"angles must be 1-D with one entry per label, got shape {angles.shape} for {len(labels)}")
    columns = angles.size
    fig = make_subplots(rows=1, cols=columns, subplot_titles=labels, horizontal_spacing=0.03)
    circle = np.linspace(0.0, 2.0 * np.pi, 97)
    for column, angle in enumerate(angles, start=1):
        colour = OKABE_ITO[(column - 1) % len(OKABE_ITO)]
        fig.add_trace(
            go.Scatter(
                x=np.cos(circle).astype(np.float32),
                y=np.sin(circle).astype(np.float32),
                mode="lines",
                line={"color": "rgba(128,128,128,0.5)", "width": 1},
                hoverinfo="skip",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        fig.add_trace(
            go.Scatter(
                x=np.array([0.0, np.cos(angle)], dtype=np.float32),
                y=np.array([0.0, np.sin(angle)], dtype=np.float32),
                mode="lines+markers",
                line={"color": colour, "width": 4},
                marker={"size": [4, 10], "color": colour},
                name=labels[column - 1],
                hovertemplate=(
                    f"{labels[column - 1]}<br>angle mod 2π = {np.mod(angle, 2 * np.pi):.3f} rad<extra></extra>"
                ),
                showlegend=False,
            ),
            row=1,
            col=column,
        )
    fig.update_xaxes(range=[-1.15, 1.15], visible=False, constrain="domain")
    fig.update_yaxes(range=[-1.15, 1.15], visible=False, scaleanchor="x", scaleratio=1)
    for column in range(2, columns + 1):
        fig.update_yaxes(scaleanchor=f"x{column}", row=1, col=column)
    style_figure(fig, title=title, height=240)
    # Subplot titles sit above the plot area, so the clocks need less margin than the shared default.
    fig.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
