"""Chart builders of chapter 3: the heatmaps and curves show rope_core's tables, downsampled only for display."""

import numpy as np
import pytest

import rope_core
from ropelab.figures.c03_absolute_encodings import (
    MAX_DISPLAY_CELLS,
    cross_terms_chart,
    learned_table_chart,
    similarity_curve_chart,
    similarity_map_chart,
    sinusoidal_table_chart,
)
from ropelab.lessons.c02_why_positions import projection_weights, word_vectors
from ropelab.lessons.c03_absolute_encodings import position_similarity, score_terms, sinusoidal_similarity
from tests.figures.validate import validated


def test_sinusoidal_heatmap_shows_the_table():
    table = rope_core.sinusoidal_encoding(40, 16)
    fig = validated(sinusoidal_table_chart(table, base_label="10k"))
    np.testing.assert_allclose(np.asarray(fig.data[0].z), table, atol=1e-6)
    assert list(fig.data[0].y) == list(range(40))
    assert "40 positions × 16 dimensions, base 10k" in fig.layout.title.text


def test_large_tables_are_strided_with_true_position_labels():
    table = rope_core.sinusoidal_encoding(256, 128)
    fig = validated(sinusoidal_table_chart(table, base_label="10k"))
    z = np.asarray(fig.data[0].z)
    assert z.size <= MAX_DISPLAY_CELLS
    assert list(fig.data[0].y) == list(range(0, 256, 2))
    np.testing.assert_allclose(z, table[::2], atol=1e-6)
    assert "one row in 2 shown" in fig.layout.title.text


def test_similarity_heatmap_is_the_gram_matrix():
    table = rope_core.sinusoidal_encoding(30, 32)
    gram = position_similarity(table)
    chart = similarity_map_chart(gram, 32)
    fig = validated(chart)
    assert "positions 0 to 29: the largest value 16 runs along the diagonal" in chart.alt
    z = np.asarray(fig.data[0].z)
    np.testing.assert_allclose(z, gram, atol=1e-4)
    np.testing.assert_allclose(np.diag(z), 16.0, atol=1e-5)
    assert (fig.data[0].zmin, fig.data[0].zmax) == pytest.approx((-16.0, 16.0))


def test_similarity_curve_plots_the_closed_form():
    distances = np.arange(50)
    values = sinusoidal_similarity(distances, 64, 10_000.0)
    fig = validated(similarity_curve_chart(distances, values, 64))
    np.testing.assert_allclose(np.asarray(fig.data[0].y), values, atol=1e-5)
    assert [shape.y0 for shape in fig.layout.shapes] == [0.0, 32.0]


def test_learned_table_leaves_missing_rows_blank():
    table = rope_core.learned_position_table(24, 8, seed=0)
    fig = validated(learned_table_chart(table, 40))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (40, 8)
    np.testing.assert_allclose(z[:24], table, atol=1e-6)
    assert np.isnan(z[24:]).all()
    band = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert len(band) == 1 and (band[0].y0, band[0].y1) == (23.5, 39.5)
    assert any("no row for positions 24…39" in (note.text or "") for note in fig.layout.annotations)


def test_learned_table_that_fits_has_no_gap_and_marks_the_sequence_end():
    table = rope_core.learned_position_table(64, 48, seed=0)
    fig = validated(learned_table_chart(table, 20, max_dims=32))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (64, 32) and not np.isnan(z).any()
    assert not [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert any("your sequence ends (L = 20)" in (note.text or "") for note in fig.layout.annotations)


def test_cross_terms_chart_draws_each_part_and_the_score():
    words = word_vectors(["dog", "man"], 16)
    terms = score_terms(words[0], words[1], rope_core.sinusoidal_encoding(30, 16), 4, projection_weights(16, 0))
    chart = cross_terms_chart(terms, "dog", "man")
    fig = validated(chart)
    lines = {trace.name: np.asarray(trace.y, dtype=float) for trace in fig.data}
    assert list(lines) == ["content · content", "cross terms", "position · position", "score (the sum)"]
    np.testing.assert_allclose(lines["cross terms"], terms.content_position + terms.position_content, atol=1e-5)
    np.testing.assert_allclose(lines["score (the sum)"], terms.total, atol=1e-5)
    np.testing.assert_allclose(sum(lines[name] for name in list(lines)[:3]), terms.total, atol=1e-5)
    assert (
        list(fig.data[0].x) == list(range(26))
        and "m + 4" in fig.layout.xaxis.title.text
        and "4 apart" in fig.layout.title.text
    )
    header = chart.csv.splitlines()[0].split(",")
    assert header == ["m", "n", "content_content", "content_position", "position_content", "position_position", "total"]
    assert f"{terms.spread()['cross terms']:.2f}" in chart.alt
