"""The home page's clock chart puts each hand at the angle it is given."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.home import _clock_hands, teaser_clocks_chart
from tests.figures.validate import validated


def test_each_hand_ends_on_the_unit_circle_at_its_angle():
    angles = np.array([0.0, np.pi / 2, 3.0])
    frequencies = rope_core.inv_freq(64)
    chart = teaser_clocks_chart(3, frequencies, np.array([0, 4, 8]), angles)
    fig = validated(chart)
    assert chart.alt.startswith("Four clock hands at position 3") and chart.csv.startswith("pair,theta,angle_rad")
    hands = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert len(hands) == 3
    for hand, angle in zip(hands, angles, strict=True):
        assert hand.x[1] == pytest.approx(np.cos(angle), abs=1e-6)
        assert hand.y[1] == pytest.approx(np.sin(angle), abs=1e-6)


def test_labels_must_match_angles():
    with pytest.raises(ValueError, match="one entry per label"):
        _clock_hands(np.zeros(2), ["only one"])
