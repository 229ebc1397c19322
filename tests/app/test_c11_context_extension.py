import numpy as np
import pytest

import rope_core
from tests.app.helpers import assert_clean, chart_payload, decode_array, metric_values, plotly_figure, run_page

PAGE = "pages/11_Context_extension.py"
CUSTOM = "Custom model"
CUSTOM_SLIDERS = {"T": (1, 1024, 64), "d": (16, 256, 128), "L": (1, 64, 4)}


def slider(at, key):
    return next(widget for widget in at.slider if widget.key == key)


def wavelength_trace(at, name_start):
    data = plotly_figure(at, "wavelengths")["data"]
    chosen = next(trace for trace in data if trace["name"].startswith(name_start))
    return np.array(decode_array(chosen["y"]), dtype=float)


def caveat(at) -> str:
    return plotly_figure(at, "angles")["data"][3]["text"][0]


def test_default_is_llama31_at_its_scaled_context_with_its_29_6_29_bands_and_yarn_factor():
    at = run_page(PAGE)
    assert_clean(at)
    assert at.selectbox(key="preset").value == "Llama 3.1 8B"
    # T = s·L = 8 × 8,192: the model's own scaled context, where Llama 3.1 scaling brings every pair back.
    assert slider(at, "T").value == 64
    values = metric_values(at)
    assert (values["Llama 3.1: pairs kept"], values["Llama 3.1: pairs blended"]) == ("29", "6")
    assert values["Llama 3.1: pairs divided by s"] == "29"
    assert values["Factor s"] == "8" and values["Training L"] == "8,192"
    assert values["Target T"] == values["Scaled context s·L"] == "65,536"
    assert values["YaRN attention factor a"] == f"{rope_core.yarn_attention_factor(8.0):.4f}"
    original = wavelength_trace(at, "Original")
    np.testing.assert_allclose(original, rope_core.wavelengths(rope_core.inv_freq(128, 500000.0)), rtol=1e-6)
    np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), 8 * original, rtol=1e-6)
    angles = plotly_figure(at, "angles")
    assert angles["layout"]["title"]["text"].startswith("Llama 3.1 scaling: angle at T = 65,536")
    assert angles["data"][2]["name"] == "out of range: 0 pairs" and caveat(at) == ""
    assert len(plotly_figure(at, "scores")["data"]) == 6
    assert any("NTK-aware 28" in str(element.value) for element in at.markdown)


def test_the_target_length_scrubber_has_log_spaced_stops_and_starts_at_the_slider():
    at = run_page(PAGE)
    scrub = chart_payload(at, "angles")["scrub"]
    labels, index = scrub["labels"], scrub["index"]
    assert scrub["label"] == "Target length T" and scrub["traces"] == [1, 2, 3]
    assert len(scrub["frames"]) == len(labels) <= 512
    assert (labels[0], labels[-1], labels[index]) == ("T = 1,024", "T = 1,048,576", "T = 65,536 = s·L")
    assert "T = 8,192" in labels and "T = 131,072" in labels  # L and the "beyond" stop are stops too
    # Log spacing: about as many stops below the default (64 × 1,024) as above it.
    assert abs(index - (len(labels) - 1 - index)) <= 4


def test_beyond_the_scaled_context_the_chart_itself_carries_the_caveat():
    at = run_page(PAGE)
    at.button(key="beyond").click().run()
    assert_clean(at)
    assert slider(at, "T").value == 128
    assert caveat(at).startswith("Beyond s·L = 65,536")
    assert plotly_figure(at, "angles")["data"][2]["name"] == "out of range: 29 pairs"
    at.button(key="to_scaled").click().run()
    assert slider(at, "T").value == 64 and caveat(at) == ""


def test_the_model_picker_shows_model_names_never_internal_ids():
    at = run_page(PAGE)
    options = at.selectbox(key="preset").options
    assert "Llama 3.1 8B" in options and CUSTOM in options
    assert not any("-" in option and option == option.lower() for option in options), options
    assert "Qwen2-VL 7B" not in options  # M-RoPE is chapter 13's


def test_target_slider_drives_dynamic_ntk():
    at = run_page(PAGE)
    slider(at, "T").set_value(256).run()
    assert_clean(at)
    base = rope_core.dynamic_ntk_base(128, 500000.0, 8.0, 8192, 256 * 1024)
    expected = rope_core.wavelengths(base ** (-np.arange(0, 128, 2) / 128))
    np.testing.assert_allclose(wavelength_trace(at, "Dynamic NTK"), expected, rtol=1e-5)
    assert "T = 262,144" in plotly_figure(at, "angles")["layout"]["title"]["text"]


def test_unscaled_preset_from_the_url_uses_s_equal_t_over_l():
    at = run_page(PAGE, {"preset": "Llama 2 7B", "T": "64", "method": "PI"})
    assert_clean(at)
    assert at.selectbox(key="preset").value == "Llama 2 7B" and slider(at, "T").value == 64
    assert metric_values(at)["Factor s"] == "16"
    assert not at.button  # no config factor, so no s·L to jump to
    original = wavelength_trace(at, "Original")
    np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), 16 * original, rtol=1e-6)
    angles = plotly_figure(at, "angles")
    assert angles["layout"]["title"]["text"].startswith("Position interpolation")
    # T = s·L exactly: position interpolation brings every pair back inside its training range.
    assert angles["data"][2]["name"] == "out of range: 0 pairs"
    # Position interpolation on its number line: token m gets position m/16.
    line = plotly_figure(at, "interpolation")["data"]
    squeezed = next(trace for trace in line if trace["name"] == "position m/s the rotation gets")
    np.testing.assert_allclose(decode_array(squeezed["x"]), np.arange(33) / 16, rtol=1e-6)


@pytest.mark.parametrize("end", [0, 1])
def test_custom_model_with_every_slider_at_an_extreme(end):
    params = {"preset": CUSTOM, **{key: str(spec[end]) for key, spec in CUSTOM_SLIDERS.items()}}
    params["base"] = "100" if end == 0 else "10M"
    at = run_page(PAGE, params)
    assert_clean(at)
    assert {key: slider(at, key).value for key in CUSTOM_SLIDERS} == {k: s[end] for k, s in CUSTOM_SLIDERS.items()}
    dim = CUSTOM_SLIDERS["d"][end]
    assert len(wavelength_trace(at, "Original")) == dim // 2
    if end == 0:  # T = 1,024 = L: nothing to extend, s falls back to 1 with a notice.
        assert any("nothing to extend" in warning.value for warning in at.warning)
        np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), wavelength_trace(at, "Original"))
        assert caveat(at).startswith("T ≤ L")


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "gpt5", "T": "abc", "method": "Magic", "d": "17"},
        {"preset": "<script>alert(1)</script>", "T": "1e99", "method": "", "lecture": "maybe"},
        {"preset": "llama31-8b", "T": "-5"},
        {"preset": CUSTOM, "T": "-5", "d": "17", "L": "nan", "base": "7"},
    ],
)
def test_bad_url_values_never_raise(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert slider(at, "T").value == 64
    if params["preset"] == CUSTOM:
        # d=17 is off the slider's 16-channel steps, so the shared control snaps it to 16.
        assert slider(at, "d").value == 16
        assert len(wavelength_trace(at, "Original")) == 8
    else:
        assert at.selectbox(key="preset").value == "Llama 3.1 8B"
        assert any("preset" in warning.value or "Model" in warning.value for warning in at.warning)
