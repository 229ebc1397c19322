"""Chapter 5: design a position scheme yourself — adding a vector fails, rotating q by mθ and k by nθ passes."""

import functools

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c05_rotation_in_2d as figures
from ropelab.lessons import c05_rotation_in_2d as lesson

CHAPTER = 5
# One fixed query and key, deliberately not parallel, so the angle between them is visible.
QUERY = np.array([1.0, 0.6])
KEY = np.array([0.8, -0.5])
MAX_POSITION = 128
POSITIONS = np.arange(MAX_POSITION + 1)
# The score of this chapter's query at m and key at n, for a given θ.
score = functools.partial(lesson.pair_score, QUERY, KEY)


@ui.section
def shift_section(m: int, n: int, theta: float, pair_score: float) -> None:
    shift = ui.slider("Shift Δ (added to m and to n)", 0, MAX_POSITION, 10, key="shift")
    stops = lesson.pair_stops(QUERY, KEY, m + POSITIONS, n + POSITIONS, theta)
    before_pair = (lesson.rotated(QUERY, m, theta), lesson.rotated(KEY, n, theta))
    ui.chart(figures.shifted_pairs_chart(before_pair, m, n, shift, theta, stops), key="shift_pair")
    shifted_score = score(m + shift, n + shift, theta)
    st.caption(
        f"Dotted: the pair at ({m}, {n}), score {pair_score:.4f}. Solid: at ({m + shift}, {n + shift}), score "
        f"{shifted_score:.4f}; the difference, {abs(shifted_score - pair_score):.1e}, is floating-point rounding."
    )


@ui.section
def key_sweep_section(m: int, n: int, theta: float) -> None:
    ui.prose(
        "Here the query stays at your $m$ and the key turns through positions 0 to 128. The score traces a cosine "
        "in $m - n$, largest where the two arrows line up, and it repeats every $2\\pi/\\theta$ positions: offsets "
        "$2\\pi/\\theta$ apart score the same (for whole positions, almost the same). One frequency cannot tell "
        "such offsets apart; that is why real RoPE uses many pairs with different θ (next chapter)."
    )
    stops = lesson.pair_stops(QUERY, KEY, np.full(POSITIONS.size, m), POSITIONS, theta)
    ui.chart(figures.key_sweep_chart(m, n, theta, stops), key="sweep")


@ui.section
def identity_section() -> None:
    ui.prose(
        "Everything above rests on a handful of identities of 2×2 rotation matrices. Pick two angles; each line "
        "computes both sides by different routes (a general matrix inverse and determinant, matrix products, and a "
        "Taylor series for the exponential that never calls cos or sin) and prints the largest gap between them."
    )
    ui.formula(
        lesson.rotation_identities, caption="J is the 90° rotation (multiplication by i); e^(αJ) sums its power series."
    )
    alpha_column, beta_column = st.columns(2)
    with alpha_column:
        alpha = ui.slider("α (radians)", -3.14, 3.14, 0.5, step=0.01, key="alpha")
        st.latex(f"R({alpha:g}) = {lesson.matrix_latex(rope_core.rotation_matrix_2d(alpha))}")
    with beta_column:
        beta = ui.slider("β (radians)", -3.14, 3.14, 1.2, step=0.01, key="beta")
        st.latex(f"R({beta:g}) = {lesson.matrix_latex(rope_core.rotation_matrix_2d(beta))}")
    checks = lesson.rotation_identities(alpha, beta)
    st.dataframe(
        {
            "identity": [check.name for check in checks],
            "statement": [check.text for check in checks],
            "left side": [lesson.matrix_text(check.left) for check in checks],
            "right side": [lesson.matrix_text(check.right) for check in checks],
            "largest gap": [f"{check.max_abs_error:.1e}" for check in checks],
        },
        hide_index=True,
        width="stretch",
    )
    worst = max(check.max_abs_error for check in checks)
    st.caption(f"Largest gap across all identities: {worst:.1e}: floating-point rounding, not a failure.")


def checklist_markdown(checks: dict[str, dict[str, lesson.RequirementCheck]]) -> str:
    header = "| What a scheme must do | " + " | ".join(lesson.SCHEME_NAMES[scheme] for scheme in lesson.SCHEMES)
    rows = [header + " |", "|---|" + "---|" * len(lesson.SCHEMES)]
    for name, title in lesson.REQUIREMENTS:
        cells = [
            f"{':green[**✓**]' if result.passed else ':orange[**✗**]'} {result.detail}"
            for result in checks[name].values()
        ]
        rows.append(f"| **{title}** | " + " | ".join(cells) + " |")
    return "\n".join(rows)


ui.start_page(CHAPTER)
ui.goal(
    "how you could have invented RoPE yourself: write down what a position scheme must do, watch adding a position "
    "vector fail, and find that turning the query by $m\\theta$ and the key by $n\\theta$ passes every test, "
    "because the score then depends only on the offset $m - n$."
)

st.subheader("Design it yourself")
wishes, numbers = st.columns([1.7, 1], gap="large")
with wishes:
    ui.prose(
        "Attention compares a query $q$ at position $m$ with a key $k$ at position $n$ by their dot product. Before "
        "reading on, list what you would want from a way of putting the positions into $q$ and $k$. Perhaps:\n\n"
        "1. **Only the offset counts**: the score depends on $m - n$ alone, wherever the pair sits.\n"
        "2. **Content and position do not blur**: position never scores alone or with the other's content.\n"
        "3. **Lengths are kept**: a position may turn $q$ and $k$ but not stretch them.\n"
        "4. **It works with a dot product**: encode $q$ and $k$ separately, then compare them as usual.\n"
        "5. **No table to outgrow**: any position can be encoded (unlike chapter 3's learned table)."
    )
with numbers:
    st.caption(f"Your numbers: q = ({QUERY[0]:g}, {QUERY[1]:g}) at m, k = ({KEY[0]:g}, {KEY[1]:g}) at n.")
    m = ui.slider("Query position m", 0, MAX_POSITION, 3, key="m", help="The query is rotated by m·θ.")
    n = ui.slider("Key position n", 0, MAX_POSITION, 1, key="n", help="The key is rotated by n·θ.")
    theta = ui.slider(
        "θ (radians per position)", 0.05, 1.0, 0.3, step=0.05, key="theta", help="How far one step of position turns."
    )

terms = lesson.added_score_terms(QUERY, KEY, m, n, theta)
adding, rotating = st.columns(2, gap="large")
with adding:
    st.markdown("**First try: add a position vector**")
    ui.prose(
        "Chapter 3's idea, put straight into $q$ and $k$: add $p_m = (\\sin m\\theta, \\cos m\\theta)$ to the "
        "query and $p_n$ to the key. The score splits into four terms, here with your numbers:"
    )
    # Three short lines, so the equation fits half a page and a phone.
    ui.formula(
        r"\begin{gathered}\langle q + p_m,\, k + p_n\rangle \\ = \langle q, k\rangle + \langle q, p_n\rangle"
        r" + \langle p_m, k\rangle + \langle p_m, p_n\rangle \\ = "
        + f"{terms.content_content:.3f} {terms.content_position:+.3f} {terms.position_content:+.3f} "
        f"{terms.position_position:+.3f} = {terms.total:.3f}" + r"\end{gathered}"
    )
    ui.prose(
        "Only the first term is pure content. The last, $\\cos\\big((m-n)\\theta\\big)$, is position alone; the "
        "middle two mix one token's content with the other's position and change when both positions move."
    )
with rotating:
    st.markdown("**The answer: rotate**")
    ui.prose(
        "Requirement 3 asks for a move that turns a vector without stretching it: a **rotation**. Turn the query by "
        "$m\\theta$ and the key by $n\\theta$. A dot product sees only the two lengths, which stay, and the angle "
        "between the arrows, which changes by exactly $(m - n)\\theta$:"
    )
    ui.formula(rope_core.rotation_matrix_2d)
    ui.formula(r"\langle R(m\theta)\,q,\; R(n\theta)\,k\rangle = \langle q,\; R\big((n-m)\theta\big)\,k\rangle")
st.markdown(checklist_markdown(lesson.design_checks(QUERY, KEY, m, n, theta)))

st.subheader("Two arrows, two positions")
ui.prose(
    "Drag the scrubber under the arrows to turn the query through every position $m$, or the one under the shifted "
    "pair to move both positions by Δ. Let go, and the sliders take the new value."
)
pair_score = score(m, n, theta)
pair_column, shift_column = st.columns(2, gap="medium")
with pair_column:
    pair_stops = lesson.pair_stops(QUERY, KEY, POSITIONS, n, theta)
    ui.chart(figures.rotated_pair_chart(QUERY, KEY, theta, m, n, pair_stops), key="pair")
    from_offset = lesson.relative_score(QUERY, KEY, m, n, [theta])
    st.caption(
        f"Score ⟨R(mθ)q, R(nθ)k⟩ = {pair_score:.4f}; the same score from the offset m − n = {m - n} alone: "
        f"{from_offset:.4f}."
    )
with shift_column:
    shift_section(m, n, theta, pair_score)

with ui.go_deeper("turn the key instead: one frequency repeats itself"):
    key_sweep_section(m, n, theta)
with ui.go_deeper("the algebra: the score from the offset alone, and rotation facts checked live"):
    ui.formula(rope_core.rope_scores, caption="The score RoPE computes: rotate each vector by its own position.")
    ui.formula(
        lesson.relative_score,
        caption="The same number from the offset alone (a pair of coordinates read as one complex number).",
    )
    ui.prose(
        "Read the pair $(x_0, x_1)$ as the complex number $x_0 + i x_1$: turning by $m\\theta$ multiplies it by "
        "$e^{im\\theta}$, and the score is the real part of $\\tilde q\\, \\overline{\\tilde k}\\, e^{i(m-n)\\theta}$, "
        "in which only $m - n$ appears. The caption under the arrows computes the score that way too."
    )
    identity_section()

ui.try_this(
    [
        "Move m and n up by the same amount (say both by 100): the score in the title of the arrows does not move.",
        f"Set m = n: both arrows turn equally, so the score equals the plain ⟨q, k⟩ = {QUERY @ KEY:g} you get at "
        "m = n = 0.",
        "In the key sweep (Go deeper), count how many positions pass between two peaks; compare with 2π/θ.",
        "Make θ large (0.9) and look for two very different offsets m − n with almost the same score.",
    ]
)
ui.check_yourself(
    f"With the θ = {theta:g} chosen above, the query at position 5 and the key at position 2 score "
    f"{score(5, 2, theta):.4f}. What do the pairs (105, 102) and (2, 5) score — without computing?",
    f"(105, 102) has the same offset 3, so it scores exactly the same: {score(105, 102, theta):.4f}. "
    f"(2, 5) has offset −3, which rotates k the other way relative to q, so in general it differs: "
    f"{score(2, 5, theta):.4f}. RoPE tells *before* from *after*, not just near from far.",
)
ui.misconception(
    "RoPE adds a position vector to q and k, like the sinusoidal encoding.",
    "Nothing is added. Each vector is multiplied by a rotation matrix, which keeps its length; adding would leave "
    "the cross terms the checklist shows. Rotating leaves one position-dependent quantity: the angle (m − n)θ.",
)
ui.takeaway(
    "Rotating q by mθ and k by nθ keeps their lengths and gives R(mθ)ᵀR(nθ) = R((n − m)θ) inside the dot product: "
    "the score depends only on the offset m − n."
)
ui.end_page(CHAPTER)
