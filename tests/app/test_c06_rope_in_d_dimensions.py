"""Chapter 6 page under AppTest: defaults, slider extremes, shared links good and bad, charts follow the controls."""

import numpy as np
import pytest

import rope_core
from tests.app.helpers import assert_clean, decode_array, plotly_figure, run_page

PAGE = "pages/06_RoPE_in_d_dimensions.py"
DEFAULTS = {"m": 3, "d": 128, "base": 10_000.0, "L": 4096, "base2": 500_000.0}
SELECT_SLIDER_EXTREMES = {
    "d": (4, 256),
    "base": (100.0, 10_000_000.0),
    "L": (256, 1_048_576),
    "base2": (100.0, 10_000_000.0),
}


def _value(at, key):
    if key == "m":
        return at.slider(key="m").value
    return at.select_slider(key=key).value


def _trace(at, chart, index):
    return plotly_figure(at, chart)["data"][index]


def test_defaults_render_every_chart_and_the_teaching_blocks():
    at = run_page(PAGE)
    assert_clean(at)
    for key, default in DEFAULTS.items():
        assert _value(at, key) == default
    for chart in ("matrix", "ladder", "clocks", "angles", "turns"):
        assert plotly_figure(at, chart)["data"]
    wavelengths = decode_array(_trace(at, "ladder", 1)["y"])
    assert wavelengths[0] == pytest.approx(2 * np.pi, rel=1e-6)
    assert wavelengths[-1] == pytest.approx(54_410.14, rel=1e-5)
    assert len(at.latex) >= 3
    assert any("fastest" in element.value for element in at.markdown)
    assert len(at.success) == 1  # exactly one takeaway


def test_at_the_largest_settings_the_matrix_and_the_angle_map_stay_bounded():
    # Every slider at its ends is tests/app/test_all_pages.py's; this checks what the largest values draw.
    at = run_page(PAGE, {"m": "4096", "d": "256", "L": "1048576", "base": "10M", "base2": "10M"})
    assert_clean(at)
    matrix = plotly_figure(at, "matrix")
    assert len(decode_array(matrix["data"][0]["z"])) == 256
    assert "m = 4096" in matrix["layout"]["title"]["text"]
    heat_rows = decode_array(_trace(at, "angles", 0)["z"])
    assert 1 < len(heat_rows) <= 256 and len(heat_rows[0]) == 128


def test_a_good_link_sets_every_control_and_the_charts():
    at = run_page(PAGE, {"m": "7", "d": "16", "base": "500k", "L": "1024", "base2": "100", "step": "64"})
    assert_clean(at)
    assert _value(at, "m") == 7
    assert _value(at, "d") == 16
    assert _value(at, "base") == 500_000.0
    assert _value(at, "L") == 1024
    assert _value(at, "base2") == 100.0
    fast_corner = decode_array(_trace(at, "matrix", 1)["z"])
    assert fast_corner[0][0] == pytest.approx(np.cos(7.0), abs=1e-6)
    assert fast_corner[1][0] == pytest.approx(np.sin(7.0), abs=1e-6)
    wavelengths = decode_array(_trace(at, "ladder", 1)["y"])
    expected = rope_core.wavelengths(rope_core.inv_freq(16, 500_000.0))
    np.testing.assert_allclose(wavelengths, expected, rtol=1e-6)
    clocks = plotly_figure(at, "clocks")
    assert [frame["name"] for frame in clocks["frames"][:3]] == ["7", "71", "135"]
    turns = decode_array(_trace(at, "turns", 0)["y"])
    assert turns[0] == np.floor(1024 / (2 * np.pi))


@pytest.mark.parametrize("bad", ["99999", "-5", "abc", "1e99"])
def test_out_of_range_or_garbage_links_fall_back_to_defaults(bad):
    at = run_page(PAGE, {"m": bad, "d": bad, "base": bad, "L": bad, "base2": bad, "step": bad})
    assert_clean(at)
    for key, default in DEFAULTS.items():
        assert _value(at, key) == default


def test_the_position_slider_moves_the_hands_by_m_theta():
    at = run_page(PAGE, {"d": "32"})
    at.slider(key="m").set_value(7).run()
    assert_clean(at)
    frequencies = rope_core.inv_freq(32, 10_000.0)
    hands = _trace(at, "clocks", 1)
    x, y = decode_array(hands["x"]), decode_array(hands["y"])
    # Eight clocks, each (centre, tip, gap); the first shown pair is pair 0 (θ = 1) and the last is pair 15.
    assert x[1] - x[0] == pytest.approx(np.cos(7 * frequencies[0]), abs=1e-6)
    assert y[1] == pytest.approx(np.sin(7 * frequencies[0]), abs=1e-6)
    assert y[-2] == pytest.approx(np.sin(7 * frequencies[15]), abs=1e-6)
    readout = next(metric.value for metric in at.metric)
    assert readout == f"{np.mod(7.0, 2 * np.pi):.3f} rad"
