"""Chapter 11: stretch a trained RoPE model to longer inputs with PI, NTK, dynamic NTK, YaRN and Llama 3.1 scaling."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c11_context_extension as figures
from ropelab.lessons import c11_context_extension as lesson

CHAPTER = 11
TOKENS_PER_UNIT = 1024
CUSTOM = "custom"
# Short, stable URL values (?preset=llama31-8b) for the model presets that use plain 1-D RoPE.
PRESET_IDS = {
    "llama2-7b": "Llama 2 7B",
    "llama31-8b": "Llama 3.1 8B",
    "llama32-1b": "Llama 3.2 1B",
    "codellama-7b": "Code Llama 7B",
    "qwen2-7b": "Qwen2 7B Instruct",
    "pythia-1.4b": "Pythia 1.4B (GPT-NeoX)",
    "gptj-6b": "GPT-J 6B",
}
SHORT_METHOD_NAMES = {
    "original": "Original",
    "linear": "PI",
    "ntk": "NTK",
    "dynamic": "Dynamic",
    "yarn": "YaRN",
    "llama3": "Llama3",
}
SCORE_CURVE_POINTS = 700

# Each method's score curve costs about a millisecond at d = 256 and 700 distances: cached per setting.
all_ones_score = st.cache_data(rope_core.scaled_all_ones_score, max_entries=64, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "run a model beyond the length it was trained on, see which rotation pairs would meet angles they never saw, "
    "and compare how position interpolation, NTK-aware, dynamic NTK, YaRN and Llama 3.1 scaling fix that."
)
ui.prose(
    "A model trained on sequences of **L** tokens has only ever seen relative distances up to about L. Each RoPE "
    "pair i turns by θ_i per token, so in training it swept the angles 0 … L·θ_i. **Fast pairs** (small i) "
    "turn many full circles inside the window: every angle, modulo 2π, is familiar. **Slow pairs** (large i) "
    "never finish a single turn in training. Run the model at a longer target length **T** and those slow "
    "pairs reach angles the network has never seen; attention then tends to break down. That is why RoPE does "
    "not extrapolate for free.\n\n"
    "Every context-extension method rescales the frequencies θ_i so that the target length lands back in "
    "familiar territory. They differ in *which* pairs they touch:\n"
    "- **Position interpolation (PI)** divides every θ_i by the factor s: positions are squeezed s-fold, the "
    "fast pairs lose resolution too.\n"
    "- **NTK-aware** raises the base, so fast pairs barely change and the slowest pair slows by exactly s.\n"
    "- **Dynamic NTK** does the same with a factor that grows with the current sequence length, and does nothing "
    "while the sequence still fits in the training length.\n"
    "- **YaRN** keeps the fast pairs, divides the slow pairs by s, blends linearly in a ramp between them, and "
    "multiplies cos and sin by an attention factor a.\n"
    "- **Llama 3.1 scaling** has the same keep / blend / divide shape, but sets its bands by wavelength "
    "(shorter than L/4: kept; longer than L: divided by s) and uses no attention factor."
)

st.subheader("Pick a model, or build your own")
controls, readout = st.columns([2, 3], gap="large")
with controls:
    preset_ids = [preset_id for preset_id, name in PRESET_IDS.items() if name in rope_core.MODEL_PRESETS]
    preset_id = ui.choice(
        "Model (RoPE settings from its public config.json)",
        [*preset_ids, CUSTOM],
        "llama31-8b" if "llama31-8b" in preset_ids else CUSTOM,
        key="preset",
        help="Choose 'custom' to set the rotary dimension, base and training length yourself.",
    )
    target_units = ui.slider(
        "Target length T (× 1,024 tokens)",
        1,
        1024,
        128,
        key="T",
        help="The sequence length you want to run at. Dynamic NTK adapts to exactly this length.",
    )
    preset = rope_core.MODEL_PRESETS[PRESET_IDS[preset_id]] if preset_id != CUSTOM else None
    if preset is None:
        dim = ui.slider("Rotary dimension d", 16, 256, 128, step=16, key="d", help="Number of rotated channels.")
        base = ui.base_choice()
        train_length = TOKENS_PER_UNIT * ui.slider(
            "Training length L (× 1,024 tokens)", 1, 64, 4, key="L", help="The context the model was trained on."
        )
        config_factor = None
    else:
        dim, base = preset.rotary_dim, preset.base
        scaling = dict(preset.rope_scaling)
        train_length = int(scaling.get("original_max_position_embeddings", preset.context_length))
        config_factor = scaling.get("factor")
        st.caption(f"Source: {preset.source}")

target_length = TOKENS_PER_UNIT * target_units
if config_factor is not None:
    factor = float(config_factor)
    factor_note = "from the model's config"
else:
    factor = max(target_length / train_length, 1.0)
    factor_note = "= T / L"
    if target_length <= train_length:
        ui.notice(
            f"The target length {target_length:,} fits inside the training length {train_length:,}: there is "
            "nothing to extend, so every method below equals the original (s = 1)."
        )

with readout:
    first_row = st.columns(3)
    first_row[0].metric("Rotary dim d", f"{dim}", help=f"{dim // 2} rotating pairs.")
    first_row[1].metric("Base b", ui.format_base(base))
    first_row[2].metric("Factor s", f"{factor:g}", help=f"s {factor_note}.")
    second_row = st.columns(3)
    second_row[0].metric("Training L", f"{train_length:,}")
    second_row[1].metric("Target T", f"{target_length:,}", help=f"T / L = {target_length / train_length:.3g}")
    if config_factor is not None and preset is not None:
        second_row[2].metric("Config ctx", f"{preset.context_length:,}", help="max_position_embeddings")

methods = lesson.extension_frequencies(dim, base, train_length, factor, target_length)
original = methods["original"][0]
attention_factors = {name: value[1] for name, value in methods.items()}
wavelengths = {name: rope_core.wavelengths(value[0]) for name, value in methods.items()}
yarn_low, yarn_high = rope_core.yarn_correction_range(dim, base, train_length)
bands = rope_core.llama3_bands(original, 1.0, 4.0, train_length)
band_counts = {band: int(np.sum(bands == band)) for band in figures.BAND_LABELS}
# The misconception card quotes the real Llama 3.1 8B numbers whatever model is selected above.
reference_bands = rope_core.llama3_bands(rope_core.inv_freq(128, 500000.0), 1.0, 4.0, 8192)
reference_split = " / ".join(str(int(np.sum(reference_bands == band))) for band in figures.BAND_LABELS)
reference_yarn = rope_core.yarn_correction_range(128, 500000.0, 8192)
reference_factor = rope_core.yarn_attention_factor(8.0)

st.subheader("Wavelength of every pair under every method")
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
band_columns[0].metric("Llama 3.1: pairs kept", band_counts["high"], help=f"Wavelength < L/4 = {train_length / 4:,.0f}")
band_columns[1].metric("Llama 3.1: pairs blended", band_counts["mid"])
band_columns[2].metric("Llama 3.1: pairs divided by s", band_counts["low"], help=f"Wavelength > L = {train_length:,}")
band_columns[3].metric(
    "YaRN attention factor a",
    f"{attention_factors['yarn']:.4f}",
    help=f"Multiplies cos and sin, so every logit is scaled by a² = {attention_factors['yarn'] ** 2:.4f}.",
)
with st.expander("The formulas behind each line"):
    ui.formula(rope_core.inv_freq, caption="Original frequencies; PI divides every one of them by s.")
    ui.formula(rope_core.ntk_scaled_base, caption="NTK-aware: a larger base, the same formula for θ_i.")
    ui.formula(rope_core.dynamic_ntk_base, caption="Dynamic NTK: the base grows once the sequence outgrows L.")
    ui.formula(rope_core.yarn_correction_range, caption="YaRN: the pairs where the ramp starts and ends.")
    ui.formula(rope_core.yarn_ramp, caption="YaRN: θ'_i = (θ_i/s)·γ_i + θ_i·(1 − γ_i).")
    ui.formula(rope_core.yarn_attention_factor, caption="YaRN: the factor on cos and sin.")
    ui.formula(rope_core.llama3_bands, caption="Llama 3.1 (α = low_freq_factor = 1, β = high_freq_factor = 4).")

st.subheader("Which pairs meet angles they never saw?")
ui.prose(
    "Bars: the angle L·θ_i each pair swept during training. Line: the angle T·θ'_i it sweeps at the target "
    "length under the chosen method. A pair is **out of range** (ringed) when it never completed a full turn in "
    "training and the target takes it further than training did. Pairs that did turn fully are safe: every "
    "angle modulo 2π was already familiar."
)
ui.formula(rope_core.out_of_distribution_pairs)
method = ui.choice(
    "Method",
    list(lesson.EXTENSION_METHODS),
    "original",
    key="method",
    format_func=SHORT_METHOD_NAMES.get,
    widget="segmented",
    help="PI = position interpolation; Dynamic = dynamic NTK at the target length.",
)
# An empty ?method= can leave the segmented control with no selection at all.
method = method if method in lesson.EXTENSION_METHODS else "original"
out_of_range = {
    name: rope_core.out_of_distribution_pairs(original, value[0], train_length, target_length)
    for name, value in methods.items()
}
seen, reached, flagged = out_of_range[method]
ui.chart(
    figures.angle_chart(seen, reached, flagged, method, train_length=train_length, target_length=target_length),
    key="angles",
)
st.markdown("**Out-of-range pairs for every method at this target length**")
st.dataframe(
    {
        "method": [figures.METHOD_LABELS[name] for name in out_of_range],
        "pairs out of range": [int(result[2].sum()) for result in out_of_range.values()],
        "slowest pair: angle at T (rad)": [float(result[1][-1]) for result in out_of_range.values()],
        "slowest pair: angle in training (rad)": [float(result[0][-1]) for result in out_of_range.values()],
    },
    hide_index=True,
)
if preset_id in ("llama31-8b", "llama32-1b"):
    st.caption(
        "Meta reports that Llama 3.1 went on training with long sequences after its 8K pre-training stage, with "
        "this scaling switched on. The 'training' bars here show only the original 8K window, not that later "
        "long-context training."
    )

st.subheader("What happens to the scores")
ui.prose(
    "The score of q = k = all-ones at distance r is the mean over pairs of cos(r·θ'_i); YaRN's is multiplied by "
    "a². Compared with the original, PI stretches the whole curve s-fold to the right, while the other methods "
    "keep its short-distance shape (driven by the fast pairs) and stretch only the long-distance tail."
)
ui.formula(rope_core.scaled_all_ones_score)
# Log-spaced whole distances: the log axis then shows short and long range with equal detail.
distances = np.unique(np.geomspace(1, target_length, SCORE_CURVE_POINTS).round())
scores = {name: all_ones_score(distances, value[0], value[1]) for name, value in methods.items()}
ui.chart(
    figures.score_curves_chart(
        distances, scores, attention_factors, train_length=train_length, target_length=target_length
    ),
    key="scores",
)

ui.try_this(
    [
        "Keep *Llama 3.1 8B* and set T to 64 (× 1,024 = s·L = 65,536). PI, dynamic NTK, YaRN and Llama 3.1 "
        "scaling flag no pair, yet NTK-aware still flags 28: it slows only its very last pair by the full s, the "
        "pairs before it by less. Push T back to 128 and the slowest pairs are flagged under every fixed-s method.",
        "Pick *Method: Original* and slide T down to 8: once T ≤ L nothing is flagged. Slide it up again: the "
        "first pairs to fail are the slowest ones on the right, never the fast ones on the left.",
        "Compare *Llama 2 7B* (b = 10k, trained on 4,096 tokens) with *Code Llama 7B*, which raised b to 1M and "
        "was fine-tuned on 16,384-token sequences. Under *Original*, count the bars that stay below the 2π line.",
        "Choose *custom*, set d = 16 and watch the YaRN ramp and the Llama 3.1 bands split just 8 pairs.",
    ]
)
ui.misconception(
    "Llama 3 uses YaRN.",
    "It uses its own piecewise rule (`rope_type: llama3` in the config): the band edges are fixed by wavelength "
    "(L/4 and L), the blend is linear in L/λ, and there is **no attention factor**. Llama 3.1 8B (d = 128, "
    f"b = 500k, L = 8,192) splits its pairs {reference_split}; YaRN would instead ramp over pairs "
    f"{reference_yarn[0]}–{reference_yarn[1]} and multiply cos and sin by a = {reference_factor:.4f}.",
)
ui.misconception(
    "RoPE extrapolates perfectly: the formula works for any position.",
    "The formula is defined for any position, but the network only learned the angles it met in training. "
    "Set *Method: Original* above with T > L and count the ringed pairs: those slow pairs meet brand-new angles, "
    "which is exactly what every scaling method exists to prevent.",
)
ui.misconception(
    "θ_0 is the slowest pair.",
    f"θ_i = b^(−2i/d), so θ_0 = 1 radian per token: pair 0 is the **fastest**, with a wavelength of 2π ≈ 6.28 "
    f"tokens. The last pair here, θ_{dim // 2 - 1}, has a wavelength of {wavelengths['original'][-1]:,.0f} tokens "
    "and is the slowest; it is the first to leave the training range.",
)
ui.check_yourself(
    f"With the current settings (L = {train_length:,}, T = {target_length:,}, s = {factor:g}), why does "
    "Llama 3.1 scaling leave the fast pairs exactly as they were?",
    f"Those {band_counts['high']} pairs have wavelengths shorter than L/4 = {train_length / 4:,.0f} tokens, so "
    "they turned at least four times inside every training sequence and all their angles are familiar. Dividing "
    "them by s would only blur the fine, short-range position detail they carry. Only the "
    f"{band_counts['low']} pairs with wavelengths above L get the full division by s.",
)
ui.takeaway(
    "RoPE's slow pairs never finish a turn in training, so longer inputs push them into unseen angles; context "
    "extension rescales those pairs (and spares the fast ones) to bring the target length back into range."
)
st.page_link("pages/16_Your_model.py", label="Try it on your own model →", icon=":material/tune:")
ui.end_page(CHAPTER)
