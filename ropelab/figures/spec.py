"""Figures as plain dicts, the JSON shape plotly.js reads, built without plotly.py's graph objects.

Why: a graph object validates and deep-copies every property it is given. On this app's pages that was 80–90 %
of a rerun's server time (a 64-frame animation alone took ~270 ms), which made every slider press slow and capped
how many visitors one process could serve. Builders therefore assemble dicts with the helpers below, and the
test-suite passes every builder's output through ``plotly.graph_objects.Figure``, whose validation rejects a
misspelt or out-of-place property, so the checking still happens, once, in the tests instead of on every press.

A figure is ``{"data": [trace, ...], "layout": {...}, "frames": [...]}``; a trace is ``{"type": "scatter", ...}``.
Subplot grids come from plotly's own ``make_subplots`` (computed once per grid shape and cached), so axis domains
and subplot titles are laid out exactly as before.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Figure = dict[str, Any]


@dataclass(frozen=True)
class Scrub:
    """A scrubber under a chart: the picture at every stop, computed in advance, so dragging needs no server.

    While the reader drags, the browser swaps in ``frames[i]`` (new values for the traces listed in ``traces``,
    and optionally a layout patch); when they let go, stop ``i`` goes back to Python and the URL-bound control
    ``key`` is set to ``values[i]``, so the rest of the page and the shared link follow.
    """

    key: str  # the URL key of the control this scrubber moves (e.g. "m")
    label: str  # what is being scrubbed, for the label and screen readers ("Query position m")
    values: Sequence[float]  # the stops, in order: what the control is set to when the reader lets go
    index: int  # the stop shown now (the control's current value)
    traces: Sequence[int]  # indices of the traces whose properties each frame replaces
    frames: Sequence[Mapping[str, Any]]  # per stop: {"data": [patch per listed trace], "layout": {...}}
    labels: Sequence[str] | None = None  # per stop, shown beside the scrubber; default "label = value"
    play_ms: int = 120  # time per stop when the reader presses play


@dataclass(frozen=True)
class Chart:
    """One chart as a reader meets it: the figure, the sentence a screen reader speaks, the numbers behind it.

    Figure builders return a Chart so that a chart's alt text and CSV are written where its data is, and a page
    only has to place it: ``ui.chart(figures.rotated_pair(...), key="pair")``.
    """

    figure: Figure
    alt: str
    # CSV offered under the chart as "Download the data": the text, or a function that makes it when the reader
    # clicks (big tables need not be formatted on every press for the few who download them)
    csv: str | Callable[[], str] | None = None
    filename: str | None = None  # PNG / CSV file name without extension; defaults to ropelab_<key>
    scrub: Scrub | None = None  # a scrubber that moves the picture in the browser while it is dragged


def figure(data: Iterable[Mapping[str, Any]] = (), layout: Mapping[str, Any] | None = None) -> Figure:
    """A new figure dict holding the given traces and layout."""
    return {"data": [dict(trace) for trace in data], "layout": dict(layout or {})}


def merge(target: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `patch` into `target` in place, nested dicts key by key (what plotly's update_layout does); return it."""
    for key, value in patch.items():
        current = target.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            merge(current, value)
        else:
            target[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
    return target


def update_layout(fig: Figure, **patch: Any) -> Figure:
    """Merge keyword properties into the figure's layout; return the figure."""
    merge(fig.setdefault("layout", {}), patch)
    return fig


@functools.lru_cache(maxsize=64)
def _grid_layout(rows: int, cols: int, options_json: str) -> dict[str, Any]:
    # Keyed by the options as JSON text: they hold lists (titles, widths), which cannot be cache keys themselves.
    from plotly.subplots import make_subplots

    layout = make_subplots(rows=rows, cols=cols, **json.loads(options_json)).to_plotly_json()["layout"]
    layout.pop("template", None)  # the page's theme supplies it (see ropelab.ui.chart)
    return layout


_TITLE_PLACEHOLDER = "\x00title {}"


def subplots(rows: int, cols: int, **options: Any) -> Figure:
    """An empty figure laid out as a rows × cols grid; `options` are make_subplots' (titles, spacing, widths)."""
    # Titles often hold a setting ("bias for L = 24"): the grid is laid out (tens of ms in make_subplots) once per
    # shape with placeholder titles, and the real texts are written into its title annotations afterwards.
    titles = options.pop("subplot_titles", None)
    if titles is not None:
        options["subplot_titles"] = [_TITLE_PLACEHOLDER.format(index) if title else "" for index, title in
                                     enumerate(titles)]  # fmt: skip
    layout = copy.deepcopy(_grid_layout(rows, cols, json.dumps(options, sort_keys=True)))
    if titles is not None:
        by_placeholder = {_TITLE_PLACEHOLDER.format(index): title for index, title in enumerate(titles) if title}
        for note in layout.get("annotations", []):
            if note.get("text") in by_placeholder:
                note["text"] = by_placeholder[note["text"]]
    return {"data": [], "layout": layout, "_grid": (rows, cols)}


def _cell_index(fig: Figure, row: int, col: int) -> int:
    rows, cols = fig.get("_grid", (1, 1))
    if not (1 <= row <= rows and 1 <= col <= cols):
        raise ValueError(f"cell (row={row}, col={col}) is outside the {rows} × {cols} grid")
    return (row - 1) * cols + col


def axis_ids(fig: Figure, row: int = 1, col: int = 1) -> tuple[str, str]:
    """The trace-side axis ids ("x2", "y2") of a grid cell; numbered row by row like make_subplots does."""
    index = _cell_index(fig, row, col)
    suffix = "" if index == 1 else str(index)
    return f"x{suffix}", f"y{suffix}"


def add_trace(fig: Figure, trace: Mapping[str, Any], row: int | None = None, col: int | None = None) -> Figure:
    """Append a trace, placed in grid cell (row, col) when given."""
    trace = dict(trace)
    if row is not None or col is not None:
        x_id, y_id = axis_ids(fig, row or 1, col or 1)
        trace["xaxis"], trace["yaxis"] = x_id, y_id
    fig["data"].append(trace)
    return fig


def _axis_keys(fig: Figure, letter: str, row: int | None, col: int | None) -> list[str]:
    if row is not None or col is not None:
        axis_id = axis_ids(fig, row or 1, col or 1)[0 if letter == "x" else 1]
        return [f"{letter}axis{axis_id[1:]}"]
    layout = fig.setdefault("layout", {})
    keys = [key for key in layout if key == f"{letter}axis" or (key.startswith(f"{letter}axis") and key[5:].isdigit())]
    return keys or [f"{letter}axis"]


def update_xaxes(fig: Figure, row: int | None = None, col: int | None = None, **patch: Any) -> Figure:
    """Merge properties into the x-axis of one cell, or of every x-axis when no cell is given."""
    for key in _axis_keys(fig, "x", row, col):
        merge(fig["layout"].setdefault(key, {}), patch)
    return fig


def update_yaxes(fig: Figure, row: int | None = None, col: int | None = None, **patch: Any) -> Figure:
    """Merge properties into the y-axis of one cell, or of every y-axis when no cell is given."""
    for key in _axis_keys(fig, "y", row, col):
        merge(fig["layout"].setdefault(key, {}), patch)
    return fig


def _refs(fig: Figure, row: int | None, col: int | None) -> tuple[str, str]:
    if row is None and col is None:
        return "x", "y"
    return axis_ids(fig, row or 1, col or 1)


def add_annotation(fig: Figure, row: int | None = None, col: int | None = None, **annotation: Any) -> Figure:
    """Add a text annotation; with a cell, its x/y refer to that cell's axes unless xref/yref say otherwise."""
    x_ref, y_ref = _refs(fig, row, col)
    annotation.setdefault("xref", x_ref)
    annotation.setdefault("yref", y_ref)
    fig["layout"].setdefault("annotations", []).append(annotation)
    return fig


def add_top_label(
    fig: Figure, text: str, x: float, *, xanchor: str, row: int | None = None, col: int | None = None
) -> Figure:
    """A text label hanging from the top edge of a plot area at data position x (for bands and marker lines)."""
    x_ref, y_ref = _refs(fig, row, col)
    return add_annotation(
        fig, text=text, xref=x_ref, x=x, xanchor=xanchor, yref=f"{y_ref} domain", y=1, yanchor="top", showarrow=False
    )


def add_shape(fig: Figure, **shape: Any) -> Figure:
    """Add a layout shape (line, rect) as given."""
    fig["layout"].setdefault("shapes", []).append(shape)
    return fig


def add_hline(
    fig: Figure, y: float, *, row: int | None = None, col: int | None = None, annotation_text: str | None = None,
    **shape: Any,
) -> Figure:  # fmt: skip
    """A horizontal line across the whole width of a plot area at height y (optionally labelled at its right end)."""
    x_ref, y_ref = _refs(fig, row, col)
    add_shape(fig, type="line", xref=f"{x_ref} domain", x0=0, x1=1, yref=y_ref, y0=y, y1=y, **shape)
    if annotation_text is not None:
        add_line_label(fig, annotation_text, y, row=row, col=col)
    return fig


def add_line_label(
    fig: Figure, text: str, y: float, *, side: str = "right", above: bool = True, log_axis: bool = False,
    row: int | None = None, col: int | None = None, **style: Any,
) -> Figure:  # fmt: skip
    """A label for a horizontal line at height y, at the plot's left or right edge, just above or below the line."""
    # On a log axis plotly.js places annotations by log10 of the value (shapes by the value itself).
    x_ref, y_ref = _refs(fig, row, col)
    return add_annotation(
        fig, text=text, xref=f"{x_ref} domain", x=0 if side == "left" else 1, xanchor=side, yref=y_ref,
        y=float(np.log10(y)) if log_axis else y, yanchor="bottom" if above else "top", showarrow=False, **style,
    )  # fmt: skip


def add_vline(
    fig: Figure, x: float, *, row: int | None = None, col: int | None = None, annotation_text: str | None = None,
    **shape: Any,
) -> Figure:  # fmt: skip
    """A vertical line across the whole height of a plot area at x (optionally labelled at its top)."""
    x_ref, y_ref = _refs(fig, row, col)
    add_shape(fig, type="line", xref=x_ref, x0=x, x1=x, yref=f"{y_ref} domain", y0=0, y1=1, **shape)
    if annotation_text is not None:
        add_annotation(
            fig, text=annotation_text, xref=x_ref, x=x, xanchor="left", yref=f"{y_ref} domain", y=1,
            yanchor="top", showarrow=False,
        )  # fmt: skip
    return fig


def add_hrect(fig: Figure, y0: float, y1: float, *, row: int | None = None, col: int | None = None, **shape) -> Figure:
    """A band across the whole width of a plot area between heights y0 and y1."""
    x_ref, y_ref = _refs(fig, row, col)
    return add_shape(fig, type="rect", xref=f"{x_ref} domain", x0=0, x1=1, yref=y_ref, y0=y0, y1=y1, **shape)


def add_vrect(fig: Figure, x0: float, x1: float, *, row: int | None = None, col: int | None = None, **shape) -> Figure:
    """A band across the whole height of a plot area between x0 and x1."""
    x_ref, y_ref = _refs(fig, row, col)
    return add_shape(fig, type="rect", xref=x_ref, x0=x0, x1=x1, yref=f"{y_ref} domain", y0=0, y1=1, **shape)


def legend_below(fig: Figure, rows: int) -> Figure:
    """Move the legend under the x-axis title (room for `rows` rows of entries), clear of the chart title above."""
    return update_layout(
        fig,
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "xanchor": "left", "x": 0},
        margin={"b": 80 + 26 * rows},
    )


def legend_at_foot(fig: Figure) -> Figure:
    """The legend at the very bottom of the figure, below the axis titles, in as many rows as the width needs.

    Anchored to the figure's container, the legend makes plotly.js grow the bottom margin to fit it, and the x axes'
    automargin keeps their tick labels and titles above it: no overlap on a phone that wraps it into several rows or
    in lecture mode's larger type (a legend placed at a fraction of the plot height lands on the axis title there).
    """
    update_layout(
        fig,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        margin={"b": 40},
    )
    return update_xaxes(fig, automargin=True)


def finish(fig: Figure) -> Figure:
    """Drop the builder-only bookkeeping so the dict is exactly what plotly.js reads."""
    fig.pop("_grid", None)
    return fig


# The dtypes plotly.js reads from a base64 typed-array spec; anything else goes as a JSON list.
_TYPED_ARRAY_CODES = {"float64": "f8", "float32": "f4", "int32": "i4", "uint32": "u4", "int16": "i2", "uint16": "u2",
                      "int8": "i1", "uint8": "u1"}  # fmt: skip


_INTEGER_TYPES = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32)


def _typed_array(array: np.ndarray) -> Any:
    if array.dtype.kind in "iu" and array.size:
        # Integers (indices, positions) travel in the narrowest type that holds them, as plotly.py sends them.
        low, high = int(array.min()), int(array.max())
        narrowest = next(
            (kind for kind in _INTEGER_TYPES if np.iinfo(kind).min <= low and high <= np.iinfo(kind).max), None
        )
        if narrowest is None:
            return array.tolist()
        array = array.astype(narrowest, copy=False)
    code = _TYPED_ARRAY_CODES.get(array.dtype.name)
    if code is None:
        return array.tolist()
    little_endian = np.ascontiguousarray(array, array.dtype.newbyteorder("<"))
    encoded = {"dtype": code, "bdata": base64.b64encode(little_endian).decode("ascii")}
    if array.ndim > 1:
        encoded["shape"] = ", ".join(str(length) for length in array.shape)
    return encoded


def encode_arrays(value: Any) -> Any:
    """A copy of a figure (or any part of one) with every NumPy array as plotly.js's compact base64 typed array."""
    # A copy rather than in place: figures may come from a cache that every visitor's session shares.
    if isinstance(value, np.ndarray):
        return _typed_array(value) if value.ndim > 0 else value.item()
    if isinstance(value, dict):
        return {key: encode_arrays(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_arrays(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
