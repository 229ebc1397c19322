"""Chapter 7's charts: RoFormer's long-term decay bound next to the scores that actually come out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ropelab.export import columns_to_csv
from ropelab.figures import spec
from ropelab.style import KEY_COLOUR, OKABE_ITO, QUERY_COLOUR, style_figure


def _decay(
    distances: np.ndarray,
    bound: np.ndarray,
    all_ones: np.ndarray,
    random_distances: np.ndarray,
    random_mean: np.ndarray,
    random_standard_error: np.ndarray,
    *,
    title: str | None = None,
) -> spec.Figure:
    """Two panels over relative distance: the RoFormer bound curve (top) and the actual scores (bottom).

    The bottom panel shows q = k = all-ones and the mean over random q, k with a ±2 standard-error band,
    both as scores divided by d so they read on the same scale (1 = a perfect match at distance 0).
    """
    distances = np.asarray(distances)
    random_distances = np.asarray(random_distances)
    for name, values, reference in (
        ("bound", bound, distances),
        ("all_ones", all_ones, distances),
        ("random_mean", random_mean, random_distances),
        ("random_standard_error", random_standard_error, random_distances),
    ):
        if np.shape(values) != reference.shape:
            raise ValueError(f"{name} must have shape {reference.shape}, got {np.shape(values)}")
    fig = spec.subplots(
        2,
        1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        # Short titles: a subplot title does not wrap, and these must fit a phone.
        subplot_titles=("RoFormer's bound (a ceiling, not a score)", "Actual scores ⟨q, R k⟩ / d"),
    )
    bound_curve = {
        "type": "scatter",
        "x": distances,
        "y": np.asarray(bound, dtype=np.float32),
        "mode": "lines",
        "name": "bound (1/(d/2)) Σ|S_j|",
        "line": {"color": QUERY_COLOUR, "width": 2},
        "hovertemplate": "distance %{x}<br>bound = %{y:.2f}<extra></extra>",
    }
    all_ones_curve = {
        "type": "scatter",
        "x": distances,
        "y": np.asarray(all_ones, dtype=np.float32),
        "mode": "lines",
        "name": "q = k = all-ones",
        "line": {"color": KEY_COLOUR, "width": 2},
        "hovertemplate": "distance %{x}<br>all-ones score / d = %{y:.3f}<extra></extra>",
    }
    band = 2.0 * np.asarray(random_standard_error, dtype=np.float64)
    mean = np.asarray(random_mean, dtype=np.float64)
    band_area = {
        "type": "scatter",
        "x": np.concatenate([random_distances, random_distances[::-1]]),
        "y": np.concatenate([mean + band, (mean - band)[::-1]]).astype(np.float32),
        "fill": "toself",
        "fillcolor": "rgba(0,158,115,0.25)",
        "line": {"width": 0},
        "name": "random q, k: ±2 standard errors",
        "hoverinfo": "skip",
    }
    mean_curve = {
        "type": "scatter",
        "x": random_distances,
        "y": mean.astype(np.float32),
        "mode": "lines",
        "name": "random q, k: mean score",
        "line": {"color": OKABE_ITO[2], "width": 2},
        "hovertemplate": "distance %{x}<br>mean random score / d = %{y:.4f}<extra></extra>",
    }
    spec.add_trace(fig, bound_curve, row=1, col=1)
    spec.add_trace(fig, all_ones_curve, row=2, col=1)
    spec.add_trace(fig, band_area, row=2, col=1)
    spec.add_trace(fig, mean_curve, row=2, col=1)
    spec.add_hline(fig, 0.0, row=2, col=1, line={"color": "rgba(128,128,128,0.8)", "width": 1, "dash": "dot"})
    spec.update_xaxes(fig, row=2, col=1, title={"text": "relative distance m − n (tokens)"})
    spec.update_yaxes(fig, row=1, col=1, title={"text": "bound"}, rangemode="tozero")
    spec.update_yaxes(fig, row=2, col=1, title={"text": "score / d"})
    style_figure(fig, title=title, height=660)
    # Room under the x-axis title for the legend: two rows on a wide screen, four on a phone.
    spec.legend_below(fig, rows=3)
    return spec.finish(fig)


def _bound_comparison(
    distances: np.ndarray, curves: Sequence[tuple[str, np.ndarray]], *, title: str | None = None
) -> spec.Figure:
    """The bound curve for several bases (or dimensions) overlaid on one axis."""
    distances = np.asarray(distances)
    fig = spec.figure()
    dashes = ("solid", "dash", "dot", "dashdot")
    for index, (label, values) in enumerate(curves):
        if np.shape(values) != distances.shape:
            raise ValueError(f"curve {label!r} must have shape {distances.shape}, got {np.shape(values)}")
        spec.add_trace(
            fig,
            {
                "type": "scatter",
                "x": distances,
                "y": np.asarray(values, dtype=np.float32),
                "mode": "lines",
                "name": label,
                "line": {"color": OKABE_ITO[index % len(OKABE_ITO)], "width": 2, "dash": dashes[index % len(dashes)]},
                "hovertemplate": f"{label}<br>distance %{{x}}: bound = %{{y:.2f}}<extra></extra>",
            },
        )
    spec.update_xaxes(fig, title={"text": "relative distance m − n (tokens)"})
    spec.update_yaxes(fig, title={"text": "bound (1/(d/2)) Σ|S_j|"}, rangemode="tozero")
    style_figure(fig, title=title, height=440)
    # Keep the legend clear of the title above it.
    return spec.update_layout(fig, legend={"y": 1.0, "yanchor": "bottom"}, margin={"t": 90 if title else 40})


# ---------------------------------------------------------------------------------------------------------
# The chapter's charts, each with its alt text and data
# ---------------------------------------------------------------------------------------------------------


def decay_chart(
    distances: np.ndarray, bound: np.ndarray, all_ones: np.ndarray, random_distances: np.ndarray,
    random_mean: np.ndarray, random_error: np.ndarray, label: str,
) -> spec.Chart:  # fmt: skip
    """RoFormer's bound (top) and the scores of aligned and of random q, k (bottom), against distance."""
    return spec.Chart(
        _decay(distances, bound, all_ones, random_distances, random_mean, random_error, title=label),
        alt=(
            f"Top: RoFormer's bound for {label} falls from {bound[0]:.2f} at distance 0 to {bound[-1]:.2f} at "
            f"{distances[-1]}, wiggling on the way. Bottom: the all-ones score falls from 1 to {all_ones[-1]:.2f}, "
            "while the mean score of random queries and keys stays at zero at every distance."
        ),
        csv=columns_to_csv({"distance": distances, "bound": bound, "all_ones_score_over_d": all_ones}),
    )


def random_means_csv(distances: np.ndarray, mean: np.ndarray, standard_error: np.ndarray) -> str:
    """The bottom panel's random-vector means as their own CSV (they are sampled at fewer distances)."""
    return columns_to_csv({"distance": distances, "mean_score_over_d": mean, "standard_error": standard_error})


def bound_comparison_chart(distances: np.ndarray, curves: Sequence[tuple[str, np.ndarray]], dim: int) -> spec.Chart:
    """The bound for several bases on one axis."""
    return spec.Chart(
        _bound_comparison(distances, curves, title=f"The bound for d = {dim} and {len(curves)} bases"),
        alt=(
            f"The decay bound against distance up to {distances[-1]} for bases "
            + ", ".join(name for name, _ in curves)
            + ": all start at the same value; smaller bases fall faster."
        ),
        csv=columns_to_csv({"distance": distances, **dict(curves)}),
    )
