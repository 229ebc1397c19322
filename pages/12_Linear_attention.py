"""Chapter 12: RoPE inside linear attention (RoFormer §3.3, Eq. 19) — rotation in the numerator only."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c12_linear_attention as figures
from ropelab.lessons import c12_linear_attention as lesson

CHAPTER = 12
DIM_CHOICES = (8, 16, 32, 64)
TIMED_LENGTHS = tuple(2**power for power in range(6, 12))  # 64 … 2048
# One rerun must stay under about a second even on a busy machine; the timing stops early to respect this.
TIMING_BUDGET_SECONDS = 0.7

# Timed once per setting and kept until "Measure again", so the sliders above the timing do not re-time it.
measured_forms = st.cache_data(lesson.time_linear_attention, max_entries=32, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "how attention can run in time linear in the sequence length, how RoFormer puts RoPE inside it, and why the "
    "resulting weights are no longer probabilities."
)

st.subheader("Why softmax attention costs N²")
ui.prose(
    "Softmax attention compares every query with every key: for $N$ tokens it forms an $N \\times N$ score matrix, "
    "so time and memory grow with $N^2$. **Linear attention** swaps $\\exp(q^\\top k)$ for a product of feature "
    "maps $\\phi(q)^\\top \\phi(k)$ with $\\phi(x) = \\operatorname{elu}(x) + 1$, which is always positive. Then the "
    "sum over keys can be regrouped: $\\sum_n \\phi(k_n) v_n^\\top$ is one $d \\times d_v$ matrix, computed once and "
    "shared by every query (or carried as a running sum when attention is causal). Cost: $O(N d^2)$ instead of "
    "$O(N^2 d)$."
)
ui.formula(rope_core.linear_attention, caption="Linear attention: the sums over n are shared by every query m.")
ui.prose(
    "RoPE fits in because a rotated vector is still just a vector: rotate the *features* $\\phi(q_m)$ and "
    "$\\phi(k_n)$ by their positions and the same regrouping works. RoFormer rotates **only the numerator**. "
    "Rotated features can point in any direction, so a rotated denominator could reach zero or turn negative; "
    "keeping the denominator unrotated keeps it safely positive. The price: the weights on the values can be "
    "negative and no longer add up to 1."
)
ui.formula(rope_core.linear_attention_rope, caption="RoFormer Eq. 19: R_m rotates by position m, φ = elu + 1.")

st.subheader("Three weightings of the same queries, keys and values")
controls, readouts = st.columns([3, 2])
with controls:
    length = ui.slider(
        "Sequence length N", 4, 96, 64, key="L", help="How many tokens; every panel is an N × N weight matrix."
    )
    dim = ui.choice("Head size d", DIM_CHOICES, 16, key="d", widget="select_slider", help="Dimension of q, k and v.")
    base = ui.base_choice()
    seed = ui.slider("Random seed for q, k, v", 0, 99, 0, key="seed", help="The same inputs feed all three methods.")
    causal = ui.toggle("Causal (each token sees only itself and earlier tokens)", False, key="causal")

q, k, v = lesson.seeded_qkv(length, dim, seed)
positions = np.arange(length, dtype=np.float64)
frequencies = rope_core.inv_freq(dim, base)
weights = (
    lesson.softmax_rope_weights(q, k, positions, frequencies, causal),
    lesson.linear_attention_weights(q, k, causal),
    rope_core.linear_attention_rope_weights(q, k, positions, frequencies, causal),
)
rope_linear = weights[2]
negative_count = int(np.count_nonzero(rope_linear < 0))
row_sums = [matrix.sum(axis=1) for matrix in weights]
with readouts:
    st.metric("Negative weights in Eq. 19", f"{negative_count} of {rope_linear.size}")
    st.metric("Most negative weight", f"{rope_linear.min():.4f}")
    st.metric("Row sums of Eq. 19 (min … max)", f"{row_sums[2].min():.3f} … {row_sums[2].max():.3f}")
    st.caption(
        "Softmax and plain linear rows always sum to 1 "
        f"(largest deviation here: {max(np.abs(row_sums[0] - 1).max(), np.abs(row_sums[1] - 1).max()):.1e})."
    )

ui.chart(figures.weight_heatmaps_chart(weights, dim), key="weights")
st.caption(
    "Red is positive, white zero, blue negative; each panel has its own colour range, and blue rings mark every "
    "negative weight. The CSV holds the Eq. 19 weights (rows = queries)."
)
ui.chart(figures.row_sums_chart(positions, row_sums), key="row_sums")
ui.prose(
    "Why mostly **below** 1 here? The elu+1 features are all positive, so $\\phi(q)$ and $\\phi(k)$ share a "
    "large common direction and their dot products are big. Rotating them by different angles spoils part of that "
    "alignment, so the rotated numerator is usually smaller than the unrotated denominator — and where a fast pair "
    "has turned far enough, a term becomes negative."
)

st.subheader("O(N) against O(N²), timed live")
ui.prose(
    "Both forms below compute exactly Eq. 19: one builds the full $N \\times N$ weight matrix and multiplies it by "
    "$V$; the other carries the sums over $n$ (running sums when causal). They must agree to rounding error, "
    "and the gap between their costs must widen as N grows."
)
ui.formula(lesson.linear_attention_rope_bruteforce, caption="The O(N²) reference: weights first, then values.")
longest = ui.choice(
    "Longest sequence to time",
    TIMED_LENGTHS,
    1024,
    key="N",
    widget="select_slider",
    help=f"Lengths 64, 128, … up to this are timed on the server, at most {lesson.MAX_TIMED_LENGTH}.",
)
timing = measured_forms(
    [length_ for length_ in TIMED_LENGTHS if length_ <= longest],
    dim,
    base,
    seed,
    causal,
    budget_seconds=TIMING_BUDGET_SECONDS,
)
fast_ms, quadratic_ms = timing.fast_seconds * 1e3, timing.quadratic_seconds * 1e3
largest = int(timing.lengths[-1])
st.markdown(f"**Measured at N = {largest}, d = {dim}**")
fast_column, quadratic_column, memory_column, agreement_column = st.columns(4)
fast_column.metric("O(N) form", f"{fast_ms[-1]:.1f} ms", border=True)
quadratic_column.metric("O(N²) form", f"{quadratic_ms[-1]:.1f} ms", border=True)
memory_column.metric(
    "N × N matrix",
    f"{largest * largest * 8 / 2**20:.1f} MB",
    border=True,
    help=f"The O(N) form only keeps a d × d state: {dim * dim * 8 / 2**10:.1f} kB in float64.",
)
agreement_column.metric(
    "Max difference",
    f"{timing.max_abs_difference.max():.1e}",
    border=True,
    help="Largest |O(N) − O(N²)| over every output, at every N timed.",
)
if timing.skipped:
    ui.notice(
        "This machine is busy, so to keep the page responsive these lengths were not timed: "
        + ", ".join(str(skipped) for skipped in timing.skipped)
        + "."
    )
ui.chart(figures.timing_chart(timing, dim), key="timing")
st.caption(
    "Wall-clock times on a shared server, taken once per setting and kept; they jitter between measurements. On "
    "a log-log plot a cost ∝ N has slope 1 and a cost ∝ N² slope 2; at small N fixed overheads hide both."
)
ui.measure_again_button(measured_forms, key="retime")

ui.try_this(
    [
        "Lower the **base** to 100: the fast pairs turn further between neighbours, and the count of negative "
        "weights jumps.",
        "Shrink **d** to 8 and lengthen **N**: fewer pairs average out less, so more weights dip below zero.",
        "Switch on **causal**: the upper triangle empties in all three panels. Only Eq. 19's first row sums to "
        "exactly 1 — why? (Query 0 sees only key 0, and R_0 is the identity.)",
        "Raise the longest timed length to 2048 with **d = 8**, then with **d = 64**: the O(N) form pays for d², "
        "so its advantage shrinks as d grows.",
    ]
)
ui.check_yourself(
    "Why does RoFormer leave the denominator of Eq. 19 unrotated, and what does that cost?",
    "A rotated denominator $\\sum_n (R_m\\phi(q_m))^\\top (R_n\\phi(k_n))$ can be zero or negative, because "
    "rotation destroys the positivity that elu+1 guaranteed; dividing by it would be unstable. Keeping "
    "$\\sum_n \\phi(q_m)^\\top \\phi(k_n) > 0$ avoids that, but then numerator and denominator no longer match: "
    "the weights can be negative and a row need not sum to 1, so they are not a probability distribution.",
)
ui.misconception(
    "RoPE needs the full attention matrix, so it cannot be used with linear attention.",
    "RoPE only rotates each query and key by its own position, an O(d) operation per token. The rotated vectors "
    "go into the same regrouped sums, so the O(N) cost survives; the chart above shows both forms agree.",
)
ui.takeaway(
    "RoPE works inside O(N) linear attention by rotating the features in the numerator only; the cost stays "
    "linear, but the weights may be negative and need not sum to 1."
)
ui.end_page(CHAPTER)
