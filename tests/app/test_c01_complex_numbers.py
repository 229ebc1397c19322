"""Chapter 1 page: a, b and θ drive the plotted points, θ can be typed exactly, links set them, bad ones fall back."""

import math

import numpy as np
import pytest

from ropelab.lessons import c01_complex_numbers as lesson_c01
from tests.app.helpers import (
    assert_clean,
    chart_payload,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/01_Complex_numbers.py"
DEFAULTS = {"a": 1.5, "b": 1.0, "theta": math.pi / 4}


def _tip(figure, name):
    traces = [trace for trace in figure["data"] if trace.get("name") == name]
    assert len(traces) == 1, [trace.get("name") for trace in figure["data"]]
    return decode_array(traces[0]["x"])[-1], decode_array(traces[0]["y"])[-1]


def test_defaults_render_three_charts_and_agreeing_routes():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    for key in ("complex_point", "turn"):
        assert plotly_figure(at, key)["data"]
    metrics = metric_values(at)
    assert metrics["|z|"] == f"{math.hypot(1.5, 1.0):.3f}"
    assert metrics["θ in degrees"] == "45.0°" and metrics["cos θ"] == "0.707"
    assert float(metrics["Largest disagreement"]) < 1e-12
    scrub = chart_payload(at, "turn")["scrub"]
    assert len(scrub["labels"]) == 145 and scrub["labels"][scrub["index"]] == "θ = π/4 = 0.785 rad (45°)"


def test_a_link_sets_the_sliders_and_the_charts():
    at = run_page(PAGE, {"a": "-4.5", "b": "3.2", "theta": "1.57"})
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"a": -4.5, "b": 3.2, "theta": 1.57}
    assert _tip(plotly_figure(at, "complex_point"), "z = a + ib") == pytest.approx((-4.5, 3.2), abs=1e-6)
    turn = plotly_figure(at, "turn")
    assert _tip(turn, "e<sup>iθ</sup>") == pytest.approx(lesson_c01.euler_point(1.57), abs=1e-6)
    expected = lesson_c01.rotate_complex(np.array([-4.5, 3.2]), 1.57)
    assert _tip(turn, "z·e<sup>iθ</sup>") == pytest.approx(tuple(expected), abs=1e-5)
    scrub = chart_payload(at, "turn")["scrub"]
    assert scrub["labels"][scrub["index"]] == "θ = 1.570 rad (90.0°)"  # a linked angle between two stops is a stop


def test_three_plus_four_i_turned_by_an_exact_quarter_turn():
    at = run_page(PAGE, {"a": "3", "b": "4"})
    at.text_input(key="_ropelab_typed_theta").set_value("pi/2").run()
    assert_clean(at)
    assert at.slider(key="theta").value == math.pi / 2
    assert _tip(plotly_figure(at, "turn"), "z·e<sup>iθ</sup>") == pytest.approx((-4.0, 3.0), abs=1e-6)
    scrub = chart_payload(at, "turn")["scrub"]
    assert scrub["labels"][scrub["index"]] == "θ = π/2 = 1.571 rad (90°)" and len(scrub["labels"]) == 145
    at.text_input(key="_ropelab_typed_theta").set_value("7").run()
    assert_clean(at)
    assert any("outside" in warning.value for warning in at.warning)
    assert at.slider(key="theta").value == math.pi / 2


@pytest.mark.parametrize(
    "params",
    [
        {"a": "5.5", "b": "-9", "theta": "100"},
        {"a": "abc", "b": "nan", "theta": "inf"},
        {"a": "<script>alert(1)</script>", "theta": "1e999"},
    ],
)
def test_bad_links_fall_back_to_the_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS


def test_moving_theta_turns_the_point_by_theta():
    at = run_page(PAGE)
    at.slider(key="theta").set_value(3.0).run()
    assert_clean(at)
    turn = plotly_figure(at, "turn")
    x, y = _tip(turn, "e<sup>iθ</sup>")
    assert math.atan2(y, x) == pytest.approx(3.0, abs=1e-6)
    before = np.array(_tip(turn, "z"))
    after = np.array(_tip(turn, "z·e<sup>iθ</sup>"))
    turned = math.atan2(after[1], after[0]) - math.atan2(before[1], before[0])
    assert math.remainder(turned - 3.0, 2 * math.pi) == pytest.approx(0.0, abs=1e-5)
    assert np.hypot(*after) == pytest.approx(np.hypot(*before), abs=1e-5)


def test_zero_has_no_direction_and_says_so():
    at = run_page(PAGE, {"a": "0", "b": "0"})
    assert_clean(at)
    assert any("undefined" in warning.value for warning in at.warning)
