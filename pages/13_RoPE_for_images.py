"""Chapter 13: RoPE beyond text — 2-D axial RoPE, RoPE-Mixed and flattened 1-D RoPE on patches; Qwen2-VL's M-RoPE."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c13_rope_for_images as figures
from ropelab.lessons import c13_rope_for_images as lesson

CHAPTER = 13
METHOD_TITLES = ("Axial 2-D RoPE", "RoPE-Mixed", "Flattened 1-D RoPE")
MROPE_DIM = 128
MROPE_SECTIONS = (16, 24, 24)
MROPE_BASE = 1e6

# A 64 × 64 grid costs tens of milliseconds per method, the M-RoPE comparison about as much: cached per setting.
scores_of = st.cache_data(lesson.patch_scores_2d, max_entries=64, show_spinner=False)
mrope_gaps = st.cache_data(lesson.mrope_against_1d, max_entries=32, show_spinner=False)


ui.start_page(CHAPTER)
ui.goal(
    "how RoPE gives image patches a 2-D position, why the simple axial split draws a cross, how mixed directions "
    "and naive flattening behave, and how Qwen2-VL's M-RoPE handles time, height and width at once."
)

st.subheader("An image is a grid of patches")
ui.prose(
    "A vision transformer cuts an image into square patches and treats each patch as a token. A patch has a "
    "**row and a column**, not one position. Text RoPE rotates pair $i$ by $m\\theta_i$; for images we must decide "
    "how the two coordinates $(y, x)$ drive the angles. Pick a picture and a query patch below, then compare three "
    "answers. The scores use the same query and key vector (all ones) at every patch, so what you see is the "
    "pure effect of position: in a real model the content of each patch adds to it."
)
picture_column, control_column = st.columns([2, 3])
with control_column:
    grid = ui.slider(
        "Grid side (patches per row and column)",
        2,
        rope_core.MAX_GRID,
        14,
        key="grid",
        help=f"A 224-pixel image in 16-pixel patches is 14 × 14. At most {rope_core.MAX_GRID}.",
    )
    row = ui.slider("Query patch row", 0, grid - 1, grid // 2, key="row")
    col = ui.slider("Query patch column", 0, grid - 1, grid // 2, key="col")
    pattern = ui.choice("Picture", figures.PATTERNS, "circle", key="pattern", widget="radio")
    requested_dim = ui.slider(
        "Head size d", 8, 128, 64, step=2, key="d", help="2-D RoPE splits the d/2 pairs evenly between x and y."
    )
    base = ui.base_choice(default=100.0)
with picture_column:
    ui.chart(figures.patch_image_chart(pattern, grid, (row, col)), key="picture")

dim = requested_dim
if requested_dim % 4:
    dim = requested_dim - 2
    ui.notice(
        f"2-D RoPE needs d divisible by 4: d/2 = {requested_dim // 2} pairs cannot split evenly into an x half "
        f"and a y half. Using d = {dim} instead."
    )

st.subheader("Three ways to turn (row, column) into angles")
ui.prose(
    "**Axial** (RoPE-ViT): the first half of the pairs rotate with the column $x$, the second half with the row "
    "$y$, both halves with the same frequencies. **Mixed**: every pair rotates along its own direction in the "
    "plane, mixing $x$ and $y$; RoPE-Mixed learns these 2-D frequencies, here you choose the direction. "
    "**Flattened 1-D**: number the patches row by row and use ordinary text RoPE on that number."
)
ui.formula(rope_core.axial_inv_freq, caption="Axial frequencies: d/4 of them, shared by the x half and the y half.")
ui.formula(rope_core.axial_rope_2d, caption="Axial angles: column x drives the first d/4 pairs, row y the rest.")
ui.formula(rope_core.mixed_inv_freq_directions, caption="RoPE-Mixed: pair t points along α_t, pair t + d/4 at 90°.")
mix_controls, mix_note = st.columns([3, 2])
with mix_controls:
    random_directions = ui.toggle(
        "Mixed: a random direction for every pair",
        False,
        key="randdir",
        help="Random 2-D directions, like RoPE-Mixed before training; off uses the one angle below.",
    )
    if random_directions:
        seed = ui.slider("Seed for the random directions", 0, 99, 0, key="seed")
        direction_degrees = None
    else:
        direction_degrees = ui.slider(
            "Mixed: direction α of every pair (degrees)", 0, 180, 45, step=5, key="dir", help="0° is the axial case."
        )
        seed = 0
with mix_note:
    st.caption(
        "With one shared angle α, RoPE-Mixed is axial RoPE on axes turned by α: at 45° the cross becomes an X "
        "along the diagonals. Random directions per pair spread the attention out in every direction."
    )
directions = None if direction_degrees is None else np.full(dim // 4, np.deg2rad(direction_degrees))
query = (row, col)
score_grids = [
    scores_of(grid, grid, query, dim, base, "axial"),
    scores_of(grid, grid, query, dim, base, "mixed", directions, seed),
    scores_of(grid, grid, query, dim, base, "flat1d"),
]
ui.formula(lesson.patch_scores_2d, caption="Score of the query patch against every patch (q = k = all ones).")
mixed_title = f"Mixed, {'random α' if random_directions else f'α = {direction_degrees}°'}"
titles = (METHOD_TITLES[0], mixed_title, METHOD_TITLES[2])
ui.chart(figures.patch_scores_chart(score_grids, titles, query, dim), key="scores")
metric_columns = st.columns(3)
for column, title, scores in zip(metric_columns, titles, score_grids, strict=True):
    side_label, side, vertical_label, vertical = lesson.neighbour_scores(scores, row, col)
    with column, st.container(border=True):
        st.markdown(f"**{title}**: neighbour scores")
        left, right = st.columns(2)
        left.metric(side_label, f"{side:.3f}")
        right.metric(vertical_label, f"{vertical:.3f}")
st.caption(
    "A patch's two nearest neighbours are equally close in the picture. Axial RoPE scores them alike; flattening "
    f"puts the patch below {grid} steps away in the sequence, so it scores like a far-away token."
)
ui.prose(
    "**The cross.** Axial RoPE's score is a function of $\\Delta x$ plus a function of $\\Delta y$. Along the "
    "query's own row $\\Delta y = 0$, so half the pairs match perfectly whatever $\\Delta x$ is — the whole row and "
    "the whole column stay bright, while diagonal patches lose on both halves. **The row wrap.** Flattening makes "
    "the last patch of one row the sequence neighbour of the first patch of the next row, although they sit on "
    "opposite edges of the image."
)

st.subheader("M-RoPE: time, height and width in one head (Qwen2-VL)")
ui.prose(
    "Qwen2-VL reads text and video in one sequence. Each token gets **three** position ids $(t, h, w)$. A text "
    "token at index $j$ gets $(j, j, j)$; the patches of a video get the frame, row and column of their grid, "
    "offset to start after the preceding text; text after the video resumes one past the largest id used. The "
    f"{MROPE_DIM // 2} frequency pairs of a d = {MROPE_DIM} head are split into sections {list(MROPE_SECTIONS)}: "
    "the fastest 16 pairs turn with $t$, the next 24 with $h$, the slowest 24 with $w$ (base $10^6$)."
)
ui.formula(rope_core.mrope_positions, caption="Position ids: text on the diagonal t = h = w, grid patches offset by s.")
ui.formula(rope_core.apply_mrope, caption="Each pair i reads the position stream of its section c(i).")
video_controls, video_readouts = st.columns([3, 2])
with video_controls:
    frames = ui.slider("Temporal steps in the video", 1, 8, 2, key="frames")
    grid_h = ui.slider("Patch rows per frame", 1, 16, 3, key="gh")
    grid_w = ui.slider("Patch columns per frame", 1, 16, 4, key="gw")
    text_before = ui.slider("Text tokens before the video", 0, 16, 4, key="pre")
    text_after = ui.slider("Text tokens after the video", 0, 16, 4, key="post")
position_ids = rope_core.mrope_positions(text_before, frames, grid_h, grid_w, text_after)
n_tokens = position_ids.shape[1]
ui.chart(figures.mrope_positions_chart(position_ids, text_before, frames, grid_h, grid_w), key="mrope_ids")
ui.chart(
    figures.mrope_sections_chart(rope_core.inv_freq(MROPE_DIM, MROPE_BASE), MROPE_SECTIONS, base_label="1e6"),
    key="mrope_sections",
)

text_only_gap, video_gap = mrope_gaps(position_ids, MROPE_DIM, MROPE_SECTIONS, MROPE_BASE)
with video_readouts:
    st.metric("Tokens in the sequence", f"{n_tokens}", help="Text before + video patches + text after.")
    st.metric("Largest position id", f"{int(position_ids.max())}", help="1-D RoPE would need ids up to N − 1.")
    st.metric("Text only (t = h = w): max |M-RoPE − 1-D RoPE|", f"{text_only_gap:.1e}")
    st.metric("With the video: max |M-RoPE − 1-D RoPE on t|", f"{video_gap:.2f}")
st.caption(
    f"Both comparisons rotate the same {n_tokens} seeded random vectors (d = {MROPE_DIM}, half-split layout). "
    "With t = h = w every section reads the same position, so M-RoPE is exactly 1-D RoPE; with a video the h and "
    "w sections turn differently, so the results part."
)

ui.try_this(
    [
        "Put the query in a corner: the axial cross follows it, always along the full row and column.",
        "Set the mixed direction α to 0°: RoPE-Mixed turns into axial RoPE and the two left panels match. "
        "Then try 45° and 90°.",
        "Move the query to the last column: in the flattened panel the first patch of the next row lights up "
        "as if it were a neighbour.",
        "Slide d to an odd multiple of 2 such as 66 and read the message; then raise the base to 10k and watch "
        "every pattern widen, since slower pairs change less from patch to patch.",
        "In M-RoPE, add frames and compare *Tokens in the sequence* with *Largest position id*: each frame adds "
        "rows × columns tokens, but the ids grow by at most one per frame.",
    ]
)
ui.check_yourself(
    "With axial 2-D RoPE and q = k, why does the patch Δ columns to the right of the query always score at least "
    "as high as the patch Δ columns right and Δ rows down?",
    "The score is the mean of an x half that depends only on Δx and a y half that depends only on Δy; write "
    "each half's agreement as c(Δ), with c(0) = 1. The patch in the query's row scores ½(1 + c(Δ)), the diagonal "
    "one ½(c(Δ) + c(Δ)) = c(Δ), and c(Δ) ≤ 1. Far from the query c(Δ) is small, so the row and column stay near "
    "½ while diagonal patches fade: that is the cross. Axial RoPE has no pair that measures a diagonal offset; "
    "mixed directions add such pairs.",
)
ui.misconception(
    "For images you can just flatten the patches and use text RoPE.",
    "It runs, but it encodes the wrong geometry: vertical neighbours end up a whole row apart in the sequence, "
    "and the end of one row becomes the neighbour of the start of the next. 2-D RoPE uses (row, column) directly.",
)
ui.takeaway(
    "RoPE generalises by choosing which coordinate drives each frequency pair: x or y for images (axial, or mixed "
    "directions), t, h or w for video (M-RoPE) — and with t = h = w it is ordinary 1-D RoPE again."
)
ui.end_page(CHAPTER)
