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

# Each curve costs milliseconds at d = 256 and 4,096 distances; cached per setting (and per base for the bound).
decay_bound = st.cache_data(rope_core.decay_bound, max_entries=64, show_spinner=False)
all_ones_score = st.cache_data(rope_core.all_ones_score, max_entries=32, show_spinner=False)
random_score_mean = st.cache_data(lesson.random_score_mean, max_entries=32, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "what RoFormer's “long-term decay” of RoPE really is — an upper bound that shrinks with distance — and "
    "when actual attention scores follow it (aligned queries and keys) and when they do not (random ones)."
)
ui.prose(
    "The RoFormer paper (§3.4.3) argues that RoPE gives **long-term decay**: the score between a query and a "
    "key tends to get smaller as the tokens get further apart. The argument views each pair as a complex "
    r"number, so the score is the real part of $\sum_i h_i\, e^{i(m-n)\theta_i}$ with "
    r"$h_i = \tilde q_i \overline{\tilde k_i}$. Summing by parts (Abel summation) with the partial sums "
    r"$S_j$ of the rotating phases bounds its size by *(the largest jump between neighbouring $h_i$)* × "
    r"$\sum_j |S_j|$. The second factor does not depend on the vectors at all — only on the distance, $d$ and "
    r"$b$ — and its average is the curve the paper plots."
)
ui.formula(rope_core.decay_bound, caption="The factor that shrinks with distance r = m − n (RoFormer's figure).")

controls = st.columns(4)
with controls[0]:
    max_distance = ui.slider(
        "Maximum distance m − n",
        16,
        4_096,
        256,
        step=16,
        key="L",
        help="The paper plots 0 … 256 tokens.",
    )
with controls[1]:
    dim = ui.choice("Head dimension d", HEAD_DIMS, 128, key="d", widget="select_slider", help="d/2 rotating pairs.")
with controls[2]:
    base = ui.base_choice()
with controls[3]:
    seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Which random queries and keys are averaged.")

st.subheader("The bound, and what real scores do")
distances = lesson.display_distances(max_distance, CURVE_POINTS)
random_distances = lesson.display_distances(max_distance, RANDOM_POINTS)
bound = decay_bound(distances, dim, base)
all_ones = all_ones_score(distances, dim, base)
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
readouts = st.columns(4)
readouts[0].metric("Bound at distance 0", f"{bound[0]:.2f}", help="(d/2 + 1)/2: every phase is 1, so |S_j| = j.")
readouts[1].metric(f"Bound at distance {distances[-1]:,}", f"{bound[-1]:.2f}")
readouts[2].metric(f"All-ones score / d at {distances[-1]:,}", f"{all_ones[-1]:.3f}", help="1 at distance 0.")
readouts[3].metric(
    "Max |random mean| / d",
    f"{np.max(np.abs(random_mean)):.4f}",
    help=f"Over {RANDOM_SAMPLES} random pairs of q, k; it is sampling noise around 0.",
)
ui.prose(
    "**Top panel.** The bound starts at (d/2 + 1)/2 (= 32.5 for d = 128) because at distance 0 every phase is 1, "
    "and it shrinks as the phases of the fast pairs spread around the circle and cancel. It wiggles instead of "
    "falling smoothly: at some distances several pairs line up again.\n\n"
    "**Bottom panel.** These are actual scores ⟨q, R k⟩ divided by d, so 1 means a perfect match at distance 0. "
    "For **q = k = all-ones** every pair contributes cos((m − n)θᵢ), and their average falls with distance — "
    "that is the decay people picture. For **random q and k** (independent, mean zero) the mean score is 0 at "
    "*every* distance, including distance 0: a rotation cannot create agreement between vectors that have none "
    "to begin with. The shaded band is ±2 standard errors of the sample mean."
)

ui.misconception(
    "RoPE makes every attention score decay with distance, even for random queries and keys.",
    "For independent zero-mean q and k the **expected score is exactly 0 at every distance**, so there is "
    "nothing to decay from. For Gaussian q and k even the spread stays put: a rotated random key R k is just "
    "another random key, so the scores have the same distribution at every distance. Decay shows up only when "
    "q and k point in similar directions: for q = k, even a random one, the expected score follows the all-ones "
    "curve. The bound is a *ceiling* on the score, not the score itself. Barbero et al. (2024), “Round and Round "
    "We Go! What makes Rotary Positional Encodings useful?”, go further and argue that decay is unlikely to be "
    "why RoPE works: studying Gemma 7B, they find the model uses the fastest pairs to build sharp positional "
    "attention patterns (such as attending to the previous token) and the slowest pairs as channels for meaning.",
)

st.subheader("Compare bases")
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
    "fast pairs, so the phases spread out within a few tokens and the bound drops quickly — and then stops: "
    "beyond a few dozen tokens it only oscillates around a floor, so it no longer tells near from far (try "
    "b = 100 over 4,096 tokens). A **large base** such as 500k keeps most pairs slow, so the bound falls "
    "slowly and keeps falling over far longer distances. Long-context models raise the base; in the decay "
    "picture that damps distant tokens less, while Barbero et al. read it as keeping the slow, meaning-carrying "
    "pairs stable over a longer context."
)

ui.try_this(
    [
        "Set the maximum distance to 4,096 and compare b = 100 with b = 500k in the base comparison: which one "
        "is still falling at long range, and which one only oscillates around a floor?",
        "Change the random seed a few times: the green mean jumps around zero but never follows the orange curve.",
        "Drop d to 8: with only four pairs there is little to cancel, and both the bound and the all-ones score "
        "oscillate instead of decaying.",
        "Hover over the top curve at distances 1, 10, 50 and 100 for d = 128, b = 10k and compare with the paper: "
        "31.54, 17.95, 12.63, 10.23.",
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
    "Long-term decay is an upper bound, not a law: scores of similar q and k fade (with wiggles) as the distance "
    "grows, but random q and k average to zero at every distance — and decay is probably not why RoPE works."
)
ui.end_page(CHAPTER)
