"""Chapter 7: long-term decay — RoFormer's bound, the scores of aligned vectors, and why random vectors show none."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c07_long_term_decay as figures
from ropelab.lessons import c07_long_term_decay as lesson

CHAPTER = 7
HEAD_DIMS = (8, 16, 32, 64, 96, 128, 256)
# Every integer distance up to this many points, then a stride of 2: still about three samples per wiggle of the
# fastest pair (period 2π ≈ 6.3 tokens), and the bound for d = 256 stays well inside the page's time budget.
CURVE_POINTS = 2_048
COMPARISON_POINTS = 1_024
RANDOM_POINTS = 256
RANDOM_SAMPLES = 256
# Where the try-this prompt asks the reader to read the curve (d = 128, b = 10k, as in the paper's figure).
READ_AT = np.array([1, 10, 100])

# Each curve costs milliseconds at d = 256 and 4,096 distances; cached per setting (and per base for the bound).
decay_bound = st.cache_data(rope_core.decay_bound, max_entries=64, show_spinner=False)
all_ones_score = st.cache_data(rope_core.all_ones_score, max_entries=32, show_spinner=False)
random_score_mean = st.cache_data(lesson.random_score_mean, max_entries=32, show_spinner=False)


@ui.section
def decay_section(max_distance: int, dim: int, base: float) -> None:
    st.subheader("The bound, and what real scores do")
    distances = lesson.display_distances(max_distance, CURVE_POINTS)
    random_distances = lesson.display_distances(max_distance, RANDOM_POINTS)
    bound = decay_bound(distances, dim, base)
    all_ones = all_ones_score(distances, dim, base)
    seed_column, note_column = st.columns([1, 2], gap="large", vertical_alignment="center")
    with seed_column:
        seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Which random queries and keys are averaged.")
    with note_column:
        st.caption(
            "The seed picks the random queries and keys of the bottom panel's green curve; the bound and the "
            "all-ones curve do not depend on it."
        )
    random_mean, random_error = random_score_mean(random_distances, dim, base, n_samples=RANDOM_SAMPLES, seed=seed)
    label = f"d = {dim}, b = {ui.format_base(base)}"
    ui.chart(
        figures.decay_chart(distances, bound, all_ones, random_distances, random_mean, random_error, label), key="decay"
    )
    st.download_button(
        "Download the random-vector means (CSV)",
        figures.random_means_csv(random_distances, random_mean, random_error),
        file_name="ropelab_decay_random.csv",
        mime="text/csv",
        key="decay_random_csv",
        on_click="ignore",
        icon=":material/download:",
        type="tertiary",
    )
    st.caption(
        f"Bound: {bound[0]:.2f} at distance 0 (that is (d/2 + 1)/2: every phase is 1, so |S_j| = j), {bound[-1]:.2f} "
        f"at {distances[-1]:,}. All-ones score / d: 1 at distance 0, {all_ones[-1]:.3f} at {distances[-1]:,}. "
        f"Largest |mean random score| / d: {np.max(np.abs(random_mean)):.4f} over {RANDOM_SAMPLES} random pairs of "
        "q and k, sampling noise around 0."
    )
    ui.prose(
        "**Top panel.** The bound starts at (d/2 + 1)/2 (= 32.5 for d = 128) because at distance 0 every phase is 1, "
        "and it shrinks as the phases of the fast pairs spread around the circle and cancel. It wiggles instead of "
        "falling smoothly: at some distances several pairs line up again.\n\n"
        "**Bottom panel.** These are actual scores ⟨q, R k⟩ divided by d, so 1 means a perfect match at distance 0. "
        "For **q = k = all-ones** every pair contributes cos((m − n)θᵢ), and their average falls with distance — "
        "that is the decay people picture. For **random q and k** (independent, mean zero) the *expected* score is "
        "0 at every distance, including distance 0, and the sample mean stays within noise of it: a rotation cannot "
        "create agreement between vectors that have none to begin with. The shaded band is ±2 standard errors."
    )


@ui.section
def bases_section(max_distance: int, dim: int, base: float) -> None:
    compare = st.columns(2)
    with compare[0]:
        second_base = ui.base_choice("Second base", default=500_000.0, key="base2")
    with compare[1]:
        third_base = ui.base_choice("Third base", default=100.0, key="base3")
    comparison_distances = lesson.display_distances(max_distance, COMPARISON_POINTS)
    bases = list(dict.fromkeys((base, second_base, third_base)))
    curves = [(f"b = {ui.format_base(each)}", decay_bound(comparison_distances, dim, each)) for each in bases]
    ui.chart(figures.bound_comparison_chart(comparison_distances, curves, dim), key="bases")
    ui.prose(
        "Every base starts at the same value, because at distance 0 nothing has rotated. A **small base** has many "
        "fast pairs, so the phases spread out within a few tokens and the bound drops quickly, and then it stops "
        "falling: beyond a few dozen tokens it only oscillates, so it no longer tells near from far (try b = 100 "
        "over 4,096 tokens). A **large base** such as 500k keeps most pairs slow, so the bound falls more slowly and "
        "stays higher at long range. Long-context models raise the base; in the decay picture that damps distant "
        "tokens less, while Barbero et al. argue it keeps the slow, meaning-carrying pairs stable over a longer "
        "context."
    )


ui.start_page(CHAPTER)
ui.goal(
    "what RoFormer's “long-term decay” of RoPE really is — an upper bound that shrinks, with wiggles, as the "
    "distance grows — and when actual attention scores follow it (aligned queries and keys) and when they do not "
    "(random ones)."
)
ui.prose(
    "The RoFormer paper (§3.4.3) says RoPE has **long-term decay**: the score between a query and a key tends to get "
    "smaller as the tokens get further apart. What it does is derive an upper bound on the score and show "
    "numerically, in its Fig. 2, that the bound falls with distance; it does not prove that scores decay. The "
    "argument views each pair as a complex number, so the score is the real part of "
    r"$\sum_i h_i\, e^{i(m-n)\theta_i}$ with $h_i = \tilde q_i \overline{\tilde k_i}$. Summing by parts (Abel "
    r"summation) with the partial sums $S_j$ of the rotating phases bounds its size by *(the largest jump between "
    r"neighbouring $h_i$)* × $\sum_j |S_j|$. The second factor does not depend on the vectors at all — only on the "
    r"distance, $d$ and $b$ — and its average is the curve of the paper's Fig. 2."
)
ui.formula(rope_core.decay_bound, caption="The factor the paper plots against the distance r = m − n (its Fig. 2).")

controls = st.columns(3)
with controls[0]:
    max_distance = ui.slider(
        "Maximum distance m − n", 16, 4_096, 256, step=16, key="L", help="The paper's Fig. 2 spans 0 … 256 tokens."
    )
with controls[1]:
    dim = ui.choice("Head dimension d", HEAD_DIMS, 128, key="d", widget="select_slider", help="d/2 rotating pairs.")
with controls[2]:
    base = ui.base_choice()

decay_section(max_distance, dim, base)

ui.misconception(
    "RoPE makes every attention score decay with distance, even for random queries and keys.",
    "For independent zero-mean q and k the **expected score is exactly 0 at every distance**, so there is "
    "nothing to decay from. For Gaussian q and k even the spread stays put: a rotated random key R k is just "
    "another random key, so the scores have the same distribution at every distance. Decay shows up when q and k "
    "are aligned: for q = k, even a random one, the expected score follows the all-ones curve. The bound is a "
    "*ceiling* on the score, not the score itself. Barbero et al. (2024), “Round and Round We Go! What makes "
    "Rotary Positional Encodings useful?”, go further and argue that decay is unlikely to be the reason RoPE "
    "works: studying Gemma 7B, they find the model uses the fastest pairs to build sharp positional attention "
    "patterns (such as attending to the previous token) and the slowest pairs as channels for meaning.",
)

with ui.go_deeper("what the base does to the bound"):
    bases_section(max_distance, dim, base)

read_at = decay_bound(READ_AT, 128, 10_000.0)
ui.try_this(
    [
        "Set the maximum distance to 4,096 and, in Go deeper, compare b = 100 with b = 500k: which one only "
        "oscillates after the first few dozen tokens, and which one stays higher at long range?",
        "Change the random seed a few times: the green mean jumps around zero but never follows the orange curve.",
        "Drop d to 8: with only four pairs there is little to cancel, and both the bound and the all-ones score "
        "oscillate instead of decaying.",
        "With d = 128 and b = 10k, compare the top curve with the curve of Fig. 2 in the RoFormer paper: the same "
        "fall from 32.5, with wiggles. Hover to read it: "
        + ", ".join(f"{value:.2f} at distance {distance}" for distance, value in zip(READ_AT, read_at, strict=True))
        + ".",
    ]
)
ui.check_yourself(
    "For d = 128 and b = 10,000, why is the bound exactly 32.5 at distance 0, and what is the expected score of "
    "two independent random vectors at distance 0?",
    "At distance 0 every phase e^{i·0} = 1, so the partial sums are |S_j| = j and the curve is the mean of "
    "1, 2, …, 64, which is (64 + 1)/2 = **32.5**. The expected score of independent zero-mean random vectors is "
    "**0** — at distance 0 and at every other distance — so they show no decay at all.",
)
ui.takeaway(
    "RoFormer's long-term decay is a falling upper bound, not a law: scores of aligned q and k fade (with wiggles) "
    "as the distance grows, random q and k average to zero at every distance, and Barbero et al. (2024) argue that "
    "decay is unlikely to be what makes RoPE work."
)
ui.end_page(CHAPTER)
