"""Chart builders of chapter 1: the plotted points are the ones the lesson computes, alt text and CSV included."""

import csv
import io
import json
import math

import numpy as np
import pytest

import rope_core
from ropelab.figures.c01_complex_numbers import (
    complex_number_chart,
    complex_text,
    euler_circle_chart,
    rotation_chart,
)
from ropelab.figures.spec import encode_arrays
from ropelab.lessons import c01_complex_numbers as lesson_c01
from ropelab.lessons.c01_complex_numbers import rotate_three_ways
from tests.figures.validate import validated


def _trace(fig, name_start):
    matches = [trace for trace in fig.data if trace.name and trace.name.startswith(name_start)]
    assert len(matches) == 1, [trace.name for trace in fig.data]
    return matches[0]


def _tip(trace):
    return float(trace.x[-1]), float(trace.y[-1])


@pytest.mark.parametrize(("a", "b"), [(1.5, 1.0), (-2.0, 0.3), (0.0, -1.2)])
def test_point_figure_draws_z_and_its_circle(a, b):
    modulus, argument = lesson_c01.polar_form(a, b)
    fig = validated(complex_number_chart(a, b, modulus, argument))
    assert _tip(_trace(fig, "z = a + ib")) == pytest.approx((a, b), abs=1e-6)
    circle = _trace(fig, "circle |z|")
    radii = np.hypot(np.asarray(circle.x, dtype=float), np.asarray(circle.y, dtype=float))
    np.testing.assert_allclose(radii, modulus, rtol=1e-5)
    arc = _trace(fig, "argument φ")
    assert math.atan2(arc.y[-1], arc.x[-1]) == pytest.approx(argument, abs=1e-5)
    assert f"{modulus:.3f}" in fig.layout.title.text and f"{argument:.3f}" in fig.layout.title.text


def test_point_figure_at_the_origin_has_no_circle():
    fig = validated(complex_number_chart(0.0, 0.0, 0.0, 0.0))
    assert not [trace for trace in fig.data if trace.name and trace.name.startswith("circle")]


@pytest.mark.parametrize("theta", [0.79, -2.5, 3.14159])
def test_euler_figure_puts_the_point_at_cos_sin(theta):
    cos_value, sin_value = lesson_c01.euler_point(theta)
    fig = validated(euler_circle_chart(theta, cos_value, sin_value))
    assert _tip(_trace(fig, "e<sup>iθ</sup>")) == pytest.approx((cos_value, sin_value), abs=1e-6)
    assert _tip(_trace(fig, "sin θ")) == pytest.approx((cos_value, sin_value), abs=1e-6)
    assert _trace(fig, "cos θ").x[-1] == pytest.approx(cos_value, abs=1e-6)


def test_rotation_chart_shows_product_and_matrix_on_the_same_circle():
    a, b, theta = 1.5, 1.0, 0.79
    routes = rotate_three_ways(a, b, theta)
    chart = rotation_chart(a, b, theta, routes)
    fig = validated(chart)
    assert _tip(_trace(fig, "z·e")) == pytest.approx(tuple(routes.by_product), abs=1e-6)
    ring = _trace(fig, "R(θ)·(a, b)")
    assert (float(ring.x[0]), float(ring.y[0])) == pytest.approx(tuple(rope_core.rotation_matrix_2d(theta) @ [a, b]))
    assert _tip(_trace(fig, "z (before)")) == pytest.approx((a, b), abs=1e-6)
    assert "same circle |z| = 1.803" in [trace.name for trace in fig.data]
    assert "radius 1.803" in chart.alt
    exponential = list(csv.reader(io.StringIO(chart.csv)))[4]
    assert exponential[0] == "exp(theta*J)*(a,b)"
    assert [float(value) for value in exponential[1:]] == pytest.approx(list(routes.by_exponential))


def test_figures_send_float32_arrays():
    built = complex_number_chart(1.0, 1.0, *lesson_c01.polar_form(1.0, 1.0))
    fig = json.loads(validated(built).to_json())
    arrays = [trace["x"] for trace in fig["data"] if isinstance(trace.get("x"), dict)]
    assert arrays and all(array["dtype"] == "f4" for array in arrays)
    # What ui.chart hands the browser is the dict's own encoding, which must keep float32 too.
    sent = [trace["x"] for trace in encode_arrays(built.figure)["data"] if isinstance(trace.get("x"), dict)]
    assert sent and all(array["dtype"] == "f4" for array in sent)


def test_complex_text_signs():
    assert complex_text(0.7071, -0.5) == "0.707 − 0.500i"
    assert complex_text(-1.0, 2.0, 2) == "-1.00 + 2.00i"
