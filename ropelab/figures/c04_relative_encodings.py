"""Chapter 4's charts: per-distance tables, T5 bucket maps, ALiBi slopes, bias and attention heatmaps."""

from __future__ import annotations

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c04_relative_encodings import T5Views
from ropelab.style import (
    DIVERGING_SCALE,
    HIGHLIGHT_COLOUR,
    OKABE_ITO,
    SEQUENTIAL_SCALE,
    style_figure,
    symmetric_range,
)

MAX_HEATMAP_CELLS = 256


def _display_stride(size: int) -> int:
    """Keep at most MAX_HEATMAP_CELLS rows/columns on screen (every stride-th one) to bound the payload."""
    return max(1, -(-size // MAX_HEATMAP_CELLS))


def _heatmap_panels(
    panels: list[tuple[str, np.ndarray]],
    *,
    diverging: bool,
    colorbar_title: str,
    title: str | None = None,
    height: int = 380,
) -> spec.Figure:
    """Square (query × key) heatmaps side by side on one colour scale; query 0 at the top like a matrix.

    diverging=True centres a red/blue scale on zero (biases, scores); False uses viridis from 0 (probabilities).
    """
    if not panels:
        raise ValueError("panels must contain at least one (subtitle, matrix) entry")
    matrices = [np.asarray(matrix, dtype=np.float64) for _, matrix in panels]
    for matrix in matrices:
        if matrix.ndim != 2:
            raise ValueError(f"every panel must be a 2-D matrix, got shape {matrix.shape}")
    everything = np.concatenate([matrix[np.isfinite(matrix)] for matrix in matrices])
    if diverging:
        low, high = symmetric_range(everything)
        scale = DIVERGING_SCALE
    else:
        low, high = 0.0, float(everything.max()) if everything.size else 1.0
        scale = SEQUENTIAL_SCALE
    fig = _titled_grid(1, [subtitle for subtitle, _ in panels], horizontal_spacing=0.04)
    for column, matrix in enumerate(matrices, start=1):
        row_stride, col_stride = _display_stride(matrix.shape[0]), _display_stride(matrix.shape[1])
        shown = matrix[::row_stride, ::col_stride]
        heatmap = {
            "type": "heatmap",
            "z": shown.astype(np.float32),
            "x": np.arange(0, matrix.shape[1], col_stride, dtype=np.int32),
            "y": np.arange(0, matrix.shape[0], row_stride, dtype=np.int32),
            "colorscale": scale,
            "zmin": low,
            "zmax": high,
            "showscale": column == 1,
            "colorbar": {"title": {"text": colorbar_title}},
            "hovertemplate": f"query i = %{{y}}<br>key j = %{{x}}<br>{colorbar_title} = %{{z:.3f}}<extra></extra>",
        }
        spec.add_trace(fig, heatmap, row=1, col=column)
        spec.update_xaxes(fig, row=1, col=column, title={"text": "key position j"}, constrain="domain")
        spec.update_yaxes(
            fig,
            row=1,
            col=column,
            autorange="reversed",
            scaleanchor="x" if column == 1 else f"x{column}",
            scaleratio=1,
            constrain="domain",
            showticklabels=column == 1,
        )
        if column == 1:
            # Only the leftmost panel is labelled: its neighbours share the same query axis.
            spec.update_yaxes(fig, row=1, col=column, title={"text": "query position i"})
    style_figure(fig, title=title, height=height)
    # Subplot titles may run to two lines; leave them room above the heatmaps.
    spec.update_layout(fig, margin={"t": 100 if title else 70})
    return spec.finish(fig)


def _titled_grid(rows: int, titles: list[str], **spacing: float) -> spec.Figure:
    """A rows × columns grid with these subplot titles, laid out once per grid shape.

    The titles change with the settings (L, slopes); laid out with placeholder titles, the grid comes from spec's
    cache, and building it with plotly's make_subplots (tens of milliseconds) happens once, not on every press.
    """
    columns = len(titles) // rows
    fig = spec.subplots(rows, columns, subplot_titles=[f"panel {index}" for index in range(len(titles))], **spacing)
    for note, title in zip(fig["layout"]["annotations"], titles, strict=True):
        note["text"] = title
    return fig


def _distance_table(offsets: np.ndarray, values: np.ndarray, *, title: str, clip: int) -> spec.Figure:
    """One bar per clipped relative distance j − i: the whole of what a Shaw-style bias can learn."""
    offsets = np.asarray(offsets)
    values = np.asarray(values, dtype=np.float64)
    if offsets.shape != values.shape or offsets.ndim != 1:
        raise ValueError(f"offsets and values must be 1-D of equal length, got {offsets.shape} and {values.shape}")
    labels = [_clip_label(int(offset), clip) for offset in offsets]
    bars = {
        "type": "bar",
        "x": labels,
        "y": values.astype(np.float32),
        "marker": {"color": [HIGHLIGHT_COLOUR if abs(int(o)) == clip and clip else OKABE_ITO[0] for o in offsets]},
        "customdata": offsets.astype(np.int32),
        "hovertemplate": "j − i = %{x}<br>bias w = %{y:.3f}<extra></extra>",
        "name": "bias per distance",
    }
    fig = spec.figure([bars])
    spec.update_xaxes(fig, title={"text": "relative distance j − i (clipped)"}, type="category")
    spec.update_yaxes(fig, title={"text": "bias w (added to the score)"}, zeroline=True)
    return style_figure(fig, title=title, height=380)


def _clip_label(offset: int, clip: int) -> str:
    if clip and offset == clip:
        return f"≥ {offset}"
    if clip and offset == -clip:
        return f"≤ {offset}"
    return str(offset)


def _bucket_map(
    relative: np.ndarray, buckets: np.ndarray, *, num_buckets: int, max_distance: int, title: str
) -> spec.Figure:
    """Which T5 bucket each relative distance j − i falls in: exact steps near 0, log-spaced further out."""
    relative = np.asarray(relative)
    buckets = np.asarray(buckets)
    if relative.shape != buckets.shape or relative.ndim != 1:
        raise ValueError(f"relative and buckets must be 1-D of equal length, got {relative.shape}, {buckets.shape}")
    steps = {
        "type": "scatter",
        "x": relative.astype(np.int32),
        "y": buckets.astype(np.int32),
        "mode": "lines",
        "line": {"shape": "hv", "color": OKABE_ITO[0], "width": 3},
        "name": "bucket",
        "hovertemplate": "j − i = %{x}<br>bucket %{y}<extra></extra>",
    }
    fig = spec.figure([steps])
    for edge in (-max_distance, max_distance):
        if relative.min() <= edge <= relative.max():
            spec.add_vline(fig, edge, line={"dash": "dash", "color": HIGHLIGHT_COLOUR, "width": 2})
            spec.add_annotation(
                fig,
                text=f"{'+' if edge > 0 else '−'}D",
                x=edge,
                xanchor="left" if edge < 0 else "right",
                y=0,
                yref="y domain",
                yanchor="bottom",
                showarrow=False,
                font={"color": HIGHLIGHT_COLOUR},
            )
    spec.update_xaxes(fig, title={"text": "relative distance j − i (key minus query)"})
    spec.update_yaxes(fig, title={"text": f"bucket id (0 … {num_buckets - 1})"}, range=[-0.5, num_buckets - 0.5])
    return style_figure(fig, title=title, height=380)


def _slopes(slopes: np.ndarray, regular_count: int, *, title: str) -> spec.Figure:
    """ALiBi's per-head slopes; heads beyond the largest power of two come from the doubled sequence."""
    slopes = np.asarray(slopes, dtype=np.float64)
    if slopes.ndim != 1 or slopes.size == 0 or not 0 < regular_count <= slopes.size:
        raise ValueError(f"need 1-D slopes and 0 < regular_count <= {slopes.size}, got {regular_count}")
    heads = np.arange(1, slopes.size + 1)
    fig = spec.figure()
    groups = (
        (slice(0, regular_count), OKABE_ITO[0], f"geometric sequence for {regular_count} heads"),
        (slice(regular_count, None), OKABE_ITO[1], f"every other slope of the {2 * regular_count}-head sequence"),
    )
    for part, colour, name in groups:
        if heads[part].size:
            bars = {
                "type": "bar",
                "x": heads[part].astype(np.int32),
                "y": slopes[part].astype(np.float32),
                "marker": {"color": colour},
                "name": name,
                "hovertemplate": "head %{x}<br>slope m = %{y:.4g}<extra></extra>",
            }
            spec.add_trace(fig, bars)
    spec.update_xaxes(fig, title={"text": "head h"}, dtick=1 if slopes.size <= 16 else 2)
    # Slopes are powers of two (or their square roots), so label the axis in halvings.
    lowest = int(np.floor(np.log2(slopes.min())))
    powers = np.arange(0, lowest - 1, -1) if lowest < 0 else np.array([0])
    spec.update_yaxes(
        fig,
        title={"text": "slope m (log scale)"},
        type="log",
        tickvals=(2.0**powers).astype(np.float32),
        ticktext=["1" if power == 0 else f"1/{2 ** -int(power)}" for power in powers],
    )
    style_figure(fig, title=title, height=400)
    spec.update_layout(fig, legend={"y": -0.25, "yanchor": "top"}, margin={"b": 110})
    return fig


def _attention_row(keys: np.ndarray, rows: dict[str, np.ndarray], *, query: int, title: str) -> spec.Figure:
    """The attention one query pays to every key, one line per position scheme."""
    keys = np.asarray(keys)
    fig = spec.figure()
    for index, (name, weights) in enumerate(rows.items()):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != keys.shape:
            raise ValueError(f"row {name!r} must have shape {keys.shape}, got {weights.shape}")
        curve = {
            "type": "scatter",
            "x": keys.astype(np.int32),
            "y": weights.astype(np.float32),
            "mode": "lines+markers",
            "name": name,
            "line": {"color": OKABE_ITO[index % len(OKABE_ITO)], "width": 2},
            "marker": {"size": 5},
            "hovertemplate": f"{name}<br>key j = %{{x}}<br>weight = %{{y:.3f}}<extra></extra>",
        }
        spec.add_trace(fig, curve)
    spec.add_vline(fig, query, line={"dash": "dot", "color": "rgba(128,128,128,0.8)"})
    spec.update_xaxes(fig, title={"text": "key position j"})
    spec.update_yaxes(fig, title={"text": f"attention weight of query {query}"}, rangemode="tozero")
    style_figure(fig, title=title, height=440)
    # At the foot of the figure: on a phone the four entries wrap into rows, which must clear both the title above
    # the plot and the axis title below it.
    return spec.update_layout(
        fig,
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0},
        margin={"b": 130},
    )


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def _square_csv(matrix: np.ndarray, corner: str) -> str:
    return matrix_to_csv(matrix, range(matrix.shape[0]), range(matrix.shape[1]), corner=corner)


def clipped_table_chart(table: np.ndarray, clip: int) -> spec.Chart:
    """The 2k + 1 learnable biases of the clipped scheme, one bar per offset."""
    offsets = np.arange(-clip, clip + 1)
    return spec.Chart(
        _distance_table(offsets, table, title=f"The {2 * clip + 1} learnable biases (k = {clip})", clip=clip),
        alt=f"Bar chart of {2 * clip + 1} bias values, one per clipped offset from {-clip} to {clip}.",
        csv=columns_to_csv({"offset_j_minus_i": offsets, "bias": table}),
    )


def clipped_bias_chart(bias: np.ndarray, clip: int) -> spec.Chart:
    """The L × L bias the clipped table gives: constant along diagonals, flat beyond ±k."""
    length = bias.shape[0]
    return spec.Chart(
        _heatmap_panels([(f"bias A for L = {length}", bias)], diverging=True, colorbar_title="bias"),
        alt=(
            f"{length} by {length} bias matrix, constant along diagonals; beyond {clip} positions from the diagonal "
            "all entries share the edge values."
        ),
        csv=_square_csv(bias, "query i / key j"),
    )


def t5_buckets_chart(views: T5Views) -> spec.Chart:
    """The T5 bucket of every offset in view: steps of one near zero, wider steps further out."""
    reach = int(views.offsets.max())
    return spec.Chart(
        _bucket_map(
            views.offsets,
            views.buckets,
            num_buckets=views.num_buckets,
            max_distance=views.max_distance,
            title="Bucket of every offset j − i",
        ),
        alt=(
            f"Step plot of T5 bucket id against offset from {-reach} to {reach}: steps of one near zero, then "
            f"wider steps, flat beyond ±{views.max_distance}."
        ),
        csv=columns_to_csv({"offset_j_minus_i": views.offsets, "bucket": views.buckets}),
    )


def t5_bias_chart(views: T5Views) -> spec.Chart:
    """The L × L bias T5's buckets give (one seeded value per bucket)."""
    length = views.bias.shape[0]
    return spec.Chart(
        _heatmap_panels([(f"T5 bias A for L = {length}", views.bias)], diverging=True, colorbar_title="bias"),
        alt=f"{length} by {length} T5 bias matrix: distinct values near the diagonal, shared blocks farther away.",
        csv=_square_csv(views.bias, "query i / key j"),
    )


def alibi_slopes_chart(slopes: np.ndarray) -> spec.Chart:
    """ALiBi's slope per head, the heads past the largest power of two in their own colour."""
    heads = slopes.size
    regular_count = 1 << (heads.bit_length() - 1)  # largest power of two ≤ H, for colouring only
    return spec.Chart(
        _slopes(slopes, regular_count, title=f"Slopes for H = {heads} heads"),
        alt=f"Bar chart of {heads} ALiBi slopes from {slopes.max():.3g} down to {slopes.min():.3g}.",
        csv=columns_to_csv({"head": np.arange(1, heads + 1), "slope": slopes}),
    )


def alibi_bias_chart(slopes: np.ndarray, steep_bias: np.ndarray, gentle_bias: np.ndarray) -> spec.Chart:
    """The biases of the steepest and the gentlest head on one colour scale."""
    steepest, gentlest = int(np.argmax(slopes)), int(np.argmin(slopes))
    length = steep_bias.shape[0]
    panels = [
        (f"head {steepest + 1}: m = {slopes[steepest]:.3g}<br>farthest key {steep_bias.min():.2f}", steep_bias),
        (f"head {gentlest + 1}: m = {slopes[gentlest]:.3g}<br>farthest key {gentle_bias.min():.2f}", gentle_bias),
    ]
    return spec.Chart(
        _heatmap_panels(panels, diverging=True, colorbar_title="bias"),
        alt=(
            f"Two {length} by {length} ALiBi bias maps on one colour scale: the steepest head is deeply negative a "
            "few steps off the diagonal, the gentlest head stays near zero."
        ),
        csv=_square_csv(steep_bias, f"head {steepest + 1}: query i / key j"),
    )


def overview_chart(biases: dict[str, np.ndarray], probabilities: dict[str, np.ndarray]) -> spec.Chart:
    """Top row: each scheme's L × L bias A, constant along diagonals. Bottom row: softmax(S + A) from the same S."""
    if list(biases) != list(probabilities) or not biases:
        raise ValueError("biases and probabilities must name the same schemes in the same order")
    names = list(biases)
    columns = len(names)
    short = [name.split(" (")[0] for name in names]
    fig = _titled_grid(
        2, [*names, *(f"attention ({name})" for name in short)], horizontal_spacing=0.035, vertical_spacing=0.14
    )
    top = max(float(np.max(matrix)) for matrix in probabilities.values())
    for column, name in enumerate(names, start=1):
        bias = np.asarray(biases[name], dtype=np.float64)
        weights = np.asarray(probabilities[name], dtype=np.float64)
        if bias.shape != weights.shape or bias.ndim != 2:
            raise ValueError(f"{name!r}: bias {bias.shape} and probabilities {weights.shape} must be one square shape")
        keys = np.arange(bias.shape[1], dtype=np.int32)
        queries = np.arange(bias.shape[0], dtype=np.int32)
        low, high = symmetric_range(bias)
        spec.add_trace(
            fig,
            {
                "type": "heatmap", "z": bias.astype(np.float32), "x": keys, "y": queries,
                "colorscale": DIVERGING_SCALE, "zmin": low, "zmax": high, "showscale": False,
                "hovertemplate": f"{name}<br>query i = %{{y}}, key j = %{{x}}<br>bias = %{{z:.3f}}<extra></extra>",
            },
            row=1,
            col=column,
        )  # fmt: skip
        spec.add_trace(
            fig,
            {
                "type": "heatmap", "z": weights.astype(np.float32), "x": keys, "y": queries,
                "coloraxis": "coloraxis",
                "hovertemplate": f"{name}<br>query i = %{{y}}, key j = %{{x}}<br>weight = %{{z:.3f}}<extra></extra>",
            },
            row=2,
            col=column,
        )  # fmt: skip
        for row in (1, 2):
            x_id = spec.axis_ids(fig, row, column)[0]
            spec.update_xaxes(fig, row=row, col=column, constrain="domain", showticklabels=row == 2)
            spec.update_yaxes(
                fig, row=row, col=column, autorange="reversed", scaleanchor=x_id, scaleratio=1, constrain="domain",
                showticklabels=column == 1,
            )  # fmt: skip
    # Row labels on the left; the hover names query and key.
    spec.update_yaxes(fig, row=1, col=1, title={"text": "bias A"})
    spec.update_yaxes(fig, row=2, col=1, title={"text": "softmax(S + A)"})
    for column in range(1, columns + 1):
        spec.update_xaxes(fig, row=2, col=column, title={"text": "key j"})
    lower = fig["layout"]["yaxis" + spec.axis_ids(fig, 2, 1)[1][1:]]["domain"]
    spec.update_layout(
        fig,
        coloraxis={
            "colorscale": SEQUENTIAL_SCALE, "cmin": 0.0, "cmax": top,
            "colorbar": {"title": {"text": "weight"}, "len": lower[1] - lower[0], "y": lower[0], "yanchor": "bottom"},
        },
    )  # fmt: skip
    style_figure(fig, height=600)
    spec.update_layout(fig, margin={"t": 50, "b": 60})
    for note in fig["layout"].get("annotations", []):
        note["font"] = {"size": 13}
    length = next(iter(biases.values())).shape[0]
    return spec.Chart(
        spec.finish(fig),
        alt=(
            f"Top row: the {length} by {length} bias matrices of {', '.join(names)}, each constant along its "
            "diagonals. Bottom row: the attention weights softmax(S + A) from the same content scores S: without a "
            "bias they are scattered, with ALiBi's bias they crowd onto the diagonal."
        ),
        csv=matrix_to_csv(
            np.vstack([*biases.values(), *probabilities.values()]),
            [f"{part} {name} / query {i}" for part in ("bias", "weight") for name in names for i in range(length)],
            range(length),
            corner="scheme / query i, key j →",
        ),
    )


def attention_row_chart(probabilities: dict[str, np.ndarray], query: int) -> spec.Chart:
    """Where one query looks under each bias."""
    keys = np.arange(next(iter(probabilities.values())).shape[1])
    rows = {name: matrix[query] for name, matrix in probabilities.items()}
    return spec.Chart(
        _attention_row(keys, rows, query=query, title=f"Where query {query} looks"),
        alt=f"Attention weights of query {query} over all {keys.size} keys for the four schemes.",
        csv=columns_to_csv({"key": keys, **rows}),
    )
