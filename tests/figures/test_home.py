"""The home page's clock chart puts each hand at the angle it is given, at every stop of its position scrubber."""

import json

import numpy as np
import pytest

import rope_core
from ropelab.figures.home import _clock_hands, teaser_clocks_chart
from ropelab.figures.spec import encode_arrays
from tests.figures.validate import validated

PAIRS = np.array([0, 4, 8])


def _teaser(index=3):
    frequencies = rope_core.inv_freq(64)
    positions = np.arange(65)
    angles = rope_core.rotation_angles(positions, frequencies)[:, PAIRS]
    return teaser_clocks_chart(positions, frequencies, PAIRS, angles, index), angles


def test_each_hand_ends_on_the_unit_circle_at_its_angle():
    chart, angles = _teaser()
    fig = validated(chart)
    assert chart.alt.startswith("Four clock hands at position 3") and chart.csv.startswith("pair,theta,angle_rad")
    hands = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert len(hands) == 3
    for hand, angle in zip(hands, angles[3], strict=True):
        assert hand.x[1] == pytest.approx(np.cos(angle), abs=1e-6)
        assert hand.y[1] == pytest.approx(np.sin(angle), abs=1e-6)


@pytest.mark.parametrize("stop", [0, 1, 40, 64])
def test_every_scrubber_stop_turns_each_hand_to_its_angle_at_that_position(stop):
    chart, angles = _teaser()
    scrub = chart.scrub
    assert scrub.key == "m" and scrub.values[stop] == stop and len(scrub.frames) == 65
    figure = {**chart.figure, "data": list(chart.figure["data"])}
    for trace_index, patch in zip(scrub.traces, scrub.frames[stop]["data"], strict=True):
        figure["data"][trace_index] = {**figure["data"][trace_index], **patch}
    hands = [trace for trace in validated(figure).data if trace.mode == "lines+markers"]
    for hand, angle in zip(hands, angles[stop], strict=True):
        assert (hand.x[1], hand.y[1]) == pytest.approx((np.cos(angle), np.sin(angle)), abs=1e-6)
        assert f"{np.mod(angle, 2 * np.pi):.3f} rad" in hand.hovertemplate


def test_the_base_figure_is_its_own_stop():
    chart, _ = _teaser(index=10)
    figure = {**chart.figure, "data": list(chart.figure["data"])}
    for trace_index, patch in zip(chart.scrub.traces, chart.scrub.frames[10]["data"], strict=True):
        figure["data"][trace_index] = {**figure["data"][trace_index], **patch}
    assert json.dumps(encode_arrays(figure)) == json.dumps(encode_arrays(chart.figure))


def test_labels_must_match_angles():
    with pytest.raises(ValueError, match="one entry per label"):
        _clock_hands(np.zeros(2), ["only one"])
    with pytest.raises(ValueError, match="valid index"):
        teaser_clocks_chart(np.arange(3), rope_core.inv_freq(8), PAIRS[:2], np.zeros((3, 2)), 3)
