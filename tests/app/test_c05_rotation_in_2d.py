"""Chapter 5 page: the design checklist on the reader's numbers, m, n, θ turn the arrows, every scrubber starts at the
slider's value, the shift leaves the score alone, the facts hold, links work."""

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c05_rotation_in_2d as lesson_c05
from tests.app.helpers import (
    assert_clean,
    chart_payload,
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


def captions(at):
    return " ".join(caption.value for caption in at.caption)


def checklist(at):
    tables = [element.value for element in at.markdown if "What a scheme must do" in element.value]
    assert len(tables) == 1
    return tables[0]


def test_defaults_render_clean_with_the_checklist_and_equal_scores():
    at = run_page(PAGE)
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == DEFAULTS
    for key in ("pair", "shift_pair", "sweep"):
        assert plotly_figure(at, key)["data"]
    expected = lesson_c05.relative_score(QUERY, KEY, 3, 1, [0.3], convention="interleaved")
    assert (
        f"Score ⟨R(mθ)q, R(nθ)k⟩ = {expected:.4f}; the same score from the offset m − n = 2 alone: {expected:.4f}"
        in (captions(at))
    )
    assert f"Dotted: the pair at (3, 1), score {expected:.4f}. Solid: at (13, 11), score {expected:.4f}" in captions(at)
    table = checklist(at)
    # Adding a vector fails the first three requirements; rotating passes all five.
    assert table.count(":orange[**✗**]") == 3 and table.count(":green[**✓**]") == 7
    checks = lesson_c05.design_checks(QUERY, KEY, 3, 1, 0.3)
    for name, title in lesson_c05.REQUIREMENTS:
        assert f"**{title}**" in table
        for result in checks[name].values():
            assert result.detail in table
    terms = lesson_c05.added_score_terms(QUERY, KEY, 3, 1, 0.3)
    assert any(f"= {terms.total:.3f}" in element.value for element in at.latex)
    assert len(at.dataframe) == 1


def test_every_slider_at_both_ends():
    at = run_page(PAGE)
    drive_sliders_to_both_ends(at, DEFAULTS)
    assert widget_values(at, ["m", "n", "shift"]) == {"m": 128, "n": 128, "shift": 128}
    score = lesson_c05.pair_score(QUERY, KEY, 128, 128, 1.0)
    assert f"at (256, 256), score {score:.4f}" in captions(at)


def test_query_slider_turns_the_plotted_query_by_m_theta():
    at = run_page(PAGE)
    at.slider(key="m").set_value(7).run()
    assert_clean(at)
    q_tip = tip(plotly_figure(at, "pair"), "R(mθ) q, m = 7")
    np.testing.assert_allclose(q_tip, rope_core.rotation_matrix_2d(7 * 0.3) @ QUERY, atol=1e-6)
    angle = np.arctan2(q_tip[1], q_tip[0]) - np.arctan2(QUERY[1], QUERY[0])
    assert np.mod(angle, 2 * np.pi) == pytest.approx(np.mod(2.1, 2 * np.pi), abs=1e-6)
    assert chart_payload(at, "pair")["scrub"]["index"] == 7
    assert chart_payload(at, "shift_pair")["alt"].startswith("The pair at positions (7, 1)")


def test_a_link_sets_sliders_charts_and_every_scrubber_start():
    at = run_page(PAGE, {"m": "12", "n": "110", "theta": "0.45", "shift": "30", "alpha": "-1", "beta": "2.5"})
    assert_clean(at)
    assert widget_values(at, DEFAULTS) == {"m": 12, "n": 110, "theta": 0.45, "shift": 30, "alpha": -1.0, "beta": 2.5}
    k_tip = tip(plotly_figure(at, "pair"), "R(nθ) k, n = 110")
    np.testing.assert_allclose(k_tip, rope_core.rotation_matrix_2d(110 * 0.45) @ KEY, atol=1e-6)
    scrubbers = {key: chart_payload(at, key)["scrub"] for key in ("pair", "shift_pair", "sweep")}
    assert {key: (scrub["index"], len(scrub["frames"])) for key, scrub in scrubbers.items()} == {
        "pair": (12, 129),
        "shift_pair": (30, 129),
        "sweep": (110, 129),
    }
    assert "(12, 110) → (42, 140)" in plotly_figure(at, "shift_pair")["layout"]["title"]["text"]
    score_at_20 = lesson_c05.relative_score(QUERY, KEY, 12, 20, [0.45], convention="interleaved")
    assert scrubbers["sweep"]["frames"][20]["data"][1]["y"][0] == pytest.approx(score_at_20, abs=1e-6)
    assert "m = 12" in plotly_figure(at, "sweep")["layout"]["title"]["text"]
    assert f"{lesson_c05.pair_score(QUERY, KEY, 105, 102, 0.45):.4f}" in " ".join(e.value for e in at.markdown)


@pytest.mark.parametrize(
    "params",
    [
        {"m": "129", "n": "-1", "theta": "1.05", "shift": "129", "alpha": "3.2", "beta": "-4"},
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
