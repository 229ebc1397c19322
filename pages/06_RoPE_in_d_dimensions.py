"""Chapter 6: RoPE in d dimensions — d/2 independent rotations, one per pair, each at its own speed."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c06_rope_in_d_dimensions as figures
from ropelab.lessons import c06_rope_in_d_dimensions as lesson

CHAPTER = 6
HEAD_DIMS = (4, 8, 16, 32, 64, 96, 128, 256)
CONTEXT_LENGTHS = (256, 512, 1_024, 2_048, 4_096, 8_192, 32_768, 131_072, 1_048_576)
FRAME_STRIDES = (1, 4, 16, 64, 256, 1_024)
ANIMATION_FRAMES = 96
CLOCK_COUNT = 8
HEATMAP_CELLS = 16_384

ui.start_page(CHAPTER)
ui.goal(
    "how RoPE rotates a whole d-dimensional query or key: it splits it into d/2 pairs and turns each pair by "
    r"its own angle $m\theta_i$, from a fast pair 0 that spins once every 6.28 tokens to slow pairs that barely move."
)
ui.prose(
    "In chapter 5 one pair of numbers was rotated by an angle proportional to its position. A real attention "
    "head has many more coordinates (d = 128 in Llama), so RoPE cuts the vector into **d/2 pairs** "
    r"$(x_0, x_1), (x_2, x_3), \dots$ and rotates **pair $i$ by the angle $m\theta_i$**. Written as one matrix, "
    r"that is a **block-diagonal** matrix $R_m$: a 2×2 rotation block for each pair on the diagonal and zeros "
    r"everywhere else, so the pairs never mix. Every block is a rotation, so $R_m$ keeps lengths, and the "
    r"identity $R_m^\top R_n = R_{n-m}$ still holds block by block: the score between a query at $m$ and a key "
    r"at $n$ depends only on $n - m$, exactly as in 2-D."
)
ui.formula(rope_core.rotation_matrix, caption="One 2×2 rotation per pair along the diagonal (interleaved layout).")
ui.formula(
    rope_core.inv_freq,
    caption="Pair i turns θᵢ radians per token. Pair 0 has θ₀ = b⁰ = 1 for every base: it is always the fastest.",
)

controls = st.columns(4)
with controls[0]:
    position = ui.slider("Position m", 0, 4_096, 3, key="m", help="Where the token sits in the sequence.")
with controls[1]:
    dim = ui.choice("Head dimension d", HEAD_DIMS, 128, key="d", widget="select_slider", help="d/2 pairs are rotated.")
with controls[2]:
    base = ui.base_choice()
with controls[3]:
    context_length = ui.choice(
        "Context length L (tokens)",
        CONTEXT_LENGTHS,
        4_096,
        key="L",
        widget="select_slider",
        help="Marked on the wavelength chart; the angle map and the turn counts cover positions 0 … L − 1.",
    )

n_pairs = dim // 2
frequencies = rope_core.inv_freq(dim, base)
wavelengths = rope_core.wavelengths(frequencies)

st.subheader("The block-diagonal rotation matrix")
matrix = rope_core.rotation_matrix(position, frequencies)
ui.chart(figures.rotation_matrix_chart(matrix, position), key="matrix")
angles_now = rope_core.rotation_angles(np.array([position]), frequencies)[0]
readouts = st.columns(3)
readouts[0].metric("Pair 0 angle m·θ₀ (mod 2π)", f"{np.mod(angles_now[0], 2 * np.pi):.3f} rad")
readouts[1].metric(f"Slowest pair {n_pairs - 1}: angle m·θ", f"{angles_now[-1]:.4f} rad", help="Barely moved.")
readouts[2].metric("Non-zero entries", f"{2 * dim} of {dim * dim:,}", help="2 per row: R is very sparse.")
ui.prose(
    r"Only $2d$ of the $d^2$ entries are non-zero, which is why real implementations never build this matrix: "
    r"they rotate each pair directly in $O(d)$ (chapter 9). The layout here is the paper's interleaved one, "
    r"pairing $(x_{2i}, x_{2i+1})$; Hugging Face pairs $x_i$ with $x_{i+d/2}$ instead, which only reorders the "
    "rows and columns."
)

st.subheader("A ladder of frequencies, from fast to slow")
compare_base = ui.base_choice("Compare with base", default=500_000.0, key="base2")
compare_frequencies = rope_core.inv_freq(dim, compare_base)
compare_wavelengths = rope_core.wavelengths(compare_frequencies)
label = f"b = {ui.format_base(base)}"
compare_label = f"b = {ui.format_base(compare_base)}"
ui.chart(
    figures.frequency_ladder_chart(
        frequencies,
        wavelengths,
        label,
        (compare_label, compare_frequencies, compare_wavelengths),
        context_length=context_length,
    ),
    key="ladder",
)
ladder = st.columns(3)
ladder[0].metric("Pair 0 wavelength (fastest)", f"{wavelengths[0]:.2f} tokens", help="2π/θ₀ = 2π for any base.")
ladder[1].metric(f"Slowest pair, {label}", f"{wavelengths[-1]:,.0f} tokens")
ladder[2].metric(
    f"Slowest pair, {compare_label}",
    f"{compare_wavelengths[-1]:,.0f} tokens",
    delta=f"×{compare_wavelengths[-1] / wavelengths[-1]:.3g}",
    delta_color="off",
)
ui.prose(
    r"$\theta_i = b^{-2i/d}$ falls geometrically, so on a log axis the ladder is a straight line from "
    r"$\theta_0 = 1$ down to about $1/b$. The **wavelength** $\lambda_i = 2\pi/\theta_i$ is how many tokens "
    "pair $i$ needs for one full turn. Pairs below the dashed line turn at least once inside the context; "
    "pairs above it never complete a turn, so their angle keeps growing and never repeats within it."
)

st.subheader("One clock per pair")
stride = ui.choice(
    "Tokens per animation frame",
    FRAME_STRIDES,
    1,
    key="step",
    widget="segmented",
    help="How far the position moves between two frames of the animation below.",
)
clock_pairs = lesson.evenly_spaced_pairs(n_pairs, CLOCK_COUNT)
frame_positions = position + stride * np.arange(ANIMATION_FRAMES)
clock_angles = rope_core.rotation_angles(frame_positions, frequencies[clock_pairs])
shown = ", ".join(str(pair) for pair in clock_pairs)
st.caption(
    f"Showing {clock_pairs.size} of the {n_pairs} pairs, evenly spaced from the fastest to the slowest: "
    f"pairs {shown}. Press ▶ Play or drag the slider under the clocks: it scrubs positions "
    f"{frame_positions[0]:,} … {frame_positions[-1]:,} in the browser, {stride:,} token(s) per frame."
)
ui.chart(figures.pair_clocks_chart(clock_angles, frame_positions, clock_pairs, wavelengths[clock_pairs]), key="clocks")

st.subheader("Every angle across the context")
# Budget the map by cells, not rows, so d = 256 costs no more to send than d = 128.
heat_positions = lesson.sampled_positions(context_length, max_rows=min(256, HEATMAP_CELLS // n_pairs))
heat_angles = rope_core.rotation_angles(heat_positions, frequencies)
row_stride = int(heat_positions[1] - heat_positions[0]) if heat_positions.size > 1 else 1
ui.chart(figures.angle_map_chart(heat_angles, heat_positions, label, context_length=context_length), key="angles")
st.caption(
    f"Rows every {row_stride:,} token(s) ({heat_positions.size} rows). "
    + (
        "At this spacing the fastest pairs turn by more than π between rows, so their colours look random: "
        "that is aliasing of the picture, not noise in RoPE. Pick a shorter L to see them cycle."
        if row_stride > 3
        else "Each row is one token, so even pair 0 shows its colour cycle every 6.28 rows."
    )
)

st.subheader("How many full turns in the context — and what the base does")
turns = rope_core.full_turns(context_length, frequencies)
compare_turns = rope_core.full_turns(context_length, compare_frequencies)
ui.formula(rope_core.full_turns, caption="Complete turns of pair i within L tokens (rounded down).")
ui.chart(
    figures.full_turns_chart(turns, label, (compare_label, compare_turns), context_length=context_length), key="turns"
)
counts = st.columns(3)
counts[0].metric(f"Pair 0 turns in {context_length:,} tokens", f"{int(turns[0]):,}")
counts[1].metric(f"Pairs with no full turn, {label}", f"{int((turns < 1).sum())} of {n_pairs}")
counts[2].metric(f"Pairs with no full turn, {compare_label}", f"{int((compare_turns < 1).sum())} of {n_pairs}")
ui.prose(
    r"**Why a larger base slows the slow pairs.** In $\theta_i = b^{-2i/d}$ the exponent is 0 for pair 0, so "
    r"the fastest pair does not care about $b$ at all. The exponent approaches $-1$ for the last pair, so the "
    r"slow end of the ladder scales like $1/b$. Going from b = 10k to 500k leaves pair 0 at 6.28 tokens per "
    "turn but stretches the slowest wavelength of a d = 128 head from about 54,400 to about 2.56 million "
    "tokens (×47). More pairs then stay below one turn across a long context, so far-apart positions still get "
    "distinct, slowly changing angles. That is why long-context models raise the base: Llama 3 uses 500k and "
    "Code Llama 1M."
)

ui.try_this(
    [
        "Press ▶ Play with 1 token per frame: only the first clock or two move visibly. Switch to 1,024 tokens per "
        "frame: now the slow clocks turn and the fast ones jump around erratically.",
        "Set d = 8 and look at the matrix: four 2×2 blocks, and the fast corner's cos/sin numbers change as you "
        "move m by one.",
        "Change the base from 10k to 500k and watch the wavelength line tilt up while its left end stays at 6.28.",
        "Set L = 1,048,576 (about a million tokens) and compare how many pairs never finish a turn for each base.",
    ]
)
ui.check_yourself(
    "With d = 128 and b = 10,000, which pair completes a full turn every ≈ 6.28 tokens, and roughly how many "
    "tokens does the slowest pair need for one turn?",
    "Pair **0**: θ₀ = b⁰ = 1 radian per token, so λ₀ = 2π ≈ 6.28 tokens, whatever the base. The slowest pair "
    "is i = 63 with θ₆₃ = 10000^(−126/128) ≈ 1.15·10⁻⁴, so λ₆₃ ≈ 54,410 tokens — far longer than a 4,096-token "
    "context, so it never completes a turn there.",
)
ui.misconception(
    "The first pair is the slow, coarse one and later pairs add finer detail.",
    r"It is the other way round: $\theta_i = b^{-2i/d}$ shrinks with $i$, so **pair 0 is the fastest** (one "
    "turn per 6.28 tokens) and the last pair is the slowest. Fast pairs tell neighbouring tokens apart; slow "
    "pairs change smoothly over thousands of tokens.",
)
ui.takeaway(
    "RoPE in d dimensions is d/2 independent 2-D rotations: pair i turns θᵢ = b^(−2i/d) radians per token, from "
    "pair 0 (fastest, 6.28 tokens per turn) to the slowest pair, whose speed the base b controls."
)
ui.end_page(CHAPTER)
