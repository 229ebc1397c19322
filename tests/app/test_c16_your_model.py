"""AppTest of the "Your model" tool page: paste, upload, preset, second model, calculator, bad input, links."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rope_core
from ropelab.lessons import c16_your_model as lesson
from tests.app.helpers import assert_clean, decode_array, metric_values, plotly_figure, run_page
from tests.lessons import c16_public_configs as configs

PAGE = "pages/16_Your_model.py"


def summary_of(at) -> dict[str, str]:
    values = metric_values(at)
    return {item: values[item] for item in ("Head size", "Rotary channels", "Pairs", "Base θ", "Layout", "Method",
                                            "Trained context", "Advertised context", "Attention factor")}  # fmt: skip


def trace_names(at, key: str) -> list[str]:
    return [trace["name"] for trace in plotly_figure(at, key)["data"]]


def trace_values(at, key: str, name: str) -> np.ndarray:
    trace = next(trace for trace in plotly_figure(at, key)["data"] if trace["name"] == name)
    return np.array(decode_array(trace["y"]), dtype=float)


def warnings_of(at) -> list[str]:
    return [warning.value for warning in at.warning]


def paste(at, config) -> None:
    if at.radio(key="src").value != "Paste":
        at.radio(key="src").set_value("Paste").run()
    text = config if isinstance(config, str) else json.dumps(config, indent=2)
    at.text_area(key="cfg_text").set_value(text).run()


@pytest.fixture
def page():
    at = run_page(PAGE)
    assert_clean(at)
    return at


def test_default_is_the_llama31_preset_with_its_bands(page):
    assert summary_of(page) == {
        "Head size": "128", "Rotary channels": "128", "Pairs": "64", "Base θ": "500,000", "Layout": "half-split",
        "Method": "llama3", "Trained context": "8,192", "Advertised context": "131,072", "Attention factor": "1.0000",
    }  # fmt: skip
    values = metric_values(page)
    assert (values["Pairs kept"], values["Pairs blended"], values["Pairs divided by s"]) == ("29", "6", "29")
    names = trace_names(page, "wavelengths")
    assert "Llama 3.1 8B: kept (fast), 29 pairs" in names and "Llama 3.1 8B: divided by s (slow), 29 pairs" in names
    expected = rope_core.wavelengths(rope_core.preset_inv_freq(rope_core.MODEL_PRESETS["Llama 3.1 8B"])[0])
    np.testing.assert_allclose(trace_values(page, "wavelengths", "Llama 3.1 8B: llama3 as configured"), expected,
                               rtol=1e-6)  # fmt: skip
    assert not warnings_of(page) and "cfg" not in page.query_params
    assert len(page.success) == 1 and page.latex


def test_a_preset_from_the_link_shows_model_names(page):
    assert "llama31-8b" not in page.selectbox(key="p").options  # names, never internal ids
    at = run_page(PAGE, {"p": "Qwen2-VL 7B"})
    assert_clean(at)
    summary = summary_of(at)
    assert (summary["Method"], summary["Base θ"], summary["Advertised context"]) == ("default + M-RoPE", "1,000,000",
                                                                                     "32,768")  # fmt: skip
    assert any("mrope" in caption.value for caption in at.caption)


def test_paste_a_public_config_updates_the_card_and_writes_the_link(page):
    paste(page, configs.PHI35_MINI_INSTRUCT)
    assert_clean(page)
    summary = summary_of(page)
    assert (summary["Pairs"], summary["Method"], summary["Trained context"], summary["Attention factor"]) == (
        "48", "longrope", "4,096", "1.1902",
    )  # fmt: skip
    link = page.query_params["cfg"]
    link = link[-1] if isinstance(link, list) else link
    assert lesson.decode_link(link) == lesson.parse_config(configs.PHI35_MINI_INSTRUCT)


def test_switching_to_paste_prefills_the_text_with_the_current_model(page):
    page.radio(key="src").set_value("Paste").run()
    assert_clean(page)
    assert json.loads(page.text_area(key="cfg_text").value) == lesson.canonical_config(
        lesson.preset_model("Llama 3.1 8B")
    )
    assert summary_of(page)["Method"] == "llama3"


def test_upload_a_config_file(page):
    page.radio(key="src").set_value("Upload").run()
    assert_clean(page)
    assert any("No file yet" in caption.value for caption in page.caption)
    data = json.dumps(configs.GPTJ_6B).encode()
    page.file_uploader(key="cfg_file").set_value(("config.json", data, "application/json")).run()
    assert_clean(page)
    summary = summary_of(page)
    assert (summary["Head size"], summary["Rotary channels"], summary["Layout"]) == ("256", "64", "interleaved")
    assert "cfg" in page.query_params  # an uploaded config travels in the link too


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b" " * (256 * 1024 + 1), "a file of 262,145 bytes"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b'{"hidden_size": 4096, "max_position_embeddings": 4096}', "num_attention_heads"),
    ],
)
def test_a_bad_upload_is_reported_and_the_last_good_analysis_stays(page, content, field):
    page.radio(key="src").set_value("Upload").run()
    page.file_uploader(key="cfg_file").set_value(("config.json", content, "application/json")).run()
    assert_clean(page)
    assert len(warnings_of(page)) == 1 and field in warnings_of(page)[0]
    assert summary_of(page)["Method"] == "llama3"


def test_second_model_goes_on_the_same_charts(page):
    page.radio(key="b_src").set_value("Preset").run()
    page.selectbox(key="p2").set_value("Pythia 1.4B (GPT-NeoX)").run()
    assert_clean(page)
    for key in ("wavelengths", "out_of_range", "scores"):
        names = trace_names(page, key)
        assert any(name.startswith("A · Llama 3.1 8B") for name in names)
        assert any(name.startswith("B · Pythia 1.4B (GPT-NeoX)") for name in names)
    pythia = trace_values(page, "wavelengths", "B · Pythia 1.4B (GPT-NeoX): unscaled")
    np.testing.assert_allclose(pythia, rope_core.wavelengths(rope_core.inv_freq(32, 10000.0)), rtol=1e-6)
    cards = [metric.value for metric in page.metric if metric.label == "Rotary channels"]
    assert cards == ["128", "32"]  # the first model's card, then the second's


def test_second_model_pasted(page):
    page.radio(key="b_src").set_value("Paste").run()
    page.text_area(key="cfg2_text").set_value(json.dumps(configs.DEEPSEEK_V2_LITE)).run()
    assert_clean(page)
    assert any(name.startswith("B · deepseek_v2: yarn as configured") for name in trace_names(page, "wavelengths"))
    assert "cfg2" in page.query_params


def test_calculator_writes_the_yarn_block_for_llama2_at_32k():
    at = run_page(PAGE, {"p": "Llama 2 7B", "L": "32K", "M": "YaRN"})
    assert_clean(at)
    blocks = [json.loads(code.value) for code in at.code if code.language == "json"]
    expected = lesson.extend(lesson.preset_model("Llama 2 7B"), 32768, "yarn")
    assert blocks == [expected.classic_fragment, expected.parameters_fragment]
    assert blocks[0]["rope_scaling"] == {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096}
    markdown = " ".join(str(element.value) for element in at.markdown)
    assert "What you still have to do." in markdown and "What changes at inference." in markdown
    values = metric_values(at)
    ramp = rope_core.yarn_ramp(128, 10000.0, 4096)
    assert values["Pairs kept"] == str(int((ramp == 0).sum())) and values["Pairs divided by s"] == str(
        int((ramp == 1).sum())
    )
    yarn, factor = rope_core.scaled_inv_freq(128, 10000.0, "yarn", factor=8.0, original_max_position_embeddings=4096)
    shown = trace_values(at, "wavelengths", "Llama 2 7B: YaRN, s = 8 (calculator)")
    np.testing.assert_allclose(shown, rope_core.wavelengths(yarn), rtol=1e-6)
    assert any(f"a = {factor:.4f}" in name for name in trace_names(at, "scores"))


@pytest.mark.parametrize("method", ["PI", "Dynamic", "Llama3"])
def test_calculator_every_method_gives_advice_and_a_block(method):
    at = run_page(PAGE, {"p": "Qwen2 7B Instruct", "L": "128K", "M": method})
    assert_clean(at)
    blocks = [json.loads(code.value) for code in at.code if code.language == "json"]
    assert blocks[0]["rope_scaling"]["factor"] == 4.0 and blocks[1]["rope_parameters"]["rope_theta"] == 1e6
    markdown = " ".join(str(element.value) for element in at.markdown)
    assert all(text in markdown for text in lesson.EXTENSION_ADVICE[blocks[0]["rope_scaling"]["rope_type"]])


def test_calculator_with_nothing_to_extend_says_so_and_shows_the_config():
    at = run_page(PAGE, {"p": "Llama 2 7B", "L": "advertised", "M": "YaRN"})
    assert_clean(at)
    assert any("more than the trained context" in warning for warning in warnings_of(at))
    assert not [code for code in at.code if code.language == "json"]


BAD_PASTES = {
    "not JSON": ("this is not json", "line 1, column 1"),
    "NaN": ('{"hidden_size": 4096, "num_attention_heads": 32, "rope_theta": NaN}', "rope_theta"),
    "Infinity": (json.dumps(configs.LLAMA31_8B).replace('"factor": 8.0', '"factor": Infinity'), "factor"),
    "too large": ('{"x": "' + "a" * (256 * 1024) + '"}', "at most 256 kB"),
    "nested 400 deep": ("[" * 400 + "]" * 400, "nesting up to 32 deep"),
    "missing head count": ('{"hidden_size": 4096, "max_position_embeddings": 4096}', "num_attention_heads"),
    "string number": (json.dumps({**configs.LLAMA2_7B, "rope_theta": "10000"}), "rope_theta"),
    "bool number": (json.dumps({**configs.LLAMA2_7B, "num_attention_heads": True}), "num_attention_heads"),
    "unknown rope_type": (json.dumps({**configs.LLAMA2_7B, "rope_scaling": {"rope_type": "warp", "factor": 2}}),
                          "rope_type"),
    "factor < 1": (json.dumps({**configs.LLAMA2_7B, "rope_scaling": {"rope_type": "linear", "factor": 0.5}}),
                   "rope_scaling.factor"),
    "long_factor wrong length": (json.dumps({**configs.PHI35_MINI_INSTRUCT, "rope_scaling": {
        "type": "longrope", "short_factor": [1.0] * 48, "long_factor": [1.0] * 10}}), "long_factor"),
    "odd head size": (json.dumps({**configs.LLAMA2_7B, "head_dim": 127}), "head_dim"),
    "head size over the cap": (json.dumps({**configs.LLAMA2_7B, "head_dim": 4096}), "head_dim"),
    "negative context": (json.dumps({**configs.LLAMA2_7B, "max_position_embeddings": -1}), "max_position_embeddings"),
    "zero base": (json.dumps({**configs.LLAMA2_7B, "rope_theta": 0}), "rope_theta"),
    "huge base": (json.dumps({**configs.LLAMA2_7B, "rope_theta": 1e300}), "rope_theta"),
    "empty": ("", "config.json"),
    "markup": ('<script>alert(1)</script>', "line 1, column 1"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_PASTES))
def test_bad_paste_gives_one_message_and_keeps_the_last_good_analysis(page, case):
    paste(page, configs.QWEN2_7B_INSTRUCT)
    good = summary_of(page)
    good_link = page.query_params["cfg"]
    text, field = BAD_PASTES[case]
    paste(page, text)
    assert_clean(page)
    warnings = warnings_of(page)
    assert len(warnings) == 1, warnings
    assert field in warnings[0] and "allowed:" in warnings[0] and "still shows" in warnings[0]
    assert summary_of(page) == good  # the last good analysis stays
    assert page.query_params["cfg"] == good_link
    assert "<script>" not in " ".join(str(element.value) for element in page.markdown)


def test_link_round_trip_reopens_the_same_analysis(page):
    paste(page, configs.DEEPSEEK_V2_LITE)
    summary = summary_of(page)
    link = page.query_params["cfg"]
    link = link[-1] if isinstance(link, list) else link
    reopened = run_page(PAGE, {"cfg": link})
    assert_clean(reopened)
    assert summary_of(reopened) == summary
    assert reopened.radio(key="src").value == "Paste"
    text = reopened.text_area(key="cfg_text").value
    assert lesson.parse_config(text) == lesson.parse_config(configs.DEEPSEEK_V2_LITE)
    assert plotly_figure(reopened, "wavelengths") == plotly_figure(page, "wavelengths")


def test_link_with_the_calculator_settings_reopens_the_block():
    model = lesson.parse_config(configs.INTERNLM25_7B_CHAT)
    at = run_page(PAGE, {"cfg": lesson.encode_link(model), "L": "64K", "M": "YaRN"})
    assert_clean(at)
    blocks = [json.loads(code.value) for code in at.code if code.language == "json"]
    assert blocks[0] == lesson.extend(model, 65536, "yarn").classic_fragment


@pytest.mark.parametrize(
    "link",
    ["garbage", "r1.", "r1.AAAA", "r1." + "x" * 900, "<script>alert(1)</script>", "r1.eJzLSM3JyQcABiwCFQ",
     lesson.encode_link(lesson.preset_model("Llama 2 7B"))[:-6], ""],
)  # fmt: skip
def test_bad_link_is_reported_once_and_the_default_is_shown(link):
    at = run_page(PAGE, {"cfg": link})
    assert_clean(at)
    warnings = warnings_of(at)
    assert len(warnings) == 1 and "The link's config was not used" in warnings[0] and "`cfg" in warnings[0]
    assert summary_of(at)["Method"] == "llama3" and "cfg" not in at.query_params


def test_a_bad_second_link_leaves_the_first_model_alone():
    first = lesson.encode_link(lesson.parse_config(configs.GPTJ_6B))
    at = run_page(PAGE, {"cfg": first, "cfg2": "r1.broken"})
    assert_clean(at)
    assert summary_of(at)["Layout"] == "interleaved"
    assert len(warnings_of(at)) == 1 and "cfg" in warnings_of(at)[0]


def test_hostile_values_for_every_control_never_raise():
    hostile = {"src": "<b>x</b>", "p": "gpt-5", "L": "1e99", "M": "warp", "b_src": "nan", "p2": "", "cfg2": "r1.%%"}
    at = run_page(PAGE, hostile)
    assert_clean(at)
    assert summary_of(at)["Method"] == "llama3"


def test_an_unshareable_config_is_analysed_but_kept_out_of_the_link(page):
    factors = [1.0 + i / 7 for i in range(256)]
    config = {"head_dim": 512, "max_position_embeddings": 131072, "original_max_position_embeddings": 4096,
              "rope_scaling": {"type": "longrope", "short_factor": factors, "long_factor": factors[::-1]}}  # fmt: skip
    paste(page, config)
    assert_clean(page)
    assert summary_of(page)["Pairs"] == "256"
    assert "cfg" not in page.query_params
    assert any("too long for a link" in caption.value for caption in page.caption)


def test_per_pair_table_holds_the_analysis(page):
    table = page.dataframe[-1].value
    analysis = lesson.analyse(lesson.preset_model("Llama 3.1 8B"), 131072)
    np.testing.assert_allclose(table["wavelength_scaled_tokens"], analysis.scaled_wavelengths)
    assert list(table["band"][:3]) == ["kept"] * 3 and int(table["out_of_range_scaled"].sum()) == 29
    assert any("per-pair" in str(button.proto.label) for button in page.get("download_button"))
