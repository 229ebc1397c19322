"""The "Your model" charts carry the lesson's numbers, validated property by property through go.Figure."""

from __future__ import annotations

import numpy as np
import pytest

from ropelab.figures.c16_your_model import out_of_range_chart, score_chart, wavelength_chart
from ropelab.figures.spec import Chart
from ropelab.lessons import c16_your_model as lesson
from tests.figures.validate import validated
from tests.lessons import c16_public_configs as configs

LLAMA31 = lesson.analyse(lesson.parse_config(configs.LLAMA31_8B, label="Llama 3.1 8B"), 131072)
LLAMA2 = lesson.analyse(lesson.parse_config(configs.LLAMA2_7B), 16384)
PYTHIA_YARN = lesson.extend(lesson.parse_config(configs.PYTHIA_1_4B), 16384, "yarn")
PYTHIA = lesson.analyse(PYTHIA_YARN.model, 16384, "YaRN, s = 8 (calculator)")
BUILDERS = [wavelength_chart, out_of_range_chart, score_chart]


def traces(chart: Chart) -> dict:
    return {trace.name: trace for trace in validated(chart.figure).data}


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("second", [None, PYTHIA], ids=["one model", "two models"])
def test_every_builder_returns_a_validated_chart_with_alt_text_and_csv(builder, second):
    chart = builder(LLAMA31, second)
    assert isinstance(chart, Chart) and chart.filename.startswith("ropelab_your_model_")
    fig = validated(chart.figure)
    assert fig.layout.title.text and len(fig.data) >= 2
    assert "Llama" in chart.alt and chart.csv.count("\n") > 10
    if second is not None:
        assert any(name.startswith("B · ") for name in traces(chart)) and "B · " in chart.alt


def test_wavelength_chart_bands_carry_counts_and_the_core_values():
    by_name = traces(wavelength_chart(LLAMA31))
    label = LLAMA31.model.label
    assert f"{label}: kept (fast), 29 pairs" in by_name
    assert f"{label}: blended, 6 pairs" in by_name
    assert f"{label}: divided by s (slow), 29 pairs" in by_name
    np.testing.assert_allclose(by_name[f"{label}: unscaled"].y, LLAMA31.original_wavelengths, rtol=1e-6)
    np.testing.assert_allclose(by_name[f"{label}: llama3 as configured"].y, LLAMA31.scaled_wavelengths, rtol=1e-6)
    kept = by_name[f"{label}: kept (fast), 29 pairs"]
    np.testing.assert_allclose(kept.x, np.arange(29))
    fig = validated(wavelength_chart(LLAMA31).figure)
    assert fig.layout.yaxis.type == "log"
    assert {note.text for note in fig.layout.annotations} >= {"trained 8,192", "target 131,072"}


def test_unscaled_model_has_no_scaled_line_and_no_bands():
    names = list(traces(wavelength_chart(LLAMA2)))
    assert names == ["meta-llama/Llama-2-7b-hf: unscaled"]


def test_out_of_range_rings_exactly_the_flagged_pairs():
    by_name = traces(out_of_range_chart(LLAMA2))
    rings = next(trace for name, trace in by_name.items() if "out of range after scaling" in name)
    np.testing.assert_array_equal(rings.x, np.flatnonzero(LLAMA2.out_of_range))
    bars = next(trace for trace in by_name.values() if trace.type == "bar")
    np.testing.assert_allclose(bars.y, LLAMA2.training_angles, rtol=1e-6)
    unscaled = next(trace for name, trace in by_name.items() if "unscaled at T = 16,384" in name)
    assert f"{int(LLAMA2.unscaled_out_of_range.sum())} pairs out of range" in unscaled.name


def test_score_chart_shows_the_attention_factor_and_scaled_scores():
    chart = score_chart(PYTHIA)
    scaled = next(trace for name, trace in traces(chart).items() if "calculator" in name)
    assert f"a = {PYTHIA.attention_factor:.4f}" in scaled.name
    np.testing.assert_allclose(scaled.y, PYTHIA.score_after, rtol=1e-6)
    assert validated(chart.figure).layout.xaxis.type == "log"
    assert PYTHIA.score_after[0] > 1.0  # a² lifts YaRN's curve above 1 at short range


def test_csv_pads_the_model_with_fewer_pairs():
    lines = wavelength_chart(LLAMA31, PYTHIA).csv.strip().split("\n")
    assert len(lines) == 1 + 64
    assert lines[0].startswith("pair,A_wavelength_unscaled,A_wavelength_scaled,A_band,B_wavelength_unscaled")
    assert ",nan," in lines[-1]  # Pythia has 16 pairs, Llama 64
