"""Chapter 1 page: sliders a, b, θ drive the plotted points, the URL can set them, and bad links fall back."""

import math

import numpy as np
import pytest

from ropelab.lessons import c01_complex_numbers as lesson_c01
from tests.app.helpers import (
    assert_clean,
    decode_array,
    drive_sliders_to_both_ends,
    metric_values,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/01_Complex_numbers.py"
DEFAULTS = {"a": 1.5, "b": 1.0, "theta": 0.79}


def _tip(figure, name_start):
    traces = [trace for trace in figure["data"] if str(trace.get("name", "")).startswith(name_start)]
    assert len(traces) == 1, [trace.get("name") for trace in figure["data"]]
    return decode_array(traces[0]["x"])[-1], decode_array(traces[0]["y"])[-1]


def test_defaults_render_three_charts_and_agreeing_routes():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    for key in ("complex_point", "euler_circle", "rotation"):
        assert plotly_figure(at, key)["data"]
    metrics = metric_values(at)
    assert metrics["|z|"] == f"{math.hypot(1.5, 1.0):.3f}"
    assert float(metrics["Largest disagreement"]) < 1e-12


def test_every_slider_at_both_ends():
    at = run_page(PAGE)
    drive_sliders_to_both_ends(at, DEFAULTS)


def test_a_link_sets_the_sliders_and_the_charts():
    at = run_page(PAGE, {"a": "-1.2", "b": "0.5", "theta": "1.57"})
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"a": -1.2, "b": 0.5, "theta": 1.57}
    assert _tip(plotly_figure(at, "complex_point"), "z = a + ib") == pytest.approx((-1.2, 0.5), abs=1e-6)
    assert _tip(plotly_figure(at, "euler_circle"), "e<sup>") == pytest.approx(lesson_c01.euler_point(1.57), abs=1e-6)
    expected = lesson_c01.rotate_complex(np.array([-1.2, 0.5]), 1.57)
    assert _tip(plotly_figure(at, "rotation"), "z·e") == pytest.approx(tuple(expected), abs=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        {"a": "5", "b": "-9", "theta": "100"},
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
    x, y = _tip(plotly_figure(at, "euler_circle"), "e<sup>")
    assert math.atan2(y, x) == pytest.approx(3.0, abs=1e-6)
    before = np.array(_tip(plotly_figure(at, "rotation"), "z (before)"))
    after = np.array(_tip(plotly_figure(at, "rotation"), "z·e"))
    turned = math.atan2(after[1], after[0]) - math.atan2(before[1], before[0])
    assert math.remainder(turned - 3.0, 2 * math.pi) == pytest.approx(0.0, abs=1e-5)
    assert np.hypot(*after) == pytest.approx(np.hypot(*before), abs=1e-5)


def test_zero_has_no_direction_and_says_so():
    at = run_page(PAGE, {"a": "0", "b": "0"})
    assert_clean(at)
    assert any("undefined" in warning.value for warning in at.warning)
