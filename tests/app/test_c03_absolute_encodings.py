"""Chapter 3 page: d, base and L drive every chart; the gap k moves the cross terms; max_len decides the lookup."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons.c03_absolute_encodings import sinusoidal_similarity
from tests.app.helpers import (
    assert_clean,
    decode_array,
    metric_values,
    plotly_figure,
    run_page,
)

PAGE = "pages/03_Absolute_encodings.py"
DEFAULTS = {"d": 64, "L": 128, "Lmax": 96, "k": 3}


def _z(at, key):
    return np.array(decode_array(plotly_figure(at, key)["data"][0]["z"]), dtype=float)


def _controls(at):
    return {key: at.slider(key=key).value for key in DEFAULTS}, at.select_slider(key="base").value


def test_defaults_show_the_table_and_the_failed_lookup():
    at = run_page(PAGE)
    assert_clean(at)
    assert _controls(at) == (DEFAULTS, 10_000.0)
    np.testing.assert_allclose(_z(at, "sinusoidal"), rope_core.sinusoidal_encoding(128, 64), atol=1e-6)
    assert _z(at, "similarity_map").shape == (64, 64)
    learned = _z(at, "learned")
    assert learned.shape == (128, 32) and np.isnan(learned[96:]).all() and not np.isnan(learned[:96]).any()
    assert any("position 96 is beyond the learned table's max_len 96" in warning.value for warning in at.warning)


def test_a_link_sets_the_controls_and_the_charts():
    at = run_page(PAGE, {"d": "16", "L": "40", "Lmax": "64", "base": "100"})
    assert_clean(at)
    assert _controls(at) == ({"d": 16, "L": 40, "Lmax": 64, "k": 3}, 100.0)
    np.testing.assert_allclose(_z(at, "sinusoidal"), rope_core.sinusoidal_encoding(40, 16, 100.0), atol=1e-6)
    curve = plotly_figure(at, "similarity_curve")["data"][0]
    np.testing.assert_allclose(decode_array(curve["y"]), sinusoidal_similarity(np.arange(40), 16, 100.0), atol=1e-4)
    assert not at.warning
    assert any("All 40 positions have a row" in info.value for info in at.info)


@pytest.mark.parametrize(
    "params",
    [
        {"d": "7", "L": "9999", "Lmax": "0", "base": "3"},
        {"d": "abc", "L": "nan", "Lmax": "-8", "base": "<b>1M</b>"},
        {"d": "1e99", "L": "1.5", "Lmax": "inf", "base": ""},
    ],
)
def test_bad_links_fall_back_to_the_defaults(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert _controls(at) == (DEFAULTS, 10_000.0)


def test_sliders_reach_the_chart_data():
    at = run_page(PAGE)
    at.slider(key="L").set_value(200).run()
    at.slider(key="d").set_value(8).run()
    assert_clean(at)
    assert _z(at, "sinusoidal").shape == (200, 8)
    curve = plotly_figure(at, "similarity_curve")["data"][0]
    assert len(decode_array(curve["x"])) == 200
    assert decode_array(curve["y"])[0] == pytest.approx(4.0)
    at.slider(key="Lmax").set_value(256).run()
    assert_clean(at)
    learned = _z(at, "learned")
    assert learned.shape == (256, 8) and not np.isnan(learned).any()
    assert not at.warning


def _lines(at):
    return {trace["name"]: np.array(decode_array(trace["y"])) for trace in plotly_figure(at, "cross_terms")["data"]}


def test_the_cross_terms_move_while_the_content_term_stays_put():
    at = run_page(PAGE)
    assert_clean(at)
    lines = _lines(at)
    assert np.ptp(lines["content · content"]) == 0 and np.ptp(lines["cross terms"]) > 0.5
    assert len(lines["score (the sum)"]) == 128 - 3  # dog at m, man at m + 3, both inside L = 128
    metrics = metric_values(at)
    assert float(metrics["Cross terms swing by"]) == pytest.approx(np.ptp(lines["cross terms"]), abs=0.01)
    at.toggle(key="proj").set_value(False).run()
    at.slider(key="k").set_value(10).run()
    assert_clean(at)
    lines = _lines(at)
    expected = sinusoidal_similarity(np.array([10]), 64)[0] / 8.0  # W = I/√d with d = 64
    np.testing.assert_allclose(lines["position · position"], expected, rtol=1e-5)
    assert np.ptp(lines["cross terms"]) > 0.5 and len(lines["cross terms"]) == 118


def test_a_gap_longer_than_the_sequence_is_shortened_with_a_notice():
    at = run_page(PAGE, {"L": "8", "k": "20"})
    assert_clean(at)
    assert any("does not fit in 8 positions" in warning.value for warning in at.warning)
    assert len(_lines(at)["cross terms"]) == 1
