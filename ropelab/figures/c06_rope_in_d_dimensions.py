"""Chapter 6's charts: the block-diagonal RoPE matrix and one clock per pair, both scrubbed over the position m in
the browser; the ladder of frequencies, the angle map and the full turns."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.figures.c05_rotation_in_2d import arrow_patch, arrow_trace
from ropelab.lessons.c06_rope_in_d_dimensions import MatrixCorners, WorkedExample, WorkedStops
from ropelab.style import (
    CYCLIC_SCALE,
    DIVERGING_SCALE,
    HIGHLIGHT_COLOUR,
    KEY_COLOUR,
    QUERY_COLOUR,
    style_figure,
)

TWO_PI = 2.0 * np.pi


def _typed_rows(array: np.ndarray, code: str) -> list[dict[str, str]]:
    """Each row of `array` as a plotly.js typed array (one per scrubber stop), encoded in one pass.

    spec.encode_arrays does the same for one array at a time; a scrubber has hundreds of small arrays per chart,
    and this keeps their encoding to a few microseconds each.
    """
    rows = np.ascontiguousarray(array, dtype=np.dtype(code).newbyteorder("<"))
    shape = rows.shape[1:]
    encoded = []
    for row in rows:
        item = {"dtype": code, "bdata": base64.b64encode(row.tobytes()).decode("ascii")}
        if len(shape) > 1:
            item["shape"] = ", ".join(str(length) for length in shape)
        encoded.append(item)
    return encoded


def _entry_text(block: np.ndarray) -> list[list[str]]:
    # Adding 0.0 after rounding turns -0.00 into 0.00 so tiny negative sines do not print a stray minus.
    return np.where(block == 0.0, "0", np.char.mod("%.2f", np.round(block, 2) + 0.0)).tolist()


def _matrix_title(position: int) -> str:
    return f"R at position m = {position}"


def _rotation_matrix(corners: MatrixCorners, index: int) -> tuple[spec.Figure, list[dict[str, Any]]]:
    """Heatmap of the matrix's top-left corner (all of it for d ≤ 32), plus close-ups of its fastest and slowest
    2×2 blocks, at stop `index`; and the scrubber frames for every stop.

    The big panel shows the block-diagonal shape; the close-ups make the individual cos/sin entries readable
    (the fast corner spins with m, the slow corner stays close to the identity).
    """
    count = corners.positions.size
    if not 0 <= index < count:
        raise ValueError(f"the current stop must be in [0, {count - 1}], got {index}")
    size = 2 * corners.n_pairs
    shown = corners.overview.shape[-1]
    zoom = corners.fast.shape[-1] // 2
    last_pair = corners.n_pairs - 1
    overview_title = f"all {size} × {size}" if shown == size else f"rows and columns 0–{shown - 1} of {size}"
    fig = spec.subplots(
        1,
        3,
        column_widths=[0.46, 0.27, 0.27],
        horizontal_spacing=0.08,
        subplot_titles=(
            overview_title,
            f"fast: pairs {_pair_span(0, zoom - 1)}",
            f"slow: pairs {_pair_span(last_pair - zoom + 1, last_pair)}",
        ),
    )
    # The overview only needs colour: whole percent in int8 keeps every stop small. The close-ups carry the exact
    # values, as float32 and as two-decimal text.
    overview = _typed_rows(np.rint(corners.overview * 100.0).astype(np.int8), "i1")
    fast = _typed_rows(corners.fast.astype(np.float32), "f4")
    slow = _typed_rows(corners.slow.astype(np.float32), "f4")
    frames = [
        {
            "data": [
                {"z": overview[stop]},
                {"z": fast[stop], "text": _entry_text(corners.fast[stop])},
                {"z": slow[stop], "text": _entry_text(corners.slow[stop])},
            ],
            "layout": {"title": {"text": _matrix_title(int(position))}},
        }
        for stop, position in enumerate(corners.positions)
    ]
    offsets = (0, 0, size - 2 * zoom)
    blocks = (shown, 2 * zoom, 2 * zoom)
    for column, (offset, width) in enumerate(zip(offsets, blocks, strict=True), start=1):
        index_values = np.arange(offset, offset + width)
        heatmap: dict[str, Any] = {
            "type": "heatmap",
            "x": index_values,
            "y": index_values,
            "colorscale": DIVERGING_SCALE,
            "showscale": column == 2,
            "colorbar": {"title": {"text": "entry"}, "tickvals": [-1, 0, 1], "len": 0.8},
            "xgap": 1 if column > 1 or shown <= 32 else 0,
            "ygap": 1 if column > 1 or shown <= 32 else 0,
            "textfont": {"size": 12},
        }
        if column == 1:
            heatmap["zmin"], heatmap["zmax"] = -100, 100
            heatmap["hovertemplate"] = "row %{y}, column %{x}<br>R ≈ %{z}/100<extra></extra>"
        else:
            heatmap["zmin"], heatmap["zmax"] = -1.0, 1.0
            heatmap["hovertemplate"] = "row %{y}, column %{x}<br>R[%{y}, %{x}] = %{z:.4f}<extra></extra>"
            heatmap["texttemplate"] = "%{text}"
        heatmap.update(frames[index]["data"][column - 1])
        spec.add_trace(fig, heatmap, row=1, col=column)
        axis = "" if column == 1 else str(column)
        spec.update_xaxes(fig, row=1, col=column, constrain="domain")
        spec.update_yaxes(
            fig, row=1, col=column, autorange="reversed", scaleanchor=f"x{axis}", scaleratio=1, constrain="domain"
        )
        if column > 1:
            spec.update_xaxes(fig, row=1, col=column, tickvals=index_values)
            spec.update_yaxes(fig, row=1, col=column, tickvals=index_values)
    spec.update_xaxes(fig, row=1, col=1, title={"text": "column (input coordinate)"})
    spec.update_yaxes(fig, row=1, col=1, title={"text": "row (output coordinate)"})
    style_figure(fig, title=_matrix_title(int(corners.positions[index])), height=460)
    # The only annotations here are the three subplot titles.
    for annotation in fig["layout"].get("annotations", []):
        spec.merge(annotation, {"font": {"size": 13}})
    return spec.finish(fig), frames


_SUBSCRIPTS = "₀₁₂₃₄₅₆₇"


def _worked_title(example: WorkedExample, shift: int, products: np.ndarray) -> str:
    # Two short lines: a title does not wrap, and this one sits in half a page (or on a phone).
    each = " · ".join(f"pair {index}: {product:.3f}" for index, product in enumerate(products))
    return f"at ({example.m + shift}, {example.n + shift}), Δ = {shift}<br>{each}"


def worked_pairs_chart(example: WorkedExample, stops: WorkedStops) -> spec.Chart:
    """Every pair of the worked example's q and k as arrows on one plane, at (m + Δ, n + Δ); a scrubber over Δ."""
    pairs = example.frequencies.size
    matches = np.flatnonzero(stops.shifts == example.shift)
    if matches.size == 0:
        raise ValueError(f"Δ = {example.shift} must be one of the scrubber's shifts")
    index = int(matches[0])
    names = []
    for pair in range(pairs):
        names += [(f"q, pair {pair}", f"q{_SUBSCRIPTS[pair]}"), (f"k, pair {pair}", f"k{_SUBSCRIPTS[pair]}")]
    radii = [float(np.hypot(*example.query[2 * pair : 2 * pair + 2])) for pair in range(pairs)]
    radii += [float(np.hypot(*example.key[2 * pair : 2 * pair + 2])) for pair in range(pairs)]
    turn = np.linspace(0.0, TWO_PI, 97)
    circles = {
        "type": "scatter",
        "x": np.concatenate([np.append(radius * np.cos(turn), np.nan) for radius in radii]).astype(np.float32),
        "y": np.concatenate([np.append(radius * np.sin(turn), np.nan) for radius in radii]).astype(np.float32),
        "mode": "lines",
        "line": {"color": "rgba(128,128,128,0.35)", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    arrows = []
    for pair in range(pairs):
        for which, colour in (("q", QUERY_COLOUR), ("k", KEY_COLOUR)):
            vector = example.query if which == "q" else example.key
            name, label = names[2 * pair + (which == "k")]
            arrows.append(
                arrow_trace(vector[2 * pair : 2 * pair + 2], name=name, colour=colour, label=label,
                            width=4 if pair == 0 else 2.5, showlegend=False)
            )  # fmt: skip
    fig = spec.figure([circles, *arrows])
    frames = []
    for stop, shift in enumerate(stops.shifts):
        patches = []
        for pair in range(pairs):
            for which, turned in (("q", stops.queries[stop]), ("k", stops.keys[stop])):
                name, label = names[2 * pair + (which == "k")]
                patches.append(arrow_patch(turned[2 * pair : 2 * pair + 2], name, label))
        frames.append(
            {"data": patches, "layout": {"title": {"text": _worked_title(example, int(shift), stops.products[stop])}}}
        )
    traces = list(range(1, 1 + 2 * pairs))
    for trace_index, patch in zip(traces, frames[index]["data"], strict=True):
        fig["data"][trace_index].update(patch)
    reach = 1.25 * max(radii)
    spec.update_xaxes(fig, range=[-reach, reach], zeroline=True, title={"text": "first coordinate of the pair"},
                      constrain="domain")  # fmt: skip
    spec.update_yaxes(fig, range=[-reach, reach], zeroline=True, title={"text": "second"}, scaleanchor="x",
                      scaleratio=1)  # fmt: skip
    style_figure(fig, title=frames[index]["layout"]["title"]["text"], height=340)
    spec.update_layout(fig, margin={"t": 80})
    shift = example.shift
    return spec.Chart(
        fig,
        alt=(
            f"The worked example's {pairs} pairs as arrows at positions ({example.m + shift}, {example.n + shift}): "
            "each pair's query and key turn together as Δ grows, so the angle between them, and each pair's dot "
            f"product ({', '.join(f'{product:.3f}' for product in stops.products[index])}), stays the same."
        ),
        scrub=spec.Scrub(
            key="ex_shift",
            label="Then move both by Δ",
            values=[int(value) for value in stops.shifts],
            index=index,
            traces=traces,
            frames=frames,
            labels=[f"Δ = {int(value)}" for value in stops.shifts],
        ),
    )


def _pair_span(first: int, last: int) -> str:
    return f"{first}–{last}" if last > first else f"{first}"


def _frequency_ladder(
    frequencies: np.ndarray,
    wavelengths: np.ndarray,
    *,
    context_length: float,
    label: str,
    compare: tuple[str, np.ndarray, np.ndarray] | None = None,
) -> spec.Figure:
    """Two log-scale panels per pair index: the frequency θ_i and the wavelength λ_i, with the context marked."""
    frequencies = np.asarray(frequencies, dtype=np.float64)
    wavelengths = np.asarray(wavelengths, dtype=np.float64)
    if frequencies.shape != wavelengths.shape or frequencies.ndim != 1:
        raise ValueError(f"frequencies and wavelengths must be 1-D and equal in shape, got {frequencies.shape}")
    fig = spec.subplots(
        1,
        2,
        subplot_titles=("frequency θ_i (radians per token)", "wavelength λ_i = 2π/θ_i (tokens)"),
        horizontal_spacing=0.1,
    )
    series = [(label, frequencies, wavelengths, QUERY_COLOUR, "circle")]
    if compare is not None:
        other_label, other_frequencies, other_wavelengths = compare
        series.append(
            (other_label, np.asarray(other_frequencies), np.asarray(other_wavelengths), KEY_COLOUR, "diamond")
        )
    for name, theta, wavelength, colour, symbol in series:
        pairs = np.arange(theta.size)
        theta_trace = {
            "type": "scatter",
            "x": pairs,
            "y": theta.astype(np.float32),
            "name": name,
            "legendgroup": name,
            "hovertemplate": f"{name}<br>pair %{{x}}: θ = %{{y:.4g}} rad/token<extra></extra>",
            **_ladder_style(colour, symbol),
        }
        wavelength_trace = {
            "type": "scatter",
            "x": pairs,
            "y": wavelength.astype(np.float32),
            "name": name,
            "legendgroup": name,
            "showlegend": False,
            "hovertemplate": f"{name}<br>pair %{{x}}: λ = %{{y:,.1f}} tokens<extra></extra>",
            **_ladder_style(colour, symbol),
        }
        spec.add_trace(fig, theta_trace, row=1, col=1)
        spec.add_trace(fig, wavelength_trace, row=1, col=2)
    spec.add_hline(fig, context_length, row=1, col=2, line={"color": HIGHLIGHT_COLOUR, "dash": "dash", "width": 2})
    spec.add_line_label(
        fig, f"context L = {context_length:,.0f} tokens", context_length, side="left", log_axis=True, row=1, col=2,
        font={"color": HIGHLIGHT_COLOUR},
    )  # fmt: skip
    spec.add_annotation(
        fig,
        x=0,
        y=float(np.log10(wavelengths[0])),
        xref="x2",
        yref="y2",
        text=f"pair 0 = fastest<br>λ ≈ {wavelengths[0]:.2f} tokens",
        showarrow=True,
        arrowhead=2,
        ax=60,
        ay=-10,
        xanchor="left",
        font={"color": QUERY_COLOUR},
    )
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(fig, type="log", exponentformat="power")
    spec.update_yaxes(fig, row=1, col=1, title={"text": "θ_i"})
    spec.update_yaxes(fig, row=1, col=2, title={"text": "λ_i (tokens)"})
    style_figure(fig, height=460)
    spec.update_layout(fig, legend={"y": 1.14}, margin={"t": 90})
    return spec.finish(fig)


def _ladder_style(colour: str, symbol: str) -> dict[str, Any]:
    return {"mode": "lines+markers", "line": {"color": colour}, "marker": {"color": colour, "symbol": symbol}}


CLOCK_SPACING = 2.6
# Clocks sit in rows of four, so each dial stays large enough to read on a phone as well as on a wide screen.
CLOCKS_PER_ROW = 4
ROW_SPACING = 3.6


def clock_centres(count: int) -> tuple[np.ndarray, np.ndarray]:
    """x and y of each clock's centre: rows of CLOCKS_PER_ROW, left to right, top row first."""
    index = np.arange(count)
    return CLOCK_SPACING * (index % CLOCKS_PER_ROW), -ROW_SPACING * (index // CLOCKS_PER_ROW)


def clock_hands_xy(angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of all hands on one axis: clock k is centred at clock_centres; hands split by NaN gaps.

    `angles` holds one angle per clock, or one row of them per scrubber stop (then one row of x and y per stop).
    """
    angles = np.asarray(angles, dtype=np.float64)
    centre_x, centre_y = clock_centres(angles.shape[-1])
    gap = np.full(angles.shape, np.nan)
    x = np.stack([np.broadcast_to(centre_x, angles.shape), centre_x + np.cos(angles), gap], axis=-1)
    y = np.stack([np.broadcast_to(centre_y, angles.shape), centre_y + np.sin(angles), gap], axis=-1)
    flat = (*angles.shape[:-1], 3 * angles.shape[-1])
    return x.reshape(flat).astype(np.float32), y.reshape(flat).astype(np.float32)


def _pair_clocks(
    angles: np.ndarray,
    positions: np.ndarray,
    pairs: Sequence[int],
    wavelengths: np.ndarray,
    index: int,
) -> tuple[spec.Figure, list[dict[str, Any]], list[int]]:
    """One clock per pair whose hand sits at angle m·θ_i at stop `index`; the scrubber frames for every stop.

    `angles` is (stops, pairs) from the core; `wavelengths` are the shown pairs' λ_i for the labels. All clocks
    share one axis and all hands one trace, so each frame is two short arrays (and two more for pair 0's hand).
    """
    angles = np.asarray(angles, dtype=np.float64)
    positions = np.asarray(positions)
    pairs = [int(pair) for pair in pairs]
    if angles.ndim != 2 or angles.shape != (positions.size, len(pairs)) or len(wavelengths) != len(pairs):
        raise ValueError(f"angles must be (positions, pairs) = ({positions.size}, {len(pairs)}), got {angles.shape}")
    if not 0 <= index < positions.size:
        raise ValueError(f"the current stop must be in [0, {positions.size - 1}], got {index}")
    count = len(pairs)
    centre_x, centre_y = clock_centres(count)
    circle = np.append(np.linspace(0.0, TWO_PI, 73), np.nan)
    dial_x = (centre_x[:, None] + np.cos(circle)[None, :]).ravel()
    dial_y = (centre_y[:, None] + np.sin(circle)[None, :]).ravel()
    tip_colours = [HIGHLIGHT_COLOUR if pair == 0 else QUERY_COLOUR for pair in pairs]
    # Marker sizes per point: small at the centre, large at the tip, none on the NaN gap.
    sizes = np.tile(np.array([5, 12, 0]), count)
    colours = [colour for colour in tip_colours for _ in range(3)]
    hand_x, hand_y = clock_hands_xy(angles[index])
    dials = {
        "type": "scatter",
        "x": dial_x.astype(np.float32),
        "y": dial_y.astype(np.float32),
        "mode": "lines",
        "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    hands = {
        "type": "scatter",
        "x": hand_x,
        "y": hand_y,
        "mode": "lines+markers",
        "line": {"color": QUERY_COLOUR, "width": 4},
        "marker": {"size": sizes, "color": colours},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    fig = spec.figure([dials, hands])
    animated = [1]
    every_x, every_y = clock_hands_xy(angles)
    frame_data = [_typed_rows(every_x, "f4"), _typed_rows(every_y, "f4")]
    fastest = pairs.index(0) if 0 in pairs else None
    if fastest is not None:
        # Pair 0's hand is redrawn on top in the highlight colour, so the fastest clock stands out.
        window = slice(3 * fastest, 3 * fastest + 2)
        overlay = {
            "type": "scatter",
            "x": hand_x[window],
            "y": hand_y[window],
            "mode": "lines",
            "line": {"color": HIGHLIGHT_COLOUR, "width": 5},
            "hoverinfo": "skip",
            "showlegend": False,
        }
        spec.add_trace(fig, overlay)
        animated.append(2)
        frame_data += [_typed_rows(every_x[:, window], "f4"), _typed_rows(every_y[:, window], "f4")]
    annotations = fig["layout"].setdefault("annotations", [])
    for x_centre, y_centre, pair, wavelength in zip(centre_x, centre_y, pairs, wavelengths, strict=True):
        # No xref/yref, as before the switch to dicts: plotly.js then refers x and y to the only axes.
        annotations.append(
            {
                "x": x_centre,
                "y": y_centre + 1.22,
                "text": _clock_label(pair, wavelength),
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 13, "color": HIGHLIGHT_COLOUR} if pair == 0 else {"size": 13},
            }
        )
    frames = []
    for stop in range(positions.size):
        data = [{"x": frame_data[0][stop], "y": frame_data[1][stop]}]
        if fastest is not None:
            data.append({"x": frame_data[2][stop], "y": frame_data[3][stop]})
        frames.append({"data": data})
    for trace_index, patch in zip(animated, frames[index]["data"], strict=True):
        fig["data"][trace_index].update(patch)
    spec.update_xaxes(fig, range=[-1.6, centre_x.max() + 1.6], visible=False, constrain="domain", fixedrange=True)
    spec.update_yaxes(
        fig, range=[centre_y.min() - 1.3, 2.6], visible=False, scaleanchor="x", scaleratio=1, fixedrange=True
    )
    rows = int(-centre_y.min() / ROW_SPACING) + 1
    style_figure(fig, height=60 + 135 * rows)
    spec.update_layout(fig, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig, frames, animated


def _clock_label(pair: int, wavelength: float) -> str:
    # Short lines: eight labels must fit side by side even at lecture-mode font sizes.
    speed = "<br>fastest" if pair == 0 else ""
    return f"<b>pair {pair}</b>{speed}<br>λ≈{_short_tokens(wavelength)}"


def _short_tokens(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _angle_heatmap(angles: np.ndarray, positions: np.ndarray, *, title: str | None = None) -> spec.Figure:
    """Positions × pairs heatmap of the rotation angle wrapped to [0, 2π) on a cyclic colour scale."""
    angles = np.asarray(angles, dtype=np.float64)
    positions = np.asarray(positions)
    if angles.ndim != 2 or angles.shape[0] != positions.size:
        raise ValueError(f"angles must be (positions, pairs) with {positions.size} rows, got {angles.shape}")
    wrapped = np.mod(angles, TWO_PI)
    heatmap = {
        "type": "heatmap",
        "z": wrapped.astype(np.float32),
        "x": np.arange(angles.shape[1]),
        "y": positions,
        "colorscale": CYCLIC_SCALE,
        "zmin": 0.0,
        "zmax": TWO_PI,
        "colorbar": {
            "title": {"text": "angle mod 2π"},
            "tickvals": [0, np.pi / 2, np.pi, 3 * np.pi / 2, TWO_PI],
            "ticktext": ["0", "π/2", "π", "3π/2", "2π"],
        },
        "hovertemplate": "position %{y}, pair %{x}<br>angle mod 2π = %{z:.3f} rad<extra></extra>",
    }
    fig = spec.figure([heatmap])
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest, left)"})
    if angles.shape[1] <= 16:
        spec.update_xaxes(fig, dtick=1)
    spec.update_yaxes(fig, title={"text": "position m (tokens)"}, autorange="reversed")
    return style_figure(fig, title=title, height=480)


def _full_turns(
    turns: np.ndarray,
    *,
    context_length: float,
    label: str,
    compare: tuple[str, np.ndarray] | None = None,
) -> spec.Figure:
    """Bars of the complete turns each pair makes within the context (log scale); pairs with none are marked."""
    turns = np.asarray(turns, dtype=np.float64)
    pairs = np.arange(turns.size)
    fig = spec.figure()
    series = [(label, turns, QUERY_COLOUR)]
    if compare is not None:
        series.append((compare[0], np.asarray(compare[1], dtype=np.float64), KEY_COLOUR))
    for name, values, colour in series:
        # A log axis cannot show 0, so pairs that never finish a turn are drawn as markers on the floor.
        shown = np.where(values >= 1, values, np.nan)
        bars = {
            "type": "bar",
            "x": pairs,
            "y": shown.astype(np.float32),
            "name": f"{name}",
            "marker": {"color": colour},
            "hovertemplate": f"{name}<br>pair %{{x}}: %{{y:,.0f}} full turns<extra></extra>",
        }
        spec.add_trace(fig, bars)
        never = pairs[values < 1]
        if never.size:
            floor = {
                "type": "scatter",
                "x": never,
                "y": np.full(never.size, 0.6, dtype=np.float32),
                "mode": "markers",
                "marker": {"symbol": "x-thin", "size": 9, "line": {"width": 2, "color": colour}, "color": colour},
                "name": f"{name}: 0 turns ({never.size} pairs)",
                "hovertemplate": f"{name}<br>pair %{{x}}: less than one turn<extra></extra>",
            }
            spec.add_trace(fig, floor)
    largest = max(float(np.max(values)) for _, values, _ in series)
    spec.update_layout(fig, barmode="group", bargap=0.15)
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(
        fig,
        type="log",
        range=[np.log10(0.4), np.log10(max(largest, 1.0) * 2.0)],
        title={"text": f"full turns within L = {context_length:,.0f} tokens"},
        exponentformat="power",
    )
    return style_figure(fig, height=420)


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def _block_pattern(dim: int) -> np.ndarray:
    """Where the block-diagonal matrix can be non-zero: the 2×2 blocks on the diagonal (interleaved layout)."""
    block = np.arange(dim) // 2
    return block[:, None] == block[None, :]


def _position_labels(positions: np.ndarray) -> list[str]:
    return [f"m = {int(position):,}" for position in positions]


def rotation_matrix_chart(corners: MatrixCorners, index: int, matrix: np.ndarray) -> spec.Chart:
    """The block-diagonal RoPE matrix at the stop `index`, scrubbed over every position in `corners`.

    `matrix` is the whole (d, d) matrix at that position, for the CSV.
    """
    dim = matrix.shape[0]
    if matrix.shape != (2 * corners.n_pairs, 2 * corners.n_pairs):
        raise ValueError(f"matrix must be ({2 * corners.n_pairs}, {2 * corners.n_pairs}), got {matrix.shape}")
    figure, frames = _rotation_matrix(corners, index)
    position = int(corners.positions[index])
    rows, columns = np.nonzero(_block_pattern(dim))
    shown = corners.overview.shape[-1]
    part = (
        f"the {dim} by {dim} RoPE matrix"
        if shown == dim
        else f"the first {shown} rows and columns of the {dim} by {dim} RoPE matrix"
    )
    return spec.Chart(
        figure,
        alt=(
            f"Heatmap of {part} at position {position}: 2 by 2 blocks on the diagonal, zero elsewhere; close-ups "
            "show the fast pairs' cos and sin entries and the slow pairs near the identity."
        ),
        # Every non-zero entry (2 per row): the rest of the matrix is zeros, and writing out all d² of them would
        # cost far more than the chart itself on every step of m.
        csv=columns_to_csv({"row": rows, "column": columns, "entry": matrix[rows, columns]}),
        scrub=spec.Scrub(
            key="m",
            label="Position m",
            values=corners.positions.tolist(),
            index=index,
            traces=[0, 1, 2],
            frames=frames,
            labels=_position_labels(corners.positions),
        ),
    )


def frequency_ladder_chart(
    frequencies: np.ndarray, wavelengths: np.ndarray, label: str, compare: tuple[str, np.ndarray, np.ndarray], *,
    context_length: int,
) -> spec.Chart:  # fmt: skip
    """θ_i and λ_i = 2π/θ_i for every pair under two bases, on log axes, with the context length marked."""
    compare_label, compare_frequencies, compare_wavelengths = compare
    n_pairs = frequencies.size
    return spec.Chart(
        _frequency_ladder(frequencies, wavelengths, context_length=context_length, label=label, compare=compare),
        alt=(
            f"Log-scale frequencies and wavelengths of the {n_pairs} pairs for {label} and {compare_label}. Pair 0 "
            f"has wavelength 6.28 tokens; the slowest pair has {wavelengths[-1]:,.0f} tokens for {label}. "
            f"A dashed line marks the context length {context_length:,}."
        ),
        csv=columns_to_csv(
            {
                "pair": np.arange(n_pairs),
                f"theta_{label}": frequencies,
                f"wavelength_tokens_{label}": wavelengths,
                f"theta_{compare_label}": compare_frequencies,
                f"wavelength_tokens_{compare_label}": compare_wavelengths,
            }
        ),
    )


def pair_clocks_chart(
    angles: np.ndarray, positions: np.ndarray, pairs: np.ndarray, wavelengths: np.ndarray, index: int
) -> spec.Chart:
    """One clock per shown pair at the stop `index`, scrubbed over every position in `positions` in the browser."""
    shown = ", ".join(str(pair) for pair in pairs)
    figure, frames, animated = _pair_clocks(angles, positions, pairs, wavelengths, index)
    position = int(positions[index])
    return spec.Chart(
        figure,
        alt=(
            f"{pairs.size} clock faces at position {position:,}, one per pair ({shown}), each hand at the angle "
            "m·θ_i: pair 0 turns once every 6.28 tokens while the slowest pairs barely move."
        ),
        csv=columns_to_csv(
            {"position": positions, **{f"angle_pair_{pair}": angles[:, j] for j, pair in enumerate(pairs)}}
        ),
        scrub=spec.Scrub(
            key="m",
            label="Position m",
            values=[int(value) for value in positions],
            index=index,
            traces=animated,
            frames=frames,
            labels=_position_labels(positions),
        ),
    )


def angle_map_chart(angles: np.ndarray, positions: np.ndarray, label: str, *, context_length: int) -> spec.Chart:
    """Every pair's angle m·θ_i mod 2π at the sampled positions, on a cyclic colour scale."""
    n_pairs = angles.shape[1]
    return spec.Chart(
        _angle_heatmap(angles, positions, title=f"Angle m·θ_i mod 2π, {label}, d = {2 * n_pairs}"),
        alt=(
            f"Heatmap of the rotation angle modulo 2π for positions 0 to {context_length - 1:,} (rows) and the "
            f"{n_pairs} pairs (columns) on a cyclic colour scale: colours cycle quickly on the left, slowly on the "
            "right."
        ),
        csv=matrix_to_csv(np.mod(angles, 2 * np.pi), positions, range(n_pairs), corner="position/pair (angle mod 2pi)"),
    )


def full_turns_chart(
    turns: np.ndarray, label: str, compare: tuple[str, np.ndarray], *, context_length: int
) -> spec.Chart:
    """Complete turns of every pair within the context under two bases."""
    compare_label, compare_turns = compare
    return spec.Chart(
        _full_turns(turns, context_length=context_length, label=label, compare=compare),
        alt=(
            f"Bars of complete turns per pair within {context_length:,} tokens for {label} and {compare_label}; "
            f"pair 0 makes {int(turns[0]):,} turns and {int((turns < 1).sum())} pairs make none with {label}."
        ),
        csv=columns_to_csv(
            {"pair": np.arange(turns.size), f"turns_{label}": turns, f"turns_{compare_label}": compare_turns}
        ),
    )
