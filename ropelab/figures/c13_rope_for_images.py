"""Chapter 13's charts: a synthetic image cut into patches, patch-score heatmaps, and M-RoPE position ids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c13_rope_for_images import pixels_per_patch, synthetic_image
from ropelab.style import DIVERGING_SCALE, GREY_SCALE, HIGHLIGHT_COLOUR, OKABE_ITO, style_figure, symmetric_range

STREAM_NAMES = ("time t", "height h", "width w")
_STREAM_COLOURS = (OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2])
_GUIDE_LINE = {"color": "rgba(60,60,60,0.75)", "width": 1.5, "dash": "dot"}


def _patch_image(image: np.ndarray, grid: int, query_rc: tuple[int, int], *, title: str | None = None) -> spec.Figure:
    """The picture with its patch grid drawn over it and the query patch outlined."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2 or image.shape[0] != image.shape[1] or image.shape[0] % grid:
        raise ValueError(f"image must be square with a side divisible by grid={grid}, got shape {image.shape}")
    row, col = query_rc
    if not (0 <= row < grid and 0 <= col < grid):
        raise ValueError(f"query_rc must lie inside the {grid}×{grid} grid, got {query_rc}")
    patch = image.shape[0] // grid
    picture = {
        "type": "heatmap",
        # 256 grey levels are all a screen shows, and a quarter of the bytes of float32.
        "z": np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8),
        "zmin": 0,
        "zmax": 255,
        "x0": 0.5 / patch,
        "dx": 1.0 / patch,
        "y0": 0.5 / patch,
        "dy": 1.0 / patch,
        # Greys runs from white to black; reversed, a bright pixel (1) is drawn white, as the lesson reads it.
        "colorscale": GREY_SCALE,
        "reversescale": True,
        "showscale": False,
        "hoverinfo": "skip",
        "name": "image",
    }
    # One line trace with gaps draws every patch border: far lighter than one shape per line.
    edges = np.arange(grid + 1, dtype=np.float32)
    gap = np.full(grid + 1, np.nan, dtype=np.float32)
    zeros = np.zeros(grid + 1, dtype=np.float32)
    full = np.full(grid + 1, grid, dtype=np.float32)
    vertical_x = np.column_stack([edges, edges, gap]).ravel()
    vertical_y = np.column_stack([zeros, full, gap]).ravel()
    borders = {
        "type": "scatter",
        "x": np.concatenate([vertical_x, vertical_y]),
        "y": np.concatenate([vertical_y, vertical_x]),
        "mode": "lines",
        "line": {"color": "rgba(0,114,178,0.55)", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "patch borders",
    }
    outline = {
        "type": "scatter",
        "x": np.array([col, col + 1, col + 1, col, col], dtype=np.float32),
        "y": np.array([row, row, row + 1, row + 1, row], dtype=np.float32),
        "mode": "lines",
        "line": {"color": HIGHLIGHT_COLOUR, "width": 4},
        "name": f"query patch (row {row}, col {col})",
        "hoverinfo": "name",
    }
    fig = spec.figure([picture, borders, outline])
    spec.update_xaxes(fig, range=[0, grid], title={"text": "patch column"}, constrain="domain", showgrid=False)
    spec.update_yaxes(
        fig,
        range=[grid, 0],
        title={"text": "patch row"},
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        showgrid=False,
    )
    return style_figure(fig, title=title, height=400)


def guide_segment(query_rc: tuple[int, int], angle: float, grid_h: int, grid_w: int) -> tuple[float, ...]:
    """The line through the query patch along `angle` (radians, in column/row coordinates), cut to the grid's edges.

    Returns (x0, y0, x1, y1) in column, row units. Rows grow downwards on screen, so 45° runs down and to the right.
    """
    row, col = query_rc
    dx, dy = np.cos(angle), np.sin(angle)
    low, high = -np.inf, np.inf
    for start, step, size in ((col, dx, grid_w), (row, dy, grid_h)):
        if abs(step) < 1e-12:
            continue
        ends = sorted(((-0.5 - start) / step, (size - 0.5 - start) / step))
        low, high = max(low, ends[0]), min(high, ends[1])
    return (col + low * dx, row + low * dy, col + high * dx, row + high * dy)


def _patch_scores(
    scores: Sequence[np.ndarray],
    titles: Sequence[str],
    query_rc: tuple[int, int],
    *,
    title: str | None = None,
    guides: Sequence[Sequence[float]] | None = None,
) -> spec.Figure:
    """One (row × column) score heatmap per method, side by side on one diverging scale, the query marked ×.

    `guides` gives, per panel, the directions (radians) of dotted lines drawn through the query: the axes along
    which that panel's pairs measure the offset (row and column for axial RoPE, α and α + 90° for RoPE-Mixed).
    """
    if len(scores) != len(titles) or not scores:
        raise ValueError(f"need one title per score grid, got {len(scores)} grids and {len(titles)} titles")
    grids = [np.asarray(grid, dtype=np.float64) for grid in scores]
    shape = grids[0].shape
    if any(grid.ndim != 2 or grid.shape != shape for grid in grids):
        raise ValueError(f"every score grid must be 2-D with the same shape, got {[grid.shape for grid in grids]}")
    low, high = symmetric_range(np.concatenate([grid.ravel() for grid in grids]))
    row, col = query_rc
    fig = spec.subplots(1, len(grids), subplot_titles=list(titles), horizontal_spacing=0.06)
    for column, (grid, label) in enumerate(zip(grids, titles, strict=True), start=1):
        heatmap = {
            "type": "heatmap",
            "z": grid.astype(np.float32),
            "coloraxis": "coloraxis",
            "name": label,
            "hovertemplate": f"{label}<br>row %{{y}}, col %{{x}}<br>score = %{{z:.3f}}<extra></extra>",
        }
        query_marker = {
            "type": "scatter",
            "x": np.array([col], dtype=np.float32),
            "y": np.array([row], dtype=np.float32),
            "mode": "markers",
            "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 3, "color": "black"}},
            "name": "query patch",
            "showlegend": False,
            "hovertemplate": "query patch (row %{y}, col %{x})<extra></extra>",
        }
        spec.add_trace(fig, heatmap, row=1, col=column)
        spec.add_trace(fig, query_marker, row=1, col=column)
        x_ref, y_ref = spec.axis_ids(fig, 1, column)
        for angle in guides[column - 1] if guides else ():
            x0, y0, x1, y1 = guide_segment(query_rc, angle, *shape)
            spec.add_shape(fig, type="line", xref=x_ref, yref=y_ref, x0=x0, y0=y0, x1=x1, y1=y1, line=_GUIDE_LINE)
        suffix = "" if column == 1 else str(column)
        spec.update_yaxes(fig, row=1, col=column, scaleanchor=f"x{suffix}", scaleratio=1)
    spec.update_xaxes(fig, title={"text": "patch column"}, constrain="domain", showgrid=False)
    # Square panels hug their titles (constrained to the top) instead of floating in the middle of a tall figure.
    spec.update_yaxes(fig, constrain="domain", constraintoward="top", showgrid=False)
    spec.update_yaxes(fig, row=1, col=1, title={"text": "patch row"})
    spec.update_layout(
        fig,
        coloraxis={
            "colorscale": DIVERGING_SCALE,
            "cmin": low,
            "cmax": high,
            "colorbar": {"title": {"text": "score", "side": "right"}, "thickness": 14},
        },
    )
    # Fixed ranges: the guides must not widen the axes, and every panel shows exactly the grid.
    spec.update_xaxes(fig, range=[-0.5, shape[1] - 0.5])
    spec.update_yaxes(fig, range=[shape[0] - 0.5, -0.5], autorange=False)
    style_figure(fig, title=title, height=440)
    return spec.finish(fig)


def _mrope_positions(
    position_ids: np.ndarray, n_text_before: int, n_vision: int, *, title: str | None = None
) -> spec.Figure:
    """The (t, h, w) position ids of every token in order, with the vision tokens shaded."""
    position_ids = np.asarray(position_ids)
    if position_ids.ndim != 2 or position_ids.shape[0] != 3:
        raise ValueError(f"position_ids must have shape (3, N), got {position_ids.shape}")
    tokens = np.arange(position_ids.shape[1])
    fig = spec.figure()
    # On text tokens the three streams coincide; widths and dashes keep all three visible on top of each other.
    line_styles = ((7, "solid"), (4, "dash"), (2, "dot"))
    for stream, (name, colour, (width, dash)) in enumerate(
        zip(STREAM_NAMES, _STREAM_COLOURS, line_styles, strict=True)
    ):
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": tokens,
                "y": position_ids[stream].astype(np.float32),
                "mode": "lines",
                "line": {"color": colour, "width": width, "dash": dash, "shape": "hv"},
                "name": name,
                "hovertemplate": f"token %{{x}}<br>{name} id = %{{y}}<extra></extra>",
            },
        )
    if n_vision > 0:
        start = n_text_before - 0.5
        spec.add_vrect(
            fig, start, n_text_before + n_vision - 0.5, fillcolor="rgba(128,128,128,0.15)", line={"width": 0}
        )
        # The label plotly's annotation_position="top left" gave: inside the band, against its left edge.
        spec.add_top_label(fig, "vision tokens", start, xanchor="left")
    spec.update_xaxes(fig, title={"text": "token index in the sequence"})
    spec.update_yaxes(fig, title={"text": "position id"})
    # Room between the title and the legend above the plot: lecture-sized letters ran one into the other.
    return spec.update_layout(style_figure(fig, title=title, height=340), margin={"t": 95})


def _mrope_sections(inv_freq: np.ndarray, sections: Sequence[int], *, title: str | None = None) -> spec.Figure:
    """Each frequency pair as a bar of height θ_i (log scale), coloured by the position stream that drives it."""
    inv_freq = np.asarray(inv_freq, dtype=np.float64)
    if sum(sections) != inv_freq.size or len(sections) != 3:
        raise ValueError(f"three sections must cover all {inv_freq.size} pairs, got {list(sections)}")
    fig = spec.figure()
    start = 0
    for size, name, colour in zip(sections, STREAM_NAMES, _STREAM_COLOURS, strict=True):
        pairs = np.arange(start, start + size)
        spec.add_trace(
            fig,
            {
                "type": "bar",
                "x": pairs,
                "y": inv_freq[pairs].astype(np.float32),
                "name": f"{name}: pairs {start}–{start + size - 1} ({size})",
                "marker": {"color": colour},
                "hovertemplate": f"pair %{{x}}<br>θ = %{{y:.3g}}<br>driven by {name}<extra></extra>",
            },
        )
        start += size
    spec.update_xaxes(fig, title={"text": "frequency pair i (fast → slow)"})
    spec.update_yaxes(fig, title={"text": "θᵢ (rad per step, log)"}, type="log", exponentformat="power")
    spec.update_layout(fig, bargap=0.1)
    return spec.update_layout(style_figure(fig, title=title, height=370), margin={"t": 95})


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def patch_image_chart(pattern: str, grid: int, query_rc: tuple[int, int]) -> spec.Chart:
    """A synthetic picture cut into grid × grid patches, the query patch outlined.

    The image is the lesson's own (synthetic_image), the one patch_contents reads: the scores use the pixels shown.
    """
    image = synthetic_image(pattern, grid, pixels_per_patch(grid))
    row, col = query_rc
    return spec.Chart(
        _patch_image(image, grid, query_rc, title="The picture, in patches"),
        alt=f"A synthetic {pattern} picture cut into a {grid}-by-{grid} grid, with the query patch at row {row}, "
        f"column {col} outlined.",
    )


def patch_scores_chart(
    score_grids: Sequence[np.ndarray], titles: Sequence[str], query_rc: tuple[int, int], dim: int,
    guides: Sequence[Sequence[float]] | None = None, content: str | None = None,
) -> spec.Chart:  # fmt: skip
    """The query patch's score against every patch under axial, mixed and flattened RoPE.

    `content` names the picture whose patches are the queries and keys (None: every patch's q = k = all ones).
    """
    row, col = query_rc
    grid = score_grids[0].shape[0]
    what = f"q, k from the {content} picture" if content else "q = k = all ones"
    # Short enough for a phone; the alt text spells out what the queries and keys are.
    title = f"Scores of patch ({row}, {col}), d = {dim}" + (f", {content} picture" if content else "")
    shape = (
        "axial RoPE keeps a cross through the query, RoPE-Mixed the same shape turned to its angle, and flattened 1-D "
        "RoPE a horizontal band that wraps onto the next and previous rows"
    )
    if content:
        shape += f"; the {content} picture's patches scale every score by the product of the two patches' brightness"
    figure = _patch_scores(score_grids, titles, query_rc, title=title, guides=guides)
    return spec.Chart(
        figure,
        alt=(
            f"Three {grid}-by-{grid} heatmaps of the score between the query patch at row {row}, column {col} and "
            f"every patch, {what}: {shape}."
        ),
        csv=columns_to_csv(
            {
                "row": np.repeat(np.arange(grid), grid),
                "col": np.tile(np.arange(grid), grid),
                "axial": score_grids[0].ravel(),
                "mixed": score_grids[1].ravel(),
                "flat_1d": score_grids[2].ravel(),
            }
        ),
    )


def mrope_positions_chart(
    position_ids: np.ndarray, text_before: int, frames: int, grid_h: int, grid_w: int
) -> spec.Chart:
    """The (t, h, w) position id of every token: text, one video, more text."""
    n_vision = frames * grid_h * grid_w
    text_after = position_ids.shape[1] - text_before - n_vision
    after_start = int(position_ids[:, text_before + n_vision :].min()) if text_after else "none"
    return spec.Chart(
        _mrope_positions(position_ids, text_before, n_vision, title="(t, h, w) position id of every token"),
        alt=(
            f"{text_before} text tokens with equal t, h and w ids, then {n_vision} video tokens whose t, h and w "
            f"ids step through {frames} frames of {grid_h} by {grid_w} patches, then {text_after} text tokens "
            f"starting at id {after_start}."
        ),
        csv=columns_to_csv(
            {
                "token": np.arange(position_ids.shape[1]),
                "t": position_ids[0],
                "h": position_ids[1],
                "w": position_ids[2],
            }
        ),
    )


def mrope_sections_chart(inv_freq: np.ndarray, sections: Sequence[int], base_label: str) -> spec.Chart:
    """Which position stream (time, height, width) drives each frequency pair of an M-RoPE head."""
    first, second = sections[0], sections[0] + sections[1]
    return spec.Chart(
        _mrope_sections(inv_freq, sections, title="Which position stream drives each frequency pair"),
        alt=f"Bar chart of the {inv_freq.size} frequencies of a d = {2 * inv_freq.size} head at base {base_label}, "
        f"log scale: pairs 0–{first - 1} driven by time, {first}–{second - 1} by height, {second}–{inv_freq.size - 1} "
        "by width.",
        csv=columns_to_csv(
            {"pair": np.arange(inv_freq.size), "theta": inv_freq, "stream": np.repeat(STREAM_NAMES, sections)}
        ),
    )
