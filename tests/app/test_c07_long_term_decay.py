"""Chapter 7 page under AppTest: the bound's reference values, what the paper shows and does not, the largest settings,
shared links, charts follow the controls."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c07_long_term_decay as lesson_c07
from tests.app.helpers import assert_clean, decode_array, plotly_figure, run_page

PAGE = "pages/07_Long_term_decay.py"
DEFAULTS = {"L": 256, "seed": 0, "d": 128, "base": 10_000.0, "base2": 500_000.0, "base3": 100.0}
SLIDERS = {"L": (16, 4096), "seed": (0, 99)}
SELECT_SLIDERS = {"d": (8, 256), "base": (100.0, 10_000_000.0), "base2": (100.0, 10_000_000.0), "base3": (100.0, 1e7)}
# The curve of the RoFormer paper's Fig. 2 (d = 128, b = 10k), read at a few distances; the paper prints no values,
# these are the values the bound takes there (tests/core checks them against the core too).
REFERENCE_BOUND = {0: 32.50, 1: 31.54, 10: 17.95, 50: 12.63, 100: 10.23, 256: 6.54}


def _value(at, key):
    return at.slider(key=key).value if key in SLIDERS else at.select_slider(key=key).value


def _decay_trace(at, index, field="y"):
    return decode_array(plotly_figure(at, "decay")["data"][index][field])


def test_defaults_plot_the_paper_bound_values():
    at = run_page(PAGE)
    assert_clean(at)
    for key, default in DEFAULTS.items():
        assert _value(at, key) == default
    distances = _decay_trace(at, 0, "x")
    bound = _decay_trace(at, 0)
    assert distances == list(range(257))
    for distance, value in REFERENCE_BOUND.items():
        assert bound[distance] == pytest.approx(value, abs=0.006)
    ones = _decay_trace(at, 1)
    assert ones[0] == pytest.approx(1.0) and ones[256] == pytest.approx(0.3207, abs=1e-3)
    random_mean = np.asarray(_decay_trace(at, 3))
    assert np.max(np.abs(random_mean)) < 0.05  # ≈ 0 at every distance, no decay
    names = [trace["name"] for trace in plotly_figure(at, "bases")["data"]]
    assert names == ["b = 10k", "b = 500k", "b = 100"]
    assert any("Round and Round We Go" in element.value for element in at.markdown)
    assert len(at.success) == 1


def test_the_longest_curve_stays_within_the_cores_cap():
    # Every slider at its ends is tests/app/test_all_pages.py's; this checks what the largest values draw.
    at = run_page(PAGE, {"L": "4096", "d": "256", "seed": "99"})
    assert_clean(at)
    distances = _decay_trace(at, 0, "x")
    assert distances[-1] == 4096 and len(distances) <= 4096


def test_a_good_link_sets_every_control_and_the_charts():
    at = run_page(PAGE, {"L": "1024", "d": "64", "base": "500k", "seed": "5", "base2": "1k", "base3": "1M"})
    assert_clean(at)
    assert [_value(at, key) for key in ("L", "d", "base", "seed", "base2", "base3")] == [
        1024,
        64,
        500_000.0,
        5,
        1_000.0,
        1_000_000.0,
    ]
    distances = np.asarray(_decay_trace(at, 0, "x"))
    assert distances[-1] == 1024
    np.testing.assert_allclose(_decay_trace(at, 0), rope_core.decay_bound(distances, 64, 500_000.0), rtol=1e-6)
    random_distances = np.asarray(_decay_trace(at, 3, "x"))
    expected_mean, _ = lesson_c07.random_score_mean(random_distances, 64, 500_000.0, n_samples=256, seed=5)
    np.testing.assert_allclose(_decay_trace(at, 3), expected_mean, atol=1e-6)
    names = [trace["name"] for trace in plotly_figure(at, "bases")["data"]]
    assert names == ["b = 500k", "b = 1k", "b = 1M"]
    assert "d = 64, b = 500k" in plotly_figure(at, "decay")["layout"]["title"]["text"]


@pytest.mark.parametrize("bad", ["99999", "-5", "abc"])
def test_out_of_range_or_garbage_links_fall_back_to_defaults(bad):
    at = run_page(PAGE, dict.fromkeys(DEFAULTS, bad))
    assert_clean(at)
    for key, default in DEFAULTS.items():
        assert _value(at, key) == default


def test_charts_follow_the_sliders():
    at = run_page(PAGE)
    at.slider(key="L").set_value(512).run()
    assert_clean(at)
    assert _decay_trace(at, 0, "x")[-1] == 512
    assert decode_array(plotly_figure(at, "bases")["data"][0]["x"])[-1] == 512
    before = _decay_trace(at, 3)
    at.slider(key="seed").set_value(9).run()
    after = _decay_trace(at, 3)
    assert before != after
    at.select_slider(key="base2").set_value(10_000.0).run()
    # A repeated base is drawn once.
    assert [trace["name"] for trace in plotly_figure(at, "bases")["data"]] == ["b = 10k", "b = 100"]


def test_the_prose_says_what_the_paper_shows_and_what_it_does_not():
    at = run_page(PAGE)
    assert_clean(at)
    text = " ".join(element.value for element in at.markdown)
    # RoFormer derives a bound and shows numerically that it falls; it proves no decay of the scores, and its
    # Fig. 2 is a curve, not a table of values.
    assert "derive an upper bound" in text and "it does not prove that scores decay" in text
    assert "Fig. 2" in text and "compare with the paper:" not in text
    read = rope_core.decay_bound(np.array([1, 10, 100]), 128, 10_000.0)
    assert f"{read[0]:.2f} at distance 1, {read[1]:.2f} at distance 10, {read[2]:.2f} at distance 100." in text
    assert "unlikely to be what makes RoPE work" in at.success[0].value
