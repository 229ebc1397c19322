"""Chapter 13: RoPE beyond text — 2-D axial RoPE, RoPE-Mixed and flattened 1-D RoPE on patches; Qwen2-VL's M-RoPE."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c13_rope_for_images as figures
from ropelab.lessons import c13_rope_for_images as lesson

CHAPTER = 13
METHOD_TITLES = ("Axial 2-D RoPE", "RoPE-Mixed", "Flattened 1-D RoPE")
# The base RoPE-ViT's code uses for RoPE-Mixed, and its axial default; small bases draw the cross and the X sharply.
BASES = (10.0, 100.0, 1_000.0, 10_000.0)
ALL_ONES = "all ones"
CONTENTS = (ALL_ONES, *lesson.PATTERNS)
MROPE_DIM = 128
MROPE_SECTIONS = (16, 24, 24)
MROPE_BASE = 1e6

# A 64 × 64 grid costs tens of milliseconds per method, the M-RoPE comparison about as much: cached per setting.
scores_of = st.cache_data(lesson.patch_scores_2d, max_entries=64, show_spinner=False)
contents_of = st.cache_data(lesson.patch_contents, max_entries=16, show_spinner=False)
mrope_gaps = st.cache_data(lesson.mrope_against_1d, max_entries=32, show_spinner=False)


ui.start_page(CHAPTER)
ui.goal(
    "how RoPE gives image patches a 2-D position, why the simple axial split draws a cross, how RoPE-Mixed turns it "
    "and flattening breaks it, and how Qwen2-VL's M-RoPE handles time, height and width at once."
)
ui.prose(
    "A vision transformer treats each square patch of an image as a token with a **row and a column**. Text RoPE "
    "turns pair $i$ by $m\\theta_i$; here $(y, x)$ must drive the angles. **Axial** (RoPE-ViT): half the pairs turn "
    "with the column $x$, half with the row $y$. **RoPE-Mixed**: each pair turns along its own direction in the "
    "plane, learned in training. **Flattened 1-D**: number the patches row by row and use text RoPE on that number. "
    "Dotted lines mark the two axes along which each panel's pairs measure the offset."
)


@ui.section
def patches_section() -> None:
    top = st.columns(3)
    with top[0]:
        grid = ui.slider(
            "Grid side (patches per row and column)",
            2,
            rope_core.MAX_GRID,
            24,
            key="grid",
            help="A ViT with 16-pixel patches sees a 224-pixel image as 14 × 14 patches and a 384-pixel one as "
            f"24 × 24. At most {rope_core.MAX_GRID}.",
        )
    with top[1]:
        row = ui.slider("Query patch row", 0, grid - 1, grid // 2, key="row")
    with top[2]:
        col = ui.slider("Query patch column", 0, grid - 1, grid // 2, key="col")
    middle = st.columns(3)
    with middle[0]:
        requested_dim = ui.slider(
            "Head size d", 8, 128, 64, step=2, key="d", help="2-D RoPE splits the d/2 pairs evenly between x and y."
        )
        base = ui.choice(
            "Base b",
            BASES,
            10.0,
            key="base",
            format_func=ui.format_base,
            widget="select_slider",
            help="θ_t = b^(−4t/d). RoPE-ViT's code uses 100 for axial RoPE and 10 for RoPE-Mixed.",
        )
    with middle[1]:
        random_angle = ui.toggle(
            "RoPE-Mixed: a random starting angle",
            False,
            key="randdir",
            help="RoPE-Mixed starts each head at one random angle shared by all its pairs; training moves each "
            "pair on its own from there.",
        )
        if random_angle:
            seed = ui.slider("Seed for the head's angle", 0, 99, 0, key="seed")
            direction_degrees = float(np.rad2deg(lesson.rope_mixed_head_angle(seed)))
        else:
            seed = 0
            direction_degrees = ui.slider(
                "RoPE-Mixed: angle α (degrees)", 0, 180, 45, step=5, key="dir", help="0° is the axial case."
            )
    with middle[2]:
        content = ui.choice(
            "Each patch's query and key",
            CONTENTS,
            ALL_ONES,
            key="pattern",
            widget="radio",
            help="All ones shows position alone. A picture makes each patch's q = k its brightness (−1 black … "
            "+1 white) times all ones, so content and position meet in every score.",
        )

    dim = requested_dim
    if requested_dim % 4:
        dim = requested_dim - 2
        ui.notice(
            f"2-D RoPE needs d divisible by 4: d/2 = {requested_dim // 2} pairs cannot split evenly into an x half "
            f"and a y half. Using d = {dim} instead."
        )
    query = (row, col)
    angle = float(np.deg2rad(direction_degrees))
    directions = np.full(dim // 4, angle)
    contents = None if content == ALL_ONES else contents_of(content, grid)
    score_grids = [
        scores_of(grid, grid, query, dim, base, "axial", contents=contents),
        scores_of(grid, grid, query, dim, base, "mixed", directions, seed, contents=contents),
        scores_of(grid, grid, query, dim, base, "flat1d", contents=contents),
    ]
    titles = (METHOD_TITLES[0], f"RoPE-Mixed, α = {direction_degrees:.0f}°", METHOD_TITLES[2])
    guides = ((0.0, np.pi / 2), (angle, angle + np.pi / 2), ())
    ui.chart(
        figures.patch_scores_chart(
            score_grids, titles, query, dim, guides, content=None if content == ALL_ONES else content
        ),
        key="scores",
    )
    if contents is not None:
        picture, note = st.columns([1, 2])
        with picture:
            ui.chart(figures.patch_image_chart(content, grid, query), key="picture")
        with note:
            brightness = float(contents[row, col])
            if abs(brightness) < 0.1:
                effect = "a grey query carries almost no content, so it scores near 0 against every patch."
            else:
                effect = (
                    "patches like it score with the same sign as in the all-ones view, patches of the opposite "
                    "shade with the other sign, grey ones near 0."
                )
            st.markdown(
                "Each patch's query and key is now its brightness c (−1 black … +1 white) times all ones, so every "
                "score is c_query · c_key · (the all-ones score): content and position multiply. "
                f"The query patch's brightness is {brightness:+.2f}: {effect}"
            )
    neighbours = [lesson.neighbour_scores(scores, row, col) for scores in score_grids]
    side_label, vertical_label = neighbours[0][0], neighbours[0][2]
    table = [
        "| neighbour of the query | " + " | ".join(titles) + " |",
        "|---|" + "---:|" * len(titles),
        f"| {side_label} | " + " | ".join(f"{values[1]:.3f}" for values in neighbours) + " |",
        f"| {vertical_label} | " + " | ".join(f"{values[3]:.3f}" for values in neighbours) + " |",
    ]
    with ui.go_deeper("the nearest neighbours, the formulas, the cross, and how RoPE-Mixed starts"):
        st.markdown("\n".join(table))
        st.caption(
            "The two nearest neighbours are equally close in the picture; flattening puts the one below "
            f"{grid} steps away in the sequence."
        )
        ui.formula(rope_core.axial_inv_freq, caption="Axial frequencies: d/4 of them, shared by the x and y halves.")
        ui.formula(rope_core.axial_rope_2d, caption="Axial angles: column x turns the first d/4 pairs, row y the rest.")
        ui.formula(
            rope_core.mixed_inv_freq_directions,
            caption="RoPE-Mixed: pair t points along α_t, pair t + d/4 at α_t + 90°.",
        )
        ui.formula(lesson.patch_scores_2d, caption="Score of the query patch against every patch.")
        ui.prose(
            "**The cross.** With q = k = all ones, axial RoPE's score is the mean of an x half that depends only on "
            "$\\Delta x$ and a y half that depends only on $\\Delta y$. Along the query's own row $\\Delta y = 0$, so "
            "half the pairs agree perfectly whatever $\\Delta x$ is: the whole row and column stay bright, while "
            "diagonal patches lose on both halves.\n\n"
            "**How RoPE-Mixed starts** (Heo et al. 2024). Each pair has a learnable 2-D frequency vector. A new "
            "head draws **one random angle α** for all its pairs: the first half of the pairs point along α, the "
            "second half at α + 90°. So a fresh head is axial RoPE on axes turned by α (at 45° the cross becomes an "
            "X along the diagonals); directions differ from pair to pair only once training has moved them. The "
            "switch above draws α the way the paper's code does.\n\n"
            "**The row wrap.** Flattening makes the last patch of one row the sequence neighbour of the first patch "
            "of the next row, although they sit on opposite edges of the image."
        )


patches_section()


@ui.section
def mrope_section() -> None:
    st.subheader("M-RoPE: time, height and width in one head (Qwen2-VL)")
    ui.prose(
        "Each token gets **three** position ids $(t, h, w)$: a text token at index $j$ gets $(j, j, j)$; a video token "
        "gets its **temporal patch** (two frames each) and the row and column of its **merged 2×2 patch**, offset to "
        "start after the text before it. Each frequency pair turns with one of the three."
    )
    controls = st.columns(3)
    with controls[0]:
        frames = ui.slider("Temporal patches (2 frames each)", 1, 8, 2, key="frames")
        text_before = ui.slider("Text tokens before the video", 0, 16, 4, key="pre")
    with controls[1]:
        grid_h = ui.slider("Token rows (merged 2×2 patches)", 1, 16, 3, key="gh")
        text_after = ui.slider("Text tokens after the video", 0, 16, 4, key="post")
    with controls[2]:
        grid_w = ui.slider("Token columns (merged 2×2 patches)", 1, 16, 4, key="gw")
    position_ids = rope_core.mrope_positions(text_before, frames, grid_h, grid_w, text_after)
    text_only_gap, video_gap = mrope_gaps(position_ids, MROPE_DIM, MROPE_SECTIONS, MROPE_BASE)
    readouts = st.columns(4)
    readouts[0].metric("Tokens in the sequence", f"{position_ids.shape[1]}", help="Text before + video + text after.")
    readouts[1].metric("Largest position id", f"{int(position_ids.max())}", help="1-D RoPE would need N − 1.")
    readouts[2].metric(
        "Text only: gap to 1-D RoPE",
        f"{text_only_gap:.1e}",
        help="Largest |M-RoPE − 1-D RoPE| when t = h = w, on the same seeded random vectors: M-RoPE is then exactly "
        "1-D RoPE.",
    )
    readouts[3].metric(
        "With video: gap to 1-D on t",
        f"{video_gap:.2f}",
        help="Largest |M-RoPE − 1-D RoPE on the t ids|: with a video the h and w sections turn differently from t, "
        "so the two rotations part.",
    )
    ui.chart(figures.mrope_positions_chart(position_ids, text_before, frames, grid_h, grid_w), key="mrope_ids")
    with ui.go_deeper("which pairs each position stream drives, and the formulas"):
        ui.prose(
            "In Qwen2-VL one token stands for a 2×2 block of 14-pixel patches, and one temporal patch for two "
            "frames. Text after the video resumes one past the largest id used. The 64 frequency pairs of a "
            f"d = {MROPE_DIM} head (base $10^6$) are split into sections {list(MROPE_SECTIONS)}: the fastest 16 "
            "turn with $t$, the next 24 with $h$, the slowest 24 with $w$."
        )
        st.caption(
            f"Both comparisons above rotate the same {position_ids.shape[1]} seeded random vectors (d = {MROPE_DIM}, "
            "half-split layout) and report the largest difference over every entry."
        )
        ui.chart(
            figures.mrope_sections_chart(rope_core.inv_freq(MROPE_DIM, MROPE_BASE), MROPE_SECTIONS, base_label="1e6"),
            key="mrope_sections",
        )
        ui.formula(rope_core.mrope_positions, caption="Position ids: text on the diagonal t = h = w, video offset.")
        ui.formula(rope_core.apply_mrope, caption="Each pair i reads the position stream of its section c(i).")


mrope_section()

ui.try_this(
    [
        "α = 0°: RoPE-Mixed is axial RoPE (the two left panels match); back at 45° the cross becomes an X.",
        "Query in the last column: the flattened panel lights up the first patch of the next row.",
        "The *circle* as each patch's query and key: the cross stays, but its arms outside the circle change sign.",
        "M-RoPE: add temporal patches. Each adds rows × columns tokens, yet the largest id grows by at most one.",
    ]
)
ui.check_yourself(
    "With axial RoPE and q = k = all ones, why does the patch Δ columns right of the query score at least as high "
    "as the patch Δ right and Δ down?",
    "The score is the mean of an x half that depends only on Δx and a y half that depends only on Δy; write "
    "each half's agreement as c(Δ), with c(0) = 1. The patch in the query's row scores ½(1 + c(Δ)), the diagonal "
    "one ½(c(Δ) + c(Δ)) = c(Δ), and c(Δ) ≤ 1. Far from the query c(Δ) is small, so the row and column stay near "
    "½ while diagonal patches fade: that is the cross. Axial RoPE has no pair that measures a diagonal offset; "
    "RoPE-Mixed's turned axes do.",
)
ui.misconception(
    "For images you can just flatten the patches and use text RoPE.",
    "It runs, but it encodes the wrong geometry: vertical neighbours end up a whole row apart in the sequence, "
    "and the end of one row becomes the neighbour of the start of the next. 2-D RoPE uses (row, column) directly.",
)
ui.takeaway(
    "RoPE generalises by choosing which coordinate drives each frequency pair: x or y for images (axial, or turned "
    "axes in RoPE-Mixed), t, h or w for video (M-RoPE) — and with t = h = w it is ordinary 1-D RoPE again."
)
ui.end_page(CHAPTER)
