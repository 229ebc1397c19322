"""Charts for the "Your model" tool page: one model's pairs (and optionally a second model's) before and after scaling.

Every builder takes PairAnalysis objects from ropelab.lessons.c16_your_model and returns a spec.Chart: the figure
dict, the sentence a screen reader speaks and the numbers behind it as CSV.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.lessons.c16_your_model import BAND_NAMES, PairAnalysis
from ropelab.style import HIGHLIGHT_COLOUR, OKABE_ITO, style_figure

# Model A in blue, model B in orange; the unscaled curves in greys, B's dashed.
_SCALED_LINES = ({"color": OKABE_ITO[0], "width": 2.5}, {"color": OKABE_ITO[1], "width": 2.5, "dash": "dash"})
_ORIGINAL_LINES = ({"color": "#888888", "width": 5}, {"color": "#AAAAAA", "width": 3, "dash": "dash"})
_BAND_COLOURS = {"kept": OKABE_ITO[5], "blended": OKABE_ITO[4], "divided": OKABE_ITO[6]}
_BAND_TEXT = {"kept": "kept (fast)", "blended": "blended", "divided": "divided by s (slow)"}
_MARKERS = ("diamond", "circle-open")
_RING_COLOURS = (HIGHLIGHT_COLOUR, OKABE_ITO[2])
_TRAINING_BARS = ("rgba(136,136,136,0.55)", "rgba(230,159,0,0.35)")
_REFERENCE_LINE = {"color": "#888888", "dash": "dot", "width": 1.5}
_REFERENCE_FONT = {"size": 12, "color": "#888888"}


def _models(first: PairAnalysis, second: PairAnalysis | None) -> list[PairAnalysis]:
    return [first] if second is None else [first, second]


def _name(analysis: PairAnalysis, index: int, compared: bool) -> str:
    # Two models get letters, so legends stay short and a reader can tell them apart at a glance.
    prefix = f"{'AB'[index]} · " if compared else ""
    return f"{prefix}{analysis.model.label}"


def _scaled_differs(analysis: PairAnalysis) -> bool:
    return not np.array_equal(analysis.scaled_inv_freq, analysis.original_inv_freq)


def _length_lines(fig: spec.Figure, analyses: Sequence[PairAnalysis], *, horizontal: bool) -> None:
    """Dotted lines at every model's trained length and target length (each length drawn once)."""
    compared = len(analyses) > 1
    lengths: dict[int, list[str]] = {}
    for index, analysis in enumerate(analyses):
        who = f"{'AB'[index]} " if compared else ""
        lengths.setdefault(analysis.model.trained_context, []).append(f"{who}trained")
        lengths.setdefault(analysis.target_length, []).append(f"{who}target")
    for position, (length, names) in enumerate(sorted(lengths.items())):
        text = f"{' = '.join(dict.fromkeys(names))} {length:,}"
        # Neighbouring lines label on opposite sides, and vertical ones also at two heights, so labels never meet.
        side = "right" if position % 2 == 0 else "left"
        if horizontal:
            spec.add_hline(fig, length, line=_REFERENCE_LINE)
            spec.add_line_label(fig, text, length, side=side, log_axis=True, font=_REFERENCE_FONT)
        else:
            spec.add_vline(fig, length, line=_REFERENCE_LINE)
            spec.add_annotation(
                fig,
                text=text,
                x=float(np.log10(length)),
                xanchor=side,
                yref="paper",
                y=1.0,
                yanchor="bottom",
                yshift=16 * (position % 2),
                showarrow=False,
                font=_REFERENCE_FONT,
            )


def _legend_at_bottom(fig: spec.Figure) -> spec.Figure:
    """The legend at the foot of the figure, under the axis title, however many rows a narrow screen wraps it into.

    Anchored to the container, the legend makes plotly.js grow the bottom margin to fit it; with the x-axis's own
    automargin the tick labels and axis title get their room above it. (A legend placed by a fraction of the plot
    height lands on the axis title once a phone wraps it into many rows.)
    """
    spec.update_layout(
        fig,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        margin={"b": 40},
    )
    return spec.update_xaxes(fig, automargin=True, title={"standoff": 6})


def _padded(values: np.ndarray, length: int) -> np.ndarray:
    out = np.full(length, np.nan)
    out[: values.size] = values
    return out


def _band_summary(analysis: PairAnalysis) -> str:
    counts = analysis.band_counts
    if counts is None:
        return ""
    return "; " + ", ".join(f"{counts[band]} {band}" for band in BAND_NAMES)


def wavelength_chart(first: PairAnalysis, second: PairAnalysis | None = None) -> spec.Chart:
    """Wavelength of every pair (log y) before and after scaling, bands coloured with counts, lengths marked."""
    analyses = _models(first, second)
    compared = second is not None
    fig = spec.figure()
    for index, analysis in enumerate(analyses):
        name = _name(analysis, index, compared)
        pairs = np.arange(analysis.original_wavelengths.size, dtype=np.float32)
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": pairs,
                "y": analysis.original_wavelengths.astype(np.float32),
                "mode": "lines",
                "name": f"{name}: unscaled",
                "line": dict(_ORIGINAL_LINES[index]),
                "hovertemplate": f"{name} unscaled<br>pair %{{x}}<br>λ = %{{y:,.4g}} tokens<extra></extra>",
            },
        )
        if _scaled_differs(analysis):
            spec.add_trace(
                fig,
                {
                    "type": "scatter",
                    "x": pairs,
                    "y": analysis.scaled_wavelengths.astype(np.float32),
                    "mode": "lines",
                    "name": f"{name}: {analysis.scaling_label}",
                    "line": dict(_SCALED_LINES[index]),
                    "hovertemplate": f"{name} scaled<br>pair %{{x}}<br>λ = %{{y:,.4g}} tokens<extra></extra>",
                },
            )
        if analysis.bands is not None:
            for band in BAND_NAMES:
                chosen = analysis.bands == band
                spec.add_trace(
                    fig,
                    {
                        "type": "scatter",
                        "x": pairs[chosen],
                        "y": analysis.scaled_wavelengths[chosen].astype(np.float32),
                        "mode": "markers",
                        "name": f"{name}: {_BAND_TEXT[band]}, {int(chosen.sum())} pairs",
                        "marker": {
                            "color": _BAND_COLOURS[band],
                            "size": 9,
                            "symbol": _MARKERS[index],
                            "line": {"width": 2, "color": _BAND_COLOURS[band]},
                        },
                        "hovertemplate": f"{name} ({_BAND_TEXT[band]})<br>pair %{{x}}<br>λ = %{{y:,.4g}} tokens"
                        "<extra></extra>",
                    },
                )
    _length_lines(fig, analyses, horizontal=True)
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(fig, title={"text": "wavelength 2π/θ_i (tokens, log scale)"}, type="log", exponentformat="SI")
    fig = _legend_at_bottom(style_figure(fig, title="Wavelength per pair", height=640 + 80 * compared))
    alt = " ".join(
        f"{_name(analysis, index, compared)}: wavelengths of {analysis.original_wavelengths.size} pairs on a log "
        f"scale, unscaled and with {analysis.scaling_label}{_band_summary(analysis)}; trained on "
        f"{analysis.model.trained_context:,} tokens, target {analysis.target_length:,}."
        for index, analysis in enumerate(analyses)
    )
    return spec.Chart(spec.finish(fig), alt, _pair_csv(analyses), "ropelab_your_model_wavelengths")


def _pair_csv(analyses: Sequence[PairAnalysis]) -> str:
    rows = max(analysis.original_wavelengths.size for analysis in analyses)
    columns: dict[str, np.ndarray] = {"pair": np.arange(rows)}
    for index, analysis in enumerate(analyses):
        prefix = f"{'AB'[index]}_" if len(analyses) > 1 else ""
        columns[f"{prefix}wavelength_unscaled"] = _padded(analysis.original_wavelengths, rows)
        columns[f"{prefix}wavelength_scaled"] = _padded(analysis.scaled_wavelengths, rows)
        if analysis.bands is not None:
            columns[f"{prefix}band"] = np.array([*analysis.bands, *[""] * (rows - analysis.bands.size)])
    return columns_to_csv(columns)


def out_of_range_chart(first: PairAnalysis, second: PairAnalysis | None = None) -> spec.Chart:
    """Angle each pair sweeps in training and at the target length, unscaled and scaled; out-of-range pairs ringed."""
    analyses = _models(first, second)
    compared = second is not None
    fig = spec.figure()
    for index, analysis in enumerate(analyses):
        name = _name(analysis, index, compared)
        pairs = np.arange(analysis.training_angles.size, dtype=np.float32)
        trained = analysis.model.trained_context
        spec.add_trace(
            fig,
            {
                "type": "bar",
                "x": pairs,
                "y": analysis.training_angles.astype(np.float32),
                "name": f"{name}: swept in training (L = {trained:,})",
                "marker": {"color": _TRAINING_BARS[index]},
                "hovertemplate": f"{name}<br>pair %{{x}}<br>training angle = %{{y:,.4g}} rad<extra></extra>",
            },
        )
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": pairs,
                "y": analysis.unscaled_target_angles.astype(np.float32),
                "mode": "lines",
                "name": f"{name}: unscaled at T = {analysis.target_length:,}, "
                f"{int(analysis.unscaled_out_of_range.sum())} pairs out of range",
                "line": {**_ORIGINAL_LINES[index], "width": 2, "dash": "dot"},
                "hovertemplate": f"{name} unscaled<br>pair %{{x}}<br>angle at T = %{{y:,.4g}} rad<extra></extra>",
            },
        )
        if _scaled_differs(analysis):
            spec.add_trace(
                fig,
                {
                    "type": "scatter",
                    "x": pairs,
                    "y": analysis.target_angles.astype(np.float32),
                    "mode": "lines+markers",
                    "name": f"{name}: {analysis.scaling_label} at T",
                    "line": dict(_SCALED_LINES[index]),
                    "marker": {"size": 5},
                    "hovertemplate": f"{name} scaled<br>pair %{{x}}<br>angle at T = %{{y:,.4g}} rad<extra></extra>",
                },
            )
        flagged = analysis.out_of_range
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": pairs[flagged],
                "y": analysis.target_angles[flagged].astype(np.float32),
                "mode": "markers",
                "name": f"{name}: out of range after scaling, {int(flagged.sum())} pairs",
                "marker": {"symbol": "circle-open", "size": 15, "line": {"width": 2.5}, "color": _RING_COLOURS[index]},
                "hovertemplate": f"{name}: pair %{{x}} meets angles never seen in training<extra></extra>",
            },
        )
    spec.add_hline(fig, 2 * np.pi, line=_REFERENCE_LINE)
    spec.add_line_label(fig, "one full turn (2π)", 2 * np.pi, side="right", log_axis=True, font=_REFERENCE_FONT)
    spec.update_layout(fig, barmode="group", bargap=0.15)
    spec.update_xaxes(fig, title={"text": "pair index i (0 = fastest)"})
    spec.update_yaxes(fig, title={"text": "angle swept (radians, log scale)"}, type="log", exponentformat="SI")
    fig = _legend_at_bottom(style_figure(fig, title="Angle swept per pair", height=600 + 60 * compared))
    alt = " ".join(
        f"{_name(analysis, index, compared)}: at {analysis.target_length:,} tokens "
        f"{int(analysis.unscaled_out_of_range.sum())} of {analysis.training_angles.size} pairs would sweep angles "
        f"never seen in {analysis.model.trained_context:,} training tokens unscaled, "
        f"{int(analysis.out_of_range.sum())} with {analysis.scaling_label}."
        for index, analysis in enumerate(analyses)
    )
    rows = max(analysis.training_angles.size for analysis in analyses)
    columns: dict[str, np.ndarray] = {"pair": np.arange(rows)}
    for index, analysis in enumerate(analyses):
        prefix = f"{'AB'[index]}_" if compared else ""
        columns[f"{prefix}training_angle_rad"] = _padded(analysis.training_angles, rows)
        columns[f"{prefix}unscaled_target_angle_rad"] = _padded(analysis.unscaled_target_angles, rows)
        columns[f"{prefix}scaled_target_angle_rad"] = _padded(analysis.target_angles, rows)
        columns[f"{prefix}out_of_range_scaled"] = _padded(analysis.out_of_range.astype(float), rows)
    return spec.Chart(spec.finish(fig), alt, columns_to_csv(columns), "ropelab_your_model_out_of_range")


def score_chart(first: PairAnalysis, second: PairAnalysis | None = None) -> spec.Chart:
    """All-ones score against distance (log x) before and after scaling, up to the target length."""
    analyses = _models(first, second)
    compared = second is not None
    fig = spec.figure()
    for index, analysis in enumerate(analyses):
        name = _name(analysis, index, compared)
        distances = analysis.distances.astype(np.float32)
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": distances,
                "y": analysis.score_before.astype(np.float32),
                "mode": "lines",
                "name": f"{name}: unscaled",
                "line": {**_ORIGINAL_LINES[index], "width": 3},
                "hovertemplate": f"{name} unscaled<br>distance %{{x:,}}<br>score = %{{y:.3f}}<extra></extra>",
            },
        )
        if _scaled_differs(analysis) or analysis.attention_factor != 1.0:
            label = analysis.scaling_label + (
                f" (a = {analysis.attention_factor:.4f})" if analysis.attention_factor != 1.0 else ""
            )
            spec.add_trace(
                fig,
                {
                    "type": "scatter",
                    "x": distances,
                    "y": analysis.score_after.astype(np.float32),
                    "mode": "lines",
                    "name": f"{name}: {label}",
                    "line": {**_SCALED_LINES[index], "width": 1.8},
                    "hovertemplate": f"{name} scaled<br>distance %{{x:,}}<br>score = %{{y:.3f}}<extra></extra>",
                },
            )
    _length_lines(fig, analyses, horizontal=False)
    spec.update_xaxes(fig, title={"text": "distance m − n (tokens, log scale)"}, type="log", exponentformat="SI")
    spec.update_yaxes(fig, title={"text": "score of q = k = all-ones (1 at distance 0)"})
    fig = _legend_at_bottom(style_figure(fig, title="All-ones score by distance", height=520 + 40 * compared))
    alt = " ".join(
        f"{_name(analysis, index, compared)}: all-ones score over distances 1 to {analysis.target_length:,} on a log "
        f"axis, unscaled and with {analysis.scaling_label}; attention factor {analysis.attention_factor:.4f}."
        for index, analysis in enumerate(analyses)
    )
    rows = max(analysis.distances.size for analysis in analyses)
    columns: dict[str, np.ndarray] = {}
    for index, analysis in enumerate(analyses):
        prefix = f"{'AB'[index]}_" if compared else ""
        columns[f"{prefix}distance"] = _padded(analysis.distances, rows)
        columns[f"{prefix}score_unscaled"] = _padded(analysis.score_before, rows)
        columns[f"{prefix}score_scaled"] = _padded(analysis.score_after, rows)
    return spec.Chart(spec.finish(fig), alt, columns_to_csv(columns), "ropelab_your_model_scores")
