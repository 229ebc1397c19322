"""Chapter 6 figure builders draw exactly the numbers rope_core computes, and every scrubber stop is the picture at
that position."""

import copy

import numpy as np
import pytest

import rope_core
from ropelab.figures.c06_rope_in_d_dimensions import (
    CLOCK_SPACING,
    ROW_SPACING,
    _pair_clocks,
    _rotation_matrix,
    angle_map_chart,
    clock_hands_xy,
    frequency_ladder_chart,
    full_turns_chart,
    pair_clocks_chart,
    rotation_matrix_chart,
    worked_pairs_chart,
)
from ropelab.lessons.c06_rope_in_d_dimensions import (
    evenly_spaced_pairs,
    matrix_corners,
    position_stops,
    sampled_positions,
    worked_example,
    worked_stops,
)
from tests.app.helpers import decode_array
from tests.figures.validate import validated


def at_stop(chart, index):
    """The figure the browser shows at scrubber stop `index`: each listed trace patched with that frame."""
    figure = copy.deepcopy(chart.figure)
    frame = chart.scrub.frames[index]
    for trace_index, patch in zip(chart.scrub.traces, frame["data"], strict=True):
        figure["data"][trace_index].update(patch)
    if "layout" in frame:
        figure["layout"]["title"] = {**figure["layout"]["title"], **frame["layout"]["title"]}
    return figure


def values(array):
    return np.asarray(decode_array(array), dtype=float)


def matrix_chart(dim=8, position=5, step=1):
    frequencies = rope_core.inv_freq(dim, 10_000.0)
    stops, index = position_stops(position, step, 4096, 97)
    chart = rotation_matrix_chart(
        matrix_corners(stops, frequencies), index, rope_core.rotation_matrix(position, frequencies)
    )
    return chart, frequencies, stops


def test_rotation_matrix_chart_shows_the_core_matrix_and_its_corners():
    chart, frequencies, _ = matrix_chart()
    matrix = rope_core.rotation_matrix(5, frequencies)
    fig = validated(chart)
    assert chart.alt.startswith("Heatmap of the 8 by 8 RoPE matrix at position 5")
    whole, fast, slow = fig.data
    # The overview is stored as whole percent; the close-ups carry the exact entries.
    np.testing.assert_array_equal(values(whole.z), np.rint(matrix * 100))
    np.testing.assert_allclose(values(fast.z), matrix[:4, :4], atol=1e-6)
    np.testing.assert_allclose(values(slow.z), matrix[4:, 4:], atol=1e-6)
    assert values(fast.z)[0][0] == pytest.approx(np.cos(5.0), abs=1e-6)
    assert values(fast.z)[1][0] == pytest.approx(np.sin(5.0), abs=1e-6)
    assert values(fast.z)[0][1] == pytest.approx(-np.sin(5.0), abs=1e-6)
    assert list(fast.text[0]) == [f"{np.cos(5.0):.2f}", f"{-np.sin(5.0):.2f}", "0", "0"]
    assert list(slow.x) == [4, 5, 6, 7]
    assert fig.layout.title.text == "R at position m = 5"
    # The CSV lists every non-zero entry: two per row.
    rows = chart.csv.splitlines()
    assert rows[0] == "row,column,entry" and len(rows) == 1 + 2 * 8
    assert rows[1:3] == [f"0,0,{float(np.cos(5.0))!r}", f"0,1,{float(-np.sin(5.0))!r}"]


def test_the_matrix_scrubber_visits_every_stop_and_shows_the_core_matrix_there():
    chart, frequencies, stops = matrix_chart(dim=128, position=300, step=4)
    scrub = chart.scrub
    assert scrub.key == "m" and scrub.label == "Position m" and scrub.traces == [0, 1, 2]
    assert scrub.values == stops.tolist() and scrub.values[scrub.index] == 300 and len(scrub.frames) == 97
    assert scrub.labels[scrub.index] == "m = 300"
    assert validated(at_stop(chart, scrub.index)).to_plotly_json() == validated(chart.figure).to_plotly_json()
    stop = validated(at_stop(chart, 10))
    position = stops[10]
    full = rope_core.rotation_matrix(position, frequencies)
    # d = 128: the overview is the top-left 32 × 32 corner (16 pairs), the slow close-up the last two pairs.
    np.testing.assert_array_equal(values(stop.data[0].z), np.rint(full[:32, :32] * 100))
    np.testing.assert_allclose(values(stop.data[1].z), full[:4, :4], atol=1e-6)
    np.testing.assert_allclose(values(stop.data[2].z), full[-4:, -4:], atol=1e-6)
    assert stop.layout.title.text == f"R at position m = {position}"
    assert chart.figure["layout"]["annotations"][0]["text"] == "rows and columns 0–31 of 128"
    assert "the first 32 rows and columns of the 128 by 128 RoPE matrix" in chart.alt


def test_rotation_matrix_chart_rejects_a_mismatched_matrix_and_stop():
    chart_corners = matrix_corners([1, 2], rope_core.inv_freq(8, 10_000.0))
    with pytest.raises(ValueError, match="matrix must be"):
        rotation_matrix_chart(chart_corners, 0, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="current stop"):
        _rotation_matrix(chart_corners, 2)


def test_frequency_ladder_plots_theta_and_wavelength_on_log_axes_with_the_context():
    frequencies = rope_core.inv_freq(128, 10_000.0)
    wavelengths = rope_core.wavelengths(frequencies)
    other = rope_core.inv_freq(128, 500_000.0)
    chart = frequency_ladder_chart(
        frequencies, wavelengths, "b = 10k", ("b = 500k", other, rope_core.wavelengths(other)), context_length=4096
    )
    fig = validated(chart)
    assert "the slowest pair has 54,410 tokens for b = 10k" in chart.alt
    assert chart.csv.splitlines()[0].endswith(",theta_b = 500k,wavelength_tokens_b = 500k")
    theta_trace, wavelength_trace, other_theta, other_wavelength = fig.data
    np.testing.assert_allclose(np.asarray(theta_trace.y), frequencies, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(wavelength_trace.y), wavelengths, rtol=1e-6)
    assert wavelength_trace.y[0] == pytest.approx(2 * np.pi, rel=1e-6)
    assert wavelength_trace.y[-1] == pytest.approx(54_410.14, rel=1e-5)
    assert other_wavelength.y[-1] == pytest.approx(2_559_195.5, rel=1e-5)
    assert other_theta.name == "b = 500k"
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert [shape.y0 for shape in fig.layout.shapes] == [4096]
    assert any("fastest" in annotation.text for annotation in fig.layout.annotations)
    # plotly.js places annotations on a log axis by log10(value): the label must sit on the line, not 10^4096.
    (context_label,) = [note for note in fig.layout.annotations if note.text.startswith("context L")]
    assert context_label.y == pytest.approx(np.log10(4096))


def test_clock_hands_are_unit_hands_at_the_core_angles():
    angles = np.array([0.0, np.pi / 2, np.pi])
    x, y = clock_hands_xy(angles)
    tips_x, tips_y = x[1::3], y[1::3]
    np.testing.assert_allclose(tips_x - CLOCK_SPACING * np.arange(3), np.cos(angles), atol=1e-6)
    np.testing.assert_allclose(tips_y, np.sin(angles), atol=1e-6)
    # A fifth clock starts the second row: the same hand, one row down.
    x, y = clock_hands_xy(np.zeros(5))
    assert (x[12], y[12]) == (0.0, -ROW_SPACING) and (x[13], y[13]) == (1.0, -ROW_SPACING)
    assert np.isnan(x[2::3]).all()


def test_clock_hands_for_every_stop_at_once_match_one_stop_at_a_time():
    angles = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    x, y = clock_hands_xy(angles)
    assert x.shape == y.shape == (2, 9)
    for row in range(2):
        single_x, single_y = clock_hands_xy(angles[row])
        np.testing.assert_array_equal(x[row], single_x)
        np.testing.assert_array_equal(y[row], single_y)


def test_pair_clocks_scrub_every_position_with_the_core_angles():
    frequencies = rope_core.inv_freq(64, 10_000.0)
    pairs = evenly_spaced_pairs(32)
    positions, index = position_stops(7, 1, 4096, 40)
    angles = rope_core.rotation_angles(positions, frequencies[pairs])
    chart = pair_clocks_chart(angles, positions, pairs, rope_core.wavelengths(frequencies)[pairs], index)
    fig = validated(chart)
    assert chart.alt.startswith("8 clock faces at position 7, one per pair (0, 4, 9, 13, 18, 22, 27, 31)")
    # Pair 0 turns 1 radian per token: at m = 7 its hand points at angle 7.
    assert values(fig.data[1].x)[1] == pytest.approx(np.cos(7.0), abs=1e-6)
    assert values(fig.data[1].y)[1] == pytest.approx(np.sin(7.0), abs=1e-6)
    scrub = chart.scrub
    assert scrub.key == "m" and scrub.traces == [1, 2] and len(scrub.frames) == 40 and scrub.values[index] == 7
    assert validated(at_stop(chart, index)).to_plotly_json() == validated(chart.figure).to_plotly_json()
    last = validated(at_stop(chart, 39))
    tip = 3 * (len(pairs) - 1) + 1
    assert values(last.data[1].y)[tip] + ROW_SPACING == pytest.approx(
        np.sin(positions[-1] * frequencies[pairs[-1]]), abs=1e-6
    )
    # Pair 0's hand is also drawn on its own, in the highlight colour, and follows the scrubber with the rest.
    assert values(last.data[2].y).tolist() == pytest.approx(values(last.data[1].y)[:2].tolist(), abs=1e-6)
    labels = [annotation.text for annotation in fig.layout.annotations]
    assert "fastest" in labels[0] and "pair 0" in labels[0] and "pair 31" in labels[-1]
    assert "updatemenus" not in chart.figure["layout"] and "frames" not in chart.figure


def test_pair_clocks_reject_mismatched_shapes():
    with pytest.raises(ValueError):
        _pair_clocks(np.zeros((3, 2)), np.arange(4), [0, 1], np.ones(2), 0)
    with pytest.raises(ValueError, match="current stop"):
        _pair_clocks(np.zeros((4, 2)), np.arange(4), [0, 1], np.ones(2), 4)


def test_angle_heatmap_wraps_core_angles_to_one_turn():
    frequencies = rope_core.inv_freq(16, 10_000.0)
    positions = sampled_positions(4096, 64)
    angles = rope_core.rotation_angles(positions, frequencies)
    chart = angle_map_chart(angles, positions, "b = 10k", context_length=4096)
    fig = validated(chart)
    assert fig.layout.title.text == "Angle m·θ_i mod 2π, b = 10k, d = 16" and "positions 0 to 4,095" in chart.alt
    z = np.asarray(fig.data[0].z)
    assert z.shape == (positions.size, 8)
    np.testing.assert_allclose(z, np.mod(angles, 2 * np.pi), atol=1e-5)
    assert z.min() >= 0 and z.max() < 2 * np.pi + 1e-6
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == pytest.approx(2 * np.pi)


def test_full_turns_chart_marks_pairs_that_never_finish_a_turn():
    frequencies = rope_core.inv_freq(128, 10_000.0)
    turns = rope_core.full_turns(4096, frequencies)
    other = rope_core.full_turns(4096, rope_core.inv_freq(128, 500_000.0))
    chart = full_turns_chart(turns, "b = 10k", ("b = 500k", other), context_length=4096)
    fig = validated(chart)
    assert "pair 0 makes 651 turns and 18 pairs make none with b = 10k" in chart.alt
    bars, never, other_bars, other_never = fig.data
    assert other_bars.y[0] == 651  # pair 0 ignores the base
    assert bars.y[0] == 651
    assert np.isnan(np.asarray(bars.y, dtype=float)[46:]).all()
    assert list(never.x) == list(range(46, 64)) and "18 pairs" in never.name
    assert len(other_never.x) == 32
    assert fig.layout.yaxis.type == "log"


def test_the_worked_pairs_turn_with_the_shift_and_keep_each_pair_s_angle():
    example = worked_example([1.0, 2.0, 0.5, -1.0], [2.0, 1.0, 1.0, 0.5], 2, 1, 3)
    stops = worked_stops(example, np.arange(21))
    chart = worked_pairs_chart(example, stops)
    fig = validated(chart)
    assert [trace.name for trace in fig.data[1:]] == ["q, pair 0", "k, pair 0", "q, pair 1", "k, pair 1"]
    assert [trace.text[1] for trace in fig.data[1:]] == ["q₀", "k₀", "q₁", "k₁"]
    np.testing.assert_allclose([fig.data[1].x[1], fig.data[1].y[1]], stops.queries[3][:2], atol=1e-6)
    assert fig.layout.title.text == "at (5, 4), Δ = 3<br>pair 0: -0.363 · pair 1: 0.125"
    scrub = chart.scrub
    assert (
        scrub.key == "ex_shift"
        and scrub.index == 3
        and scrub.values == list(range(21))
        and scrub.traces == [1, 2, 3, 4]
    )
    assert validated(at_stop(chart, 3)).to_plotly_json() == validated(chart.figure).to_plotly_json()
    far = validated(at_stop(chart, 20))
    for pair in range(2):
        q_tip = np.array([far.data[1 + 2 * pair].x[1], far.data[1 + 2 * pair].y[1]])
        k_tip = np.array([far.data[2 + 2 * pair].x[1], far.data[2 + 2 * pair].y[1]])
        np.testing.assert_allclose(q_tip, stops.queries[20][2 * pair : 2 * pair + 2], atol=1e-6)
        assert q_tip @ k_tip == pytest.approx(stops.products[3][pair], abs=1e-5)
    assert far.layout.title.text.startswith("at (22, 21), Δ = 20")
    assert "each pair's dot product (-0.363, 0.125), stays the same" in chart.alt
    with pytest.raises(ValueError, match="Δ = 3"):
        worked_pairs_chart(example, worked_stops(example, [0, 1]))
