"""Chapter 9: RoPE in practice — the O(d) element-wise form, two memory layouts, partial rotary, precision."""

import inspect

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.export import columns_to_csv, matrix_to_csv
from ropelab.figures.c09_efficient_implementation import (
    cache_size_figure,
    channel_pairing_figure,
    operation_count_figure,
    partial_rotary_figure,
    permutation_figure,
    precision_figure,
    rotated_vectors_figure,
    score_matrices_figure,
    timing_figure,
)
from ropelab.lessons.c09_efficient_implementation import (
    MAX_LAYOUT_SEQ,
    MAX_TIMED_DIM,
    MAX_TIMED_SEQ,
    apply_rope_complex,
    apply_rope_dense,
    channel_frequencies,
    float32_angle_error,
    kv_cos_sin_cache_bytes,
    layout_conversion_scores,
    partial_rotary,
    permute_qk_weight_rows,
    rope_cos_sin,
    rope_operation_counts,
    rotation_pairs,
    time_rope_forms,
)

CHAPTER = 9
MIB = 2**20
COUNTED_DIMS = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
LAYOUT_SEQ = 8
TIMED_HEAD_SIZES = tuple(range(8, MAX_TIMED_DIM + 1, 8))
PRECISION_POSITIONS = np.unique(np.round(np.logspace(0, 7, 180)))
POSITION_CHOICES = (10, 100, 1_000, 4_096, 8_191, 32_768, 131_072, 1_000_000, 10_000_000)
# Reader-facing layout names (also the URL values) → rope_core's convention names.
LAYOUT_CONVENTIONS = {"half-split": "half", "interleaved": "interleaved"}
SOURCES = {
    "apply_rope — element-wise, O(d)": rope_core.apply_rope,
    "rotate_half — the partner of every channel": rope_core.rotate_half,
    "rope_cos_sin — the cos/sin tables": rope_cos_sin,
    "apply_rope_dense — one d×d matrix per vector, O(d²)": apply_rope_dense,
    "apply_rope_complex — multiply by e^{imθ}": apply_rope_complex,
    "time_rope_forms — the timing you just saw": time_rope_forms,
}
partial_presets = {
    name: preset for name, preset in rope_core.MODEL_PRESETS.items() if preset.rotary_dim < preset.head_dim
}
partial_presets["Llama 2 7B"] = rope_core.MODEL_PRESETS["Llama 2 7B"]

counts_of = ui.cached(rope_operation_counts)
conversion_of = ui.cached(layout_conversion_scores, max_entries=32)
precision_of = ui.cached(float32_angle_error, max_entries=16)
inv_freq_of = ui.cached(rope_core.inv_freq)
partial_of = ui.cached(partial_rotary)
channels_of = ui.cached(channel_frequencies)
measured_forms = ui.cached(time_rope_forms, max_entries=32)

ui.start_page(CHAPTER)
ui.goal(
    "why real code never builds RoPE's d×d matrix, how the two memory layouts differ (and how a checkpoint is "
    "converted between them), what partial rotary is, and why the angle m·θ needs float64 — or care — at long range."
)

st.subheader("Three forms, one answer")
ui.prose(
    "The matrix $R_m$ of chapter 6 is block-diagonal: of its $d^2$ entries only $2d$ are not zero. Multiplying by "
    "the full matrix wastes almost all the work. The **element-wise** form reads the same numbers straight from "
    "two tables: every channel is multiplied by $\\cos$ of its pair's angle, its partner channel by $\\sin$, and "
    "the two are added. The **complex** form does the same thing as one complex multiplication per pair. All "
    "three give the same vector; only the cost differs."
)
ui.formula(apply_rope_dense, caption="Dense: a full matrix-vector product per vector.")
ui.formula(rope_core.apply_rope, caption="Element-wise: two products and a sum per channel, from cached tables.")
ui.formula(apply_rope_complex, caption="Complex: one complex product per pair.")

size_column, length_column, layout_column = st.columns(3)
with size_column:
    # Lists of sizes, not stepped sliders: a link can then only ask for sizes that exist (d must be even).
    dim = ui.choice(
        "Head size d", TIMED_HEAD_SIZES, 64, key="d", widget="select_slider", help="Channels per query or key."
    )
with length_column:
    seq_len = ui.slider(
        "Vectors per call L", 1, MAX_TIMED_SEQ, 128, key="L", help="How many positions are rotated in one call."
    )
with layout_column:
    layout = ui.choice(
        "Memory layout",
        tuple(LAYOUT_CONVENTIONS),
        "half-split",
        key="layout",
        help="half-split pairs channels (i, i + d/2); interleaved pairs (2i, 2i+1).",
    )

# Timed live once per setting, then cached until someone presses "Measure again"; the budget keeps one
# measurement near 0.2 s.
timing = measured_forms(dim, seq_len, convention=LAYOUT_CONVENTIONS[layout])
dense_difference = timing.max_abs_difference["dense matrix"]
complex_difference = timing.max_abs_difference["complex"]
difference_left, difference_right, speed_column = st.columns(3)
difference_left.metric("max |dense − element-wise|", f"{dense_difference:.1e}")
difference_right.metric("max |complex − element-wise|", f"{complex_difference:.1e}")
speedup = timing.seconds_per_vector[0] / timing.seconds_per_vector[1]
speed_column.metric("dense ÷ element-wise time", f"{speedup:.1f}×")

counts = counts_of(COUNTED_DIMS)
chosen_counts = counts_of([dim])
cost_left, cost_right = st.columns(2)
with cost_left:
    ui.chart(
        operation_count_figure(
            COUNTED_DIMS,
            counts,
            dim,
            title=f"Work per vector: d = {dim} needs {chosen_counts['dense matrix'][0]:,.0f} "
            f"vs {chosen_counts['element-wise'][0]:,.0f} operations",
        ),
        key="op_counts",
        alt=(
            f"Log-log lines of operations per vector against d: the dense form grows as 2d² − d, the element-wise "
            f"and complex forms as 3d. At d = {dim}: {chosen_counts['dense matrix'][0]:,.0f} versus "
            f"{chosen_counts['element-wise'][0]:,.0f}."
        ),
        csv=columns_to_csv({"d": COUNTED_DIMS, **{f"ops_{name.replace(' ', '_')}": v for name, v in counts.items()}}),
    )
with cost_right:
    ui.chart(
        timing_figure(
            timing.forms,
            timing.seconds_per_vector,
            title=f"Measured now: d = {dim}, L = {seq_len}, {layout}",
        ),
        key="timing",
        alt=(
            "Horizontal bars of measured microseconds per rotated vector for the dense, element-wise and complex "
            "forms ("
            + ", ".join(
                f"{form}: {s * 1e6:.3g} µs" for form, s in zip(timing.forms, timing.seconds_per_vector, strict=True)
            )
            + ")."
        ),
        csv=columns_to_csv(
            {
                "form": list(timing.forms),
                "seconds_per_vector": timing.seconds_per_vector,
                "vectors_per_call": timing.vectors_per_call,
                "repeats": timing.repeats,
            }
        ),
    )
    st.caption(
        f"Best of {', '.join(str(r) for r in timing.repeats)} repeats; the dense form rotated "
        f"{timing.vectors_per_call[0]} of the {seq_len} vectors to stay fast. Timings vary from run to run and "
        "from machine to machine; the operation counts do not. Each call also builds its own cos/sin tables or "
        "matrices, which real models compute once and reuse. Each setting is timed once on this server and kept."
    )
    ui.measure_again_button(measured_forms, key="retime")
ui.formula(rope_operation_counts)
ui.prose(
    "NumPy hides part of the gap at small $d$: the dense form runs as one optimised matrix multiplication while "
    "the element-wise form makes several passes over memory. As $d$ grows the $d^2$ term wins. On a GPU the "
    "element-wise form is also what lets RoPE be fused into the attention kernel, since it needs only two small "
    "tables, not a matrix per position."
)
source_name = ui.choice("Show the source of", list(SOURCES), next(iter(SOURCES)), key="src")
st.code(inspect.getsource(SOURCES[source_name]), language="python", line_numbers=True)
st.caption("Read from rope_core with inspect.getsource: this is exactly the code that produced the numbers above.")

st.subheader("Two memory layouts: interleaved and half-split")
ui.prose(
    "Which two channels form a pair is a *convention*. The RoFormer paper, Meta's original Llama code and GPT-J "
    "pair neighbours $(x_{2i}, x_{2i+1})$ — **interleaved**. Hugging Face's Llama, GPT-NeoX, Qwen and Phi pair "
    "$(x_i, x_{i+d/2})$ — **half-split**, computed with `rotate_half`. Same frequencies, different channels: feed "
    "the same vector to both and you get different outputs. The permutation $P$ that collects the even channels "
    "first and the odd ones after translates one into the other."
)
ui.formula(rotation_pairs)
layout_dim_column, layout_seed_column = st.columns(2)
with layout_dim_column:
    layout_dim = ui.choice("Head size for this picture", tuple(range(4, 33, 2)), 8, key="hd", widget="select_slider")
with layout_seed_column:
    seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Seeds the token vectors and W_q, W_k.")
pairs_interleaved = rotation_pairs(layout_dim, "interleaved")
pairs_half = rotation_pairs(layout_dim, "half")
permutation = rope_core.interleaved_to_half_permutation(layout_dim)
ui.chart(
    channel_pairing_figure(
        pairs_interleaved, pairs_half, title=f"Which channels rotate together (d = {layout_dim}; colour = pair)"
    ),
    key="pairing",
    alt=(
        f"Two rows of {layout_dim} channel boxes. Interleaved: arcs join neighbours 0–1, 2–3, …; half-split: arcs "
        f"join channel i with channel i + {layout_dim // 2}."
    ),
    csv=columns_to_csv(
        {
            "pair": np.arange(layout_dim // 2),
            "interleaved_first": pairs_interleaved[:, 0],
            "interleaved_second": pairs_interleaved[:, 1],
            "half_first": pairs_half[:, 0],
            "half_second": pairs_half[:, 1],
        }
    ),
)
permutation_column, vectors_column = st.columns([2, 3])
with permutation_column:
    ui.chart(
        permutation_figure(permutation, title=f"P ({layout_dim} × {layout_dim})"),
        key="permutation",
        alt=(
            f"A {layout_dim} by {layout_dim} permutation matrix; row j has its single 1 in column P[j], "
            f"P = {permutation.tolist()}."
        ),
        csv=columns_to_csv({"half_split_channel": np.arange(layout_dim), "takes_interleaved_channel": permutation}),
    )
conversion = conversion_of(layout_dim, LAYOUT_SEQ, seed=seed)
with vectors_column:
    ui.chart(
        rotated_vectors_figure(
            conversion.rotated_interleaved,
            conversion.rotated_half,
            title=f"One query at position {LAYOUT_SEQ - 1}, rotated by each layout's code",
        ),
        key="rotated_vectors",
        alt="Grouped bars per channel: the same query rotated by interleaved and by half-split code gives different "
        "values (same length).",
        csv=columns_to_csv(
            {
                "channel": np.arange(layout_dim),
                "interleaved": conversion.rotated_interleaved,
                "half_split": conversion.rotated_half,
            }
        ),
    )

ui.formula(rope_core.interleaved_to_half_permutation)

st.markdown("##### Converting a checkpoint: permute the rows of W_q and W_k")
ui.prose(
    "A checkpoint trained with interleaved code produces $q = W_q x$ whose pairs sit in neighbouring channels. "
    "Half-split code expects them $d/2$ apart. Reordering the **output rows** of $W_q$ and $W_k$ with $P$ moves "
    "every channel to where the other code looks for it; since $P$ is a permutation, $(Pq)^\\top(Pk) = q^\\top k$ "
    "and every attention score comes out the same. $W_v$ and $W_o$ stay untouched: values are never rotated. "
    "Forgetting the permutation raises no error — the model just silently computes the wrong scores."
)
ui.formula(layout_conversion_scores)
ok_column, bug_column = st.columns(2)
ok_column.metric("max |converted − original| scores", f"{conversion.max_diff_converted:.1e}")
bug_column.metric("max |not permuted − original| scores", f"{conversion.max_diff_unconverted:.2f}")
ui.chart(
    score_matrices_figure(
        [
            ("original", conversion.reference),
            ("permuted", conversion.converted),
            ("NOT permuted", conversion.unconverted),
        ],
        title=f"Scores of {LAYOUT_SEQ} tokens (d = {layout_dim}, seed {seed})",
    ),
    key="conversion",
    alt=(
        f"Three {LAYOUT_SEQ} by {LAYOUT_SEQ} score heatmaps. The first two are identical (difference "
        f"{conversion.max_diff_converted:.0e}); the third differs by up to {conversion.max_diff_unconverted:.2f}."
    ),
    csv=matrix_to_csv(
        conversion.unconverted - conversion.reference,
        list(range(LAYOUT_SEQ)),
        list(range(LAYOUT_SEQ)),
        corner="not permuted minus original (query \\ key)",
    ),
    filename="ropelab_conversion_error",
)
st.caption(
    "Left: interleaved code with the original W_q, W_k. Middle: half-split code with their rows permuted by P. "
    "Right: half-split code with the weights loaded as they are."
)
with st.expander("Source: permute_qk_weight_rows"):
    st.code(inspect.getsource(permute_qk_weight_rows), language="python")
    st.caption(f"At most {MAX_LAYOUT_SEQ} tokens in the demo; one head, d_model = head size.")

st.subheader("Partial rotary: rotate only some channels")
ui.prose(
    "Some models rotate only the first $d_{\\text{rot}}$ channels of each head and leave the rest as plain, "
    "position-free content. GPT-NeoX and Pythia set `rotary_pct = 0.25`; GPT-J sets `rotary_dim = 64` of its 256 "
    "head channels. The frequencies are spread over the rotated part only — the exponent divides by "
    "$d_{\\text{rot}}$ — so the rotated channels still run from $\\theta = 1$ down to about $1/b$."
)
ui.formula(partial_rotary)
preset_name = ui.choice(
    "Model", list(partial_presets), "GPT-J 6B", key="rot", widget="radio", help="From each model's public config."
)
preset = partial_presets[preset_name]
rotary_dim, partial_frequencies = partial_of(preset.head_dim, preset.rotary_dim / preset.head_dim, preset.base)
per_channel = channels_of(preset.head_dim, partial_frequencies, preset.convention)
head_column, rotary_column, fraction_column, untouched_column = st.columns(4)
head_column.metric("head size", preset.head_dim)
rotary_column.metric("rotated d_rot", rotary_dim)
fraction_column.metric("fraction rotated", f"{rotary_dim / preset.head_dim:.0%}")
probe = np.random.default_rng(0).standard_normal((1, preset.head_dim))
probe_rotated = rope_core.apply_rope(
    probe, [1000.0], partial_frequencies, convention=preset.convention, rotary_dim=rotary_dim
)
untouched_column.metric(
    "unrotated Δ",
    help="Largest change of channels d_rot … d−1 of a random vector rotated to position m = 1000.",
    value=f"{np.max(np.abs(probe_rotated[0, rotary_dim:] - probe[0, rotary_dim:]), initial=0.0):.1e}",
)
ui.chart(
    partial_rotary_figure(
        per_channel,
        rotary_dim,
        title=f"{preset_name}: {rotary_dim} of {preset.head_dim} channels rotate ({preset.convention} layout)",
    ),
    key="partial",
    alt=(
        f"Bars of each channel's rotation frequency for {preset_name}: channels 0 to {rotary_dim - 1} rotate, from "
        f"θ = 1 down to {partial_frequencies.min():.2g}; channels {rotary_dim} to {preset.head_dim - 1} do not rotate."
    ),
    csv=columns_to_csv({"channel": np.arange(preset.head_dim), "theta": per_channel}),
)
st.caption(preset.source)

st.subheader("The cos/sin cache")
ui.prose(
    "The tables $\\cos(m\\theta_i)$ and $\\sin(m\\theta_i)$ depend only on position, not on the token, so they are "
    "computed once and shared by every layer and head. Hugging Face stores each table with $d_{\\text{rot}}$ "
    "columns (the $d_{\\text{rot}}/2$ angles written twice, to match the half-split layout)."
)
ui.formula(kv_cos_sin_cache_bytes)
model_name = ui.choice("Model preset", list(rope_core.MODEL_PRESETS), "Llama 3.1 8B", key="model")
model = rope_core.MODEL_PRESETS[model_name]
bytes_float32 = kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float32)
bytes_unique = kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float32, duplicated=False)
bytes_float64 = kv_cos_sin_cache_bytes(model.context_length, model.rotary_dim, np.float64)
context_column, cache_column, unique_column, double_column = st.columns(4)
context_column.metric("context L", f"{model.context_length:,}", help=f"d_rot = {model.rotary_dim} for this model.")
cache_column.metric("cos + sin, float32", f"{bytes_float32 / MIB:,.2f} MiB")
unique_column.metric("without the duplicate halves", f"{bytes_unique / MIB:,.2f} MiB")
double_column.metric("in float64", f"{bytes_float64 / MIB:,.2f} MiB")
preset_names = list(rope_core.MODEL_PRESETS)
sizes = np.array(
    [kv_cos_sin_cache_bytes(p.context_length, p.rotary_dim, np.float32) / MIB for p in rope_core.MODEL_PRESETS.values()]
)
ui.chart(
    cache_size_figure(preset_names, sizes, model_name, title="cos/sin cache for the full context (float32, MiB)"),
    key="cache",
    alt=f"Horizontal bars of cos/sin cache size per model; {model_name} needs {bytes_float32 / MIB:,.2f} MiB.",
    csv=columns_to_csv(
        {
            "model": preset_names,
            "context_length": [p.context_length for p in rope_core.MODEL_PRESETS.values()],
            "rotary_dim": [p.rotary_dim for p in rope_core.MODEL_PRESETS.values()],
            "cache_mib_float32": sizes,
        }
    ),
)
st.caption(
    "Small next to the weights (a 7B model is about 13 GiB in bf16) — but it grows linearly with the context, "
    "which is why long-context code often computes cos and sin on the fly for the positions it needs."
)

st.subheader("Precision: float32 angles drift at long range")
ui.prose(
    "The angle $m\\theta_i$ grows without bound. Float32 has 24 significant bits, so at $m = 8191$ the angle of "
    "the fastest pair (≈ 8191 rad) is only known to about $5\\times10^{-4}$ rad, and at $m = 10^6$ to about "
    "$0.05$ rad — a visible rotation error. Forming the angle in float64 (or reducing it modulo $2\\pi$ "
    "before rounding) removes the problem; `rope_core.apply_rope` forms angles in float64 even for float32 "
    "inputs for exactly this reason."
)
ui.formula(float32_angle_error)
position_column, base_column = st.columns(2)
with position_column:
    position = ui.choice(
        "Position m", POSITION_CHOICES, 131_072, key="pos", widget="select_slider", format_func=lambda v: f"{v:,}"
    )
with base_column:
    base = ui.base_choice()
frequencies = inv_freq_of(128, base)
errors = precision_of(PRECISION_POSITIONS, frequencies)
chosen_error = float(precision_of(np.array([float(position)]), frequencies)[0])
reference_errors = precision_of(np.array([8191.0, 1e6]), frequencies)
error_column, short_column, long_column = st.columns(3)
error_column.metric(f"max error at m = {position:,}", f"{chosen_error:.1e}")
short_column.metric("at m = 8,191", f"{reference_errors[0]:.1e}")
long_column.metric("at m = 1,000,000", f"{reference_errors[1]:.1e}")
ui.chart(
    precision_figure(
        PRECISION_POSITIONS,
        errors,
        position,
        chosen_error,
        title=f"Largest cos/sin error from float32 angles (d = 128, b = {ui.format_base(base)})",
    ),
    key="precision",
    alt=(
        f"Log-log line of the float32 angle error against position, rising roughly in proportion to m; at "
        f"m = {position:,} it is {chosen_error:.1e}."
    ),
    csv=columns_to_csv({"position": PRECISION_POSITIONS, "max_cos_sin_error": errors}),
)

ui.try_this(
    [
        "Drag **d** from 64 to 512. The operation counts move apart by a factor of about (2d² − d)/3d; does the "
        "measured time ratio follow? Set **L** to 1: now Python overhead dominates every form.",
        "Set the layout picture to d = 8 and read P: row j has its 1 in column P[j]. Check that interleaved pair 1 "
        "(channels 2, 3) lands on half-split channels 1 and 5.",
        "Compare the two right-hand score maps: the converted one is identical to the original, the unconverted "
        "one is plausible-looking but wrong. Would a loss curve catch this bug quickly?",
        "Set **m** to 1,000,000: some pairs are now off by about 0.05 rad (3°) at every token. Then try other "
        "bases: the error moves only by a small factor — it is set by float32's 24 bits, not by b.",
    ]
)
ui.misconception(
    "Interleaved and half-split RoPE are different position encodings.",
    "They are the same encoding with the channels listed in a different order: the same frequencies, the same "
    "relative-position property, the same scores once W_q and W_k are permuted. Only the vectors, as stored, "
    "differ — which is exactly why loading weights into the other layout without permuting is a bug.",
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
    "Real RoPE is x·cos + rotate(x)·sin with cached tables: O(d) instead of O(d²). Which channels pair up is a "
    "layout convention — converting a checkpoint means permuting the rows of W_q and W_k — and the angle m·θ "
    "must be formed carefully, because float32 loses about 0.05 rad by position one million."
)
ui.end_page(CHAPTER)
