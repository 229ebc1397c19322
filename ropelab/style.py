"""One visual style for every chart: colour-blind-safe colours, readable fonts, the same margins."""

from __future__ import annotations

from typing import Any

from plotly.colors import get_colorscale

from ropelab.figures.spec import Figure, update_layout

# Okabe–Ito colours, in the order charts use them for categories (methods, vectors, curves).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D00")
QUERY_COLOUR = OKABE_ITO[0]
KEY_COLOUR = OKABE_ITO[1]
HIGHLIGHT_COLOUR = OKABE_ITO[3]

# Colour scales are spelled out as [position, colour] stops: names such as "RdBu_r" or "Twilight" exist only in
# plotly.py, and plotly.js, which reads the figure dicts directly, would silently draw its default scale instead.
# Sequential data (non-negative magnitudes, probabilities): viridis is perceptually uniform and survives greyscale.
SEQUENTIAL_SCALE = get_colorscale("Viridis")
# Signed data (scores, cos/sin, biases): blue for negative, red for positive, centred on zero by the caller.
DIVERGING_SCALE = get_colorscale("RdBu_r")
# Angles wrap around, so they get a cyclic scale.
CYCLIC_SCALE = get_colorscale("Twilight")
# Pictures (image patches): white for 0, black for 1, as plotly.py's "Greys" draws them.
GREY_SCALE = get_colorscale("Greys")

BASE_FONT_SIZE = 14
LECTURE_FONT_SIZE = 22
# Lecture-size letters need more room, or long axis titles run past the plot and legends squeeze it flat.
LECTURE_HEIGHT_FACTOR = 1.3


def style_figure(fig: Figure, *, title: str | None = None, height: int = 420) -> Figure:
    """Apply the app's shared layout (fonts, margins, legend, hover) to a figure dict, in place, and return it."""
    update_layout(
        fig,
        height=height,
        margin={"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        font={"size": BASE_FONT_SIZE},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"namelength": -1},
        colorway=list(OKABE_ITO),
    )
    if title:
        update_layout(fig, title={"text": title, "x": 0, "xanchor": "left"})
    return fig


# Okabe–Ito's blue and black vanish on a dark background; their lighter partners keep the same meaning. The chart
# element (static/ropelab/chart.js) swaps them in the browser whenever the theme is dark, so a live switch between
# light and dark re-colours the same plot without asking the server.
DARK_BACKGROUND_SWAPS = {"#0072B2": "#56B4E9", "#000000": "#FFFFFF", "black": "white"}


def _with_font_size(holder: Any, size: int) -> dict[str, Any]:
    if isinstance(holder, str):  # plotly.js also reads a bare string as a title's text
        holder = {"text": holder}
    holder = dict(holder) if isinstance(holder, dict) else {}
    holder["font"] = {**holder.get("font", {}), "size": size}
    return holder


def scale_fonts_for_lecture(fig: Figure) -> Figure:
    """A copy of the figure with every font enlarged so it reads from the back of a lecture hall."""
    # Streamlit's chart theme sets tick and title sizes explicitly, so each one is raised, not only the default.
    size = LECTURE_FONT_SIZE
    layout = dict(fig.get("layout", {}))
    layout["height"] = round(layout.get("height", 450) * LECTURE_HEIGHT_FACTOR)  # 450: plotly.js's default
    layout["font"] = {**layout.get("font", {}), "size": size}
    layout["title"] = _with_font_size(layout.get("title"), size + 4)
    layout["legend"] = _with_font_size(layout.get("legend"), size)
    layout["hoverlabel"] = _with_font_size(layout.get("hoverlabel"), size)
    axis_keys = [key for key in layout if key.rstrip("0123456789") in ("xaxis", "yaxis")] or ["xaxis", "yaxis"]
    for key in axis_keys:
        axis = dict(layout.get(key) or {})
        axis["tickfont"] = {**axis.get("tickfont", {}), "size": size - 2}
        axis["title"] = _with_font_size(axis.get("title"), size)
        layout[key] = axis
    if layout.get("annotations"):
        layout["annotations"] = [_with_font_size(note, size) for note in layout["annotations"]]
    # Colour bars live on a trace or on a shared layout coloraxis; both get the tick size.
    data = [_with_colorbar_ticks(trace, size - 2) if "colorbar" in trace else trace for trace in fig.get("data", [])]
    for key in [key for key in layout if key.rstrip("0123456789") == "coloraxis"]:
        layout[key] = _with_colorbar_ticks(layout[key], size - 2)
    return {**fig, "layout": layout, "data": data}


def scale_frame_fonts_for_lecture(frame: dict[str, Any]) -> dict[str, Any]:
    """A scrubber frame whose layout patch (a title, annotations) has lecture-size letters like its figure."""
    layout = frame.get("layout")
    if not layout:
        return frame
    size = LECTURE_FONT_SIZE
    patched = dict(layout)
    if "title" in patched:
        patched["title"] = _with_font_size(patched["title"], size + 4)
    if patched.get("annotations"):
        patched["annotations"] = [_with_font_size(note, size) for note in patched["annotations"]]
    return {**frame, "layout": patched}


def _with_colorbar_ticks(holder: dict[str, Any], size: int) -> dict[str, Any]:
    colorbar = dict(holder.get("colorbar") or {})
    colorbar["tickfont"] = {**colorbar.get("tickfont", {}), "size": size}
    return {**holder, "colorbar": colorbar}


def symmetric_range(values) -> tuple[float, float]:
    """A colour range centred on zero that covers every value (for diverging scales)."""
    import numpy as np

    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    bound = bound if bound > 0 else 1.0
    return -bound, bound
