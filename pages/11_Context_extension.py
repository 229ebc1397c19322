"""Chapter 11: stretch a trained RoPE model to longer inputs with PI, NTK, dynamic NTK, YaRN and Llama 3.1 scaling."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c11_context_extension as figures
from ropelab.lessons import c11_context_extension as lesson

CHAPTER = 11
TOKENS_PER_UNIT = 1024
MAX_UNITS = 1024
# Llama 3.1 8B, the default model, scales its 8,192-token training window by s = 8: s·L = 65,536 = 64 × 1,024.
DEFAULT_PRESET = "Llama 3.1 8B"
DEFAULT_UNITS = 64
CUSTOM = "Custom model"
SCRUB_STOPS = 81
# Log-spaced distances for the score curves: enough for their shape, few enough for a quick CSV.
SCORE_CURVE_POINTS = 320
# Models whose RoPE is plain 1-D rotation, with or without Llama 3's frequency rule (M-RoPE belongs to chapter 13).
MODELS = [
    name for name, preset in rope_core.MODEL_PRESETS.items() if preset.rope_scaling.get("rope_type") in (None, "llama3")
]
SHORT_METHOD_NAMES = {
    "original": "Original",
    "linear": "PI",
    "ntk": "NTK",
    "dynamic": "Dynamic",
    "yarn": "YaRN",
    "llama3": "Llama3",
}


# Every stop's angles at once, a few milliseconds; cached per model, method and set of stops, which do not change
# while the reader scrubs (a released stop is already one of them), so a release finds its sweep ready.
target_sweep = st.cache_data(lesson.sweep_target_length, max_entries=64, show_spinner=False)


def angle_chart(method: str, dim: int, base: float, train_length: int, config_factor, target_units: int):
    """The angle chart with its target-length scrubber: log-spaced stops, the landmarks L, s·L and 2·s·L, and T."""
    train_units = train_length // TOKENS_PER_UNIT
    scaled_units = None if config_factor is None else round(config_factor * train_length / TOKENS_PER_UNIT)
    landmarks = [target_units, train_units, *([scaled_units, 2 * scaled_units] if scaled_units else [])]
    stops = lesson.log_spaced_stops(1, MAX_UNITS, SCRUB_STOPS, include=landmarks)
    sweep = target_sweep(method, dim, base, train_length, tuple(int(stop) * TOKENS_PER_UNIT for stop in stops),
                         config_factor)  # fmt: skip
    return figures.angle_chart(
        sweep,
        int(np.searchsorted(stops, target_units)),
        method,
        train_length=train_length,
        stop_values=stops.tolist(),
        scaled_context=None if scaled_units is None else scaled_units * TOKENS_PER_UNIT,
        unit=TOKENS_PER_UNIT,
    )


def _score_chart(dim: int, base: float, train_length: int, factor: float, target_length: int):
    """Every method's all-ones score against distance, up to T: six curves and their CSV, a few milliseconds."""
    methods = lesson.extension_frequencies(dim, base, train_length, factor, target_length)
    # Log-spaced whole distances: the log axis then shows short and long range with equal detail.
    distances = np.unique(np.geomspace(1, target_length, SCORE_CURVE_POINTS).round())
    scores = {name: rope_core.scaled_all_ones_score(distances, *value) for name, value in methods.items()}
    factors = {name: value[1] for name, value in methods.items()}
    return figures.score_curves_chart(
        distances, scores, factors, train_length=train_length, target_length=target_length
    )


score_chart = st.cache_data(_score_chart, max_entries=64, show_spinner=False)


def _set_target(units: int) -> None:
    st.session_state["T"] = units


ui.start_page(CHAPTER)
ui.goal(
    "why a RoPE model breaks beyond the length it was trained on, which of its rotation pairs meet angles they "
    "never saw, and how position interpolation, NTK-aware, dynamic NTK, YaRN and Llama 3.1 scaling bring them back."
)
ui.prose(
    "A model trained on sequences of **L** tokens swept each pair i through the angles 0 … L·θ_i. **Fast pairs** "
    "turned many full circles, so every angle (modulo 2π) is familiar; **slow pairs** never finished one turn. At a "
    "longer target length **T** the slow pairs reach angles the network never saw. Every context-extension method "
    "rescales the frequencies by a factor **s** to bring T back into range. **PI** divides every θ_i by s; "
    "**NTK-aware** raises the base, so the slowest pair slows by exactly s and the fast ones barely change; "
    "**dynamic NTK** lets s grow with the sequence; **YaRN** and **Llama 3.1** keep the fast pairs, divide the slow "
    "ones by s and blend in between."
)

controls, readout = st.columns([3, 2], gap="large")
with controls:
    model = ui.choice(
        "Model (RoPE settings from its public config.json)",
        [*MODELS, CUSTOM],
        DEFAULT_PRESET,
        key="preset",
        help="Choose 'Custom model' to set the rotary dimension, base and training length yourself.",
    )
    preset = rope_core.MODEL_PRESETS.get(model)
    if preset is None:
        custom = st.columns(3)
        with custom[0]:
            dim = ui.slider("Rotary dimension d", 16, 256, 128, step=16, key="d", help="Number of rotated channels.")
        with custom[1]:
            base = ui.base_choice()
        with custom[2]:
            train_length = TOKENS_PER_UNIT * ui.slider(
                "Training length L (× 1,024)", 1, 64, 4, key="L", help="The context the model was trained on."
            )
        config_factor = None
    else:
        dim, base = preset.rotary_dim, preset.base
        scaling = dict(preset.rope_scaling)
        train_length = int(scaling.get("original_max_position_embeddings", preset.context_length))
        config_factor = float(scaling["factor"]) if "factor" in scaling else None
    target_units = ui.slider(
        "Target length T (× 1,024 tokens)",
        1,
        MAX_UNITS,
        DEFAULT_UNITS,
        key="T",
        help="The sequence length you want to run at; the scrubber under the chart moves it too.",
    )
    scaled_units = None if config_factor is None else round(config_factor * train_length / TOKENS_PER_UNIT)
    if scaled_units is not None:
        jump = st.columns(2)
        jump[0].button(
            f"T = s·L = {scaled_units * TOKENS_PER_UNIT:,}",
            key="to_scaled",
            on_click=_set_target,
            args=(scaled_units,),
            disabled=target_units == scaled_units,
            help="The context the model's own factor s was chosen for.",
        )
        beyond = min(2 * scaled_units, MAX_UNITS)
        jump[1].button(
            f"Beyond: T = {beyond * TOKENS_PER_UNIT:,}",
            key="beyond",
            on_click=_set_target,
            args=(beyond,),
            disabled=target_units == beyond,
            icon=":material/arrow_forward:",
            help="Twice the scaled context: see what no fixed factor can rescue.",
        )

target_length = TOKENS_PER_UNIT * target_units
factor = lesson.scale_factor(train_length, target_length, config_factor)
with readout:
    first_row, second_row = st.columns(2), st.columns(2)
    first_row[0].metric(
        "Factor s",
        f"{factor:g}",
        help="From the model's config." if config_factor is not None else "No factor in the config: s = T / L here.",
    )
    first_row[1].metric("Training L", f"{train_length:,}")
    second_row[0].metric("Target T", f"{target_length:,}", help=f"T / L = {target_length / train_length:.3g}")
    second_row[1].metric("Scaled context s·L", f"{round(factor * train_length):,}")
    source = f" Source: {preset.source}" if preset is not None else ""
    st.caption(f"d = {dim} ({dim // 2} pairs), base b = {ui.format_base(base)}.{source}")
if config_factor is None and target_length <= train_length:
    ui.notice(
        f"The target length {target_length:,} fits inside the training length {train_length:,}: there is nothing "
        "to extend, so every method below equals the original (s = 1)."
    )

methods = lesson.extension_frequencies(dim, base, train_length, factor, target_length)
original = methods["original"][0]
attention_factors = {name: value[1] for name, value in methods.items()}
out_of_range = {
    name: rope_core.out_of_distribution_pairs(original, value[0], train_length, target_length)
    for name, value in methods.items()
}


@ui.section
def angles_section(dim: int, base: float, train_length: int, config_factor, target_units: int) -> None:
    st.subheader("Which pairs meet angles they never saw?")
    ui.prose(
        "Bars: the angle L·θ_i each pair swept in training. Line: the angle T·θ'_i it sweeps at T under the chosen "
        "method. A pair is **out of range** (ringed) when it never turned fully in training and T takes it further. "
        "**Drag the scrubber under the chart** to move T."
    )
    method = ui.choice(
        "Method",
        list(lesson.EXTENSION_METHODS),
        "llama3" if config_factor is not None else "linear",
        key="method",
        format_func=SHORT_METHOD_NAMES.get,
        widget="segmented",
        help="PI = position interpolation; Dynamic = dynamic NTK at the target length.",
    )
    ui.chart(angle_chart(method, dim, base, train_length, config_factor, target_units), key="angles")


angles_section(dim, base, train_length, config_factor, target_units)
st.markdown(
    f"**Pairs out of range at T = {target_length:,}:** "
    + " · ".join(f"{figures.METHOD_LABELS[name]} {int(result[2].sum())}" for name, result in out_of_range.items())
)

with ui.go_deeper("position interpolation on a number line"):
    ui.prose(
        "PI hands token m the position **m / s**: no position beyond L, but neighbours sit 1/s apart, at fractional "
        "positions training never used. The price is resolution: the fast pairs, which tell neighbours apart, turn "
        "s times less between them."
    )
    tokens, interpolated = lesson.interpolated_positions(factor)
    ui.chart(figures.interpolation_chart(tokens, interpolated, factor), key="interpolation")

wavelengths = {name: rope_core.wavelengths(value[0]) for name, value in methods.items()}
bands = rope_core.llama3_bands(original, 1.0, 4.0, train_length)
band_counts = {band: int(np.sum(bands == band)) for band in figures.BAND_LABELS}
yarn_low, yarn_high = rope_core.yarn_correction_range(dim, base, train_length)
# The comparison below quotes the real Llama 3.1 8B numbers whatever model is selected above.
reference_bands = rope_core.llama3_bands(rope_core.inv_freq(128, 500000.0), 1.0, 4.0, 8192)
reference_split = " / ".join(str(int(np.sum(reference_bands == band))) for band in figures.BAND_LABELS)
reference_yarn = rope_core.yarn_correction_range(128, 500000.0, 8192)
reference_factor = rope_core.yarn_attention_factor(8.0)
with ui.go_deeper("every pair's wavelength under every method, and the formulas"):
    ui.formula(rope_core.out_of_distribution_pairs, caption="The rule behind the rings in the chart above.")
    ui.prose(
        "Each line shows, per pair, the number of tokens it takes to turn once (log scale). Pairs below the "
        "training-length line turned at least once in training. YaRN's ramp (shaded) and Llama 3.1's bands "
        "(coloured diamonds) both leave the fast pairs on the left untouched."
    )
    ui.chart(
        figures.wavelength_chart(
            wavelengths,
            attention_factors,
            (yarn_low, yarn_high),
            bands,
            train_length=train_length,
            target_length=target_length,
            base_label=ui.format_base(base),
            factor=factor,
        ),
        key="wavelengths",
    )
    band_columns = st.columns(4)
    band_columns[0].metric(
        "Llama 3.1: pairs kept", band_counts["high"], help=f"Wavelength < L/4 = {train_length / 4:,.0f}"
    )
    band_columns[1].metric("Llama 3.1: pairs blended", band_counts["mid"])
    band_columns[2].metric(
        "Llama 3.1: pairs divided by s", band_counts["low"], help=f"Wavelength > L = {train_length:,}"
    )
    band_columns[3].metric(
        "YaRN attention factor a",
        f"{attention_factors['yarn']:.4f}",
        help=f"Multiplies cos and sin, so every logit is scaled by a² = {attention_factors['yarn'] ** 2:.4f}.",
    )
    ui.formula(rope_core.inv_freq, caption="Original frequencies; PI divides every one of them by s.")
    ui.formula(rope_core.ntk_scaled_base, caption="NTK-aware: a larger base, the same formula for θ_i.")
    ui.formula(rope_core.dynamic_ntk_base, caption="Dynamic NTK: the base grows once the sequence outgrows L.")
    ui.formula(rope_core.yarn_correction_range, caption="YaRN: the pairs where the ramp starts and ends.")
    ui.formula(rope_core.yarn_ramp, caption="YaRN: θ'_i = (θ_i/s)·γ_i + θ_i·(1 − γ_i).")
    ui.formula(rope_core.yarn_attention_factor, caption="YaRN: the factor on cos and sin.")
    ui.formula(rope_core.llama3_bands, caption="Llama 3.1 (α = low_freq_factor = 1, β = high_freq_factor = 4).")
    ui.misconception(
        "θ_0 is the slowest pair.",
        f"θ_i = b^(−2i/d), so θ_0 = 1 radian per token: pair 0 is the **fastest**, with a wavelength of 2π ≈ 6.28 "
        f"tokens. The last pair here, θ_{dim // 2 - 1}, has a wavelength of {wavelengths['original'][-1]:,.0f} tokens "
        "and is the slowest; it is the first to leave the training range.",
    )

with ui.go_deeper("what happens to the scores"):
    ui.prose(
        "The score of q = k = all-ones at distance r is the mean over pairs of cos(r·θ'_i); YaRN's is multiplied "
        "by a². Compared with the original, PI stretches the whole curve s-fold to the right, while the other "
        "methods keep its short-distance shape (driven by the fast pairs) and stretch only the long-distance tail."
    )
    ui.formula(rope_core.scaled_all_ones_score)
    ui.chart(score_chart(dim, base, train_length, factor, target_length), key="scores")

with ui.go_deeper("YaRN against Llama 3.1, the names in configs, and where the rules come from"):
    st.markdown(
        "**Two NTK-by-parts rules.** The YaRN paper (Peng et al. 2023, §3.2) calls the keep / blend / divide idea "
        "*NTK-by-parts*, and both YaRN and Llama 3.1's rule are instances of it, with thresholds set by "
        "wavelength. They differ in three ways:\n"
        "- **Thresholds.** Llama 3.1 keeps pairs with λ < L/4 (high_freq_factor = 4) and divides those with λ > L "
        "(low_freq_factor = 1). YaRN keeps pairs that turn more than β_fast = 32 times in L (λ < L/32) and "
        "divides those that turn less than β_slow = 1 time (λ > L).\n"
        "- **What the blend follows.** Llama 3.1 blends linearly in L/λ, the number of turns in L. YaRN blends "
        "linearly in the pair index, between the two thresholds rounded down and up to whole pairs.\n"
        "- **Attention factor.** YaRN multiplies cos and sin by a = 0.1·ln s + 1; Llama 3.1 has none.\n\n"
        f"For Llama 3.1 8B (d = 128, b = 500k, L = 8,192) the Llama rule splits the pairs {reference_split}; "
        f"YaRN with the same s would ramp over pairs {reference_yarn[0]}–{reference_yarn[1]} and use "
        f"a = {reference_factor:.4f}.\n\n"
        "**Names.** Hugging Face's `rope_type` values are "
        + ", ".join(f"`{name}`" for name in lesson.HF_ROPE_TYPES)
        + ". Static NTK-aware scaling is not one of them: a model that uses it ships the larger base as its "
        "`rope_theta`. This chapter's *NTK* is that static rule; *Dynamic* is `dynamic`.\n\n"
        "**Sources.** The Llama 3 paper (*The Llama 3 Herd of Models*, 2024) describes the long-context "
        "pre-training that took the context from 8K to 128K tokens; the frequency rule itself is documented by "
        "Meta's released reference code and by the model's config.json (`rope_type: llama3`, factor 8, "
        "low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 8192). The 'training' bars above "
        "show only the original 8K window, not that later long-context training."
    )
    st.markdown(
        "\n".join(
            [
                f"| method at T = {target_length:,} | pairs out of range | slowest pair: angle at T (rad) | "
                "slowest pair: angle in training (rad) |",
                "|---|---:|---:|---:|",
                *(
                    f"| {figures.METHOD_LABELS[name]} | {int(flagged.sum())} | {reached[-1]:.4g} | {seen[-1]:.4g} |"
                    for name, (seen, reached, flagged) in out_of_range.items()
                ),
            ]
        )
    )
    ui.misconception(
        "Llama 3 uses YaRN.",
        "It uses its own rule (`rope_type: llama3` in the config). Both are NTK-by-parts rules with wavelength "
        "thresholds, but Llama's thresholds are L/4 and L (YaRN's L/32 and L), its blend follows L/λ rather than the "
        "pair index, and it has **no attention factor**. Llama 3.1 8B splits its pairs "
        f"{reference_split}; YaRN would instead ramp over pairs {reference_yarn[0]}–{reference_yarn[1]} and multiply "
        f"cos and sin by a = {reference_factor:.4f}.",
    )

ui.try_this(
    [
        "At the default (Llama 3.1 8B, T = s·L), of the five methods only NTK-aware flags pairs (28): it slows "
        "just its last pair by the full s. Press **Beyond**: every fixed-s method now flags the slowest pairs.",
        "Pick *Original* and drag T down to 8,192 = L: nothing is flagged. Drag it up: the slowest pairs fail first.",
        "Compare *Llama 2 7B* (b = 10k, L = 4,096) with *Code Llama 7B* (b = 1M, fine-tuned on 16,384 tokens) under "
        "*Original*: count the bars below the 2π line.",
    ]
)
ui.misconception(
    "RoPE extrapolates perfectly: the formula works for any position.",
    "The formula is defined for any position, but the network only learned the angles it met in training. "
    "Pick *Original* above with T > L and count the ringed pairs: those slow pairs meet brand-new angles, "
    "which is exactly what every scaling method exists to prevent.",
)
ui.check_yourself(
    f"With the current settings (L = {train_length:,}, T = {target_length:,}, s = {factor:g}), why does "
    "Llama 3.1 scaling leave the fast pairs exactly as they were?",
    f"Those {band_counts['high']} pairs have wavelengths shorter than L/4 = {train_length / 4:,.0f} tokens, so "
    "they turn at least four times over the training window and all their angles are familiar. Dividing them by "
    "s would only blur the fine, short-range position detail they carry. Only the "
    f"{band_counts['low']} pairs with wavelengths above L get the full division by s.",
)
ui.takeaway(
    "RoPE's slow pairs never finish a turn in training, so longer inputs push them into unseen angles; context "
    "extension rescales those pairs (and spares the fast ones) to bring the target length back into range."
)
st.page_link("pages/16_Your_model.py", label="Try it on your own model →", icon=":material/tune:")
ui.end_page(CHAPTER)
