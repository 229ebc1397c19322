import numpy as np
import pytest

import rope_core
from tests.app.helpers import assert_clean, decode_array, metric_values, plotly_figure, run_page

PAGE = "pages/11_Context_extension.py"
CUSTOM_SLIDERS = {"T": (1, 1024, 128), "d": (16, 256, 128), "L": (1, 64, 4)}


def slider(at, key):
    return next(widget for widget in at.slider if widget.key == key)


def wavelength_trace(at, name_start):
    data = plotly_figure(at, "wavelengths")["data"]
    chosen = next(trace for trace in data if trace["name"].startswith(name_start))
    return np.array(decode_array(chosen["y"]), dtype=float)


def test_default_is_llama31_with_its_29_6_29_bands_and_yarn_factor():
    at = run_page(PAGE)
    assert_clean(at)
    assert at.selectbox(key="preset").value == "llama31-8b"
    values = metric_values(at)
    assert (values["Llama 3.1: pairs kept"], values["Llama 3.1: pairs blended"]) == ("29", "6")
    assert values["Llama 3.1: pairs divided by s"] == "29"
    assert values["Factor s"] == "8" and values["Training L"] == "8,192"
    assert values["YaRN attention factor a"] == f"{rope_core.yarn_attention_factor(8.0):.4f}"
    original = wavelength_trace(at, "Original")
    np.testing.assert_allclose(original, rope_core.wavelengths(rope_core.inv_freq(128, 500000.0)), rtol=1e-6)
    np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), 8 * original, rtol=1e-6)
    angles = plotly_figure(at, "angles")["data"]
    assert angles[-1]["name"] == "out of range: 29 pairs"
    assert len(plotly_figure(at, "scores")["data"]) == 6


def test_target_slider_drives_dynamic_ntk():
    at = run_page(PAGE)
    slider(at, "T").set_value(256).run()
    assert_clean(at)
    base = rope_core.dynamic_ntk_base(128, 500000.0, 8.0, 8192, 256 * 1024)
    expected = rope_core.wavelengths(base ** (-np.arange(0, 128, 2) / 128))
    np.testing.assert_allclose(wavelength_trace(at, "Dynamic NTK"), expected, rtol=1e-5)
    assert "T = 262,144" in plotly_figure(at, "angles")["layout"]["title"]["text"]


def test_unscaled_preset_from_the_url_uses_s_equal_t_over_l():
    at = run_page(PAGE, {"preset": "llama2-7b", "T": "64", "method": "PI"})
    assert_clean(at)
    assert at.selectbox(key="preset").value == "llama2-7b" and slider(at, "T").value == 64
    assert metric_values(at)["Factor s"] == "16"
    original = wavelength_trace(at, "Original")
    np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), 16 * original, rtol=1e-6)
    angles = plotly_figure(at, "angles")
    assert angles["layout"]["title"]["text"].startswith("Position interpolation")
    # T = s·L exactly: position interpolation brings every pair back inside its training range.
    assert angles["data"][-1]["name"] == "out of range: 0 pairs"


@pytest.mark.parametrize("end", [0, 1])
def test_custom_model_with_every_slider_at_an_extreme(end):
    params = {"preset": "custom", **{key: str(spec[end]) for key, spec in CUSTOM_SLIDERS.items()}}
    params["base"] = "100" if end == 0 else "10M"
    at = run_page(PAGE, params)
    assert_clean(at)
    assert {key: slider(at, key).value for key in CUSTOM_SLIDERS} == {k: s[end] for k, s in CUSTOM_SLIDERS.items()}
    dim = CUSTOM_SLIDERS["d"][end]
    assert len(wavelength_trace(at, "Original")) == dim // 2
    if end == 0:  # T = 1,024 = L: nothing to extend, s falls back to 1 with a notice.
        assert any("nothing to extend" in warning.value for warning in at.warning)
        np.testing.assert_allclose(wavelength_trace(at, "Position interpolation"), wavelength_trace(at, "Original"))


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "gpt5", "T": "abc", "method": "Magic", "d": "17"},
        {"preset": "<script>alert(1)</script>", "T": "1e99", "method": "", "lecture": "maybe"},
        {"preset": "custom", "T": "-5", "d": "17", "L": "nan", "base": "7"},
    ],
)
def test_bad_url_values_never_raise(params):
    at = run_page(PAGE, params)
    assert_clean(at)
    assert slider(at, "T").value == 128
    if params["preset"] == "custom":
        # d=17 is off the slider's 16-channel steps, so the shared control snaps it to 16 and says so.
        assert any("not one of the slider's steps" in warning.value for warning in at.warning)
        assert len(wavelength_trace(at, "Original")) == 8
    else:
        assert at.selectbox(key="preset").value == "llama31-8b"
