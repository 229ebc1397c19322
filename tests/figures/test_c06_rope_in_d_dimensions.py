"""Chapter 6 figure builders draw exactly the numbers rope_core computes."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c06_rope_in_d_dimensions import (
    CLOCK_SPACING,
    _pair_clocks_animation,
    _rotation_matrix,
    angle_map_chart,
    clock_hands_xy,
    frequency_ladder_chart,
    full_turns_chart,
    pair_clocks_chart,
    rotation_matrix_chart,
)
from ropelab.lessons.c06_rope_in_d_dimensions import evenly_spaced_pairs, sampled_positions
from tests.figures.validate import validated


def test_rotation_matrix_chart_shows_the_core_matrix_and_its_corners():
    frequencies = rope_core.inv_freq(8, 10_000.0)
    matrix = rope_core.rotation_matrix(5, frequencies)
    chart = rotation_matrix_chart(matrix, 5)
    fig = validated(chart)
    assert chart.alt.startswith(f"Heatmap of the {matrix.shape[0]} by {matrix.shape[0]} RoPE matrix at position 5")
    whole, fast, slow = fig.data
    # The overview is stored as whole percent; the close-ups carry the exact entries.
    np.testing.assert_array_equal(np.asarray(whole.z), np.rint(matrix * 100).astype(np.int8))
    np.testing.assert_allclose(np.asarray(fast.z), matrix[:4, :4], atol=1e-6)
    np.testing.assert_allclose(np.asarray(slow.z), matrix[4:, 4:], atol=1e-6)
    assert fast.z[0][0] == pytest.approx(np.cos(5.0), abs=1e-6)
    assert fast.z[1][0] == pytest.approx(np.sin(5.0), abs=1e-6)
    assert fast.z[0][1] == pytest.approx(-np.sin(5.0), abs=1e-6)
    assert list(slow.x) == [4, 5, 6, 7]
    assert "m = 5" in fig.layout.title.text


def test_rotation_matrix_chart_rejects_non_square_input():
    with pytest.raises(ValueError):
        _rotation_matrix(np.zeros((4, 6)), position=0)


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
    assert np.isnan(x[2::3]).all()


def test_pair_clocks_animation_has_one_frame_per_position_with_the_core_angles():
    frequencies = rope_core.inv_freq(64, 10_000.0)
    pairs = evenly_spaced_pairs(32)
    positions = 7 + np.arange(40)
    angles = rope_core.rotation_angles(positions, frequencies[pairs])
    fig = validated(pair_clocks_chart(angles, positions, pairs, rope_core.wavelengths(frequencies)[pairs]))
    assert len(fig.frames) == 40 <= 120
    assert [frame.name for frame in fig.frames[:2]] == ["7", "8"]
    first_frame = fig.frames[0].data[0]
    # Pair 0 turns 1 radian per token: at m = 7 its hand points at angle 7.
    assert first_frame.x[1] == pytest.approx(np.cos(7.0), abs=1e-6)
    assert first_frame.y[1] == pytest.approx(np.sin(7.0), abs=1e-6)
    # Pair 0's hand is also drawn on its own, in the highlight colour, and animated with the rest.
    overlay = fig.frames[0].data[1]
    assert list(overlay.x) == list(first_frame.x[:2]) and list(overlay.y) == list(first_frame.y[:2])
    assert fig.frames[0].traces == (1, 2) or list(fig.frames[0].traces) == [1, 2]
    last = fig.frames[-1].data[0]
    tip = 3 * (len(pairs) - 1) + 1
    assert last.y[tip] == pytest.approx(np.sin(46 * frequencies[pairs[-1]]), abs=1e-6)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 40 and steps[0].method == "animate"
    assert steps[0].args[1]["frame"]["redraw"] is False
    assert [button.label for button in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    labels = [annotation.text for annotation in fig.layout.annotations]
    assert "fastest" in labels[0] and "pair 0" in labels[0] and "pair 31" in labels[-1]


def test_pair_clocks_animation_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        _pair_clocks_animation(np.zeros((3, 2)), np.arange(4), [0, 1], np.ones(2))


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
