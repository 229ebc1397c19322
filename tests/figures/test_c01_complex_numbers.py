"""Chart builders of chapter 1: the plotted points are the ones the lesson computes, alt text and CSV included."""

import base64
import copy
import json
import math

import numpy as np
import pytest

import rope_core
from ropelab import chart as ropelab_chart
from ropelab.figures import spec
from ropelab.figures.c01_complex_numbers import angle_text, complex_number_chart, complex_text, pi_fraction, turn_chart
from ropelab.figures.spec import encode_arrays
from ropelab.lessons import c01_complex_numbers as lesson_c01
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


def _turn(a=1.5, b=1.0, theta=math.pi / 4):
    stops, index = lesson_c01.angle_stops(-6.3, 6.3, theta)
    sweep = lesson_c01.sweep_angles(a, b, stops)
    return turn_chart(a, b, sweep, index), sweep, index


def _frame_figure(chart, stop):
    """The figure the browser shows at scrubber stop `stop`: the base traces with that frame's patches merged in."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[stop]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        decoded = {axis: np.frombuffer(base64.b64decode(patch[axis]["bdata"]), "<f4") for axis in ("x", "y")}
        assert {patch[axis]["dtype"] for axis in ("x", "y")} == {"f4"}
        figure["data"][trace_index] = {**figure["data"][trace_index], **decoded}
    spec.merge(figure["layout"], frame["layout"])
    return figure


def _named(fig, name):
    matches = [trace for trace in fig.data if trace.name == name]
    assert len(matches) == 1, [trace.name for trace in fig.data]
    return matches[0]


def test_the_turn_chart_at_its_own_stop_is_its_base_figure():
    chart, sweep, index = _turn()
    assert chart.scrub.key == "theta" and chart.scrub.values[index] == math.pi / 4
    assert len(chart.scrub.values) == len(chart.scrub.frames) == len(chart.scrub.labels) == sweep.thetas.size
    assert json.dumps(encode_arrays(_frame_figure(chart, index))) == json.dumps(encode_arrays(chart.figure))
    assert chart.scrub.labels[index] == "θ = π/4 = 0.785 rad (45°)"


@pytest.mark.parametrize("stop", [0, 36, 72, 100, 144])
def test_every_stop_turns_e_i_theta_and_z_by_that_angle(stop):
    chart, sweep, _ = _turn(a=3.0, b=4.0)
    fig = validated(spec.Chart(_frame_figure(chart, stop), alt=chart.alt))
    theta = sweep.thetas[stop]
    assert _tip(_named(fig, "e<sup>iθ</sup>")) == pytest.approx((math.cos(theta), math.sin(theta)), abs=1e-6)
    turned = complex(3.0, 4.0) * complex(math.cos(theta), math.sin(theta))
    assert _tip(_named(fig, "z·e<sup>iθ</sup>")) == pytest.approx((turned.real, turned.imag), abs=1e-5)
    ring = _named(fig, "R(θ)·(a, b) from the 2×2 matrix")
    assert (float(ring.x[0]), float(ring.y[0])) == pytest.approx(tuple(rope_core.rotation_matrix_2d(theta) @ [3, 4]))
    assert _tip(_named(fig, "z")) == pytest.approx((3.0, 4.0))  # z itself never moves
    assert fig.layout.title.text.startswith("θ = ")
    assert math.degrees(theta) == pytest.approx(-360 + 5 * stop)


def test_the_turn_chart_fits_the_payload_budget_and_draws_no_arc_for_no_turn():
    chart, sweep, _ = _turn(a=-5.0, b=5.0, theta=0.79)
    data = ropelab_chart.payload(chart.figure, alt=chart.alt, config={}, dark_swaps={}, scrub=chart.scrub)
    assert len(data) < 300_000
    zero = int(np.argmin(np.abs(sweep.thetas)))
    arc = _frame_figure(chart, zero)["data"][1]
    assert sweep.thetas[zero] == 0 and np.isnan(arc["x"]).all()
    axes = validated(chart).layout
    assert axes.xaxis2.range == (-9.0, 9.0)  # |z| = 7.07 fits, with room for the labels
    assert "radius 7.071" in chart.alt and chart.csv.count("\n") == sweep.thetas.size + 1


@pytest.mark.parametrize(
    ("theta", "text"),
    [(0.0, "0"), (math.pi, "π"), (-math.pi / 2, "−π/2"), (3 * math.pi / 4, "3π/4"), (2 * math.pi, "2π"), (0.79, None)],
)
def test_pi_fractions(theta, text):
    assert pi_fraction(theta) == text
    assert angle_text(0.79) == "0.790 rad (45.3°)" and angle_text(-math.pi) == "−π = −3.142 rad (−180°)"


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
