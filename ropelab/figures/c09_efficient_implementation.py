"""Chapter 9's charts: cost of each form, the two memory layouts, partial rotary, precision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c09_efficient_implementation import LayoutConversion, RopeFormTiming
from ropelab.style import (
    DIVERGING_SCALE,
    HIGHLIGHT_COLOUR,
    KEY_COLOUR,
    OKABE_ITO,
    QUERY_COLOUR,
    SEQUENTIAL_SCALE,
    style_figure,
    symmetric_range,
)

FORM_COLOURS = {"dense matrix": OKABE_ITO[3], "element-wise": OKABE_ITO[0], "complex": OKABE_ITO[2]}


def _operation_count(
    dims: np.ndarray, counts: Mapping[str, np.ndarray], chosen_dim: int, *, title: str | None = None
) -> spec.Figure:
    """Operations per rotated vector against d on log–log axes, with the chosen d marked on every curve."""
    dims = np.asarray(dims, dtype=np.float64)
    fig = spec.figure()
    for name, values in counts.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != dims.shape:
            raise ValueError(f"counts[{name!r}] must have one value per dim")
        colour = FORM_COLOURS.get(name, OKABE_ITO[4])
        # Element-wise and complex counts coincide: a wide solid line under a thin dotted one keeps both visible.
        dash, width = ("dot", 2) if name == "complex" else ("solid", 6 if name == "element-wise" else 3)
        curve = {
            "type": "scatter",
            "x": dims.astype(np.float32),
            "y": values.astype(np.float32),
            "mode": "lines",
            "name": name,
            "line": {"color": colour, "width": width, "dash": dash},
            "hovertemplate": f"{name}<br>d = %{{x}}<br>%{{y:,.0f}} operations<extra></extra>",
        }
        spec.add_trace(fig, curve)
        at_chosen = values[np.argmin(np.abs(dims - chosen_dim))]
        marker = {
            "type": "scatter",
            "x": np.array([chosen_dim], dtype=np.float32),
            "y": np.array([at_chosen], dtype=np.float32),
            "mode": "markers+text",
            "marker": {"color": colour, "size": 11, "line": {"color": "white", "width": 1}},
            "text": [f"{at_chosen:,.0f}"],
            "textposition": "bottom right",  # top left would run into the legend
            "showlegend": False,
            "hoverinfo": "skip",
        }
        spec.add_trace(fig, marker)
    spec.add_vline(fig, chosen_dim, line={"color": "grey", "dash": "dash", "width": 1})
    spec.update_xaxes(fig, type="log", title={"text": "head size d"}, dtick=np.log10(2), tickformat="d")
    spec.update_yaxes(fig, type="log", title={"text": "operations per vector (× and +)"}, exponentformat="power")
    style_figure(fig, title=title, height=270)
    spec.update_layout(fig, legend={"orientation": "v", "x": 0.02, "y": 0.98, "xanchor": "left", "yanchor": "top"})
    return fig


def _timing(forms: Sequence[str], seconds_per_vector: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """Horizontal bars of measured time per rotated vector (µs, log axis), one per form."""
    microseconds = np.asarray(seconds_per_vector, dtype=np.float64) * 1e6
    if microseconds.shape != (len(forms),):
        raise ValueError("need one timing per form")
    bars = {
        "type": "bar",
        "y": list(forms),
        "x": microseconds.astype(np.float32),
        "orientation": "h",
        "marker": {"color": [FORM_COLOURS.get(form, OKABE_ITO[4]) for form in forms]},
        "text": [f"{value:.3g} µs" for value in microseconds],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:.3g} µs per vector<extra></extra>",
    }
    fig = spec.figure([bars])
    low = np.log10(max(microseconds.min(), 1e-4)) - 0.5
    high = np.log10(max(microseconds.max(), 1e-4)) + 0.8
    spec.update_xaxes(
        fig,
        type="log",
        title={"text": "µs per rotated vector (best of the repeats, log scale)"},
        range=[low, high],
        dtick=1,
        tickformat="~g",
    )
    spec.update_yaxes(fig, autorange="reversed")
    return style_figure(fig, title=title, height=270)


def _channel_pairing(pairs_interleaved: np.ndarray, pairs_half: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """Two rows of channel boxes (interleaved above, half-split below); arcs join the channels of each pair.

    A box's colour is the index of the pair it belongs to, so equal colours rotate together at one frequency.
    """
    rows = {"interleaved": np.asarray(pairs_interleaved), "half-split": np.asarray(pairs_half)}
    n_pairs = rows["interleaved"].shape[0]
    dim = 2 * n_pairs
    if any(pairs.shape != (n_pairs, 2) for pairs in rows.values()):
        raise ValueError("both pair tables must have shape (d/2, 2)")
    fig = spec.figure()
    levels = {"interleaved": 1.0, "half-split": 0.0}
    for layout, pairs in rows.items():
        level = levels[layout]
        pair_of_channel = np.empty(dim, dtype=np.int64)
        pair_of_channel[pairs[:, 0]] = np.arange(n_pairs)
        pair_of_channel[pairs[:, 1]] = np.arange(n_pairs)
        for pair_index, (first, second) in enumerate(pairs):
            # An arc above (interleaved) or below (half-split) the row joins the two members of a pair.
            sign = 1.0 if layout == "interleaved" else -1.0
            t = np.linspace(0.0, np.pi, 25)
            middle, half_width = (first + second) / 2.0, (second - first) / 2.0
            height = 0.12 + 0.3 * min(1.0, half_width / max(n_pairs, 1))
            arc = {
                "type": "scatter",
                "x": (middle - half_width * np.cos(t)).astype(np.float32),
                "y": (level + sign * (0.18 + height * np.sin(t))).astype(np.float32),
                "mode": "lines",
                "line": {"color": OKABE_ITO[pair_index % len(OKABE_ITO)], "width": 2},
                "hoverinfo": "skip",
                "showlegend": False,
            }
            spec.add_trace(fig, arc)
        boxes = {
            "type": "scatter",
            "x": np.arange(dim, dtype=np.float32),
            "y": np.full(dim, level, dtype=np.float32),
            # Numbers fit in the boxes up to 16 channels in a half-width chart; beyond, colour and hover tell.
            "mode": "markers+text" if dim <= 16 else "markers",
            "marker": {
                "symbol": "square",
                "size": max(9, min(26, 300 // dim)),
                "color": [OKABE_ITO[p % len(OKABE_ITO)] for p in pair_of_channel],
                "line": {"color": "white", "width": 1},
            },
            "text": [str(p) for p in pair_of_channel],
            "textfont": {"color": "white", "size": 11},
            "name": layout,
            "customdata": pair_of_channel,
            "hovertemplate": f"{layout}<br>channel %{{x}} belongs to pair %{{customdata}}<extra></extra>",
            "showlegend": False,
        }
        spec.add_trace(fig, boxes)
    spec.update_yaxes(
        fig,
        tickvals=[1.0, 0.0],
        ticktext=["interleaved", "half-split"],
        range=[-0.8, 1.8],
        showgrid=False,
        zeroline=False,
    )
    spec.update_xaxes(
        fig, title={"text": "channel index (number in the box = pair index i)"}, dtick=1 if dim <= 32 else 4
    )
    return style_figure(fig, title=title, height=270)


def _permutation(permutation: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """The permutation matrix P (row j picks channel permutation[j]) as a 0/1 heatmap."""
    permutation = np.asarray(permutation, dtype=np.int64)
    dim = permutation.size
    if sorted(permutation.tolist()) != list(range(dim)):
        raise ValueError("permutation must contain every index 0 … d-1 exactly once")
    matrix = np.zeros((dim, dim), dtype=np.float32)
    matrix[np.arange(dim), permutation] = 1.0
    heatmap = {
        "type": "heatmap",
        "z": matrix,
        "colorscale": [[0.0, "rgba(128,128,128,0.08)"], [1.0, QUERY_COLOUR]],
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hovertemplate": "P[%{y}, %{x}] = %{z:.0f}<extra></extra>",
    }
    fig = spec.figure([heatmap])
    spec.update_yaxes(
        fig,
        range=[dim - 0.5, -0.5],
        title={"text": "output (half-split) channel"},
        dtick=1 if dim <= 16 else 4,
        showgrid=False,
    )
    spec.update_xaxes(
        fig,
        range=[-0.5, dim - 0.5],
        title={"text": "input (interleaved) channel"},
        dtick=1 if dim <= 16 else 4,
        showgrid=False,
    )
    spec.update_yaxes(fig, scaleanchor="x", scaleratio=1)
    return style_figure(fig, title=title, height=380)


def _score_matrices(panels: Sequence[tuple[str, np.ndarray]], *, title: str | None = None) -> spec.Figure:
    """Score heatmaps side by side on one diverging colour scale centred on zero."""
    if not 1 <= len(panels) <= 4:
        raise ValueError(f"need between 1 and 4 panels, got {len(panels)}")
    low, high = symmetric_range(np.concatenate([np.asarray(matrix).ravel() for _, matrix in panels]))
    fig = spec.subplots(1, len(panels), subplot_titles=[label for label, _ in panels], horizontal_spacing=0.05)
    for col, (label, matrix) in enumerate(panels, start=1):
        heatmap = {
            "type": "heatmap",
            "z": np.asarray(matrix, dtype=np.float32),
            "colorscale": DIVERGING_SCALE,
            "zmin": low,
            "zmax": high,
            "showscale": col == len(panels),
            "colorbar": {"title": {"text": "score"}},
            "name": label,
            "hovertemplate": f"{label}<br>query %{{y}}, key %{{x}}<br>score %{{z:.4f}}<extra></extra>",
        }
        spec.add_trace(fig, heatmap, row=1, col=col)
        spec.update_yaxes(fig, row=1, col=col, autorange="reversed")
        if col == 1:
            # The panels show the same query rows side by side, so one y-axis title serves them all.
            spec.update_yaxes(fig, row=1, col=col, title={"text": "query position"})
        spec.update_xaxes(fig, row=1, col=col, title={"text": "key position"})
    return spec.finish(style_figure(fig, title=title, height=270))


def _rotated_vectors(interleaved: np.ndarray, half: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """The same vector rotated by interleaved and by half-split code, channel by channel (grouped bars)."""
    interleaved = np.asarray(interleaved, dtype=np.float32)
    half = np.asarray(half, dtype=np.float32)
    if interleaved.shape != half.shape or interleaved.ndim != 1:
        raise ValueError("both vectors must be 1-D with the same length")
    channels = np.arange(interleaved.size, dtype=np.float32)
    fig = spec.figure()
    for label, values, colour in (
        ("interleaved code", interleaved, QUERY_COLOUR),
        ("half-split code", half, KEY_COLOUR),
    ):
        bars = {
            "type": "bar",
            "x": channels,
            "y": values,
            "name": label,
            "marker": {"color": colour},
            "hovertemplate": f"{label}<br>channel %{{x}}: %{{y:.3f}}<extra></extra>",
        }
        spec.add_trace(fig, bars)
    spec.update_layout(fig, barmode="group")
    spec.update_xaxes(fig, title={"text": "channel"}, dtick=1 if interleaved.size <= 32 else 8)
    spec.update_yaxes(fig, title={"text": "value"}, zeroline=True)
    return style_figure(fig, title=title, height=270)


def _partial_rotary(channel_frequencies: np.ndarray, rotary_dim: int, *, title: str | None = None) -> spec.Figure:
    """Each channel's rotation frequency (log axis); channels past rotary_dim are shaded as 'not rotated'."""
    frequencies = np.asarray(channel_frequencies, dtype=np.float64)
    head_dim = frequencies.size
    if not 0 < rotary_dim <= head_dim:
        raise ValueError(f"rotary_dim must be in (0, {head_dim}], got {rotary_dim}")
    channels = np.arange(head_dim)
    rotated = channels < rotary_dim
    bars = {
        "type": "bar",
        "x": channels[rotated].astype(np.float32),
        "y": frequencies[rotated].astype(np.float32),
        "marker": {"color": np.log10(frequencies[rotated]).astype(np.float32), "colorscale": SEQUENTIAL_SCALE},
        "name": "rotated channels",
        "hovertemplate": "channel %{x}<br>θ = %{y:.3g} rad per token<extra></extra>",
    }
    fig = spec.figure([bars])
    if rotary_dim < head_dim:
        band_start, band_end = rotary_dim - 0.5, head_dim - 0.5
        spec.add_vrect(fig, band_start, band_end, fillcolor="rgba(128,128,128,0.18)", line={"width": 0})
        # Labelled at the band's top-left corner, hanging down into the plot.
        spec.add_annotation(
            fig,
            text=f"channels {rotary_dim} … {head_dim - 1}: not rotated (no position signal)",
            x=min(band_start, band_end),
            xanchor="left",
            yref="y domain",
            y=1,
            yanchor="top",
            showarrow=False,
        )
    spec.add_vline(fig, rotary_dim - 0.5, line={"color": HIGHLIGHT_COLOUR, "width": 2})
    lowest = frequencies[rotated].min()
    spec.update_yaxes(
        fig,
        type="log",
        title={"text": "θ of the channel's pair (rad / token)"},
        exponentformat="power",
        range=[np.log10(lowest) - 0.5, 0.9],
    )
    spec.update_xaxes(fig, title={"text": "channel"}, range=[-0.5, head_dim - 0.5])
    return style_figure(fig, title=title, height=360)


def _precision(
    positions: np.ndarray,
    errors: np.ndarray,
    marked_position: float,
    marked_error: float,
    *,
    title: str | None = None,
) -> spec.Figure:
    """Float32 angle error against position on log–log axes, with the chosen position marked."""
    positions = np.asarray(positions, dtype=np.float64)
    errors = np.asarray(errors, dtype=np.float64)
    if positions.shape != errors.shape:
        raise ValueError("positions and errors must have the same shape")
    # Zero error (exact small positions) has no place on a log axis; drop it from the line.
    keep = (errors > 0) & (positions > 0)
    line = {
        "type": "scatter",
        "x": positions[keep].astype(np.float32),
        "y": errors[keep].astype(np.float32),
        "mode": "lines",
        "name": "float32 angles",
        "line": {"color": QUERY_COLOUR, "width": 3},
        "hovertemplate": "m = %{x:,.0f}<br>max cos/sin error %{y:.2e}<extra></extra>",
    }
    marker = {
        "type": "scatter",
        "x": np.array([max(marked_position, 1.0)], dtype=np.float32),
        "y": np.array([max(marked_error, 1e-12)], dtype=np.float32),
        "mode": "markers+text",
        "marker": {"color": HIGHLIGHT_COLOUR, "size": 13, "symbol": "diamond"},
        "text": [f"m = {marked_position:,.0f}: {marked_error:.1e}"],
        "textposition": "top left",
        "name": "chosen position",
        "hoverinfo": "skip",
    }
    fig = spec.figure([line, marker])
    spec.update_xaxes(fig, type="log", title={"text": "position m"}, exponentformat="power")
    spec.update_yaxes(fig, type="log", title={"text": "max |cos/sin error| vs float64"}, exponentformat="power")
    return style_figure(fig, title=title, height=380)


def _cache_size(names: Sequence[str], mebibytes: np.ndarray, chosen: str, *, title: str | None = None) -> spec.Figure:
    """Horizontal bars of cos/sin cache size (MiB) per model preset, the chosen one highlighted."""
    megabytes = np.asarray(mebibytes, dtype=np.float64)
    if megabytes.shape != (len(names),):
        raise ValueError("need one size per name")
    bars = {
        "type": "bar",
        "y": list(names),
        "x": megabytes.astype(np.float32),
        "orientation": "h",
        "marker": {"color": [HIGHLIGHT_COLOUR if name == chosen else OKABE_ITO[5] for name in names]},
        "text": [f"{value:,.1f} MiB" for value in megabytes],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:,.2f} MiB<extra></extra>",
    }
    fig = spec.figure([bars])
    spec.update_xaxes(
        fig, title={"text": "cos + sin cache at the full context, float32 (MiB)"}, range=[0, megabytes.max() * 1.25]
    )
    spec.update_yaxes(fig, autorange="reversed")
    return style_figure(fig, title=title, height=80 + 34 * len(names))


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def operation_count_chart(
    dims: np.ndarray, counts: Mapping[str, np.ndarray], dim: int, chosen: Mapping[str, np.ndarray]
) -> spec.Chart:
    """Operations per rotated vector of each form against d, with the chosen d marked."""
    dense, elementwise = chosen["dense matrix"][0], chosen["element-wise"][0]
    return spec.Chart(
        _operation_count(dims, counts, dim, title=f"Work per vector at d = {dim}: {dense:,.0f} vs {elementwise:,.0f}"),
        alt=(
            f"Log-log lines of operations per vector against d: the dense form grows as 2d² − d, the element-wise "
            f"and complex forms as 3d. At d = {dim}: {dense:,.0f} versus {elementwise:,.0f}."
        ),
        csv=columns_to_csv({"d": dims, **{f"ops_{name.replace(' ', '_')}": v for name, v in counts.items()}}),
    )


def timing_chart(timing: RopeFormTiming, dim: int, seq_len: int) -> spec.Chart:
    """The live timing of the three forms, in microseconds per rotated vector."""
    return spec.Chart(
        _timing(timing.forms, timing.seconds_per_vector, title=f"Measured now: d = {dim}, L = {seq_len}"),
        alt=(
            "Horizontal bars of measured microseconds per rotated vector for the dense, element-wise and complex "
            "forms ("
            + ", ".join(
                f"{form}: {s * 1e6:.3g} µs" for form, s in zip(timing.forms, timing.seconds_per_vector, strict=True)
            )
            + ")."
        ),
        csv=columns_to_csv(
            {
                "form": list(timing.forms),
                "seconds_per_vector": timing.seconds_per_vector,
                "vectors_per_call": timing.vectors_per_call,
                "repeats": timing.repeats,
            }
        ),
    )


def channel_pairing_chart(pairs_interleaved: np.ndarray, pairs_half: np.ndarray) -> spec.Chart:
    """Which channels rotate together in each layout."""
    dim = 2 * pairs_half.shape[0]
    return spec.Chart(
        _channel_pairing(pairs_interleaved, pairs_half, title=f"Which channels pair up (d = {dim})"),
        alt=(
            f"Two rows of {dim} channel boxes. Interleaved: arcs join neighbours 0–1, 2–3, …; half-split: arcs "
            f"join channel i with channel i + {dim // 2}."
        ),
        # No CSV: the pairs are (2i, 2i + 1) and (i, i + d/2), which the picture and its hover already state.
    )


def permutation_chart(permutation: np.ndarray) -> spec.Chart:
    """The permutation matrix P that takes the interleaved layout to the half-split one."""
    dim = permutation.size
    return spec.Chart(
        _permutation(permutation, title=f"P ({dim} × {dim})"),
        alt=(
            f"A {dim} by {dim} permutation matrix; row j has its single 1 in column P[j], P = {permutation.tolist()}."
        ),
        csv=columns_to_csv({"half_split_channel": np.arange(dim), "takes_interleaved_channel": permutation}),
    )


def rotated_vectors_chart(conversion: LayoutConversion) -> spec.Chart:
    """One query rotated by interleaved and by half-split code: different channels, the same length."""
    last = conversion.reference.shape[0] - 1
    return spec.Chart(
        _rotated_vectors(
            conversion.rotated_interleaved,
            conversion.rotated_half,
            title=f"One query at position {last}, rotated by each layout's code",
        ),
        alt="Grouped bars per channel: the same query rotated by interleaved and by half-split code gives different "
        "values (same length).",
        csv=columns_to_csv(
            {
                "channel": np.arange(conversion.rotated_half.size),
                "interleaved": conversion.rotated_interleaved,
                "half_split": conversion.rotated_half,
            }
        ),
    )


def conversion_chart(conversion: LayoutConversion, dim: int, seed: int) -> spec.Chart:
    """The scores of one head under its own code, converted, and loaded without the permutation."""
    tokens = conversion.reference.shape[0]
    return spec.Chart(
        _score_matrices(
            [
                ("interleaved code, original", conversion.reference),
                ("half-split, rows permuted", conversion.converted),
                ("half-split, NOT permuted", conversion.unconverted),
            ],
            title=f"Scores of {tokens} tokens (d = {dim}, seed {seed})",
        ),
        alt=(
            f"Three {tokens} by {tokens} score heatmaps. The first two are identical (difference "
            f"{conversion.max_diff_converted:.0e}); the third differs by up to {conversion.max_diff_unconverted:.2f}."
        ),
        csv=matrix_to_csv(
            conversion.unconverted - conversion.reference,
            list(range(tokens)),
            list(range(tokens)),
            corner="not permuted minus original (query \\ key)",
        ),
        filename="ropelab_conversion_error",
    )


def partial_rotary_chart(
    per_channel: np.ndarray, rotary_dim: int, model: str, convention: str, inv_freq: np.ndarray
) -> spec.Chart:
    """Each channel's rotation frequency in a partial-rotary head: the tail does not rotate."""
    head_dim = per_channel.size
    return spec.Chart(
        _partial_rotary(
            per_channel,
            rotary_dim,
            title=f"{model}: {rotary_dim} of {head_dim} channels rotate ({convention} layout)",
        ),
        alt=(
            f"Bars of each channel's rotation frequency for {model}: channels 0 to {rotary_dim - 1} rotate, from "
            f"θ = 1 down to {inv_freq.min():.2g}; channels {rotary_dim} to {head_dim - 1} do not rotate."
        ),
        csv=columns_to_csv({"channel": np.arange(head_dim), "theta": per_channel}),
    )


def cache_size_chart(presets: Mapping[str, object], sizes_mib: np.ndarray, chosen: str) -> spec.Chart:
    """The float32 cos/sin cache every model preset needs for its whole context."""
    names = list(presets)
    return spec.Chart(
        _cache_size(names, sizes_mib, chosen, title="cos/sin cache for the full context (float32, MiB)"),
        alt=(
            f"Horizontal bars of cos/sin cache size per model; {chosen} needs "
            f"{sizes_mib[names.index(chosen)]:,.2f} MiB."
        ),
        csv=columns_to_csv(
            {
                "model": names,
                "context_length": [preset.context_length for preset in presets.values()],
                "rotary_dim": [preset.rotary_dim for preset in presets.values()],
                "cache_mib_float32": sizes_mib,
            }
        ),
    )


def precision_chart(
    positions: np.ndarray, errors: np.ndarray, position: int, error: float, base_label: str
) -> spec.Chart:
    """The largest cos/sin error of float32 angles against the position, with the chosen position marked."""
    return spec.Chart(
        _precision(
            positions,
            errors,
            position,
            error,
            title=f"Largest cos/sin error from float32 angles (d = 128, b = {base_label})",
        ),
        alt=(
            f"Log-log line of the float32 angle error against position, rising roughly in proportion to m; at "
            f"m = {position:,} it is {error:.1e}."
        ),
        csv=columns_to_csv({"position": positions, "max_cos_sin_error": errors}),
    )
