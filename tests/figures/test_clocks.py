"""The clock-face builder puts each hand at the angle it is given."""

import numpy as np
import pytest

from ropelab.figures.clocks import clock_hands_figure
from tests.figures.validate import validated


def test_each_hand_ends_on_the_unit_circle_at_its_angle():
    angles = np.array([0.0, np.pi / 2, 3.0])
    fig = validated(clock_hands_figure(angles, ["a", "b", "c"]))
    hands = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert len(hands) == 3
    for hand, angle in zip(hands, angles, strict=True):
        assert hand.x[1] == pytest.approx(np.cos(angle), abs=1e-6)
        assert hand.y[1] == pytest.approx(np.sin(angle), abs=1e-6)


def test_labels_must_match_angles():
    with pytest.raises(ValueError, match="one entry per label"):
        clock_hands_figure(np.zeros(2), ["only one"])
