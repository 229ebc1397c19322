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

# Timed once per setting and kept until "Measure again", so nothing else on the page re-times it.
measured_forms = st.cache_data(lesson.time_linear_attention, max_entries=32, show_spinner=False)


def _weightings(length: int, dim: int, base: float, seed: int, causal: bool):
    """The three weight matrices of the same seeded q and k: softmax + RoPE, plain linear, linear + RoPE (Eq. 19)."""
    q, k, _ = lesson.seeded_qkv(length, dim, seed)
    positions = np.arange(length, dtype=np.float64)
    frequencies = rope_core.inv_freq(dim, base)
    return (
        lesson.softmax_rope_weights(q, k, positions, frequencies, causal),
        lesson.linear_attention_weights(q, k, causal),
        rope_core.linear_attention_rope_weights(q, k, positions, frequencies, causal),
    )


# A few milliseconds at N = 96, d = 64; cached so that coming back to a setting costs nothing.
weightings = st.cache_data(_weightings, max_entries=64, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "how attention can run in time linear in the sequence length, how RoFormer puts RoPE inside it, and why the "
    "resulting weights are no longer probabilities."
)
ui.prose(
    "Softmax attention compares every query with every key: an $N \\times N$ score matrix, so cost grows with "
    "$N^2$. **Linear attention** replaces $\\exp(q^\\top k)$ by $\\phi(q)^\\top \\phi(k)$ with a positive feature map "
    "$\\phi(x) = \\operatorname{elu}(x) + 1$; the sums over keys can then be computed once and shared by every "
    "query, for $O(N d^2)$ instead of $O(N^2 d)$. RoPE fits in by rotating the features, but RoFormer rotates "
    "**only the numerator**: a rotated denominator could reach zero. The price is that the weights on the values "
    "**can be negative and need not sum to 1**."
)
ui.formula(rope_core.linear_attention_rope, caption="RoFormer Eq. 19: R_m rotates by position m, φ = elu + 1.")


@ui.section
def weights_section() -> None:
    st.subheader("Three weightings of the same queries, keys and values")
    first, second = st.columns(3), st.columns([1, 2])
    with first[0]:
        length = ui.slider(
            "Sequence length N", 4, 96, 64, key="L", help="How many tokens; every panel is an N × N weight matrix."
        )
    with first[1]:
        dim = ui.choice("Head size d", DIM_CHOICES, 16, key="d", widget="select_slider", help="Size of q, k and v.")
    with first[2]:
        base = ui.base_choice()
    with second[0]:
        seed = ui.slider(
            "Random seed for q, k, v", 0, 99, 0, key="seed", help="The same inputs feed all three methods."
        )
    with second[1]:
        causal = ui.toggle("Causal (each token sees only itself and earlier tokens)", False, key="causal")

    weights = weightings(length, dim, base, seed, causal)
    rope_linear = weights[2]
    row_sums = [matrix.sum(axis=1) for matrix in weights]
    readouts = st.columns(3)
    readouts[0].metric("Negative weights in Eq. 19", f"{int(np.count_nonzero(rope_linear < 0))} of {rope_linear.size}")
    readouts[1].metric("Most negative weight", f"{rope_linear.min():.4f}")
    readouts[2].metric(
        "Row sums of Eq. 19 (min … max)",
        f"{row_sums[2].min():.3f} … {row_sums[2].max():.3f}",
        help="Softmax and plain linear rows always sum to 1 (largest deviation here: "
        f"{max(np.abs(row_sums[0] - 1).max(), np.abs(row_sums[1] - 1).max()):.1e}).",
    )
    ui.chart(figures.weight_heatmaps_chart(weights, dim), key="weights")
    st.caption(
        "Red is positive, white zero, blue negative. Each panel has its own colour range, given in its title as ±x: "
        "full red is +x, full blue −x. Blue rings mark every negative weight. The CSV holds the Eq. 19 weights "
        "(rows = queries)."
    )
    with ui.go_deeper("how much weight each query hands out"):
        ui.chart(figures.row_sums_chart(np.arange(length), row_sums), key="row_sums")
        ui.prose(
            "Why mostly **below** 1? The elu+1 features are all positive, so $\\phi(q)$ and $\\phi(k)$ share a large "
            "common direction and their dot products are big. Rotating them by different angles spoils part of that "
            "alignment, so the rotated numerator is usually smaller than the unrotated denominator, and where the "
            "rotations disagree enough a weight turns negative."
        )


weights_section()

with ui.go_deeper("why the regrouped sums cost O(N)"):
    ui.prose(
        "Softmax attention must form its score matrix in full: $\\exp(q^\\top k)$ does not split into a query part "
        "times a key part. A feature map does: "
        "$\\sum_n \\big(\\phi(q_m)^\\top \\phi(k_n)\\big)\\, v_n^\\top = "
        "\\phi(q_m)^\\top \\sum_n \\phi(k_n)\\, v_n^\\top$, "
        "and $\\sum_n \\phi(k_n) v_n^\\top$ is one $d \\times d_v$ matrix, computed once for every query (or carried "
        "as a running sum when attention is causal). RoPE keeps this shape: a rotated vector is still just a vector, "
        "so $R_n \\phi(k_n)$ goes into the same sum."
    )
    ui.formula(rope_core.linear_attention, caption="Linear attention: the sums over n are shared by every query m.")


@ui.section
def timing_section() -> None:
    ui.prose(
        "Both forms below compute exactly Eq. 19 (non-causal, seed 0, b = 10k): one builds the full $N \\times N$ "
        "weight matrix and multiplies it by $V$, the other carries the sums over $n$. They must agree to rounding "
        "error, and the gap between their costs must widen as N grows."
    )
    ui.formula(lesson.linear_attention_rope_bruteforce, caption="The O(N²) reference: weights first, then values.")
    controls = st.columns(2)
    with controls[0]:
        longest = ui.choice(
            "Longest sequence to time",
            TIMED_LENGTHS,
            1024,
            key="N",
            widget="select_slider",
            help=f"Lengths 64, 128, … up to this are timed on the server, at most {lesson.MAX_TIMED_LENGTH}.",
        )
    with controls[1]:
        dim = ui.choice("Head size d for the timing", DIM_CHOICES, 16, key="td", widget="select_slider")
    timing = measured_forms(
        [length for length in TIMED_LENGTHS if length <= longest],
        dim,
        10_000.0,
        0,
        False,
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


with ui.go_deeper("O(N) against O(N²), timed live"):
    timing_section()

ui.try_this(
    [
        "Lower the **base** to 100: more pairs turn quickly between neighbours, and the count of negative weights "
        "jumps (about ten-fold at the defaults).",
        "Shrink **d** to 8 and lengthen **N**: fewer pairs average out less, so more weights dip below zero.",
        "Switch on **causal**: the upper triangle empties in all three panels. Only Eq. 19's first row sums to "
        "exactly 1. Why? (Query 0 sees only key 0, and R_0 is the identity.)",
        "In the timing, go to 2048 with d = 8, then with d = 64: the O(N) form pays for d², so its advantage "
        "shrinks as d grows.",
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
    "go into the same regrouped sums, so the O(N) cost survives; the live timing (under Go deeper) shows both "
    "forms agree.",
)
ui.takeaway(
    "RoPE works inside O(N) linear attention by rotating the features in the numerator only; the cost stays "
    "linear, but the weights may be negative and need not sum to 1."
)
ui.end_page(CHAPTER)
