"""Tool: paste a Hugging Face config.json, see what its rotary embedding does, get the block for a longer context."""

import streamlit as st

import rope_core
from ropelab import ui
from ropelab.export import columns_to_csv
from ropelab.figures.c16_your_model import out_of_range_chart, score_chart, wavelength_chart
from ropelab.lessons import c16_your_model as lesson
from ropelab.lessons.c16_your_model import ConfigError

PAGE = 16
DEFAULT_PRESET = "Llama 3.1 8B"
SECOND_PRESET = "Llama 2 7B"
METHOD_LABELS = {"config": "As configured", "linear": "PI", "dynamic": "Dynamic", "yarn": "YaRN", "llama3": "Llama3"}
LONG_METHOD_NAMES = {"linear": "PI", "dynamic": "dynamic NTK", "yarn": "YaRN", "llama3": "Llama 3.1 scaling"}
# Reading a model's pairs and scores takes milliseconds and readers flip between a few settings: keep the results.
extend = st.cache_data(lesson.extend, max_entries=64, show_spinner=False)
analyse = st.cache_data(lesson.analyse, max_entries=64, show_spinner=False)
PLACEHOLDER = '{\n  "hidden_size": 4096,\n  "num_attention_heads": 32,\n  "rope_theta": 500000.0,\n  ...\n}'


def remember(slot: str, model: lesson.RopeModel | None = None) -> lesson.RopeModel:
    """The last good model of a slot ("a" or "b"); storing a new one when given."""
    key = f"c16_good_{slot}"
    if model is not None:
        st.session_state[key] = model
    return st.session_state.setdefault(key, lesson.preset_model(DEFAULT_PRESET if slot == "a" else SECOND_PRESET))


def open_link(slot: str, param: str, text_key: str, source_key: str) -> None:
    """Read a config from the link once (when its value is new), with the same checks as a paste."""
    raw = st.query_params.get(param)
    if raw is None or raw == st.session_state.get(f"c16_link_{slot}"):
        return
    st.session_state[f"c16_link_{slot}"] = raw
    try:
        model = lesson.decode_link(raw)
    except ConfigError as error:
        del st.query_params[param]
        ui.notice(f"The link's config was not used: {error.markdown()} Showing `{remember(slot).label}` instead.")
        return
    remember(slot, model)
    st.session_state[text_key] = lesson.canonical_json(model)
    st.session_state[source_key] = "Paste"


def read_pasted(slot: str, label: str, text_key: str, help_text: str) -> None:
    """A config.json text area; a good paste becomes the slot's model, a bad one is reported and ignored."""
    # Only when the field is new (first visit, or back from another source): an emptied field stays empty.
    if text_key not in st.session_state:
        st.session_state[text_key] = lesson.canonical_json(remember(slot))
    text = st.text_area(
        label, key=text_key, height=260, max_chars=lesson.MAX_CONFIG_BYTES + 1, placeholder=PLACEHOLDER, help=help_text
    )
    use_config(slot, lambda: lesson.parse_config(text or ""), "The pasted config.json")


def use_config(slot: str, read, what: str) -> bool:
    try:
        remember(slot, read())
        return True
    except ConfigError as error:
        ui.notice(f"{what} was not used: {error.markdown()} The analysis below still shows `{remember(slot).label}`.")
        return False


def write_link(slot: str, param: str, shared: bool) -> None:
    """Keep the slot's config in the address bar while it came from a paste or a file, and out of it otherwise."""
    if not shared:
        if param in st.query_params:
            del st.query_params[param]
        return
    try:
        link = lesson.encode_link(remember(slot))
    except ConfigError as error:
        st.caption(f"This config is too long for a link ({error.value_text}), so the link does not carry it.")
        if param in st.query_params:
            del st.query_params[param]
        return
    st.session_state[f"c16_link_{slot}"] = link
    if st.query_params.get(param) != link:
        st.query_params[param] = link


def show_summary(model: lesson.RopeModel) -> None:
    items = lesson.summary(model)
    for row in (items[:5], items[5:]):
        for column, item in zip(st.columns(5), row, strict=False):
            column.metric(item.label, item.value, help=item.help)
    rows = lesson.parameter_rows(model)
    if rows:
        st.dataframe({"parameter": [name for name, _ in rows], "value": [value for _, value in rows]}, hide_index=True)
    for note in model.notes:
        st.caption(note)


def scaled(model: lesson.RopeModel, target: int, method: str, who: str):
    """(analysis, extension or None) for one model: its own scaling, or the calculator's block for `method`."""
    if method != "config":
        try:
            extension = extend(model, target, method)
            label = f"{LONG_METHOD_NAMES[method]}, s = {extension.factor:g} (calculator)"
            return analyse(extension.model, target, label), extension
        except ConfigError as error:
            ui.notice(f"Calculator for {who}: {error.markdown()} Showing its config's own scaling instead.")
    return analyse(model, target), None


ui.start_page(PAGE)
ui.goal(
    "see what the rotary embedding of *your* model does, which of its pairs meet angles they never saw in "
    "training when you run it longer, and exactly what to write in `config.json` to extend it."
)
ui.prose(
    "Paste the `config.json` of a Hugging Face model (or upload it, or pick a preset). The page reads its RoPE "
    "settings the way `transformers` does: the head size, how many channels rotate, the base `rope_theta`, and "
    "the `rope_scaling` (transformers 4) or `rope_parameters` (transformers 5) block with any of the rope types "
    "`default`, `linear`, `dynamic`, `yarn`, `llama3` and `longrope`. Every number below comes from the same "
    "engine as the chapters, which reproduces Hugging Face's `modeling_rope_utils`. The app's server reads the "
    "text for your session only; the link keeps just the RoPE fields, packed short, so it reopens this analysis."
)

st.subheader("Your config")
open_link("a", "cfg", "cfg_text", "src")
source = ui.choice("Where the config comes from", ["Preset", "Paste", "Upload"], "Preset", key="src", widget="radio")
if source == "Preset":
    preset = ui.choice("Model", list(lesson.preset_names()), DEFAULT_PRESET, key="p")
    use_config("a", lambda: lesson.preset_model(preset), "The preset")
elif source == "Paste":
    read_pasted("a", "config.json", "cfg_text", "The whole file or only its RoPE fields; at most 256 kB.")
else:
    upload = st.file_uploader(
        "config.json file", type=["json"], key="cfg_file", max_upload_size=1, help="At most 256 kB."
    )
    if upload is None:
        st.caption(f"No file yet: showing {remember('a').label}.")
    else:
        use_config("a", lambda: lesson.parse_config(upload.getvalue()), f"The file ({upload.size:,} bytes)")
write_link("a", "cfg", shared=source != "Preset")
model_a = remember("a")
st.markdown(f"**Reading:** `{model_a.label}`")
show_summary(model_a)

with st.expander("Side by side: a second model on the same charts"):
    open_link("b", "cfg2", "cfg2_text", "b_src")
    second_source = ui.choice("Second model", ["None", "Preset", "Paste"], "None", key="b_src", widget="radio")
    if second_source == "Preset":
        second_preset = ui.choice("Second preset", list(lesson.preset_names()), SECOND_PRESET, key="p2")
        use_config("b", lambda: lesson.preset_model(second_preset), "The second preset")
    elif second_source == "Paste":
        read_pasted("b", "Second config.json", "cfg2_text", "A second model to compare with the first.")
    write_link("b", "cfg2", shared=second_source == "Paste")
    model_b = remember("b") if second_source != "None" else None
    if model_b is not None:
        st.markdown(f"**Second model:** `{model_b.label}`")
        show_summary(model_b)

st.subheader("Run it longer: the target length and the scaling")
target_column, method_column = st.columns(2, gap="large")
with target_column:
    target_choice = ui.choice(
        "Target length L (K = 1,024 tokens)",
        list(lesson.TARGET_CHOICES),
        lesson.ADVERTISED,
        key="L",
        format_func=lesson.target_label,
        widget="select_slider",
        help="'advertised' is the model's own max_position_embeddings.",
    )
with method_column:
    method = ui.choice(
        "Scaling",
        list(METHOD_LABELS),
        "config",
        key="M",
        format_func=METHOD_LABELS.get,
        widget="radio",
        help="'As configured' shows the config's own rope_scaling; the others write a new block for L.",
    )
target_a = lesson.resolve_target(target_choice, model_a)
analysis_a, extension_a = scaled(model_a, target_a, method, model_a.label)
analysis_b = None
if model_b is not None:
    analysis_b, _ = scaled(model_b, lesson.resolve_target(target_choice, model_b), method, model_b.label)

if extension_a is None:
    st.caption(
        f"Showing {model_a.label} as configured at L = {target_a:,} tokens. Pick PI, Dynamic, YaRN or Llama3 to get "
        f"the block that extends it from its trained {model_a.trained_context:,} tokens to L."
    )
else:
    st.markdown(
        f"**The block for config.json:** {LONG_METHOD_NAMES[method]} from {model_a.trained_context:,} to "
        f"{target_a:,} tokens, s = {extension_a.factor:g}. It replaces the config's own `rope_scaling`."
    )
    classic_tab, parameters_tab = st.tabs(["transformers 4: rope_scaling", "transformers 5: rope_parameters"])
    classic_tab.code(extension_a.classic_json, language="json", wrap_lines=True)
    parameters_tab.code(extension_a.parameters_json, language="json", wrap_lines=True)
    todo, inference = lesson.EXTENSION_ADVICE[method]
    st.markdown(f"**What you still have to do.** {todo}\n\n**What changes at inference.** {inference}")

counts = analysis_a.band_counts
readouts = st.columns(4)
if counts is not None:
    readouts[0].metric("Pairs kept", counts["kept"], help="Fast pairs whose frequency is unchanged.")
    readouts[1].metric("Pairs blended", counts["blended"], help="Pairs between the two bands, partly divided.")
    readouts[2].metric("Pairs divided by s", counts["divided"], help="Slow pairs whose frequency is divided by s.")
readouts[3].metric(
    "Out of range at L",
    f"{int(analysis_a.out_of_range.sum())} of {model_a.pairs}",
    delta=f"{int(analysis_a.out_of_range.sum() - analysis_a.unscaled_out_of_range.sum())} vs unscaled",
    delta_color="inverse",
    help="Pairs that reach angles at L that they never swept in training.",
)
st.caption(
    f"Attention factor a = {analysis_a.attention_factor:.4f} at L = {target_a:,} ({analysis_a.scaling_label}); it "
    "multiplies cos and sin, so every logit is scaled by a²."
)

st.subheader("Wavelength of every pair")
ui.prose(
    "Each pair turns once every λ_i = 2π/θ_i tokens. Pairs below the trained-length line completed at least one "
    "full turn in training; pairs above it never did, and they are the ones a longer input pushes into new angles. "
    "For `llama3` and `yarn` the markers show which pairs the scaling keeps, blends and divides."
)
ui.chart(wavelength_chart(analysis_a, analysis_b), key="wavelengths")

st.subheader("Which pairs meet angles they never saw?")
ui.prose(
    "Bars: the angle L·θ_i each pair swept over its training length. Dotted: the angle it would sweep at the target "
    "length unscaled; solid: with the scaling. A ringed pair never completed a turn in training and goes further at "
    "the target than training took it."
)
ui.formula(rope_core.out_of_distribution_pairs)
ui.chart(out_of_range_chart(analysis_a, analysis_b), key="out_of_range")

st.subheader("What happens to the scores")
ui.prose(
    "The score of q = k = all-ones at distance r is the mean of cos(r·θ'_i) over the pairs, times a² when an "
    "attention factor multiplies cos and sin. Scaling that spares the fast pairs keeps the short-range shape."
)
ui.formula(rope_core.scaled_all_ones_score)
ui.chart(score_chart(analysis_a, analysis_b), key="scores")

pair_columns = lesson.per_pair_columns(analysis_a)
st.download_button(
    "Download the per-pair numbers (CSV)",
    columns_to_csv(pair_columns),
    file_name="ropelab_your_model_pairs.csv",
    mime="text/csv",
    key="pairs_csv",
    on_click="ignore",
    icon=":material/download:",
)
with st.expander("Per-pair numbers"):
    st.dataframe(pair_columns, hide_index=True)
with st.expander("The formula behind every frequency"):
    ui.formula(rope_core.scaled_inv_freq, caption="Hugging Face's rope types, as rope_core computes them.")

ui.try_this(
    [
        "Pick *Llama 2 7B*, set L to 32K and try each scaling: count the ringed pairs, and watch YaRN and Llama3 "
        "leave the fast pairs on the left exactly where they were.",
        "Pick *Llama 3.1 8B* as configured and move L from 64K to 128K: at 64K = 8 × 8,192 nothing is out of range; "
        "at 128K the slowest pairs are, which is why Meta trained further on long documents.",
        'Paste a config with `"rope_theta": NaN` or a `long_factor` list one entry short and read the message.',
        "Open *Side by side* and compare *Qwen2 7B Instruct* (base 1M) with *Llama 2 7B* (base 10k) at 32K.",
    ]
)
ui.check_yourself(
    f"The calculator writes s = L / {model_a.trained_context:,} for {model_a.label}. Why divide by the trained "
    "length and not by max_position_embeddings?",
    "Every Hugging Face scaling is defined relative to the context the model was pre-trained on: that is what "
    "`original_max_position_embeddings` records. A config that is already extended (Llama 3.1 advertises 131,072) "
    "would otherwise be scaled a second time on top of its first extension.",
)
ui.takeaway(
    "A model's RoPE is fixed by a handful of config fields; its slow pairs decide how far it can run, and a "
    "rope_scaling block rescales exactly those pairs."
)
ui.end_page(PAGE)
