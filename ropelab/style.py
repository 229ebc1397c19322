"""One visual style for every chart: colour-blind-safe colours, readable fonts, the same margins."""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe–Ito colours, in the order charts use them for categories (methods, vectors, curves).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D00")
QUERY_COLOUR = OKABE_ITO[0]
KEY_COLOUR = OKABE_ITO[1]
HIGHLIGHT_COLOUR = OKABE_ITO[3]

# Sequential data (non-negative magnitudes, probabilities): viridis is perceptually uniform and survives greyscale.
SEQUENTIAL_SCALE = "Viridis"
# Signed data (scores, cos/sin, biases): blue for negative, red for positive, centred on zero by the caller.
DIVERGING_SCALE = "RdBu_r"
# Angles wrap around, so they get a cyclic scale.
CYCLIC_SCALE = "Twilight"

BASE_FONT_SIZE = 14
LECTURE_FONT_SIZE = 22


def style_figure(fig: go.Figure, *, title: str | None = None, height: int = 420) -> go.Figure:
    """Apply the app's shared layout (fonts, margins, legend, hover) to a figure and return it."""
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 30, "t": 60 if title else 30, "b": 50},
        font={"size": BASE_FONT_SIZE},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"namelength": -1},
        colorway=list(OKABE_ITO),
    )
    if title:
        fig.update_layout(title={"text": title, "x": 0, "xanchor": "left"})
    return fig


# Okabe–Ito's blue and black vanish on a dark background; their lighter partners keep the same meaning.
_DARK_BACKGROUND_SWAPS = {"#0072B2": "#56B4E9", "#000000": "#FFFFFF", "black": "white"}


def adapt_to_dark_background(fig: go.Figure) -> go.Figure:
    """Swap the palette colours that are unreadable on a dark background for lighter ones, in place."""
    swaps = {key.lower(): value for key, value in _DARK_BACKGROUND_SWAPS.items()}

    def swap(colour):
        return swaps.get(colour.lower(), colour) if isinstance(colour, str) else colour

    for trace in fig.data:
        for part in ("line", "marker"):
            holder = getattr(trace, part, None)
            if holder is not None and getattr(holder, "color", None) is not None:
                holder.color = swap(holder.color)
    if fig.layout.colorway:
        fig.layout.colorway = [swap(colour) for colour in fig.layout.colorway]
    return fig


def scale_fonts_for_lecture(fig: go.Figure) -> go.Figure:
    """Enlarge every font of a figure so it reads from the back of a lecture hall."""
    # Streamlit's chart theme sets tick and title sizes explicitly, so each one is raised, not only the default.
    size = LECTURE_FONT_SIZE
    fig.update_layout(font={"size": size}, title_font_size=size + 4, legend_font_size=size, hoverlabel_font_size=size)
    fig.update_xaxes(tickfont_size=size - 2, title_font_size=size)
    fig.update_yaxes(tickfont_size=size - 2, title_font_size=size)
    fig.update_annotations(font_size=size)
    for trace in fig.data:
        if "colorbar" in trace:
            trace.colorbar.tickfont.size = size - 2
    return fig


def symmetric_range(values) -> tuple[float, float]:
    """A colour range centred on zero that covers every value (for diverging scales)."""
    import numpy as np

    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    bound = bound if bound > 0 else 1.0
    return -bound, bound
