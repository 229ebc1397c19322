"""The dict-figure helpers place traces, axes and shapes where plotly's own graph-object methods would."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from ropelab.figures import spec
from tests.figures.validate import validated


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (1, 3), (2, 3), (3, 2)])
def test_cells_use_the_axes_make_subplots_gives_them(rows, cols):
    reference = make_subplots(rows=rows, cols=cols)
    fig = spec.subplots(rows, cols)
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            reference.add_trace(go.Scatter(x=[row], y=[col]), row=row, col=col)
            spec.add_trace(fig, {"type": "scatter", "x": [row], "y": [col]}, row=row, col=col)
            reference.update_xaxes(title_text=f"{row},{col}", row=row, col=col)
            spec.update_xaxes(fig, row=row, col=col, title={"text": f"{row},{col}"})
    ours = validated(spec.finish(fig)).to_dict()
    theirs = reference.to_dict()
    assert ours["data"] == theirs["data"]
    assert {key: value for key, value in ours["layout"].items() if key != "template"} == {
        key: value for key, value in theirs["layout"].items() if key != "template"
    }


def test_a_cell_outside_the_grid_is_refused():
    with pytest.raises(ValueError, match="outside the 1 × 2 grid"):
        spec.add_trace(spec.subplots(1, 2), {"type": "scatter"}, row=1, col=3)


def test_whole_width_lines_and_bands_match_plotly():
    reference = make_subplots(rows=1, cols=2)
    reference.add_trace(go.Scatter(x=[0], y=[0]), row=1, col=1)
    reference.add_trace(go.Scatter(x=[0], y=[0]), row=1, col=2)
    reference.add_hline(y=1.5, row=1, col=2, line={"dash": "dot"})
    reference.add_vline(x=2.0, row=1, col=1, line={"width": 1})
    reference.add_vrect(x0=1, x1=2, row=1, col=2, fillcolor="grey", opacity=0.2, line_width=0)
    reference.add_hrect(y0=1, y1=2, row=1, col=1, fillcolor="grey")
    fig = spec.subplots(1, 2)
    spec.add_hline(fig, 1.5, row=1, col=2, line={"dash": "dot"})
    spec.add_vline(fig, 2.0, row=1, col=1, line={"width": 1})
    spec.add_vrect(fig, 1, 2, row=1, col=2, fillcolor="grey", opacity=0.2, line={"width": 0})
    spec.add_hrect(fig, 1, 2, row=1, col=1, fillcolor="grey")
    assert validated(spec.finish(fig)).layout.shapes == reference.layout.shapes


def test_merge_is_nested_and_copies_what_it_takes():
    patch = {"font": {"size": 3}, "colorway": ["a"]}
    target = spec.merge({"font": {"family": "x"}, "height": 2}, patch)
    assert target == {"font": {"family": "x", "size": 3}, "height": 2, "colorway": ["a"]}
    target["colorway"].append("b")
    assert patch["colorway"] == ["a"]


def test_arrays_travel_as_typed_arrays_and_decode_to_the_same_numbers():
    values = np.array([[0.5, -1.25], [np.nan, 3.0]], dtype=np.float32)
    encoded = spec.encode_arrays({"data": [{"z": values, "x": np.arange(2), "text": np.array(["a", "b"])}]})
    trace = encoded["data"][0]
    raw = np.frombuffer(base64.b64decode(trace["z"]["bdata"]), dtype=trace["z"]["dtype"]).reshape(2, 2)
    np.testing.assert_array_equal(raw, values)
    assert trace["x"]["dtype"] == "i1" and trace["text"] == ["a", "b"]
    assert spec.encode_arrays(np.array([0, 70_000]))["dtype"] == "i4"
    assert spec.encode_arrays(np.array([2**40])) == [2**40]  # wider than plotly.js's typed arrays: a plain list
    assert isinstance(spec.encode_arrays(np.float64(2.5)), float)


def test_line_labels_sit_on_their_line_on_linear_and_log_axes():
    fig = spec.subplots(1, 2)
    spec.add_line_label(fig, "on a log axis", 1000.0, side="left", log_axis=True, row=1, col=2)
    spec.add_line_label(fig, "under the line", 0.25, above=False)
    log_label, linear_label = validated(spec.finish(fig)).layout.annotations[-2:]
    assert (log_label.y, log_label.yref, log_label.xref) == (pytest.approx(3.0), "y2", "x2 domain")
    assert (log_label.x, log_label.xanchor, log_label.yanchor) == (0, "left", "bottom")
    assert (linear_label.y, linear_label.x, linear_label.xanchor, linear_label.yanchor) == (0.25, 1, "right", "top")


def test_subplot_titles_that_change_reuse_one_cached_grid():
    spec._grid_layout.cache_clear()
    first = spec.subplots(1, 2, subplot_titles=["bias for L = 24", "attention"], horizontal_spacing=0.1)
    second = spec.subplots(1, 2, subplot_titles=["bias for L = 25", "attention"], horizontal_spacing=0.1)
    assert spec._grid_layout.cache_info().misses == 1 and spec._grid_layout.cache_info().hits == 1
    assert [note["text"] for note in first["layout"]["annotations"]] == ["bias for L = 24", "attention"]
    assert [note["text"] for note in second["layout"]["annotations"]] == ["bias for L = 25", "attention"]
    untitled = spec.subplots(1, 2, subplot_titles=["", "right only"])
    assert [note["text"] for note in untitled["layout"]["annotations"]] == ["right only"]
