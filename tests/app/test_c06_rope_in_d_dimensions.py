"""Chapter 6 page under AppTest: the worked example and its code, the largest settings, shared links good and bad,
charts and scrubbers follow the controls."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c06_rope_in_d_dimensions as lesson_c06
from tests.app.helpers import assert_clean, chart_payload, decode_array, plotly_figure, run_page

PAGE = "pages/06_RoPE_in_d_dimensions.py"
EXAMPLE = {"ex_m": 2, "ex_n": 1, "ex_shift": 3}
DEFAULTS = {"m": 3, "d": 128, "base": 10_000.0, "L": 4096, "base2": 500_000.0}


def _value(at, key):
    if key == "m" or key in EXAMPLE:
        return at.slider(key=key).value
    return at.select_slider(key=key).value


def _captions(at) -> str:
    return " ".join(element.value for element in at.caption)


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
    # The worked example: every step of d = 4 by hand, then the code that runs, with the same score.
    assert {key: _value(at, key) for key in EXAMPLE} == EXAMPLE
    example = lesson_c06.worked_example([1.0, 2.0, 0.5, -1.0], [2.0, 1.0, 1.0, 0.5], 2, 1, 3, 100.0)
    tables = [element.value for element in at.markdown if element.value.startswith("| m = ")]
    assert [table.splitlines()[0].split(" | ")[0] for table in tables] == ["| m = 2, n = 1", "| m = 5, n = 4"]
    for step in example.steps:
        assert f"({step.q_turned[0]:.3f}, {step.q_turned[1]:.3f})" in tables[0]
        assert f"**{step.product:.3f}**" in tables[0] and f"**{step.product:.3f}**" in tables[1]
    assert f"| the score: their sum | **{example.score:.4f}** |" in tables[0]
    assert f"| the score: their sum | **{example.shifted_score:.4f}** |" in tables[1]
    assert chart_payload(at, "worked")["scrub"]["index"] == 3
    codes = [element.value for element in at.code]
    assert codes[0] == lesson_c06.textbook_source()
    assert f"# {example.score:.4f}, the score worked out by hand" in codes[1]


def test_at_the_largest_settings_the_matrix_and_the_angle_map_stay_bounded():
    # Every slider at its ends is tests/app/test_all_pages.py's; this checks what the largest values draw.
    at = run_page(PAGE, {"m": "4096", "d": "256", "L": "1048576", "base": "10M", "base2": "10M"})
    assert_clean(at)
    # The overview shows the top-left 32 × 32 corner (16 pairs) of the 256 × 256 matrix, so every scrubber stop
    # stays small.
    matrix = plotly_figure(at, "matrix")
    assert len(decode_array(matrix["data"][0]["z"])) == 32
    assert "m = 4096" in matrix["layout"]["title"]["text"]
    scrub = chart_payload(at, "matrix")["scrub"]
    assert scrub["labels"][scrub["index"]] == "m = 4,096" and len(scrub["frames"]) == 97
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
    clocks = chart_payload(at, "clocks")["scrub"]
    assert clocks["index"] == 0 and clocks["labels"][:3] == ["m = 7", "m = 71", "m = 135"]
    assert chart_payload(at, "matrix")["scrub"]["labels"] == clocks["labels"]
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
    assert y[-2] - y[-3] == pytest.approx(np.sin(7 * frequencies[15]), abs=1e-6)  # tip minus centre
    assert f"At m = 7 pair 0 stands at {np.mod(7.0, 2 * np.pi):.3f} rad (mod 2π)" in _captions(at)
    assert chart_payload(at, "clocks")["scrub"]["index"] == 7


def test_the_worked_example_follows_its_own_sliders():
    at = run_page(PAGE, {"ex_m": "10", "ex_n": "4", "ex_shift": "7"})
    assert_clean(at)
    example = lesson_c06.worked_example([1.0, 2.0, 0.5, -1.0], [2.0, 1.0, 1.0, 0.5], 10, 4, 7, 100.0)
    tables = [element.value for element in at.markdown if element.value.startswith("| m = ")]
    assert tables[0].startswith("| m = 10, n = 4") and tables[1].startswith("| m = 17, n = 11")
    assert "| angles mθᵢ, nθᵢ | 10, 4 | 1, 0.4 |" in tables[0]
    assert f"**{example.shifted_score:.4f}**" in tables[1]
    assert chart_payload(at, "worked")["scrub"]["index"] == 7
    assert "positions=[10, 4]" in at.code[1].value
    at.slider(key="ex_shift").set_value(20).run()
    assert_clean(at)
    assert any(element.value.startswith("| m = 30, n = 24") for element in at.markdown)
