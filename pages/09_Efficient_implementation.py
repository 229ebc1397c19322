"""Chapter 9: RoPE in practice — x·cos + rotate_half(x)·sin instead of a d×d matrix, the two memory layouts and
converting a checkpoint; partial rotary, the cos/sin tables and float32 precision fold into Go deeper."""

import inspect

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c09_efficient_implementation as figures
from ropelab.lessons import c09_efficient_implementation as lesson

CHAPTER = 9
MIB = 2**20
COUNTED_DIMS = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
LAYOUT_SEQ = 8
TIMED_HEAD_SIZES = tuple(range(8, lesson.MAX_TIMED_DIM + 1, 8))
PRECISION_POSITIONS = np.unique(np.round(np.logspace(0, 7, 180)))
POSITION_CHOICES = (10, 100, 1_000, 4_096, 8_191, 32_768, 131_072, 1_000_000, 10_000_000)
TEXTBOOK_CODE = lesson.code_listing(rope_core.rotate_half, rope_core.apply_rope_textbook)
SOURCES = {
    "apply_rope_dense — one d×d matrix per vector, O(d²)": lesson.apply_rope_dense,
    "apply_rope_complex — multiply by e^{imθ}": lesson.apply_rope_complex,
    "apply_rope — the textbook numbers, validated, both layouts, in cache-sized blocks": rope_core.apply_rope,
    "rope_cos_sin — the cos/sin tables in either layout": lesson.rope_cos_sin,
    "time_rope_forms — the timing above": lesson.time_rope_forms,
}
partial_presets = {
    name: preset for name, preset in rope_core.MODEL_PRESETS.items() if preset.rotary_dim < preset.head_dim
}
partial_presets["Llama 2 7B"] = rope_core.MODEL_PRESETS["Llama 2 7B"]

# Live timings are measured once per setting and kept until "Measure again" (which clears this cache).
measured_forms = st.cache_data(lesson.time_rope_forms, max_entries=32, show_spinner=False)


@ui.section
def forms_section():
    size_column, length_column = st.columns(2)
    with size_column:
        # A list of sizes, not a stepped slider: a link can then only ask for sizes that exist (d must be even).
        dim = ui.choice(
            "Head size d", TIMED_HEAD_SIZES, 64, key="d", widget="select_slider", help="Channels per query or key."
        )
    with length_column:
        seq_len = ui.slider(
            "Vectors per call L", 1, lesson.MAX_TIMED_SEQ, 128, key="L", help="How many positions one call rotates."
        )
    counts = lesson.rope_operation_counts(COUNTED_DIMS)
    cost_left, cost_right = st.columns(2)
    with cost_left:
        chosen_counts = lesson.rope_operation_counts([dim])
        ui.chart(figures.operation_count_chart(COUNTED_DIMS, counts, dim, chosen_counts), key="op_counts")
    with cost_right:
        # Timed live once per setting, then kept until "Measure again"; the budget keeps one measurement near 0.2 s.
        timing = measured_forms(dim, seq_len)
        ui.chart(figures.timing_chart(timing, dim, seq_len), key="timing")
    dense, complex_form = timing.max_abs_difference["dense matrix"], timing.max_abs_difference["complex"]
    speedup = timing.seconds_per_vector[0] / timing.seconds_per_vector[1]
    note_column, button_column = st.columns([5, 1])
    note_column.caption(
        f"All three give the same vectors (the matrix differs from the code above by {dense:.1e}, the complex form "
        f"by {complex_form:.1e}); the matrix took {speedup:.1f}× as long per vector. Best of "
        f"{', '.join(str(r) for r in timing.repeats)} repeats, the matrix on {timing.vectors_per_call[0]} of the "
        f"{seq_len} vectors; timings vary by run and machine, operation counts do not."
    )
    with button_column:
        ui.measure_again_button(measured_forms, key="retime")


@ui.section
def layouts_section():
    # The score maps have three panels and need the full width (the chart stacks panels below 640 px); the
    # pairing picture is one panel, so its control and the two checks sit beside it. The seed, a knob for the
    # curious, sits in the Go deeper part below: containers let the charts above it use its value.
    pairing_column, side_column = st.columns([5, 2])
    with side_column:
        layout_dim = ui.choice("Head size for the picture", tuple(range(4, 33, 2)), 8, key="hd", widget="select_slider")
        checks = st.container()
    with pairing_column:
        pairs_interleaved = lesson.rotation_pairs(layout_dim, "interleaved")
        pairs_half = lesson.rotation_pairs(layout_dim, "half")
        ui.chart(figures.channel_pairing_chart(pairs_interleaved, pairs_half), key="pairing")
    scores = st.container()
    with ui.go_deeper("the permutation P, one vector through both layouts, another random head"):
        seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Seeds the token vectors and W_q, W_k.")
        conversion = lesson.layout_conversion_scores(layout_dim, LAYOUT_SEQ, seed=seed)
        ui.formula(rope_core.interleaved_to_half_permutation)
        permutation_column, vectors_column = st.columns([2, 3])
        with permutation_column:
            ui.chart(
                figures.permutation_chart(rope_core.interleaved_to_half_permutation(layout_dim)), key="permutation"
            )
        with vectors_column:
            ui.chart(figures.rotated_vectors_chart(conversion), key="rotated_vectors")
        ui.formula(lesson.layout_conversion_scores)
        st.code(inspect.getsource(lesson.permute_qk_weight_rows), language="python")
        st.caption(f"At most {lesson.MAX_LAYOUT_SEQ} tokens in the demo; one head, d_model = head size.")
    with checks:
        st.metric("max |converted − original| scores", f"{conversion.max_diff_converted:.1e}")
        st.metric("max |not permuted − original| scores", f"{conversion.max_diff_unconverted:.2f}")
    with scores:
        ui.chart(figures.conversion_chart(conversion, layout_dim, seed), key="conversion")


@ui.section
def source_section():
    source_name = ui.choice("Show the source of", list(SOURCES), next(iter(SOURCES)), key="src")
    st.code(inspect.getsource(SOURCES[source_name]), language="python", line_numbers=True)
    st.caption("Read from the code this app runs. apply_rope computes the same numbers as the code above.")


@ui.section
def partial_rotary_section():
    preset_name = ui.choice(
        "Model", list(partial_presets), "GPT-J 6B", key="rot", widget="radio", help="From each model's public config."
    )
    preset = partial_presets[preset_name]
    rotary_dim, partial_frequencies = lesson.partial_rotary(
        preset.head_dim, preset.rotary_dim / preset.head_dim, preset.base
    )
    per_channel = lesson.channel_frequencies(preset.head_dim, partial_frequencies, preset.convention)
    head_column, rotary_column, fraction_column, untouched_column = st.columns(4)
    head_column.metric("head size", preset.head_dim)
    rotary_column.metric("rotated d_rot", rotary_dim)
    fraction_column.metric("fraction rotated", f"{rotary_dim / preset.head_dim:.0%}")
    untouched_column.metric(
        "unrotated Δ",
        help="Largest change of channels d_rot … d−1 of a random vector rotated to position m = 1000.",
        value=f"{lesson.unrotated_change(preset.head_dim, partial_frequencies, preset.convention, rotary_dim):.1e}",
    )
    ui.chart(
        figures.partial_rotary_chart(per_channel, rotary_dim, preset_name, preset.convention, partial_frequencies),
        key="partial",
    )
    st.caption(preset.source)


@ui.section
def tables_section():
    model_name = ui.choice("Model preset", list(rope_core.MODEL_PRESETS), "Llama 3.1 8B", key="model")
    model = rope_core.MODEL_PRESETS[model_name]
    bytes_float32 = lesson.kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float32)
    bytes_unique = lesson.kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float32, duplicated=False)
    bytes_float64 = lesson.kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float64)
    context_column, cache_column, unique_column, double_column = st.columns(4)
    context_column.metric("context L", f"{model.context_length:,}", help=f"d_rot = {model.rotary_dim} for this model.")
    cache_column.metric("cos + sin, float32", f"{bytes_float32 / MIB:,.2f} MiB")
    unique_column.metric("without the duplicate halves", f"{bytes_unique / MIB:,.2f} MiB")
    double_column.metric("in float64", f"{bytes_float64 / MIB:,.2f} MiB")
    sizes = lesson.cache_sizes_mib(rope_core.MODEL_PRESETS.values())
    ui.chart(figures.cache_size_chart(rope_core.MODEL_PRESETS, sizes, model_name), key="cache")
    st.caption(
        "Small next to the weights (a 7B model is about 13 GiB in bf16), but it grows linearly with the context, "
        "which is one reason to compute cos and sin for the positions at hand instead."
    )


@ui.section
def precision_section():
    position_column, base_column = st.columns(2)
    with position_column:
        position = ui.choice(
            "Position m", POSITION_CHOICES, 131_072, key="pos", widget="select_slider", format_func=lambda v: f"{v:,}"
        )
    with base_column:
        base = ui.base_choice()
    frequencies = rope_core.inv_freq(128, base)
    pairs = lesson.float32_pair_errors(position, frequencies)
    worst = pairs.worst
    pair_zero = "exactly 0" if pairs.cos_sin_errors[0] == 0 else f"{pairs.cos_sin_errors[0]:.1e}"
    ui.prose(
        "The angle $m\\theta_i$ grows without bound, and float32 keeps 24 significant bits. Pair 0 turns by "
        "$\\theta_0 = 1$, so its angle is the whole number $m$ itself, which float32 stores exactly up to "
        f"$2^{{24}} \\approx$ 16.8 million: its error here is {pair_zero}. Every other pair has "
        "$\\theta_i < 1$, which float32 must round, and the product $m\\theta_i$ is rounded again. At "
        f"$m$ = {position:,} (d = 128, b = {ui.format_base(base)}) the worst is **pair {worst}** "
        f"($\\theta_{{{worst}}}$ = {pairs.inv_freq[worst]:.4f}): its angle of {pairs.angles[worst]:,.1f} rad is off "
        f"by {pairs.angle_errors[worst]:.1e} rad, so its cos and sin are off by up to "
        f"{pairs.cos_sin_errors[worst]:.1e}. Forming the angle in float64 (and reducing it modulo $2\\pi$ before "
        "rounding the cos/sin tables to float32) removes the problem; the rotation code in this app forms its "
        "angles in float64 even for float32 inputs."
    )
    ui.formula(lesson.float32_angle_error)
    errors = lesson.float32_angle_error(PRECISION_POSITIONS, frequencies)
    reference_errors = lesson.float32_angle_error(np.array([8191.0, 1e6]), frequencies)
    error_column, short_column, long_column = st.columns(3)
    error_column.metric(f"max error at m = {position:,}", f"{pairs.cos_sin_errors[worst]:.1e}")
    short_column.metric("at m = 8,191", f"{reference_errors[0]:.1e}")
    long_column.metric("at m = 1,000,000", f"{reference_errors[1]:.1e}")
    ui.chart(
        figures.precision_chart(
            PRECISION_POSITIONS, errors, position, float(pairs.cos_sin_errors[worst]), ui.format_base(base)
        ),
        key="precision",
    )


ui.start_page(CHAPTER)
ui.goal(
    "how real code applies RoPE: x·cos + rotate_half(x)·sin, a few lines and O(d) work per vector instead of a "
    "d×d matrix — and why the way channels are paired (the memory layout) matters when you load a checkpoint."
)

st.subheader("RoPE without a matrix")
ui.prose(
    "The matrix $R_m$ of chapter 6 is block-diagonal: only $2d$ of its $d^2$ entries are not zero. Each pair "
    "$(x_i, x_{i+d/2})$ turns by its own angle $m\\theta_i$: every channel times the cosine of its pair's angle, "
    "plus its partner times the sine (with a minus sign in the first half). `rotate_half` lines the partners up, "
    "sign included. This is the code the chapter runs, in the half-split layout of Hugging Face's Llama:"
)
st.code(TEXTBOOK_CODE, language="python")
forms_section()

st.subheader("Two memory layouts, and converting a checkpoint")
ui.prose(
    "Which two channels form a pair is a *convention*. The RoFormer paper, Meta's original Llama code and GPT-J "
    "pair neighbours $(x_{2i}, x_{2i+1})$ — **interleaved**; Hugging Face's Llama, GPT-NeoX, Qwen and Phi pair "
    "$(x_i, x_{i+d/2})$ — **half-split** — while its GPT-J keeps the interleaved pairs. To run an interleaved "
    "checkpoint with half-split code, reorder the output rows of $W_q$, $W_k$ (not $W_v$) by the permutation $P$: "
    "$(Pq)^\\top(Pk) = q^\\top k$, so every score stays the same. Forget $P$ and nothing fails loudly."
)
layouts_section()

with ui.go_deeper("three forms and their code · partial rotary · the cos/sin tables · float32 precision"):
    forms_tab, partial_tab, tables_tab, precision_tab = st.tabs(
        ["Three forms, their code", "Partial rotary", "The cos/sin tables", "Float32 precision"]
    )
    with forms_tab:
        ui.formula(lesson.apply_rope_dense, caption="Dense: a full matrix-vector product per vector.")
        ui.formula(rope_core.apply_rope_textbook, caption="Element-wise: two products and a sum per channel.")
        ui.formula(lesson.apply_rope_complex, caption="Complex: one complex product per pair.")
        ui.formula(lesson.rope_operation_counts)
        st.markdown(
            "NumPy hides part of the gap at small $d$: the dense form runs as one optimised matrix multiplication "
            "while the element-wise form makes several passes over memory. As $d$ grows the $d^2$ term wins. On a "
            "GPU the element-wise form is also what lets RoPE be fused into the attention kernel: it needs two small "
            "tables, not a matrix per position."
        )
        source_section()
    with partial_tab:
        st.markdown(
            "Some models rotate only the first $d_{\\text{rot}}$ channels of each head and leave the rest as plain, "
            "position-free content. GPT-NeoX and Pythia set `rotary_pct = 0.25`; GPT-J sets `rotary_dim = 64` of "
            "its 256 head channels. The frequencies are spread over the rotated part only — the exponent divides by "
            "$d_{\\text{rot}}$ — so the rotated channels still run from $\\theta = 1$ down to about $1/b$."
        )
        ui.formula(lesson.partial_rotary)
        partial_rotary_section()
    with tables_tab:
        st.markdown(
            "The tables $\\cos(m\\theta_i)$ and $\\sin(m\\theta_i)$ depend only on the position, not on the "
            "token. Hugging Face's rotary embedding computes them in every forward pass, from `inv_freq` and the "
            "position ids of that batch, as $d_{\\text{rot}}$ columns (the $d_{\\text{rot}}/2$ angles written "
            "twice, to match the half-split layout); the model does this once per pass and hands the same two "
            "tables to every layer and head. Code that precomputes them for the whole context instead (older "
            "Hugging Face releases kept such a table) pays the memory below."
        )
        ui.formula(lesson.kv_cos_sin_cache_bytes)
        tables_section()
    with precision_tab:
        precision_section()

ui.try_this(
    [
        "Drag **d** to 512: the counts move apart by (2d² − d)/3d. Does the measured ratio follow? At **L** = 1, "
        "Python overhead dominates every form.",
        "The right-hand score map looks plausible but is wrong. Would a loss curve catch this bug quickly?",
        "In *Go deeper → Float32 precision*, set **m** to 1,000,000: pair 1 is off by about 0.05 rad (3°). Other "
        "bases change that by a small factor only: float32's 24 bits set it, not b.",
    ]
)
ui.misconception(
    "Interleaved and half-split RoPE are different position encodings.",
    "They are one encoding with the channels listed in another order: the same frequencies, the same scores once "
    "W_q and W_k are permuted. Only the stored vectors differ — which is why loading weights into the other layout "
    "without permuting is a bug.",
)
ui.check_yourself(
    "Why does converting an interleaved checkpoint to half-split code permute the rows of W_q and W_k, but not "
    "those of W_v?",
    "Only queries and keys are rotated, and the conversion has to put each rotated pair where the other code "
    "expects it. After permuting, every query and key is P times its old value, and since P is orthogonal, "
    "$(Pq)^\\top(Pk) = q^\\top k$: the scores are unchanged. Values are never rotated, so their channel order is "
    "whatever W_o expects — permuting W_v alone would scramble the output.",
)
ui.takeaway(
    "RoPE in real code is x·cos + rotate_half(x)·sin: O(d) per vector, no d×d matrix. Which channels pair up is a "
    "convention — converting a checkpoint permutes the rows of W_q and W_k — and m·θ belongs in float64 (float32 "
    "is off by 0.05 rad at position one million)."
)
ui.end_page(CHAPTER)
