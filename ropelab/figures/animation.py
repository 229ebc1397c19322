"""A Play/Pause pair and a scrub bar that step through a figure's frames in the browser, with no server trip."""

from __future__ import annotations

from collections.abc import Sequence

from ropelab.figures import spec


def add_position_scrubber(
    fig: spec.Figure,
    positions: Sequence[float],
    *,
    prefix: str,
    active_index: int = 0,
    frame_ms: int = 120,
    current_value_style: dict | None = None,
    slider_placement: dict | None = None,
    button_placement: dict | None = None,
) -> spec.Figure:
    """Attach a scrub bar (one step per frame, named by its integer position) and Play/Pause buttons."""
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    play = {
        "frame": {"duration": frame_ms, "redraw": False},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    labels = [str(int(position)) for position in positions]
    slider = {
        "active": active_index,
        "currentvalue": {"prefix": prefix, **(current_value_style or {})},
        "steps": [{"label": label, "method": "animate", "args": [[label], jump]} for label in labels],
        **(slider_placement or {}),
    }
    buttons = {
        "type": "buttons",
        "direction": "left",
        "xanchor": "left",
        "yanchor": "top",
        "showactive": False,
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            # [None] as the frame list is plotly's way of saying "stop where you are".
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], jump]},
        ],
        **(button_placement or {}),
    }
    spec.update_layout(fig, sliders=[slider], updatemenus=[buttons])
    return fig
