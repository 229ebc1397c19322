"""Charts for chapter 11: wavelengths, angles and scores of every context-extension method on one model."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
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
) -> spec.Figure:
    """Angle each pair sweeps in training (L·θ_i) and at the target under one method (T·θ'_i), log y.

    Flagged pairs (never a full turn in training, further at the target) are ringed; a line marks 2π.
    """
    seen = np.asarray(seen, dtype=np.float32)
    pairs = np.arange(seen.size)
    _check_lengths(pairs, {"reached": reached, "flagged": flagged})
    flagged = np.asarray(flagged, dtype=bool)
    label = METHOD_LABELS.get(method, method)
    bars = {
        "type": "bar",
        "x": pairs.astype(np.float32),
        "y": seen,
        "name": f"swept in training: L·θ_i, L = {train_length:,}",
        "marker": {"color": "rgba(136,136,136,0.55)"},
        "hovertemplate": "pair %{x}<br>training angle = %{y:,.4g} rad<extra></extra>",
    }
    target = {
        "type": "scatter",
        "x": pairs.astype(np.float32),
        "y": np.asarray(reached, dtype=np.float32),
        "mode": "lines+markers",
        "name": f"{label} at target: T·θ'_i, T = {target_length:,}",
        # The training bars are grey already, so the original method's grey line gets a colour here.
        "line": (_LINE["linear"] if method == "original" else _LINE.get(method, {})) | {"width": 2},
        "marker": {"size": 5},
        "hovertemplate": f"{label}<br>pair %{{x}}<br>target angle = %{{y:,.4g}} rad<extra></extra>",
    }
    rings = {
        "type": "scatter",
        "x": pairs[flagged].astype(np.float32),
        "y": np.asarray(reached, dtype=np.float32)[flagged],
        "mode": "markers",
        "name": f"out of range: {int(flagged.sum())} pairs",
        "marker": {"symbol": "circle-open", "size": 14, "line": {"width": 2.5}, "color": OKABE_ITO[3]},
        "hovertemplate": "pair %{x}: angle never seen in training<extra></extra>",
    }
    fig = spec.figure([bars, target, rings])
    _length_line(fig, 2 * np.pi, "one full turn (2π)", horizontal=True, log_axis=True, near_end=True)
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(fig, title={"text": "angle swept (radians, log scale)"}, type="log", exponentformat="SI")
    return spec.legend_below(style_figure(fig, title=title, height=520), rows=2)


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
    spec.update_yaxes(fig, title={"text": "score of q = k = all-ones (1 at distance 0)"})
    return spec.legend_below(style_figure(fig, title=title, height=520), rows=2)


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


def angle_chart(
    seen: np.ndarray, reached: np.ndarray, flagged: np.ndarray, method: str, *, train_length: int,
    target_length: int,
) -> spec.Chart:  # fmt: skip
    """The angle each pair swept in training against the angle it reaches at the target under one method."""
    return spec.Chart(
        _angle(
            seen,
            reached,
            flagged,
            method=method,
            train_length=train_length,
            target_length=target_length,
            title=f"{METHOD_LABELS[method]}: angle at T = {target_length:,} vs angle seen in training",
        ),
        alt=(
            f"Angle swept per pair in training and at the target length under {METHOD_LABELS[method]}; "
            f"{int(flagged.sum())} of {seen.size} pairs go beyond anything seen in training."
        ),
        csv=columns_to_csv(
            {
                "pair": np.arange(seen.size),
                "training_angle_rad": seen,
                "target_angle_rad": reached,
                "out_of_range": flagged,
            }
        ),
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
