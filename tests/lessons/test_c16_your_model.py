"""The "Your model" lesson: real public configs in both schemas, every bad input, the calculator and the link."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import math
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rope_core
from ropelab.lessons import c16_your_model as lesson
from ropelab.lessons.c16_your_model import ConfigError, parse_config
from tests.lessons import c16_public_configs as configs


def parsed(config: dict) -> lesson.RopeModel:
    """Parse the way the page does: from the JSON text."""
    return parse_config(json.dumps(config))


def core(dim, base, rope_type="default", **params):
    return rope_core.scaled_inv_freq(dim, base, rope_type, **params)


# ---------------------------------------------------------------------------------------------------------
# Real configs, numbers checked against rope_core
# ---------------------------------------------------------------------------------------------------------


def test_llama2_7b_plain_rope_with_the_default_base():
    model = parsed(configs.LLAMA2_7B)
    assert (model.head_dim, model.rotary_dim, model.pairs, model.base) == (128, 128, 64, 10000.0)
    assert (model.rope_type, model.layout, model.trained_context, model.advertised_context) == (
        "default",
        "half",
        4096,
        4096,
    )
    assert any("default base 10,000" in note for note in model.notes)
    analysis = lesson.analyse(model, 16384)
    np.testing.assert_allclose(analysis.scaled_inv_freq, rope_core.inv_freq(128, 10000.0))
    np.testing.assert_allclose(analysis.original_wavelengths, rope_core.wavelengths(rope_core.inv_freq(128, 10000.0)))
    _, _, flagged = rope_core.out_of_distribution_pairs(
        rope_core.inv_freq(128, 10000.0), rope_core.inv_freq(128, 10000.0), 4096, 16384
    )
    np.testing.assert_array_equal(analysis.out_of_range, flagged)
    assert analysis.bands is None and analysis.attention_factor == 1.0
    assert 0 < flagged.sum() < 64  # the slow pairs, never the fast ones
    assert not flagged[:10].any()


@pytest.mark.parametrize("config", [configs.LLAMA31_8B, configs.LLAMA31_8B_TRANSFORMERS5], ids=["classic", "v5"])
def test_llama31_8b_llama3_bands_29_6_29_in_both_schemas(config):
    model = parsed(config)
    assert model.schema.startswith("rope_scaling" if "rope_scaling" in config else "rope_parameters")
    assert (model.rope_type, model.base, model.trained_context, model.advertised_context) == (
        "llama3",
        500000.0,
        8192,
        131072,
    )
    assert model.params == {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}
    expected, factor = core(
        128,
        500000.0,
        "llama3",
        factor=8.0,
        low_freq_factor=1.0,
        high_freq_factor=4.0,
        original_max_position_embeddings=8192,
    )
    analysis = lesson.analyse(model, 131072)
    np.testing.assert_array_equal(analysis.scaled_inv_freq, expected)
    assert analysis.band_counts == {"kept": 29, "blended": 6, "divided": 29}
    labels = rope_core.llama3_bands(rope_core.inv_freq(128, 500000.0), 1.0, 4.0, 8192)
    np.testing.assert_array_equal(analysis.bands == "kept", labels == "high")
    assert factor == 1.0 and lesson.attention_factor(model) == 1.0


def test_the_two_llama31_schemas_describe_the_same_rope():
    assert parsed(configs.LLAMA31_8B) == parsed(configs.LLAMA31_8B_TRANSFORMERS5)


def test_llama32_1b_head_dim_field_and_factor_32():
    model = parsed(configs.LLAMA32_1B)
    assert (model.head_dim, model.pairs, model.params["factor"]) == (64, 32, 32.0)
    expected, _ = core(
        64,
        500000.0,
        "llama3",
        factor=32.0,
        low_freq_factor=1.0,
        high_freq_factor=4.0,
        original_max_position_embeddings=8192,
    )
    np.testing.assert_array_equal(lesson.frequencies(model, 131072)[0], expected)
    # Factor 32 from 8K reaches 256K: at 128K no pair leaves its training range.
    assert lesson.analyse(model, 131072).out_of_range.sum() == 0


def test_mistral_7b_v01_from_hidden_size_over_heads():
    model = parsed(configs.MISTRAL_7B_V01)
    assert (model.head_dim, model.base, model.trained_context, model.rope_type) == (128, 10000.0, 32768, "default")


def test_qwen2_7b_instruct_and_its_model_card_yarn_block():
    plain = parsed(configs.QWEN2_7B_INSTRUCT)
    assert (plain.head_dim, plain.base, plain.advertised_context) == (128, 1e6, 32768)
    yarn = parsed(configs.QWEN2_7B_INSTRUCT_YARN)
    assert yarn.rope_type == "yarn" and yarn.params == {"factor": 4.0} and yarn.trained_context == 32768
    expected, factor = core(128, 1e6, "yarn", factor=4.0, original_max_position_embeddings=32768)
    analysis = lesson.analyse(yarn, 131072)
    np.testing.assert_array_equal(analysis.scaled_inv_freq, expected)
    assert analysis.attention_factor == pytest.approx(factor) == pytest.approx(0.1 * math.log(4) + 1)
    ramp = rope_core.yarn_ramp(128, 1e6, 32768)
    kept, divided = int((ramp == 0).sum()), int((ramp == 1).sum())
    assert analysis.band_counts == {"kept": kept, "blended": 64 - kept - divided, "divided": divided}
    # With YaRN at s = 4, 128K = 4 × 32K brings every pair back inside what training covered.
    assert analysis.out_of_range.sum() == 0 and analysis.unscaled_out_of_range.sum() > 0


def test_qwen2_vl_mrope_section_is_kept_and_the_frequencies_are_plain():
    model = parsed(configs.QWEN2_VL_7B)
    assert model.rope_type == "default" and model.mrope_section == (16, 24, 24)
    np.testing.assert_array_equal(lesson.frequencies(model, 32768)[0], rope_core.inv_freq(128, 1e6))
    assert ("mrope_section", "16, 24, 24") in lesson.parameter_rows(model)


def test_pythia_rotary_pct_and_rotary_emb_base():
    model = parsed(configs.PYTHIA_1_4B)
    assert (model.head_dim, model.rotary_dim, model.pairs, model.base, model.layout) == (128, 32, 16, 10000.0, "half")
    np.testing.assert_array_equal(lesson.frequencies(model, 2048)[0], rope_core.inv_freq(32, 10000.0))


def test_gptj_rotary_dim_n_positions_and_interleaved_layout():
    model = parsed(configs.GPTJ_6B)
    assert (model.head_dim, model.rotary_dim, model.layout, model.advertised_context) == (256, 64, "interleaved", 2048)
    np.testing.assert_array_equal(lesson.frequencies(model, 2048)[0], rope_core.inv_freq(64, 10000.0))
    layout = next(item for item in lesson.summary(model) if item.label == "Layout")
    assert layout.value == "interleaved"


def test_phi35_longrope_lists_have_one_factor_per_pair():
    config = configs.PHI35_MINI_INSTRUCT
    short, long = config["rope_scaling"]["short_factor"], config["rope_scaling"]["long_factor"]
    assert len(short) == len(long) == 3072 // 32 // 2 == 48
    model = parsed(config)
    assert (model.rope_type, model.pairs, model.trained_context, model.advertised_context) == (
        "longrope",
        48,
        4096,
        131072,
    )
    expected_long, factor = core(
        96,
        10000.0,
        "longrope",
        short_factor=short,
        long_factor=long,
        original_max_position_embeddings=4096,
        max_position_embeddings=131072,
        seq_len=131072,
    )
    analysis = lesson.analyse(model, 131072)
    np.testing.assert_array_equal(analysis.scaled_inv_freq, expected_long)
    np.testing.assert_allclose(analysis.scaled_inv_freq, rope_core.inv_freq(96, 10000.0) / np.array(long))
    # Hugging Face's LongRoPE attention factor from the two lengths: sqrt(1 + ln 32 / ln 4096).
    assert analysis.attention_factor == pytest.approx(math.sqrt(1 + math.log(32) / math.log(4096))) == factor
    short_analysis = lesson.analyse(model, 4096)  # within the original length: the short list
    np.testing.assert_allclose(short_analysis.scaled_inv_freq, rope_core.inv_freq(96, 10000.0) / np.array(short))
    summary = {item.label: item.value for item in lesson.summary(model)}
    assert summary["Attention factor"] == f"{factor:.4f}" == "1.1902"


@pytest.mark.parametrize(
    "config", [configs.DEEPSEEK_V2_LITE, configs.DEEPSEEK_V2_LITE_TRANSFORMERS5], ids=["classic", "v5"]
)
def test_deepseek_v2_lite_yarn_with_mscale_in_both_schemas(config):
    model = parsed(config)
    assert (model.head_dim, model.rotary_dim, model.layout, model.rope_type) == (192, 64, "interleaved", "yarn")
    assert model.params == {
        "factor": 40.0,
        "beta_fast": 32.0,
        "beta_slow": 1.0,
        "mscale": 0.707,
        "mscale_all_dim": 0.707,
    }
    expected, factor = core(
        64,
        10000.0,
        "yarn",
        factor=40.0,
        original_max_position_embeddings=4096,
        beta_fast=32.0,
        beta_slow=1.0,
        mscale=0.707,
        mscale_all_dim=0.707,
    )
    analysis = lesson.analyse(model, 163840)
    np.testing.assert_array_equal(analysis.scaled_inv_freq, expected)
    # Equal mscale and mscale_all_dim cancel: Hugging Face's attention factor is exactly 1.
    assert factor == 1.0 == analysis.attention_factor
    assert rope_core.yarn_attention_factor(40.0, 0.707, 0.707) == 1.0
    assert sum(analysis.band_counts.values()) == 32


def test_deepseek_v2_lite_schemas_agree():
    assert parsed(configs.DEEPSEEK_V2_LITE) == parsed(configs.DEEPSEEK_V2_LITE_TRANSFORMERS5)


def test_internlm25_dynamic_ntk_grows_only_beyond_the_trained_length():
    model = parsed(configs.INTERNLM25_7B_CHAT)
    assert (model.rope_type, model.base, model.params, model.trained_context) == (
        "dynamic",
        1e6,
        {"factor": 2.0},
        32768,
    )
    np.testing.assert_array_equal(lesson.frequencies(model, 32768)[0], rope_core.inv_freq(128, 1e6))
    grown, _ = core(128, 1e6, "dynamic", factor=2.0, max_position_embeddings=32768, seq_len=65536)
    np.testing.assert_array_equal(lesson.analyse(model, 65536).scaled_inv_freq, grown)
    base = rope_core.dynamic_ntk_base(128, 1e6, 2.0, 32768, 65536)
    np.testing.assert_allclose(grown, base ** (-np.arange(0, 128, 2) / 128))


def test_deepseek_coder_linear_interpolation():
    model = parsed(configs.DEEPSEEK_CODER_1_3B)
    assert (model.rope_type, model.base, model.params) == ("linear", 100000.0, {"factor": 4.0})
    np.testing.assert_allclose(lesson.frequencies(model, 16384)[0], rope_core.inv_freq(128, 100000.0) / 4)


def test_gemma3_text_config_and_per_attention_blocks():
    model = parsed(configs.GEMMA3_TEXT_TRANSFORMERS5)
    assert (model.head_dim, model.rope_type, model.base, model.params) == (256, "linear", 1e6, {"factor": 8.0})
    assert any("text_config" in note for note in model.notes)
    assert any("full_attention" in note for note in model.notes)


@pytest.mark.parametrize("name", list(configs.ALL))
def test_every_public_config_parses_from_text_and_bytes_alike(name):
    text = json.dumps(configs.ALL[name], indent=2)
    assert parse_config(text) == parse_config(text.encode()) == parse_config(configs.ALL[name])
    assert parse_config("\ufeff" + text) == parse_config(text)  # a byte-order mark from Windows editors


def test_every_hf_rope_type_is_covered_by_a_public_config():
    types = {parsed(config).rope_type for config in configs.ALL.values()}
    assert types == set(lesson.HF_ROPE_TYPES)
    schemas = {parsed(config).schema.split(".")[-1] for config in configs.ALL.values()}
    assert {"rope_scaling", "rope_parameters", "full_attention"} <= schemas | {"none"}


@pytest.mark.parametrize("name", lesson.preset_names())
def test_every_preset_reads_like_its_core_preset(name):
    preset = rope_core.MODEL_PRESETS[name]
    model = lesson.preset_model(name)
    assert (model.head_dim, model.rotary_dim, model.base, model.advertised_context) == (
        preset.head_dim,
        preset.rotary_dim,
        preset.base,
        preset.context_length,
    )
    assert model.layout == preset.convention and model.label == name
    np.testing.assert_array_equal(
        lesson.frequencies(model, preset.context_length)[0], rope_core.preset_inv_freq(preset)[0]
    )


def test_ignored_keys_are_named_safely_in_a_note():
    config = copy.deepcopy(configs.LLAMA31_8B)
    config["rope_scaling"]["<b>bold</b>"] = 1
    config["rope_scaling"]["mystery"] = 2
    notes = " ".join(parsed(config).notes)
    assert "`mystery`" in notes and "<b>" not in notes


# ---------------------------------------------------------------------------------------------------------
# Summary card and parameters
# ---------------------------------------------------------------------------------------------------------


def test_summary_card_fields_for_llama31():
    summary = {item.label: item.value for item in lesson.summary(parsed(configs.LLAMA31_8B))}
    assert summary == {
        "Head size": "128",
        "Rotary channels": "128",
        "Pairs": "64",
        "Base θ": "500,000",
        "Layout": "half-split",
        "Method": "llama3",
        "Trained context": "8,192",
        "Advertised context": "131,072",
        "Attention factor": "1.0000",
    }
    rows = dict(lesson.parameter_rows(parsed(configs.LLAMA31_8B)))
    assert rows == {
        "factor": "8",
        "low_freq_factor": "1",
        "high_freq_factor": "4",
        "original_max_position_embeddings": "8192",
    }


def test_per_pair_columns_hold_the_analysis():
    analysis = lesson.analyse(parsed(configs.LLAMA31_8B), 131072)
    columns = lesson.per_pair_columns(analysis)
    assert {len(values) for values in columns.values()} == {64}
    np.testing.assert_array_equal(columns["wavelength_scaled_tokens"], analysis.scaled_wavelengths)
    assert list(columns["band"][:2]) == ["kept", "kept"] and columns["band"][-1] == "divided"


# ---------------------------------------------------------------------------------------------------------
# The calculator
# ---------------------------------------------------------------------------------------------------------


def test_calculator_yarn_block_for_llama2_to_32k():
    model = parsed(configs.LLAMA2_7B)
    extension = lesson.extend(model, 32768, "yarn")
    assert extension.factor == 8.0
    assert extension.classic_fragment == {
        "max_position_embeddings": 32768,
        "rope_theta": 10000.0,
        "rope_scaling": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096},
    }
    assert extension.parameters_fragment == {
        "max_position_embeddings": 32768,
        "rope_parameters": {
            "rope_type": "yarn",
            "rope_theta": 10000.0,
            "factor": 8.0,
            "original_max_position_embeddings": 4096,
        },
    }
    assert json.loads(extension.classic_json) == extension.classic_fragment
    expected, factor = core(128, 10000.0, "yarn", factor=8.0, original_max_position_embeddings=4096)
    analysis = lesson.analyse(extension.model, 32768)
    np.testing.assert_array_equal(analysis.scaled_inv_freq, expected)
    assert analysis.attention_factor == factor == pytest.approx(0.1 * math.log(8) + 1)


@pytest.mark.parametrize("method", lesson.EXTENSION_METHODS)
@pytest.mark.parametrize("name", ["Llama 2 7B", "Pythia 1.4B", "Qwen2-VL 7B", "Phi-3.5 mini", "DeepSeek-V2-Lite"])
def test_both_schemas_of_every_block_read_back_as_the_same_model(name, method):
    model = parsed(configs.ALL[name])
    target = model.trained_context * 8
    extension = lesson.extend(model, target, method)
    for fragment in (extension.classic_fragment, extension.parameters_fragment):
        merged = copy.deepcopy(configs.ALL[name])
        for key in ("rope_scaling", "rope_parameters", "original_max_position_embeddings"):
            merged.pop(key, None)
        merged |= fragment
        again = parse_config(json.dumps(merged))
        assert again == extension.model
    assert extension.model.rope_type == method and extension.model.params["factor"] == 8.0
    assert extension.model.mrope_section == model.mrope_section  # Qwen2-VL keeps its sections
    assert extension.model.trained_context == model.trained_context
    # Dynamic NTK grows from max_position_embeddings, so it stays at the trained length.
    assert extension.classic_fragment["max_position_embeddings"] == (
        model.trained_context if method == "dynamic" else target
    )
    advice = lesson.EXTENSION_ADVICE[method]
    assert len(advice) == 2 and all(text.count(". ") + 1 <= 3 for text in advice)


def test_llama3_block_has_metas_band_factors():
    extension = lesson.extend(parsed(configs.LLAMA31_8B), 262144, "llama3")
    assert extension.classic_fragment["rope_scaling"] == {
        "rope_type": "llama3",
        "factor": 32.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
    }
    assert lesson.analyse(extension.model, 262144).out_of_range.sum() == 0


@pytest.mark.parametrize(
    ("target", "method", "allowed"),
    [
        (4096, "yarn", "more than the trained context"),
        (1000, "linear", "more than the trained context"),
        (4096 * 2000, "linear", "at most 1024"),
        (8192, "ntk", "one of linear, dynamic, yarn, llama3"),
        (8192.5, "yarn", "an integer"),
        (True, "yarn", "an integer"),
    ],
)
def test_calculator_rejects_what_it_cannot_extend(target, method, allowed):
    with pytest.raises(ConfigError) as caught:
        lesson.extend(parsed(configs.LLAMA2_7B), target, method)
    assert allowed in caught.value.allowed


# ---------------------------------------------------------------------------------------------------------
# Bad input: one message naming the field, the value and what is allowed
# ---------------------------------------------------------------------------------------------------------


def with_changes(base: dict, **changes) -> str:
    config = copy.deepcopy(base)
    for key, value in changes.items():
        if value is _DELETE:
            config.pop(key, None)
        else:
            config[key] = value
    return json.dumps(config)


def with_scaling(**changes) -> str:
    config = copy.deepcopy(configs.LLAMA31_8B)
    config["rope_scaling"].update(changes)
    return json.dumps(config)


_DELETE = object()
LLAMA = configs.LLAMA31_8B
PHI = configs.PHI35_MINI_INSTRUCT
BAD_INPUTS = {
    "not JSON": ("rope_theta = 10000", "config.json, line 1, column 1", "JSON object"),
    "truncated JSON": ('{"hidden_size": 4096,', "config.json, line 1", "JSON object"),
    "NaN": (json.dumps(LLAMA).replace("500000.0", "NaN"), "after key rope_theta", "no NaN or Infinity"),
    "Infinity": (json.dumps(LLAMA).replace('"factor": 8.0', '"factor": Infinity'), "after key factor", "NaN or Inf"),
    "-Infinity": ('{"rope_theta": -Infinity}', "after key rope_theta", "NaN or Infinity"),
    "overflowing float": (json.dumps(LLAMA).replace("500000.0", "1e999"), "after key rope_theta", "finite"),
    "integer of 400 digits": ('{"max_position_embeddings": ' + "9" * 400 + "}", "max_position_embeddings", "30 digits"),
    "text over 256 kB": ('{"pad": "' + "x" * (256 * 1024) + '"}', "config.json", "at most 256 kB"),
    "nested 500 deep": ("[" * 500 + "]" * 500, "config.json", "nesting up to 32 deep"),
    "nested objects 100 deep": ('{"a":' * 100 + "1" + "}" * 100, "config.json", "nesting up to 32 deep"),
    "top-level list": ("[1, 2, 3]", "config.json", "JSON object"),
    "empty text": ("   \n ", "config.json", "JSON object"),
    "missing head count": (with_changes(LLAMA, num_attention_heads=_DELETE), "num_attention_heads", "or give head_dim"),
    "missing hidden size": (with_changes(LLAMA, hidden_size=_DELETE), "hidden_size", "head_dim"),
    "string for a number": (with_changes(LLAMA, rope_theta="500000"), "rope_theta", "a number in (1, 1e+09]"),
    "bool for a number": (with_changes(LLAMA, num_attention_heads=True), "num_attention_heads", "an integer"),
    "bool for the base": (with_changes(LLAMA, rope_theta=False), "rope_theta", "a number"),
    "list for a number": (with_changes(LLAMA, hidden_size=[4096]), "hidden_size", "an integer"),
    "unknown rope_type": (with_scaling(rope_type="magic"), "rope_scaling.rope_type", "one of default, linear"),
    "ntk is not an HF type": (with_scaling(rope_type="ntk"), "rope_scaling.rope_type", "use dynamic"),
    "rope_type a number": (with_scaling(rope_type=3), "rope_scaling.rope_type", "one of default"),
    "scaling without a type": (
        json.dumps({**LLAMA, "rope_scaling": {"factor": 2.0}}),
        "rope_scaling.rope_type",
        "one of default",
    ),
    "factor < 1": (with_scaling(factor=0.5), "rope_scaling.factor", "a number in [1, 1,024]"),
    "factor huge": (with_scaling(factor=1e6), "rope_scaling.factor", "a number in [1, 1,024]"),
    "factor missing": (
        json.dumps({**LLAMA, "rope_scaling": {"rope_type": "linear"}}),
        "rope_scaling.factor",
        "a number",
    ),
    "llama3 high <= low": (with_scaling(high_freq_factor=1.0), "rope_scaling.high_freq_factor", "greater than"),
    "llama3 without original": (
        with_scaling(original_max_position_embeddings=None),
        "rope_scaling.original_max_position_embeddings",
        "an integer",
    ),
    "long_factor too short": (
        json.dumps({**PHI, "rope_scaling": {**PHI["rope_scaling"], "long_factor": [1.0] * 47}}),
        "rope_scaling.long_factor",
        "a list of 48 numbers",
    ),
    "long_factor a text": (
        json.dumps({**PHI, "rope_scaling": {**PHI["rope_scaling"], "long_factor": "1.0"}}),
        "rope_scaling.long_factor",
        "a list of 48 numbers",
    ),
    "short_factor entry zero": (
        json.dumps({**PHI, "rope_scaling": {**PHI["rope_scaling"], "short_factor": [0] * 48}}),
        "rope_scaling.short_factor[0]",
        "(0, 1,024]",
    ),
    "short_factor missing": (
        json.dumps({**PHI, "rope_scaling": {"type": "longrope", "long_factor": [1.0] * 48}}),
        "rope_scaling.short_factor",
        "a list of 48 numbers",
    ),
    "head size odd": (with_changes(LLAMA, head_dim=127), "head_dim", "an even integer in [2, 1024]"),
    "head size odd from the split": (
        with_changes(LLAMA, hidden_size=4000, num_attention_heads=32),
        "hidden_size / num_attention_heads",
        "an even integer in [2, 1024]",
    ),
    "heads do not divide the width": (
        with_changes(LLAMA, num_attention_heads=48),
        "hidden_size / num_attention_heads",
        "a whole head size",
    ),
    "head size over the cap": (with_changes(LLAMA, head_dim=2048), "head_dim", "an integer in [1, 1,024]"),
    "zero heads": (with_changes(LLAMA, num_attention_heads=0), "num_attention_heads", "an integer in [1, 65,536]"),
    "negative context": (with_changes(LLAMA, max_position_embeddings=-5), "max_position_embeddings", "an integer"),
    "zero context": (with_changes(LLAMA, max_position_embeddings=0), "max_position_embeddings", "[1, "),
    "fractional context": (with_changes(LLAMA, max_position_embeddings=4096.5), "max_position_embeddings", "integer"),
    "huge context": (with_changes(LLAMA, max_position_embeddings=10**20), "max_position_embeddings", "[1, "),
    "missing context": (with_changes(LLAMA, max_position_embeddings=_DELETE), "max_position_embeddings", "integer"),
    "zero base": (with_changes(LLAMA, rope_theta=0), "rope_theta", "(1, 1e+09]"),
    "negative base": (with_changes(LLAMA, rope_theta=-10000.0), "rope_theta", "(1, 1e+09]"),
    "huge base": (with_changes(LLAMA, rope_theta=1e30), "rope_theta", "(1, 1e+09]"),
    "zero rotary_pct": (with_changes(configs.PYTHIA_1_4B, rotary_pct=0), "rotary_pct", "(0, 1]"),
    "rotary_pct over 1": (with_changes(configs.PYTHIA_1_4B, rotary_pct=1.5), "rotary_pct", "(0, 1]"),
    "rotary_dim odd": (with_changes(configs.GPTJ_6B, rotary_dim=63), "rotary_dim", "an even number of channels"),
    "rotary_dim over head": (with_changes(configs.GPTJ_6B, rotary_dim=512), "rotary_dim", "an integer in [2, 256]"),
    "rope_scaling a text": (with_changes(LLAMA, rope_scaling="llama3"), "rope_scaling", "an object"),
    "mrope sections off": (
        json.dumps({**configs.QWEN2_VL_7B, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 16]}}),
        "rope_scaling.mrope_section",
        "adding up to the 64",
    ),
    "dynamic on 2 channels": (
        json.dumps(
            {"head_dim": 2, "max_position_embeddings": 64, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}
        ),
        "rope_scaling",
        "dim must be",
    ),
    "beta_fast negative": (
        json.dumps({**LLAMA, "rope_scaling": {"rope_type": "yarn", "factor": 2.0, "beta_fast": -1}}),
        "rope_scaling.beta_fast",
        "[0, 1e+06]",
    ),
    "truncate not a bool": (
        json.dumps({**LLAMA, "rope_scaling": {"rope_type": "yarn", "factor": 2.0, "truncate": "yes"}}),
        "rope_scaling.truncate",
        "true or false",
    ),
    "attention_factor zero": (
        json.dumps({**LLAMA, "rope_scaling": {"rope_type": "yarn", "factor": 2.0, "attention_factor": 0}}),
        "rope_scaling.attention_factor",
        "(0, 16]",
    ),
    "layer blocks without full_attention": (
        json.dumps({**LLAMA, "rope_parameters": {"local": {"rope_theta": 1e4}}}),
        "rope_parameters",
        "full_attention",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gets_one_message_naming_field_value_and_allowed(case):
    text, field, allowed = BAD_INPUTS[case]
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    error = caught.value
    assert field in error.field, (error.field, str(error))
    assert allowed in error.allowed, (error.allowed, str(error))
    assert str(error) == f"{error.field}: got {error.value_text}; allowed: {error.allowed}"
    assert len(str(error)) < 400  # one short message, never the whole config
    assert isinstance(error, ValueError)


def test_bytes_over_256_kb_are_rejected_before_decoding():
    with pytest.raises(ConfigError, match="a file of 262,145 bytes"):
        parse_config(b" " * (256 * 1024 + 1))


def test_non_utf8_bytes_are_rejected():
    with pytest.raises(ConfigError, match="UTF-8"):
        parse_config(b'{"rope_theta": "\xff"}')


def test_brackets_inside_strings_do_not_count_as_nesting():
    config = {**LLAMA, "comment": "[" * 5000 + "{" * 5000}
    assert parse_config(json.dumps(config)) == parsed(LLAMA)


def test_nan_inside_a_string_is_just_text():
    config = {**LLAMA, "comment": "NaN and Infinity are words here"}
    assert parse_config(json.dumps(config)) == parsed(LLAMA)


def test_a_dict_with_python_nan_is_rejected_too():
    with pytest.raises(ConfigError, match="rope_theta"):
        parse_config({**LLAMA, "rope_theta": float("nan")})


def test_markdown_message_keeps_pasted_text_inside_code_spans():
    with pytest.raises(ConfigError) as caught:
        parse_config(with_changes(LLAMA, rope_theta="`<img src=x onerror=alert(1)>` [x](javascript:1)"))
    text = caught.value.markdown()
    assert text.startswith("`rope_theta` got `the text ") and text.count("`") == 4


# ---------------------------------------------------------------------------------------------------------
# The link
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(configs.ALL))
def test_link_round_trip_of_every_public_config(name):
    model = parsed(configs.ALL[name])
    link = lesson.encode_link(model)
    assert link.startswith("r1.") and len(link) <= lesson.MAX_LINK_CHARS
    back = lesson.decode_link(link)
    assert back == model
    np.testing.assert_array_equal(lesson.frequencies(back, 131072)[0], lesson.frequencies(model, 131072)[0])


def test_link_of_a_longrope_config_with_many_pairs_is_refused_not_truncated():
    pairs = 256
    factors = [1.0 + i / 7 for i in range(pairs)]
    block = {"type": "longrope", "short_factor": factors, "long_factor": factors[::-1]}
    lengths = {"max_position_embeddings": 131072, "original_max_position_embeddings": 4096}
    model = parse_config({"head_dim": 512, **lengths, "rope_scaling": block})
    with pytest.raises(ConfigError, match="at most 640 characters"):
        lesson.encode_link(model)


def pack(payload: object) -> str:
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    return "r1." + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "link",
    [
        "",
        "r1.",
        "r2.abc",
        "r1.not base64!",
        "r1." + "A" * 700,
        "r1.eJzLSM3JyQcABiwCFQ",  # zlib of "hello": not JSON
        pack({"config": {"head_dim": 127, "max_position_embeddings": 4096}}),
        pack({"config": [1, 2]}),
        pack({"config": {"head_dim": 128, "max_position_embeddings": 4096}, "float32": ["head_dim"]}),
        pack(b'{"config": {"head_dim": 128, "rope_theta": NaN, "max_position_embeddings": 4096}}'),
        pack(b"[" * 200 + b"]" * 200),
        "r1." + base64.urlsafe_b64encode(zlib.compress(b" " * 100_000)).decode().rstrip("="),  # inflates too far
        None,
        12,
    ],
)
def test_bad_links_are_one_config_error(link):
    with pytest.raises(ConfigError) as caught:
        lesson.decode_link(link)
    assert caught.value.field.startswith("cfg")


def test_link_keeps_the_label_only_as_safe_characters():
    model = parse_config({**LLAMA, "_name_or_path": "evil<script>/name"})
    assert lesson.decode_link(lesson.encode_link(model)).label == "evilscript/name"


# ---------------------------------------------------------------------------------------------------------
# Properties: random and adversarial JSON never raise anything but ConfigError
# ---------------------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
_FIELDS = [
    "hidden_size",
    "num_attention_heads",
    "head_dim",
    "max_position_embeddings",
    "rope_theta",
    "rotary_dim",
    "rotary_pct",
    "partial_rotary_factor",
    "rotary_emb_base",
    "n_embd",
    "n_head",
    "n_positions",
    "qk_rope_head_dim",
    "qk_nope_head_dim",
    "original_max_position_embeddings",
    "model_type",
    "rope_interleave",
    "text_config",
]
_BLOCK_FIELDS = [
    "rope_type",
    "type",
    "factor",
    "low_freq_factor",
    "high_freq_factor",
    "original_max_position_embeddings",
    "beta_fast",
    "beta_slow",
    "mscale",
    "mscale_all_dim",
    "truncate",
    "attention_factor",
    "short_factor",
    "long_factor",
    "mrope_section",
    "rope_theta",
]
_plausible = st.one_of(
    _scalars,
    st.sampled_from(
        [
            0,
            1,
            2,
            3,
            4,
            64,
            127,
            128,
            4096,
            8192,
            131072,
            10**7,
            10**9,
            0.25,
            1.5,
            32.0,
            -1,
            "yarn",
            "llama3",
            "longrope",
            "dynamic",
            "linear",
            "default",
            "mrope",
            "su",
            "gptj",
        ]
    ),
    st.lists(st.sampled_from([1.0, 2.0, 0.5, 16]), max_size=70),
)
_config_like = st.fixed_dictionaries(
    {},
    optional={
        **{key: _plausible for key in _FIELDS},
        "rope_scaling": st.one_of(_plausible, st.dictionaries(st.sampled_from(_BLOCK_FIELDS), _plausible, max_size=8)),
        "rope_parameters": st.dictionaries(st.sampled_from(_BLOCK_FIELDS), _plausible, max_size=8),
    },
)


def parse_or_error(source):
    try:
        return parse_config(source)
    except ConfigError as error:
        assert str(error) and error.field and error.allowed
        return None


@PROPERTY
@given(_json)
def test_random_json_values_give_a_model_or_a_config_error(value):
    parse_or_error(json.dumps(value))  # json.dumps writes NaN / Infinity for non-finite floats


@PROPERTY
@given(_config_like)
def test_config_shaped_json_gives_a_model_that_survives_a_link_or_a_config_error(config):
    model = parse_or_error(json.dumps(config))
    if model is None:
        return
    assert 2 <= model.rotary_dim <= model.head_dim <= 1024 and model.rotary_dim % 2 == 0
    assert 1 <= model.trained_context <= rope_core.MAX_POSITION and model.base > 1
    try:
        link = lesson.encode_link(model)
    except ConfigError:
        return
    assert lesson.decode_link(link) == model
    analysis = lesson.analyse(model, min(model.trained_context * 4, rope_core.MAX_POSITION))
    assert np.isfinite(analysis.score_after).all() and np.isfinite(analysis.scaled_wavelengths).all()


_adversarial_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet='[]{}",:0123456789.eE+-NaInfty \\', max_size=400),
    st.integers(1, 3000).map(lambda n: "[" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(1, 2000).map(lambda n: '{"rope_theta": 1' + "0" * n + "}"),
    st.integers(1, 6).map(lambda n: '{"rope_theta": 1e' + "9" * n + "}"),
    st.sampled_from(['{"x": NaN}', "{'single': 1}", '{"a": 1,}', "\ufeff{}", "null", "true", '"text"', "{}"]),
)


@PROPERTY
@given(_adversarial_text)
def test_adversarial_text_gives_a_config_error(text):
    assert parse_or_error(text) is None


@PROPERTY
@given(st.binary(max_size=300))
def test_random_bytes_give_a_config_error(data):
    assert parse_or_error(data) is None


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=700),
        st.binary(max_size=400).map(lambda raw: "r1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")),
        st.builds(pack, _json),
    )
)
def test_random_links_decode_to_a_model_or_a_config_error(link):
    try:
        model = lesson.decode_link(link)
    except ConfigError as error:
        assert error.field.startswith("cfg")
        return
    assert isinstance(model, lesson.RopeModel)


@PROPERTY
@given(st.sampled_from(list(configs.ALL)), st.integers(0, 10_000), st.integers(0, 255))
def test_a_flipped_character_in_a_valid_link_never_escapes_as_another_error(name, position, replacement):
    link = lesson.encode_link(parsed(configs.ALL[name]))
    index = 3 + position % (len(link) - 3)
    mutated = link[:index] + chr(replacement) + link[index + 1 :]
    with contextlib.suppress(ConfigError):
        lesson.decode_link(mutated)


def test_the_lesson_module_imports_neither_streamlit_nor_plotly():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(lesson))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"streamlit", "plotly", "pandas"}
