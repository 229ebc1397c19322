"""Chapter 6: RoPE in d dimensions — d/2 independent rotations, one per pair, each at its own speed; worked by hand
for d = 4, then in ten lines of NumPy, then at the size of a real head."""

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
MAX_POSITION = 4_096
SCRUB_STOPS = 97
CLOCK_COUNT = 8
HEATMAP_CELLS = 16_384
# The worked example: two pairs, small numbers, a small base so that both pairs visibly turn.
EXAMPLE_QUERY = np.array([1.0, 2.0, 0.5, -1.0])
EXAMPLE_KEY = np.array([2.0, 1.0, 1.0, 0.5])
EXAMPLE_BASE = 100.0
EXAMPLE_MAX = 20


def _pair_text(values) -> str:
    return "(" + ", ".join(f"{value:.3f}" for value in values) + ")"


def _signed(value: float) -> str:
    # A negative factor in a written-out product reads best in brackets: 1 · (−0.416).
    return f"({value:.3f})" if value < 0 else f"{value:.3f}"


def _agreement(gap: float) -> str:
    return "exactly" if gap == 0 else f"to within {gap:.0e} (floating-point rounding)"


def _vector_text(values) -> str:
    return "(" + ", ".join(f"{value:g}" for value in values) + ")"


def worked_table(example: lesson.WorkedExample, shifted: bool) -> str:
    steps = example.shifted_steps if shifted else example.steps
    m, n = (example.m + example.shift, example.n + example.shift) if shifted else (example.m, example.n)
    header = f"| m = {m}, n = {n} | " + " | ".join(
        f"pair {index} (θ{'₀₁'[index]} = {theta:g})" for index, theta in enumerate(example.frequencies)
    )
    rows = [header + " |", "|---|" + "---|" * len(steps)]
    rows.append("| angles mθᵢ, nθᵢ | " + " | ".join(f"{s.q_angle:g}, {s.k_angle:g}" for s in steps) + " |")
    rows.append("| q's pair turned | " + " | ".join(_pair_text(s.q_turned) for s in steps) + " |")
    rows.append("| k's pair turned | " + " | ".join(_pair_text(s.k_turned) for s in steps) + " |")
    rows.append("| their dot product | " + " | ".join(f"**{s.product:.3f}**" for s in steps) + " |")
    total = example.shifted_score if shifted else example.score
    rows.append(f"| the score: their sum | **{total:.4f}** |" + " |" * (len(steps) - 1))
    return "\n".join(rows)


@ui.section
def worked_example_section() -> None:
    st.subheader("Worked example: d = 4, by hand")
    controls = st.columns(3)
    with controls[0]:
        m = ui.slider("Query position", 0, EXAMPLE_MAX, 2, key="ex_m")
    with controls[1]:
        n = ui.slider("Key position", 0, EXAMPLE_MAX, 1, key="ex_n")
    with controls[2]:
        shift = ui.slider("Then move both by Δ", 0, EXAMPLE_MAX, 3, key="ex_shift")
    example = lesson.worked_example(EXAMPLE_QUERY, EXAMPLE_KEY, m, n, shift, EXAMPLE_BASE)
    theta = example.frequencies
    words, picture = st.columns([1.15, 1], gap="large")
    with words:
        ui.prose(
            f"Take d = 4 and a small base b = {EXAMPLE_BASE:g}: two pairs, $(x_0, x_1)$ turning "
            f"$\\theta_0 = {EXAMPLE_BASE:g}^{{-0/4}} = {theta[0]:g}$ radian per position and $(x_2, x_3)$ turning "
            f"$\\theta_1 = {EXAMPLE_BASE:g}^{{-2/4}} = {theta[1]:g}$. The query $q = {_vector_text(EXAMPLE_QUERY)}$ "
            f"sits at $m = {m}$, the key $k = {_vector_text(EXAMPLE_KEY)}$ at $n = {n}$. Each pair turns on its own, "
            "$(x, y) \\mapsto (x\\cos\\alpha - y\\sin\\alpha,\\; x\\sin\\alpha + y\\cos\\alpha)$; for the "
            "query's first pair:"
        )
        first = example.steps[0]
        alpha = first.q_angle
        x, y = EXAMPLE_QUERY[:2]
        cos, sin = _signed(np.cos(alpha)), _signed(np.sin(alpha))
        # Three short lines, so the written-out turn fits half a page and a phone.
        ui.formula(
            f"\\begin{{gathered}}\\alpha = {m} \\cdot {theta[0]:g} = {alpha:g} \\\\ "
            f"({x:g}\\cdot {cos} - {y:g}\\cdot {sin},\\; {x:g}\\cdot {sin} + {y:g}\\cdot {cos}) \\\\ "
            f"= ({first.q_turned[0]:.3f},\\; {first.q_turned[1]:.3f})\\end{{gathered}}"
        )
        st.caption(
            "The picture shows every pair's q and k at the moved positions; drag its scrubber to move both by Δ."
        )
    with picture:
        stops = lesson.worked_stops(example, np.arange(EXAMPLE_MAX + 1))
        ui.chart(figures.worked_pairs_chart(example, stops), key="worked")
    before, after = st.columns(2, gap="medium")
    for column, shifted in ((before, False), (after, True)):
        with column:
            st.markdown(worked_table(example, shifted=shifted))
    if shift:
        st.caption(
            f"Moving both positions by Δ = {shift} changes every angle and every turned pair, yet each pair's dot "
            "product stays the same: it depends only on that pair's angle difference (m − n)θᵢ. So the total does too."
        )
    else:
        st.caption("With Δ = 0 both tables are the same; move both positions with Δ and watch each pair's dot product.")
    with ui.go_deeper("the same in code: ten lines of NumPy, as in PyTorch"):
        code_section(example)


def code_section(example: lesson.WorkedExample) -> None:
    ui.prose(
        "This is how RoPE usually looks in PyTorch code (Hugging Face's Llama, for one), written with NumPy. It "
        "pairs channel $i$ with channel $i + d/2$ rather than neighbours (the paper's interleaved pairs "
        "$(x_{2i}, x_{2i+1})$, kept by GPT-J and Meta's original Llama code, differ only in the order of the "
        "channels), and `rotate_half` hands each channel its partner turned by 90°, so `x·cos + rotate_half(x)·sin` "
        "turns every pair at once. These are the functions this page runs:"
    )
    st.code(lesson.textbook_source(), language="python")
    check = lesson.code_check(example)
    order = ", ".join(f"x{index}" for index in check.half_order)
    ui.prose(
        f"To give it the pairs of the example, write each vector in the order ({order}). Then, with the example's "
        "positions:"
    )
    rows = ",\n              ".join(
        "[" + ", ".join(f"{value:g}" for value in vector[check.half_order]) + "]"
        for vector in (example.query, example.key)
    )
    out = "\n#  ".join("[" + ", ".join(f"{value:.3f}" for value in row) + "]" for row in check.textbook)
    st.code(
        f"x = np.array([{rows}])  # q and k, pairs half-split\n"
        f"out = apply_rope_textbook(x, positions=[{example.m}, {example.n}], "
        f"inv_freq=[{', '.join(f'{theta:g}' for theta in example.frequencies)}])\n"
        f"#  {out}\n"
        f"out[0] @ out[1]  # {check.score:.4f}, the score worked out by hand",
        language="python",
    )
    st.caption(
        f"Put back into the order (x0, x1, x2, x3), the output equals the pairs turned by hand above "
        f"{_agreement(check.gap_to_hand)} and the output of RoPE Lab's validated, faster implementation (chapter 9) "
        f"{_agreement(check.gap_to_library)}."
    )


@ui.section
def position_section(dim: int, base: float) -> None:
    frequencies = rope_core.inv_freq(dim, base)
    wavelengths = rope_core.wavelengths(frequencies)
    n_pairs = dim // 2
    controls = st.columns([2, 1.3])
    with controls[0]:
        position = ui.slider("Position m", 0, MAX_POSITION, 3, key="m", help="Where the token sits in the sequence.")
    with controls[1]:
        stride = ui.choice(
            "Scrubber step (tokens per stop)",
            FRAME_STRIDES,
            1,
            key="step",
            widget="segmented",
            help="How far the position moves between two stops of the scrubbers under the matrix and the clocks.",
        )
    stops, index = lesson.position_stops(position, stride, MAX_POSITION, SCRUB_STOPS)
    clock_pairs = lesson.evenly_spaced_pairs(n_pairs, CLOCK_COUNT)
    clock_angles = rope_core.rotation_angles(stops, frequencies[clock_pairs])
    ui.chart(figures.pair_clocks_chart(clock_angles, stops, clock_pairs, wavelengths[clock_pairs], index), key="clocks")
    angles_now = rope_core.rotation_angles(np.array([position]), frequencies)[0]
    st.caption(
        f"Pairs {', '.join(str(pair) for pair in clock_pairs)} of the {n_pairs}, from the fastest to the slowest. At "
        f"m = {position:,} pair 0 stands at {np.mod(angles_now[0], 2 * np.pi):.3f} rad (mod 2π) and the slowest pair "
        f"has turned {angles_now[-1]:.4f} rad. The scrubber visits positions {stops[0]:,} … {stops[-1]:,}, "
        f"{stride:,} token(s) per stop, in your browser; let go and the slider takes the new m."
    )
    with ui.go_deeper("the whole matrix Rₘ, scrubbed the same way"):
        ui.formula(
            rope_core.rotation_matrix, caption="One 2×2 rotation per pair along the diagonal (interleaved layout)."
        )
        corners = lesson.matrix_corners(stops, frequencies)
        matrix = rope_core.rotation_matrix(position, frequencies)
        ui.chart(figures.rotation_matrix_chart(corners, index, matrix), key="matrix")
        st.caption(
            f"Only {2 * dim} of the {dim * dim:,} entries are non-zero, which is why real implementations never "
            "build this matrix (chapter 9). The layout is the paper's interleaved one; pairing $x_i$ with "
            "$x_{i+d/2}$ instead only reorders the rows and columns."
        )


# The angle map's CSV (up to 16,384 angles written out) is the one costly part of its section; cached per setting,
# so moving the comparison base, which the map does not use, costs nothing.
@st.cache_data(max_entries=32, show_spinner=False)
def angle_map(dim: int, base: float, context_length: int):
    frequencies = rope_core.inv_freq(dim, base)
    # Budget the map by cells, not rows, so d = 256 costs no more to send than d = 128.
    positions = lesson.sampled_positions(context_length, max_rows=min(256, HEATMAP_CELLS // (dim // 2)))
    angles = rope_core.rotation_angles(positions, frequencies)
    row_stride = int(positions[1] - positions[0]) if positions.size > 1 else 1
    label = f"b = {ui.format_base(base)}"
    return figures.angle_map_chart(angles, positions, label, context_length=context_length), row_stride, positions.size


@ui.section
def context_section(dim: int, base: float) -> None:
    frequencies = rope_core.inv_freq(dim, base)
    wavelengths = rope_core.wavelengths(frequencies)
    n_pairs = dim // 2
    controls = st.columns(2)
    with controls[0]:
        context_length = ui.choice(
            "Context length L (tokens)",
            CONTEXT_LENGTHS,
            4_096,
            key="L",
            widget="select_slider",
            help="Marked on the wavelength chart; the angle map and the turn counts cover positions 0 … L − 1.",
        )
    with controls[1]:
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
    ui.prose(
        r"$\theta_i = b^{-2i/d}$ falls geometrically, so on a log axis the ladder is a straight line from "
        r"$\theta_0 = 1$ down to about $1/b$. The **wavelength** $\lambda_i = 2\pi/\theta_i$ is how many tokens "
        "pair $i$ needs for one full turn. Pairs below the dashed line turn at least once inside the context; "
        "pairs above it never complete a turn, so their angle keeps growing and never repeats within it. "
        f"Here pair 0 needs {wavelengths[0]:.2f} tokens (2π for any base); the slowest pair needs "
        f"{wavelengths[-1]:,.0f} with {label} and {compare_wavelengths[-1]:,.0f} with {compare_label} "
        f"(×{compare_wavelengths[-1] / wavelengths[-1]:.3g})."
    )
    turns = rope_core.full_turns(context_length, frequencies)
    compare_turns = rope_core.full_turns(context_length, compare_frequencies)
    ui.formula(rope_core.full_turns, caption="Complete turns of pair i within L tokens (rounded down).")
    ui.chart(
        figures.full_turns_chart(turns, label, (compare_label, compare_turns), context_length=context_length),
        key="turns",
    )
    st.caption(
        f"Pair 0 turns {int(turns[0]):,} times in {context_length:,} tokens. Pairs with no full turn: "
        f"{int((turns < 1).sum())} of {n_pairs} with {label}, {int((compare_turns < 1).sum())} of {n_pairs} with "
        f"{compare_label}."
    )
    ui.prose(
        r"**Why a larger base slows the slow pairs.** In $\theta_i = b^{-2i/d}$ the exponent is 0 for pair 0, so "
        r"the fastest pair does not care about $b$ at all. The exponent approaches $-1$ for the last pair, so the "
        r"slow end of the ladder scales like $1/b$. Going from b = 10k to 500k leaves pair 0 at 6.28 tokens per "
        "turn but stretches the slowest wavelength of a d = 128 head from about 54,400 to about 2.56 million "
        "tokens (×47). More pairs then stay below one turn across a long context, so far-apart positions still get "
        "distinct, slowly changing angles. This is one reason long-context models raise the base: Llama 3 uses "
        "500k and Code Llama 1M."
    )
    chart, row_stride, rows = angle_map(dim, base, context_length)
    ui.chart(chart, key="angles")
    st.caption(
        f"Rows every {row_stride:,} token(s) ({rows} rows). "
        + (
            "At this spacing the fastest pairs turn by more than π between rows, so their colours look random: "
            "that is aliasing of the picture, not noise in RoPE. Pick a shorter L to see them cycle."
            if row_stride > 3
            else "Each row is one token, so even pair 0 shows its colour cycle every 6.28 rows."
        )
    )


ui.start_page(CHAPTER)
ui.goal(
    "how RoPE rotates a whole d-dimensional query or key: it splits it into d/2 pairs and turns each pair by "
    r"its own angle $m\theta_i$, from a fast pair 0 that spins once every 6.28 tokens to slow pairs that barely move."
)
ui.prose(
    "In chapter 5 one pair of numbers was rotated by an angle proportional to its position. A real attention "
    "head has many more coordinates (d = 128 in Llama), so RoPE cuts the vector into **d/2 pairs** "
    r"$(x_0, x_1), (x_2, x_3), \dots$ and rotates **pair $i$ by the angle $m\theta_i$**. As one matrix that is "
    r"**block-diagonal**: a 2×2 rotation per pair and zeros elsewhere, so the pairs never mix, lengths stay, and "
    r"$R_m^\top R_n = R_{n-m}$ holds block by block: the score still depends only on $n - m$."
)
ui.formula(
    rope_core.inv_freq,
    caption="Pair i turns θᵢ radians per token. Pair 0 has θ₀ = b⁰ = 1 for every base: it is always the fastest.",
)

worked_example_section()

st.subheader("A real head: d/2 pairs at once")
head = st.columns(2)
with head[0]:
    dim = ui.choice("Head dimension d", HEAD_DIMS, 128, key="d", widget="select_slider", help="d/2 pairs are rotated.")
with head[1]:
    base = ui.base_choice()
position_section(dim, base)

with ui.go_deeper("the ladder of frequencies, full turns in a context, and what the base does"):
    context_section(dim, base)

ui.try_this(
    [
        "Drag the scrubber under the clocks with 1 token per stop: the fast clocks spin, the slowest hardly move. "
        "Switch to 256 tokens per stop: the slower clocks now turn visibly, and the fast ones jump around "
        "erratically.",
        "Set d = 8 and drag the matrix's scrubber: four 2×2 blocks, and the fast corner's cos/sin numbers change "
        "with every step of m.",
        "Change the base b from 10k to 500k and open the ladder in Go deeper: the wavelength line tilts up while its "
        "left end stays at 6.28.",
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
