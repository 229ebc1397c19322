"""Charts for chapter 11: wavelengths, angles and scores of every context-extension method on one model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c11_context_extension import TargetSweep
from ropelab.style import OKABE_ITO, style_figure

METHOD_LABELS = {
    "original": "Original",
    "linear": "Position interpolation",
    "ntk": "NTK-aware",
    "dynamic": "Dynamic NTK",
    "yarn": "YaRN",
    "llama3": "Llama 3.1 scaling",
}
_LINE = {
    "original": {"color": "#888888", "width": 5},
    "linear": {"color": OKABE_ITO[0], "width": 2},
    "ntk": {"color": OKABE_ITO[1], "width": 2},
    "dynamic": {"color": OKABE_ITO[2], "width": 2, "dash": "dash"},
    "yarn": {"color": OKABE_ITO[3], "width": 2},
    "llama3": {"color": OKABE_ITO[4], "width": 2, "dash": "dashdot"},
}
BAND_LABELS = {"high": "kept (fast)", "mid": "blended", "low": "divided by s (slow)"}
_BAND_COLOURS = {"high": OKABE_ITO[5], "mid": OKABE_ITO[4], "low": OKABE_ITO[6]}
_YARN_BAND = "rgba(213, 94, 0, 0.13)"


def method_label(method: str, attention_factor: float = 1.0) -> str:
    """Legend name of a method; YaRN's shows its attention factor because it changes every score."""
    label = METHOD_LABELS.get(method, method)
    return f"{label} (a = {attention_factor:.3f})" if attention_factor != 1.0 else label


def _check_lengths(x: np.ndarray, series: Mapping[str, np.ndarray]) -> None:
    for name, values in series.items():
        if np.shape(values) != x.shape:
            raise ValueError(f"{name!r} has shape {np.shape(values)}, expected {x.shape}")


def _length_line(
    fig: spec.Figure, value: float, text: str, *, horizontal: bool, log_axis: bool, near_end: bool
) -> None:
    """A dotted reference line at a length with its label, at the far (near_end) or near end of the line."""
    line = {"color": "#888888", "dash": "dot", "width": 1.5}
    font = {"size": 12, "color": "#888888"}
    side = "right" if near_end else "left"
    if horizontal:
        spec.add_hline(fig, value, line=line)
        spec.add_line_label(fig, text, value, side=side, log_axis=log_axis, font=font)
    else:
        spec.add_vline(fig, value, line=line)
        # Above the plot area; on a log axis plotly.js places an annotation by log10 of its value.
        x = float(np.log10(value)) if log_axis else float(value)
        spec.add_annotation(
            fig, text=text, x=x, xanchor=side, yref="paper", y=1.0, yanchor="bottom", showarrow=False, font=font
        )


def _wavelength(
    wavelengths: Mapping[str, np.ndarray],
    *,
    train_length: int,
    target_length: int,
    attention_factors: Mapping[str, float] | None = None,
    yarn_range: tuple[float, float] | None = None,
    llama3_bands: np.ndarray | None = None,
    title: str | None = None,
) -> spec.Figure:
    """Wavelength of every pair under each method (log y), with the training and target lengths marked.

    `yarn_range` shades YaRN's ramp (pair indices low..high); `llama3_bands` ('high'|'mid'|'low' per pair)
    colours the Llama 3.1 markers by band and puts the pair count of each band in the legend.
    """
    pairs = np.arange(len(next(iter(wavelengths.values()))))
    _check_lengths(pairs, wavelengths)
    factors = dict(attention_factors or {})
    fig = spec.figure()
    if yarn_range is not None:
        low, high = yarn_range
        spec.add_vrect(fig, low, high, fillcolor=_YARN_BAND, line={"width": 0}, layer="below")
        spec.add_top_label(fig, f"YaRN ramp: pairs {low:g}–{high:g}", low, xanchor="left")
    for method, values in wavelengths.items():
        label = method_label(method, factors.get(method, 1.0))
        values = np.asarray(values, dtype=np.float32)
        if method == "llama3" and llama3_bands is not None:
            for band in ("high", "mid", "low"):
                chosen = np.asarray(llama3_bands) == band
                markers = {
                    "type": "scatter",
                    "x": pairs[chosen].astype(np.float32),
                    "y": values[chosen],
                    "mode": "markers",
                    "marker": {"color": _BAND_COLOURS[band], "size": 8, "symbol": "diamond"},
                    "name": f"{label}: {BAND_LABELS[band]}, {int(chosen.sum())} pairs",
                    "hovertemplate": f"{label} ({BAND_LABELS[band]})<br>pair %{{x}}<br>λ = %{{y:,.4g}} tokens"
                    "<extra></extra>",
                }
                spec.add_trace(fig, markers)
            continue
        curve = {
            "type": "scatter",
            "x": pairs.astype(np.float32),
            "y": values,
            "mode": "lines",
            "name": label,
            # A copy, so that a later change to this figure cannot reach the shared style table.
            "line": dict(_LINE.get(method, {})),
            "hovertemplate": f"{label}<br>pair %{{x}}<br>λ = %{{y:,.4g}} tokens<extra></extra>",
        }
        spec.add_trace(fig, curve)
    _length_line(
        fig, train_length, f"training length L = {train_length:,}", horizontal=True, log_axis=True, near_end=False
    )
    _length_line(
        fig, target_length, f"target length T = {target_length:,}", horizontal=True, log_axis=True, near_end=True
    )
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(
        fig, title={"text": "wavelength λ_i = 2π/θ_i (tokens, log scale)"}, type="log", exponentformat="SI"
    )
    return spec.legend_below(style_figure(fig, title=title, height=640), rows=4)


def _angle(
    seen: np.ndarray,
    reached: np.ndarray,
    flagged: np.ndarray,
    *,
    method: str,
    train_length: int,
    target_length: int,
    title: str | None = None,
    caveat: str = "",
    y_range: tuple[float, float] | None = None,
) -> spec.Figure:
    """Angle each pair sweeps in training (L·θ_i) and at the target under one method (T·θ'_i), log y.

    Flagged pairs (never a full turn in training, further at the target) are ringed; a line marks 2π. Trace 3 is a
    line of text at the top right (`caveat`, may be empty), so a scrubber can change it together with the data.
    `y_range` fixes the log axis (in radians), so that the picture does not rescale while the target length moves.
    """
    seen = np.asarray(seen, dtype=np.float32)
    pairs = np.arange(seen.size)
    _check_lengths(pairs, {"reached": reached, "flagged": flagged})
    fig = spec.figure(
        [
            {
                "type": "bar",
                "x": pairs.astype(np.float32),
                "y": seen,
                "name": f"swept in training: L·θ_i, L = {train_length:,}",
                "marker": {"color": "rgba(136,136,136,0.55)"},
                "hovertemplate": "pair %{x}<br>training angle = %{y:,.4g} rad<extra></extra>",
            },
            *_angle_target_traces(reached, flagged, method, target_length, caveat, pairs.size, y_range),
        ]
    )
    fig["data"][1]["line"] = (_LINE["linear"] if method == "original" else _LINE.get(method, {})) | {"width": 2}
    fig["data"][1]["marker"] = {"size": 5}
    fig["data"][2]["marker"] = {"symbol": "circle-open", "size": 14, "line": {"width": 2.5}, "color": OKABE_ITO[3]}
    fig["data"][3]["textfont"] = {"color": OKABE_ITO[3]}
    _length_line(fig, 2 * np.pi, "one full turn (2π)", horizontal=True, log_axis=True, near_end=True)
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"}, range=[-0.7, pairs.size - 0.3])
    axis = {"title": {"text": "angle swept (rad, log scale)"}, "type": "log", "exponentformat": "SI"}
    if y_range is not None:
        axis["range"] = [float(np.log10(y_range[0])), float(np.log10(y_range[1]))]
    spec.update_yaxes(fig, **axis)
    spec.legend_below(style_figure(fig, title=title, height=480), rows=2)
    # A little lower than legend_below puts it: on this short plot area it would touch the axis title.
    return spec.update_layout(fig, legend={"y": -0.22}, margin={"b": 150})


def _angle_target_traces(
    reached: np.ndarray, flagged: np.ndarray, method: str, target_length: int, caveat: str, pairs: int,
    y_range: tuple[float, float] | None,
) -> list[dict]:  # fmt: skip
    """The traces of the angle chart that depend on the target length: the line, the rings and the caveat."""
    reached = np.asarray(reached, dtype=np.float32)
    flagged = np.asarray(flagged, dtype=bool)
    x = np.arange(pairs, dtype=np.float32)
    label = METHOD_LABELS.get(method, method)
    # The caveat sits under the top edge at the right, where the slow pairs' small angles leave the plot empty.
    top = y_range[1] / 2.5 if y_range is not None else float(np.max(reached))
    return [
        {
            "type": "scatter",
            "x": x,
            "y": reached,
            "mode": "lines+markers",
            "name": f"{label} at target: T·θ'_i, T = {target_length:,}",
            "hovertemplate": f"{label}<br>pair %{{x}}<br>target angle = %{{y:,.4g}} rad<extra></extra>",
        },
        {
            # Every pair, with gaps where nothing is flagged: an empty trace would drop out of the legend mid-drag.
            "type": "scatter",
            "x": x,
            "y": np.where(flagged, reached, np.nan).astype(np.float32),
            "mode": "markers",
            "name": f"out of range: {int(flagged.sum())} pairs",
            "hovertemplate": "pair %{x}: angle never seen in training<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [float(pairs - 1)],
            "y": [float(top)],
            "mode": "text",
            "text": [caveat],
            "textposition": "bottom left",
            "showlegend": False,
            "hoverinfo": "skip",
            "name": "note",
        },
    ]


def _score_curves(
    distances: np.ndarray,
    scores: Mapping[str, np.ndarray],
    *,
    train_length: int,
    attention_factors: Mapping[str, float] | None = None,
    title: str | None = None,
) -> spec.Figure:
    """All-ones score against distance (log x) under each method, with the training length marked."""
    distances = np.asarray(distances)
    _check_lengths(distances, scores)
    factors = dict(attention_factors or {})
    fig = spec.figure()
    for method, values in scores.items():
        label = method_label(method, factors.get(method, 1.0))
        curve = {
            "type": "scatter",
            "x": distances.astype(np.float32),
            "y": np.asarray(values, dtype=np.float32),
            "mode": "lines",
            "name": label,
            "line": _LINE.get(method, {}) | {"width": 3 if method == "original" else 1.5},
            "hovertemplate": f"{label}<br>distance %{{x:,}}<br>score = %{{y:.3f}}<extra></extra>",
        }
        spec.add_trace(fig, curve)
    _length_line(fig, train_length, f"L = {train_length:,}", horizontal=False, log_axis=True, near_end=True)
    spec.update_xaxes(fig, title={"text": "distance m − n (tokens, log scale)"}, type="log", exponentformat="SI")
    spec.update_yaxes(fig, title={"text": "score of q = k = all-ones (a² at distance 0)"})
    spec.legend_below(style_figure(fig, title=title, height=520), rows=2)
    return spec.update_layout(fig, legend={"y": -0.2}, margin={"b": 150})


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def wavelength_chart(
    wavelengths: Mapping[str, np.ndarray], attention_factors: Mapping[str, float], yarn_range: tuple[float, float],
    bands: np.ndarray, *, train_length: int, target_length: int, base_label: str, factor: float,
) -> spec.Chart:  # fmt: skip
    """Every pair's wavelength under every method, with YaRN's ramp and Llama 3.1's bands."""
    pairs = len(bands)
    counts = {band: int(np.sum(bands == band)) for band in BAND_LABELS}
    return spec.Chart(
        _wavelength(
            wavelengths,
            train_length=train_length,
            target_length=target_length,
            attention_factors=attention_factors,
            yarn_range=yarn_range,
            llama3_bands=bands,
            title=f"Wavelength per pair: d = {2 * pairs}, b = {base_label}, s = {factor:g}",
        ),
        alt=(
            f"Wavelength of each of {pairs} pairs on a log scale for six methods. Position interpolation lifts "
            f"every pair by s = {factor:g}; NTK-aware and YaRN leave the fast pairs alone; Llama 3.1 keeps "
            f"{counts['high']}, blends {counts['mid']} and divides {counts['low']} pairs."
        ),
        csv=columns_to_csv(
            {"pair": np.arange(pairs), **{f"wavelength_{name}": values for name, values in wavelengths.items()}}
        ),
    )


def target_caveat(target_length: int, train_length: int, scaled_context: int | None) -> str:
    """The note the angle chart carries at one target length: inside training, or beyond the scaled context s·L."""
    if target_length <= train_length:
        return f"T ≤ L = {train_length:,}:<br>every angle was seen in training"
    if scaled_context is not None and target_length > scaled_context:
        # Short lines: the note must fit a phone's plot too.
        return (
            f"Beyond s·L = {scaled_context:,}:<br>even rescaled, the slow<br>pairs pass their training<br>"
            "angles; running here needs<br>training on longer sequences"
        )
    return ""


def _angle_title(method: str, target_length: int) -> str:
    # Short enough for a phone: what "angle" is compared with is in the legend.
    return f"{METHOD_LABELS[method]}: angle at T = {target_length:,}"


def angle_chart(
    sweep: TargetSweep, index: int, method: str, *, train_length: int, stop_values: Sequence[int],
    scaled_context: int | None = None, scrub_key: str = "T", unit: int = 1,
) -> spec.Chart:  # fmt: skip
    """The angle each pair swept in training against the angle it reaches at the target, under one method.

    The chart shows stop `index` of `sweep`; its scrubber holds every stop, so dragging moves the target length
    with no server round trip. `stop_values` are the values the URL-bound control `scrub_key` takes at each stop
    (the target length in units of `unit` tokens); `scaled_context` (s·L, for a model whose config fixes s) is where
    the chart starts to warn that even the rescaled pairs overshoot.
    """
    stops = sweep.target_lengths.size
    if len(stop_values) != stops or not 0 <= index < stops:
        raise ValueError(f"need one value per stop ({stops}) and an index inside them, got {len(stop_values)}, {index}")
    positive = np.concatenate([sweep.seen.ravel(), sweep.reached.ravel(), [2 * np.pi]])
    positive = positive[positive > 0]
    y_range = (float(positive.min()) / 3, float(positive.max()) * 6)
    pairs = sweep.seen.size

    def caveat(stop: int) -> str:
        return target_caveat(int(sweep.target_lengths[stop]), train_length, scaled_context)

    target = int(sweep.target_lengths[index])
    fig = _angle(
        sweep.seen, sweep.reached[index], sweep.flagged[index], method=method, train_length=train_length,
        target_length=target, title=_angle_title(method, target), caveat=caveat(index), y_range=y_range,
    )  # fmt: skip
    frames = []
    for stop in range(stops):
        length = int(sweep.target_lengths[stop])
        line, rings, note = _angle_target_traces(
            sweep.reached[stop], sweep.flagged[stop], method, length, caveat(stop), pairs, y_range
        )
        frames.append(
            {
                "data": [
                    {"y": line["y"], "name": line["name"]},
                    {"y": rings["y"], "name": rings["name"]},
                    {"text": note["text"]},
                ],
                "layout": {"title": {"text": _angle_title(method, length)}},
            }
        )
    labels = [
        f"T = {int(length):,}" + (" = s·L" if scaled_context is not None and length == scaled_context else "")
        for length in sweep.target_lengths
    ]
    flagged = sweep.flagged[index]
    return spec.Chart(
        fig,
        alt=(
            f"Angle swept per pair in training and at the target length {target:,} under {METHOD_LABELS[method]}; "
            f"{int(flagged.sum())} of {pairs} pairs go beyond anything seen in training."
        ),
        csv=columns_to_csv(
            {
                "pair": np.arange(pairs),
                "training_angle_rad": sweep.seen,
                "target_angle_rad": sweep.reached[index],
                "out_of_range": flagged,
            }
        ),
        scrub=spec.Scrub(
            key=scrub_key,
            label="Target length T",
            values=[int(value) for value in stop_values],
            index=index,
            traces=[1, 2, 3],
            frames=frames,
            labels=labels,
            play_ms=150,
        ),
    )


def _number_line(tokens: np.ndarray, positions: np.ndarray, factor: float, *, title: str | None = None) -> spec.Figure:
    """Position interpolation as a map: tokens m on one line, the positions m/s the rotation gets on the next.

    The top panel keeps one scale, so the fan of lines shows the squeeze; the bottom panel enlarges the positions,
    where the whole numbers (the only positions training used) stand between the fractional ones.
    """
    tokens = np.asarray(tokens, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.float64)
    if tokens.ndim != 1 or tokens.shape != positions.shape or tokens.size < 2:
        raise ValueError(f"tokens and positions must be 1-D of equal length ≥ 2, got {tokens.shape}, {positions.shape}")
    zoom = float(positions[-1])
    whole = np.arange(0, np.floor(zoom + 1e-9) + 1)
    fig = spec.subplots(2, 1, vertical_spacing=0.16, row_heights=[0.6, 0.4])
    gap = np.full(tokens.size, np.nan)
    fan = {
        "type": "scatter",
        "x": np.column_stack([tokens, positions, gap]).ravel().astype(np.float32),
        "y": np.column_stack([np.ones(tokens.size), np.zeros(tokens.size), gap]).ravel().astype(np.float32),
        "mode": "lines",
        "line": {"color": "rgba(136,136,136,0.6)", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "m → m/s",
    }
    token_dots = {
        "type": "scatter",
        "x": tokens.astype(np.float32),
        "y": np.ones(tokens.size, dtype=np.float32),
        "mode": "markers",
        "marker": {"color": OKABE_ITO[1], "size": 8},
        "name": "token m, as the model runs",
        "hovertemplate": "token m = %{x}<extra></extra>",
    }
    position_hover = [f"token {int(m)} → position {p:.4g}" for m, p in zip(tokens, positions, strict=True)]
    squeezed = {
        "type": "scatter",
        "x": positions.astype(np.float32),
        "y": np.zeros(tokens.size, dtype=np.float32),
        "mode": "markers",
        "marker": {"color": OKABE_ITO[0], "size": 7},
        "name": "position m/s the rotation gets",
        "text": position_hover,
        "hovertemplate": "%{text}<extra></extra>",
    }
    trained = {
        "type": "scatter",
        "x": whole.astype(np.float32),
        "y": np.zeros(whole.size, dtype=np.float32),
        "mode": "markers",
        "marker": {"symbol": "line-ns-open", "size": 26, "color": "#888888", "line": {"width": 3}},
        "name": "whole positions, the only ones training used",
        "hovertemplate": "position %{x}: seen in training<extra></extra>",
    }
    enlarged = squeezed | {"showlegend": False}
    spec.add_trace(fig, fan, row=1, col=1)
    spec.add_trace(fig, token_dots, row=1, col=1)
    spec.add_trace(fig, squeezed, row=1, col=1)
    spec.add_trace(fig, trained | {"showlegend": False, "marker": trained["marker"] | {"size": 14}}, row=1, col=1)
    spec.add_trace(fig, trained, row=2, col=1)
    spec.add_trace(fig, enlarged | {"marker": enlarged["marker"] | {"size": 10}}, row=2, col=1)
    spec.add_vrect(fig, -0.15, zoom + 0.15, row=1, col=1, fillcolor="rgba(0,114,178,0.10)", line={"width": 0})
    label_font = {"size": 12, "color": "#888888"}
    # Labels where their line leaves room: over the start of the tokens' line, at the empty right end of the
    # squeezed line, and over the right end of the enlarged one.
    for row, y, side, text in (
        (1, 1, "left", f"tokens m = 0 … {int(tokens[-1])}, as the model runs"),
        (1, 0, "right", f"the positions m/s they get (s = {factor:g}): all within 0 … {zoom:.3g}"),
        (2, 0, "right", "the same positions enlarged; grey bars: whole positions, the only ones training used"),
    ):
        spec.add_annotation(
            fig, row=row, col=1, text=text, xref=f"{'x' if row == 1 else 'x2'} domain", x=0 if side == "left" else 1,
            xanchor=side, y=y, yanchor="bottom", yshift=10, showarrow=False, font=label_font,
        )  # fmt: skip
    # Two tokens spelled out, both left of the middle (the enlarged line's label takes the right): the first one that
    # lands between whole positions, and the one that lands nearest to 0.5.
    between = [index for index, value in enumerate(positions) if abs(value - round(value)) > 1e-9]
    halfway = min(between, key=lambda index: abs(positions[index] - 0.5), default=None)
    for index in dict.fromkeys(between[:1] + ([halfway] if halfway is not None else [])):
        text = f"token {int(tokens[index])} → {positions[index]:.4g}"
        spec.add_annotation(
            fig, row=2, col=1, x=float(positions[index]), y=0, text=text, showarrow=True, arrowhead=0, ax=0, ay=-30,
            font={"size": 12},
        )  # fmt: skip
    spec.update_xaxes(fig, row=1, col=1, range=[-0.5, float(tokens[-1]) + 0.5], dtick=1 if tokens[-1] <= 24 else 4)
    spec.update_xaxes(fig, row=2, col=1, range=[-0.04 * zoom - 0.02, 1.04 * zoom + 0.02], tickvals=whole)
    spec.update_yaxes(fig, range=[-0.45, 1.6], showticklabels=False, showgrid=False, zeroline=False, fixedrange=True)
    spec.update_yaxes(fig, row=2, col=1, range=[-0.45, 0.9])
    style_figure(fig, title=title, height=380)
    # The lines are labelled where they are drawn, so the legend would only repeat them.
    spec.update_layout(fig, showlegend=False, margin={"b": 40})
    return spec.finish(fig)


def interpolation_chart(tokens: np.ndarray, positions: np.ndarray, factor: float) -> spec.Chart:
    """Position interpolation on a number line: each token m is given the position m/s."""
    whole = int(np.floor(positions[-1] + 1e-9))
    fractional = int(sum(abs(p - round(p)) > 1e-9 for p in positions))
    return spec.Chart(
        _number_line(tokens, positions, factor, title=f"Position interpolation: token m gets position m/{factor:g}"),
        alt=(
            f"Two number lines. Tokens 0 to {int(tokens[-1])} map to positions 0 to {positions[-1]:.4g}; "
            f"{fractional} of them land between the whole positions 0 to {whole} that training used."
        ),
        csv=columns_to_csv({"token_m": tokens, "position_m_over_s": positions}),
        filename="ropelab_position_interpolation",
    )


def score_curves_chart(
    distances: np.ndarray, scores: Mapping[str, np.ndarray], attention_factors: Mapping[str, float], *,
    train_length: int, target_length: int,
) -> spec.Chart:  # fmt: skip
    """The all-ones score against distance under every method, up to the target length."""
    return spec.Chart(
        _score_curves(
            distances,
            scores,
            train_length=train_length,
            attention_factors=attention_factors,
            title=f"All-ones score against distance, up to T = {target_length:,}",
        ),
        alt=(
            "Normalised all-ones score against distance on a log axis for six methods; position interpolation "
            "shifts the whole curve right, the others keep the short-distance part of the original."
        ),
        csv=columns_to_csv({"distance": distances, **{f"score_{name}": values for name, values in scores.items()}}),
    )
