"""The app's glue without a browser: chapter registry, CSV export, base labels, style."""

from __future__ import annotations

import copy

import numpy as np
import plotly.graph_objects as go
import pytest

from ropelab import chapters, export, style, ui
from ropelab.figures import spec


def test_chapters_are_numbered_in_order_with_unique_scripts():
    numbers = [entry.number for entry in chapters.CHAPTERS]
    assert numbers == list(range(1, len(numbers) + 1))
    scripts = [entry.script for entry in chapters.CHAPTERS]
    assert len(set(scripts)) == len(scripts)
    for entry in chapters.CHAPTERS:
        assert entry.script.startswith("pages/") and entry.script.endswith(".py")
        assert entry.script.split("/")[1][:2] == f"{entry.number:02d}"


def test_neighbours_walk_the_path_and_stop_at_the_ends():
    present = chapters.CHAPTERS
    first, second = present[0], present[1]
    assert chapters.neighbours(first.number) == (None, second)
    assert chapters.neighbours(second.number)[0] == first
    assert chapters.neighbours(present[-1].number)[1] is None


@pytest.mark.parametrize(
    ("value", "label"),
    [(100.0, "100"), (500.0, "500"), (10_000.0, "10k"), (500_000.0, "500k"), (1_000_000.0, "1M"), (1e7, "10M")],
)
def test_base_labels_are_short_and_unique(value, label):
    assert ui.format_base(value) == label


def test_every_base_choice_has_a_distinct_label():
    labels = [ui.format_base(value) for value in ui.BASE_CHOICES]
    assert len(set(labels)) == len(labels)


def test_columns_to_csv_round_trips_numbers():
    text = export.columns_to_csv({"distance": np.arange(3), "score": np.array([1.0, 0.5, -0.25])})
    lines = text.strip().splitlines()
    assert lines[0] == "distance,score"
    assert [float(cell) for cell in lines[3].split(",")] == [2.0, -0.25]


def test_columns_to_csv_rejects_ragged_columns():
    with pytest.raises(ValueError, match="equal lengths"):
        export.columns_to_csv({"a": [1, 2], "b": [1]})


def test_matrix_to_csv_has_labels_and_quotes_commas():
    text = export.matrix_to_csv(np.eye(2), ["q,0", "q1"], ["k0", "k1"], corner="row")
    lines = text.strip().splitlines()
    assert lines[0] == "row,k0,k1"
    assert lines[1].startswith('"q,0",1.0,0.0')


def test_csv_neutralises_spreadsheet_formulas_in_labels():
    text = export.matrix_to_csv(np.zeros((1, 1)), ["=HYPERLINK(1)"], ["-x"])
    assert "'=HYPERLINK(1)" in text and "'-x" in text


def test_style_applies_shared_layout_and_symmetric_range():
    fig = style.style_figure(spec.figure(), title="t", height=300)
    checked = go.Figure(fig)
    assert checked.layout.height == 300 and checked.layout.title.text == "t"
    assert checked.layout.colorway[0] == style.OKABE_ITO[0]
    assert style.symmetric_range([-1.0, 3.0, np.nan]) == (-3.0, 3.0)
    assert style.symmetric_range([0.0]) == (-1.0, 1.0)


def test_lecture_mode_enlarges_every_font_without_touching_the_original():
    fig = spec.subplots(1, 2, subplot_titles=["a", "b"])
    spec.add_trace(fig, {"type": "heatmap", "z": np.eye(2), "colorbar": {"title": {"text": "c"}}}, row=1, col=2)
    spec.update_xaxes(fig, row=1, col=1, title={"text": "x"})
    fig = style.style_figure(spec.finish(fig), title="t")
    before = copy.deepcopy(fig)
    big = go.Figure(style.scale_fonts_for_lecture(fig))
    size = style.LECTURE_FONT_SIZE
    assert big.layout.font.size == size and big.layout.title.font.size == size + 4
    assert big.layout.height == round(420 * style.LECTURE_HEIGHT_FACTOR)  # room for the larger letters
    assert big.layout.xaxis.title.text == "x" and big.layout.xaxis.title.font.size == size
    assert big.layout.xaxis2.tickfont.size == size - 2 and big.layout.yaxis2.tickfont.size == size - 2
    assert [note.font.size for note in big.layout.annotations] == [size, size]
    assert big.data[0].colorbar.tickfont.size == size - 2 and big.data[0].colorbar.title.text == "c"
    assert fig["layout"] == before["layout"] and fig["data"][0].keys() == before["data"][0].keys()


def test_scrubber_frames_get_lecture_letters_too():
    frame = {"data": [{"y": [1]}], "layout": {"title": {"text": "m = 3"}, "annotations": [{"text": "a", "x": 0}]}}
    big = style.scale_frame_fonts_for_lecture(frame)
    assert big["layout"]["title"] == {"text": "m = 3", "font": {"size": style.LECTURE_FONT_SIZE + 4}}
    assert big["layout"]["annotations"] == [{"text": "a", "x": 0, "font": {"size": style.LECTURE_FONT_SIZE}}]
    assert big["data"] is frame["data"] and "font" not in frame["layout"]["title"]  # the original is untouched
    assert style.scale_frame_fonts_for_lecture({"data": []}) == {"data": []}
