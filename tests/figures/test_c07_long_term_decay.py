"""Chapter 7 figure builders draw the decay numbers rope_core computes (RoFormer's reference values included)."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c07_long_term_decay import (
    _bound_comparison,
    _decay,
    bound_comparison_chart,
    decay_chart,
    random_means_csv,
)
from ropelab.lessons import c07_long_term_decay as lesson_c07
from ropelab.lessons.c07_long_term_decay import display_distances
from tests.figures.validate import validated

# The curve of the RoFormer paper's Fig. 2 (d = 128, b = 10k), read at a few distances; the paper prints no values,
# these are the values the bound takes there (tests/core checks them against the core too).
REFERENCE_BOUND = {0: 32.50, 1: 31.54, 10: 17.95, 50: 12.63, 100: 10.23, 256: 6.54}


def _decay_inputs(max_distance=256, dim=128, base=10_000.0):
    distances = display_distances(max_distance, 4096)
    random_distances = display_distances(max_distance, 64)
    mean, error = lesson_c07.random_score_mean(random_distances, dim, base, n_samples=64, seed=3)
    return (
        distances,
        rope_core.decay_bound(distances, dim, base),
        rope_core.all_ones_score(distances, dim, base),
        random_distances,
        mean,
        error,
    )


def test_decay_chart_draws_the_paper_values_and_the_scores():
    distances, bound, ones, random_distances, mean, error = _decay_inputs()
    chart = decay_chart(distances, bound, ones, random_distances, mean, error, "d = 128, b = 10k")
    fig = validated(chart)
    assert chart.alt.startswith(f"Top: RoFormer's bound for d = 128, b = 10k falls from {bound[0]:.2f} at distance 0")
    assert (
        random_means_csv(random_distances, mean, error).splitlines()[0] == "distance,mean_score_over_d,standard_error"
    )
    bound_trace, ones_trace, band, mean_trace = fig.data
    for distance, value in REFERENCE_BOUND.items():
        assert bound_trace.y[distance] == pytest.approx(value, abs=0.006)
    assert ones_trace.y[0] == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(ones_trace.y), ones, atol=1e-6)
    np.testing.assert_allclose(np.asarray(mean_trace.y), mean, atol=1e-6)
    assert bound_trace.yaxis == "y" and ones_trace.yaxis == "y2" and mean_trace.yaxis == "y2"
    # The band spans mean ± 2 standard errors and is closed (there and back).
    band_y = np.asarray(band.y, dtype=float)
    np.testing.assert_allclose(band_y[: random_distances.size], mean + 2 * error, atol=1e-6)
    np.testing.assert_allclose(band_y[random_distances.size :], (mean - 2 * error)[::-1], atol=1e-6)


def test_decay_chart_rejects_curves_of_the_wrong_length():
    distances, bound, ones, random_distances, mean, error = _decay_inputs()
    with pytest.raises(ValueError):
        _decay(distances, bound[:-1], ones, random_distances, mean, error)


def test_bound_comparison_overlays_one_curve_per_base():
    distances = display_distances(512, 1024)
    curves = [(f"b = {base:g}", rope_core.decay_bound(distances, 128, base)) for base in (100.0, 1e4, 5e5)]
    chart = bound_comparison_chart(distances, curves, 128)
    fig = validated(chart)
    assert (
        fig.layout.title.text == "The bound for d = 128 and 3 bases" and "b = 100, b = 10000, b = 500000" in chart.alt
    )
    assert [trace.name for trace in fig.data] == ["b = 100", "b = 10000", "b = 500000"]
    for trace, (_, values) in zip(fig.data, curves, strict=True):
        np.testing.assert_allclose(np.asarray(trace.y), values, rtol=1e-6)
        assert trace.y[0] == pytest.approx(32.5)
    # A larger base keeps the bound higher at long range.
    assert fig.data[2].y[-1] > fig.data[1].y[-1]
    with pytest.raises(ValueError):
        _bound_comparison(distances, [("short", np.ones(3))])
