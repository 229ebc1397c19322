"""Chapter 5: RoPE with a single pair of coordinates — q and k rotate by their positions, the score sees m − n."""

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
SWEEP_POSITIONS = np.arange(64)
# The score of this chapter's query at m and key at n, for a given θ.
score = functools.partial(lesson.pair_score, QUERY, KEY)

ui.start_page(CHAPTER)
ui.goal(
    "why rotating the query by its position m and the key by its position n makes their dot product depend only "
    "on the offset m − n — the whole idea of RoPE, in two dimensions you can see."
)
ui.prose(
    "Attention compares a query $q$ and a key $k$ with a dot product. RoPE's trick is to **turn** each vector by "
    "an angle that grows with its position before the comparison: the query at position $m$ is turned by $m\\theta$, "
    "the key at position $n$ by $n\\theta$. Here every vector has just two coordinates $(x_0, x_1)$, so a turn is "
    "an ordinary rotation of an arrow on the plane, and $\\theta$ is how many radians one step of position adds."
)
ui.formula(rope_core.rotation_matrix_2d, caption="Counter-clockwise rotation by α radians.")

st.subheader("Two arrows, two positions")
controls, picture = st.columns([1, 2])
with controls:
    m = ui.slider("Query position m", 0, 63, 3, key="m", help="The query is rotated by m·θ.")
    n = ui.slider("Key position n", 0, 63, 1, key="n", help="The key is rotated by n·θ.")
    theta = ui.slider(
        "θ (radians per position)", 0.05, 1.0, 0.3, step=0.05, key="theta", help="How far one step of position turns."
    )
    pair_score = score(m, n, theta)
    st.metric("Score ⟨R(mθ)q, R(nθ)k⟩", f"{pair_score:.4f}")
    st.metric("Offset m − n", f"{m - n}")
    st.metric("Same score from m − n alone", f"{lesson.relative_score(QUERY, KEY, m, n, [theta]):.4f}")
q_turned, k_turned = lesson.rotated(QUERY, m, theta), lesson.rotated(KEY, n, theta)
with picture:
    ui.chart(figures.rotated_pair_chart(QUERY, KEY, m, n, theta, q_turned, k_turned, pair_score), key="pair")
ui.prose(
    "The dot product only cares about the lengths of the two arrows and the angle **between** them. Rotations "
    "never change lengths, and turning both arrows changes the angle between them by $(m-n)\\theta$ — so the "
    "score can only depend on the offset, never on where the pair sits in the sequence."
)
ui.formula(rope_core.rope_scores, caption="The score RoPE computes: rotate each vector by its own position.")
ui.formula(
    lesson.relative_score,
    caption="The same number from the offset alone (a pair of coordinates read as one complex number).",
)

st.subheader("Shift both positions by Δ")
shift_controls, shift_picture = st.columns([1, 2])
with shift_controls:
    shift = ui.slider("Shift Δ (added to m and to n)", 0, 64, 10, key="shift")
    shifted_score = score(m + shift, n + shift, theta)
    left_metric, right_metric = st.columns(2)
    left_metric.metric("Before", f"{pair_score:.4f}")
    right_metric.metric("After", f"{shifted_score:.4f}")
    st.caption(
        f"Positions ({m}, {n}) → ({m + shift}, {n + shift}). Difference: {abs(shifted_score - pair_score):.1e} "
        "(floating-point rounding)."
    )
    st.caption("Both arrows swing round together; the angle between them, and so the score, stays put.")
with shift_picture:
    q_shifted, k_shifted = lesson.rotated(QUERY, m + shift, theta), lesson.rotated(KEY, n + shift, theta)
    ui.chart(
        figures.shifted_pairs_chart(
            (q_turned, k_turned), (q_shifted, k_shifted), m, n, shift, theta, (pair_score, shifted_score)
        ),
        key="shift_pair",
    )

st.subheader("Scrub the query position (runs in your browser)")
ui.prose(
    "Press **▶ Play** or drag the slider under the chart: the query turns through positions 0 to 63 while the "
    "key stays at the position n chosen above. The score traces a cosine in m − n, peaking where the two arrows "
    "line up, and it repeats every $2\\pi/\\theta$ positions. One frequency cannot tell offset 0 from offset "
    "$2\\pi/\\theta$; that is why real RoPE uses many pairs with different θ (next chapter)."
)
sweep = lesson.position_sweep(QUERY, KEY, n, theta, SWEEP_POSITIONS)
ui.chart(figures.position_sweep_chart(sweep, theta, start_index=m), key="sweep")

st.subheader("Rotation-matrix facts, checked live")
ui.prose(
    "Everything above rests on a handful of identities of 2×2 rotation matrices. Pick two angles; each line "
    "computes both sides by different routes (`numpy.linalg.inv`, `det`, matrix products, and a Taylor series "
    "for the exponential that never calls cos or sin) and prints the largest gap between them."
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

ui.try_this(
    [
        "Move m and n by the same amount (say both up by 5): the score readout does not move.",
        "Set m = n: both arrows turn equally, so the score equals the plain ⟨q, k⟩ you get at m = n = 0.",
        "In the animation, count how many positions pass between two peaks; compare with 2π/θ.",
        "Make θ large (0.9) and look for two very different offsets m − n with almost the same score.",
        "Set α = −β in the facts table: R(α)R(β) becomes the identity matrix.",
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
    "Nothing is added. Each vector is multiplied by a rotation matrix, which keeps its length. Adding a position "
    "vector would mix content and position in cross terms of the dot product; rotating leaves exactly one "
    "position-dependent quantity, the angle (m − n)θ.",
)
ui.takeaway(
    "Rotating q by mθ and k by nθ gives R(mθ)ᵀR(nθ) = R((n − m)θ) inside the dot product: the score depends "
    "only on the offset m − n."
)
ui.end_page(CHAPTER)
