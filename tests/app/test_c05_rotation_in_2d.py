"""Chapter 5 page: m, n, θ turn the arrows, the shift leaves the score alone, the facts hold, links work."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
from tests.app.helpers import (
    assert_clean,
    decode_array,
    drive_sliders_to_both_ends,
    plotly_figure,
    run_page,
    widget_values,
)

PAGE = "pages/05_Rotation_in_2D.py"
DEFAULTS = {"m": 3, "n": 1, "theta": 0.3, "shift": 10, "alpha": 0.5, "beta": 1.2}
QUERY = np.array([1.0, 0.6])
KEY = np.array([0.8, -0.5])


def tip(figure, name):
    matches = [trace for trace in figure["data"] if trace.get("name") == name]
    assert len(matches) == 1, [trace.get("name") for trace in figure["data"]]
    return np.array([decode_array(matches[0]["x"])[-1], decode_array(matches[0]["y"])[-1]])


def metrics(at):
    return {metric.label: float(metric.value) for metric in at.metric if metric.label != "Offset m − n"}


def test_defaults_render_clean_with_equal_scores():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    for key in ("pair", "shift_pair", "sweep"):
        assert plotly_figure(at, key)["data"]
    values = metrics(at)
    expected = lesson_c05.relative_score(QUERY, KEY, 3, 1, [0.3], convention="interleaved")
    assert values["Score ⟨R(mθ)q, R(nθ)k⟩"] == pytest.approx(expected, abs=1e-4)
    assert values["Same score from m − n alone"] == pytest.approx(expected, abs=1e-4)
    assert values["Before"] == values["After"]
    assert len(at.dataframe) == 1


def test_every_slider_at_both_ends():
    at = run_page(PAGE)
    drive_sliders_to_both_ends(at, DEFAULTS)
    assert metrics(at)["Before"] == pytest.approx(metrics(at)["After"], abs=1e-4)


def test_query_slider_turns_the_plotted_query_by_m_theta():
    at = run_page(PAGE)
    at.slider(key="m").set_value(7).run()
    assert_clean(at)
    q_tip = tip(plotly_figure(at, "pair"), "R(mθ) q, m = 7")
    np.testing.assert_allclose(q_tip, rope_core.rotation_matrix_2d(7 * 0.3) @ QUERY, atol=1e-6)
    angle = np.arctan2(q_tip[1], q_tip[0]) - np.arctan2(QUERY[1], QUERY[0])
    assert np.mod(angle, 2 * np.pi) == pytest.approx(np.mod(2.1, 2 * np.pi), abs=1e-6)


def test_a_link_sets_sliders_charts_and_the_animation_start():
    at = run_page(PAGE, {"m": "12", "n": "5", "theta": "0.45", "shift": "30", "alpha": "-1", "beta": "2.5"})
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"m": 12, "n": 5, "theta": 0.45, "shift": 30, "alpha": -1.0, "beta": 2.5}
    k_tip = tip(plotly_figure(at, "pair"), "R(nθ) k, n = 5")
    np.testing.assert_allclose(k_tip, rope_core.rotation_matrix_2d(5 * 0.45) @ KEY, atol=1e-6)
    shifted = plotly_figure(at, "shift_pair")
    assert "m = 42, n = 35" in shifted["layout"]["annotations"][1]["text"]
    sweep = plotly_figure(at, "sweep")
    assert len(sweep["frames"]) == 64
    assert sweep["layout"]["sliders"][0]["active"] == 12
    score_at_20 = lesson_c05.relative_score(QUERY, KEY, 20, 5, [0.45], convention="interleaved")
    assert decode_array(sweep["frames"][20]["data"][1]["y"])[0] == pytest.approx(score_at_20, abs=1e-6)
    assert "n = 5" in sweep["layout"]["title"]["text"]


@pytest.mark.parametrize(
    "params",
    [
        {"m": "64", "n": "-1", "theta": "1.05", "shift": "65", "alpha": "3.2", "beta": "-4"},
        {"m": "abc", "n": "nan", "theta": "inf", "shift": "1e99", "alpha": "<b>x</b>", "beta": ""},
    ],
    ids=["out_of_range", "garbage"],
)
def test_bad_links_fall_back_to_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    q_tip = tip(plotly_figure(at, "pair"), "R(mθ) q, m = 3")
    np.testing.assert_allclose(q_tip, rope_core.rotation_matrix_2d(0.9) @ QUERY, atol=1e-6)
