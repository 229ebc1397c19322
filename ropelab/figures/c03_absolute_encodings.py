"""Chapter 3's charts: the sinusoidal table, how similar two positions are, the cross terms, a learned table's edge."""

from __future__ import annotations

import numpy as np

from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures import spec
from ropelab.lessons.c03_absolute_encodings import ScoreTerms
from ropelab.style import DIVERGING_SCALE, HIGHLIGHT_COLOUR, OKABE_ITO, QUERY_COLOUR, style_figure, symmetric_range

# Heatmap cells sent per chart: keeps one interaction well under ~300 kB of figure JSON.
MAX_DISPLAY_CELLS = 16_384


def _rows_to_show(count: int, columns: int) -> np.ndarray:
    """Row indices to draw: all of them when they fit, else an even stride (the hover still names real positions)."""
    limit = max(16, MAX_DISPLAY_CELLS // max(columns, 1))
    stride = max(1, int(np.ceil(count / limit)))
    return np.arange(0, count, stride)


def _stride_note(rows: np.ndarray) -> str:
    return f" (one row in {rows[1] - rows[0]} shown)" if rows.size > 1 and rows[1] - rows[0] > 1 else ""


def sinusoidal_table_chart(table: np.ndarray, *, base_label: str) -> spec.Chart:
    """The (positions × dimensions) sinusoidal table: fast columns on the left, slow ones on the right."""
    table = np.asarray(table)
    rows = _rows_to_show(table.shape[0], table.shape[1])
    heatmap = {
        "type": "heatmap",
        "z": table[rows].astype(np.float32),
        "x": np.arange(table.shape[1], dtype=np.int32),
        "y": rows.astype(np.int32),
        "colorscale": DIVERGING_SCALE,
        "zmin": -1.0,
        "zmax": 1.0,
        "colorbar": {"title": {"text": "value"}},
        "hovertemplate": "position %{y}<br>dimension %{x}<br>value %{z:.3f}<extra></extra>",
    }
    fig = spec.figure([heatmap])
    spec.update_xaxes(fig, title={"text": "dimension j (even j: sin, odd j: cos)"})
    spec.update_yaxes(fig, title={"text": "position p"}, autorange="reversed")
    title = f"Sinusoidal table: {table.shape[0]} positions × {table.shape[1]} dimensions, base {base_label}"
    title += _stride_note(rows)
    length, d_model = table.shape
    return spec.Chart(
        style_figure(fig, title=title, height=370),
        alt=(
            f"Heatmap of the sinusoidal table, {length} positions by {d_model} dimensions: the left columns "
            "flicker quickly down the positions, the right columns change slowly."
        ),
        csv=matrix_to_csv(table, range(length), [f"dim_{j}" for j in range(d_model)], corner="position"),
    )


def similarity_map_chart(similarity: np.ndarray, d_model: int) -> spec.Chart:
    """PE(m)·PE(n) for every pair of positions: constant along each diagonal, i.e. a function of m − n only."""
    similarity = np.asarray(similarity)
    positions = np.arange(similarity.shape[0], dtype=np.int32)
    low, high = symmetric_range(similarity)
    heatmap = {
        "type": "heatmap",
        "z": similarity.astype(np.float32),
        "x": positions,
        "y": positions,
        "colorscale": DIVERGING_SCALE,
        "zmin": low,
        "zmax": high,
        "colorbar": {"title": {"text": "PE(m)·PE(n)"}},
        "hovertemplate": "m = %{y}, n = %{x}<br>PE(m)·PE(n) = %{z:.3f}<extra></extra>",
    }
    fig = spec.figure([heatmap])
    spec.update_xaxes(fig, title={"text": "position n"})
    spec.update_yaxes(fig, title={"text": "position m"}, autorange="reversed")
    shown = similarity.shape[0]
    return spec.Chart(
        style_figure(fig, title=f"PE(m)·PE(n) for the first {positions.size} positions", height=460),
        alt=(
            f"Heatmap of PE(m)·PE(n) for positions 0 to {shown - 1}: the largest value {d_model / 2:g} runs along "
            "the diagonal and every diagonal stripe is constant."
        ),
        csv=matrix_to_csv(similarity, range(shown), range(shown), corner="m/n"),
    )


def similarity_curve_chart(distances: np.ndarray, similarity: np.ndarray, d_model: int) -> spec.Chart:
    """PE(m)·PE(m+k) against the distance k, with the maximum d/2 at k = 0 marked."""
    distances = np.asarray(distances)
    similarity = np.asarray(similarity)
    curve = {
        "type": "scatter",
        "x": distances.astype(np.float32),
        "y": similarity.astype(np.float32),
        "mode": "lines",
        "line": {"color": QUERY_COLOUR, "width": 2.5},
        "name": "PE(m)·PE(m+k)",
        "hovertemplate": "distance k = %{x}<br>PE(m)·PE(m+k) = %{y:.3f}<extra></extra>",
    }
    fig = spec.figure([curve])
    spec.add_hline(fig, 0.0, line={"color": "rgba(128,128,128,0.6)", "width": 1})
    # spec.add_hline's label sits above the line at its right end, where "top right" put it.
    spec.add_hline(
        fig,
        d_model / 2,
        line={"color": HIGHLIGHT_COLOUR, "width": 1.5, "dash": "dot"},
        annotation_text=f"d/2 = {d_model / 2:g} (a position with itself)",
    )
    spec.update_xaxes(fig, title={"text": "distance k = n − m (tokens)"})
    spec.update_yaxes(
        fig,
        title={"text": "PE(m)·PE(m+k)"},
        range=[min(0.0, float(similarity.min())) * 1.1 - 1, d_model / 2 * 1.15],
    )
    return spec.Chart(
        style_figure(fig, title="PE(m)·PE(m+k) against the distance k", height=370),
        alt=(
            f"Line chart of PE(m)·PE(m+k) against distance k from 0 to {len(distances) - 1}: it starts at "
            f"{d_model / 2:g} and wobbles downwards, reaching {np.min(similarity):.2f} at its lowest."
        ),
        csv=columns_to_csv({"distance": distances, "similarity": similarity}),
    )


def learned_table_chart(table: np.ndarray, sequence_length: int, *, max_dims: int = 32) -> spec.Chart:
    """The learned table's rows for a sequence: real rows up to max_len, then an empty band where no row exists."""
    table = np.asarray(table)
    max_len, d_model = table.shape
    shown_dims = min(d_model, max_dims)
    total = max(max_len, sequence_length)
    rows = _rows_to_show(total, shown_dims)
    # Missing rows are NaN so Plotly leaves them blank: the gap is the message.
    padded = np.full((total, shown_dims), np.nan, dtype=np.float32)
    padded[:max_len] = table[:, :shown_dims]
    low, high = symmetric_range(table[:, :shown_dims])
    heatmap = {
        "type": "heatmap",
        "z": padded[rows],
        "x": np.arange(shown_dims, dtype=np.int32),
        "y": rows.astype(np.int32),
        "colorscale": DIVERGING_SCALE,
        "zmin": low,
        "zmax": high,
        "colorbar": {"title": {"text": "value"}},
        "hoverongaps": False,
        "hovertemplate": "position %{y}<br>dimension %{x}<br>value %{z:.3f}<extra></extra>",
    }
    fig = spec.figure([heatmap])
    if sequence_length > max_len:
        gap_top, gap_bottom = max_len - 0.5, sequence_length - 0.5
        spec.add_hrect(fig, gap_top, gap_bottom, fillcolor=HIGHLIGHT_COLOUR, opacity=0.18, line={"width": 0})
        # Labelled inside the band's top-left corner; "top" is the larger y, however the axis is drawn.
        spec.add_annotation(
            fig,
            text=f"no row for positions {max_len}…{sequence_length - 1}",
            xref="x domain",
            x=0,
            xanchor="left",
            y=max(gap_top, gap_bottom),
            yanchor="top",
            showarrow=False,
            font={"color": HIGHLIGHT_COLOUR, "size": 15},
        )
    _labelled_hline(
        fig,
        max_len - 0.5,
        line={"color": HIGHLIGHT_COLOUR, "width": 2},
        text=f"end of the table (max_len = {max_len})",
        above=False,
    )
    if sequence_length < total:
        _labelled_hline(
            fig,
            sequence_length - 0.5,
            line={"color": QUERY_COLOUR, "width": 2, "dash": "dash"},
            text=f"your sequence ends (L = {sequence_length})",
            above=True,
        )
    spec.update_xaxes(fig, title={"text": f"dimension (first {shown_dims} of {d_model})"})
    spec.update_yaxes(fig, title={"text": "position p"}, autorange="reversed")
    title = f"Learned table with {max_len} rows, sequence of {sequence_length} tokens" + _stride_note(rows)
    return spec.Chart(
        style_figure(fig, title=title, height=340),
        alt=(
            f"Heatmap of a learned table with {max_len} rows for a sequence of {sequence_length} tokens"
            + (
                f"; positions {max_len} to {sequence_length - 1} have no row and are blank."
                if sequence_length > max_len
                else "."
            )
        ),
        csv=matrix_to_csv(table, range(max_len), [f"dim_{j}" for j in range(d_model)], corner="position"),
    )


def _labelled_hline(fig: spec.Figure, y: float, *, line: dict, text: str, above: bool) -> None:
    """A full-width line at y with a label at its right end, resting on the line (above) or hanging under it."""
    spec.add_hline(fig, y, line=line)
    spec.add_line_label(fig, text, y, above=above)


# Content alone is grey and dashed (it never moves), the cross terms are vermilion, the sum is black (white on a dark
# background, see ropelab.style.DARK_BACKGROUND_SWAPS).
_CONTENT_LINE = {"color": "rgba(128,128,128,0.9)", "width": 2, "dash": "dash"}
_CROSS_LINE = {"color": HIGHLIGHT_COLOUR, "width": 2}
_POSITION_LINE = {"color": OKABE_ITO[2], "width": 2}
_TOTAL_LINE = {"color": "#000000", "width": 3.5}


def cross_terms_chart(terms: ScoreTerms, query_word: str, key_word: str) -> spec.Chart:
    """The parts of one score, and their sum, as the same two words slide along with a fixed gap k.

    The two cross terms are drawn as one line (their sum); the CSV keeps them apart.
    """
    positions = np.asarray(terms.positions)
    cross = terms.content_position + terms.position_content
    lines = (
        ("content · content", terms.content_content, _CONTENT_LINE),
        ("cross terms", cross, _CROSS_LINE),
        ("position · position", terms.position_position, _POSITION_LINE),
        ("score (the sum)", terms.total, _TOTAL_LINE),
    )
    fig = spec.figure()
    for name, values, line in lines:
        spec.add_trace(
            fig,
            {
                "type": "scatter", "x": positions.astype(np.int32), "y": np.asarray(values, dtype=np.float32),
                "mode": "lines", "line": line, "name": name,
                "hovertemplate": f"{name}<br>m = %{{x}}<br>%{{y:.3f}}<extra></extra>",
            },
        )  # fmt: skip
    spec.update_xaxes(fig, title={"text": f"position m of “{query_word}” (“{key_word}” at m + {terms.offset})"})
    spec.update_yaxes(fig, title={"text": "part of the score"}, zeroline=True)
    title = f"Always {terms.offset} apart: does the score stay put?"
    style_figure(fig, title=title, height=380)
    # At the foot of the figure (not of the plot), so the axis title above it stays clear on a phone too, where the
    # entries wrap into two rows.
    spec.update_layout(
        fig,
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0},
        margin={"b": 110},
    )
    spread = terms.spread()
    return spec.Chart(
        fig,
        alt=(
            f"Line chart over the position m of {query_word!r}, with {key_word!r} always {terms.offset} tokens "
            f"later: the content term is flat, but the cross terms swing by {spread['cross terms']:.2f}, so the "
            f"total score moves by {spread['total score']:.2f} "
            "although the distance never changes."
        ),
        csv=columns_to_csv(
            {
                "m": positions,
                "n": positions + terms.offset,
                "content_content": terms.content_content,
                "content_position": terms.content_position,
                "position_content": terms.position_content,
                "position_position": terms.position_position,
                "total": terms.total,
            }
        ),
    )
