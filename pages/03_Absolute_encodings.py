"""Chapter 3: absolute position encodings, sinusoidal and learned, added to the token vectors."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c03_absolute_encodings as figures
from ropelab.lessons import c02_why_positions
from ropelab.lessons import c03_absolute_encodings as lesson

CHAPTER = 3
SIMILARITY_HEATMAP_POSITIONS = 100
LEARNED_SEED = 0

ui.start_page(CHAPTER)
ui.goal(
    "build the sinusoidal position table of the original Transformer, see that the dot product of two of its "
    "rows depends only on their distance, and see why a learned table simply stops at its last row."
)

st.subheader("Sinusoidal encoding: one wave per pair of columns")
ui.prose(
    "The first fix for the order blindness of chapter 2 was to **add** a vector that depends on the position to "
    "every token vector before attention. The original Transformer (Vaswani et al., 2017) used a fixed table: "
    "columns $2i$ and $2i+1$ hold the sine and the cosine of the position times a frequency $\\omega_i = "
    "b^{-2i/d}$, with base $b = 10\\,000$. The first pair turns by 1 radian per token and repeats every "
    "$2\\pi \\approx 6.3$ tokens; each later pair is slower, so together the columns spell out a position "
    "like the hands of a clock with many hands."
)
ui.formula(rope_core.sinusoidal_encoding)
ui.formula(
    c02_why_positions.add_position_vectors,
    caption="The position vector is added to the token vector of the word in slot p.",
)

controls, picture = st.columns([1, 2.4], gap="large")
with controls:
    d_model = ui.slider(
        "Model dimension d", 8, 128, 64, key="d", step=8, help="Number of columns: d/2 sine-cosine pairs."
    )
    base = ui.base_choice()
    length = ui.slider(
        "Number of positions L", 8, 256, 128, key="L", step=8, help="Rows of the table: positions 0…L−1."
    )
    frequencies = rope_core.inv_freq(d_model, base)
    wavelengths = rope_core.wavelengths(frequencies)
    st.metric("Fastest pair repeats every", f"{wavelengths[0]:.2f} tokens")
    st.metric("Slowest pair repeats every", f"{wavelengths[-1]:,.0f} tokens")
table = rope_core.sinusoidal_encoding(length, d_model, base)
with picture:
    ui.chart(figures.sinusoidal_table_chart(table, base_label=ui.format_base(base)), key="sinusoidal")

st.subheader("How similar are two positions?")
ui.prose(
    "Take the dot product of two rows. Each sine-cosine pair contributes $\\sin(m\\omega_i)\\sin(n\\omega_i) + "
    "\\cos(m\\omega_i)\\cos(n\\omega_i) = \\cos\\big((m-n)\\omega_i\\big)$, so the sum depends **only on the "
    "distance** $m - n$: every diagonal of the heatmap is constant, and the curve on the right is the same "
    "whichever row you start from. A position matched with itself scores $d/2$, the largest possible value. "
    "Further away the similarity falls, but not smoothly: it wobbles, and with a small base it even turns "
    "negative."
)
ui.formula(lesson.position_similarity)
ui.formula(lesson.sinusoidal_similarity)
shown = min(length, SIMILARITY_HEATMAP_POSITIONS)
similarity = lesson.position_similarity(table[:shown])
distances = np.arange(length)
by_distance = lesson.sinusoidal_similarity(distances, d_model, base)
left, right = st.columns(2, gap="large")
with left:
    ui.chart(figures.similarity_map_chart(similarity, d_model), key="similarity_map")
with right:
    ui.chart(figures.similarity_curve_chart(distances, by_distance, d_model), key="similarity_curve")
metric_cells = st.columns(3)
metric_cells[0].metric("Position with itself (k = 0)", f"{by_distance[0]:.2f}")
metric_cells[1].metric("Neighbours (k = 1)", f"{by_distance[1]:.2f}")
metric_cells[2].metric(
    f"Lowest for k < {length}",
    f"{by_distance.min():.2f}",
    f"at k = {int(np.argmin(by_distance))}",
    delta_color="off",
    delta_arrow="off",
)
ui.prose(
    "A caveat that sets up the rest of the course: attention never sees $PE_m \\cdot PE_n$ on its own. It scores "
    "$(x_m + PE_m)^\\top W_Q^\\top W_K (x_n + PE_n)$, which splits into a content-content term, two "
    "content-position terms and a position-position term, and with $W_Q^\\top W_K$ in the middle not even the "
    "last one has to depend on $m - n$ alone. The distance information is in there, but tangled up with "
    "everything else. RoPE will make the score depend on $m - n$ exactly."
)

st.subheader("Learned encodings: a table with a last row")
ui.prose(
    "Models such as BERT (512 positions) and GPT-2 (1024 positions) instead **learn** the position vectors: "
    "a parameter matrix with one row per position, trained with the rest of the model. Position $p$ simply "
    "looks up row $p$. The catch is in the word *table*: there is no row for a position at or beyond "
    "`max_len`, so a longer input cannot be encoded at all, and a row added later would be untrained. Here "
    "the rows are seeded random numbers standing in for trained values."
)
ui.formula(rope_core.learned_encoding)
controls, picture = st.columns([1, 2.4], gap="large")
with controls:
    max_len = ui.slider(
        "Rows in the learned table (max_len)",
        8,
        256,
        96,
        key="Lmax",
        step=8,
        help="How many positions the table was trained for. The sequence length L is the slider above.",
    )
    st.metric("Sequence length L", f"{length} tokens")
learned_table = rope_core.learned_position_table(max_len, d_model, LEARNED_SEED)
with picture:
    ui.chart(figures.learned_table_chart(learned_table, length), key="learned")

try:
    rope_core.learned_encoding(np.arange(length), learned_table)
    st.info(f"All {length} positions have a row in the table: the lookup works.", icon=":material/check_circle:")
except ValueError as error:
    ui.notice(
        f"This sequence has {length} tokens but the table has only {max_len} rows, so the lookup fails. "
        f"The core says: “{error}”. A model with this table cannot read the last {length - max_len} tokens "
        "without being extended and retrained."
    )
ui.try_this(
    [
        "Drag **Model dimension d** from 8 to 128: more, ever slower columns appear on the right of the table.",
        "Set the base to 100: the slow columns speed up and the similarity curve dips below zero.",
        "Set **max_len** below **L**: the learned table runs out and a blank band appears. The sinusoidal table "
        "has a row for any position you ask for.",
        "In the similarity heatmap, follow one diagonal stripe: the colour never changes.",
    ]
)
ui.check_yourself(
    "With d = 64, what is PE(m)·PE(m) for m = 5, and for m = 5000? Why?",
    "Both are **32 = d/2**. Every sine-cosine pair contributes sin²(mω) + cos²(mω) = 1, and there are d/2 = 32 "
    "pairs, whatever m is. That is also the largest value any PE(m)·PE(n) can take.",
)
ui.misconception(
    "Sinusoidal encodings make attention depend only on relative position.",
    "Only PE(m)·PE(n) depends on m − n alone. The model adds PE to the token vectors and multiplies by W_Q and "
    "W_K, so its scores mix content and absolute position. That gap is what RoPE closes.",
)
ui.takeaway(
    "Absolute encodings add a vector per position: sinusoids exist for every position and their dot product "
    "depends on distance; a learned table stops at max_len."
)
ui.end_page(CHAPTER)
