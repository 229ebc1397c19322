"""Chapter 6's lesson: which pairs and positions the charts sample."""

import numpy as np
import pytest

from ropelab.lessons.c06_rope_in_d_dimensions import evenly_spaced_pairs, sampled_positions


def test_evenly_spaced_pairs_run_from_fastest_to_slowest():
    assert evenly_spaced_pairs(64).tolist() == [0, 9, 18, 27, 36, 45, 54, 63]
    assert evenly_spaced_pairs(4).tolist() == [0, 1, 2, 3]
    assert evenly_spaced_pairs(128, 8)[[0, -1]].tolist() == [0, 127]
    with pytest.raises(ValueError):
        evenly_spaced_pairs(0)


def test_sampled_positions_respect_the_row_budget():
    assert sampled_positions(100).tolist() == list(range(100))
    rows = sampled_positions(1_048_576, 256)
    assert rows.size <= 256 and rows[0] == 0 and rows[-1] < 1_048_576
    assert set(np.diff(rows).tolist()) == {4096}
