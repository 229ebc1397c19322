"""Chapter 3: absolute position encodings, sinusoidal and learned, added to the token vectors."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c03_absolute_encodings as figures
from ropelab.figures import spec
from ropelab.lessons import c02_why_positions
from ropelab.lessons import c03_absolute_encodings as lesson

CHAPTER = 3
SIMILARITY_HEATMAP_POSITIONS = 64  # enough to see the constant diagonals; its CSV is the page's costliest
LEARNED_SEED = 0
QUERY_WORD, KEY_WORD = "dog", "man"  # chapter 2's sentence: "the dog bit the man"


# The three heatmaps cost milliseconds each (most of it their CSV text); cached per setting, so a control that leaves
# a chart's inputs alone, or a setting seen before, does not pay again.
@st.cache_data(max_entries=32, show_spinner=False)
def table_chart(length: int, d_model: int, base: float) -> spec.Chart:
    table = rope_core.sinusoidal_encoding(length, d_model, base)
    return figures.sinusoidal_table_chart(table, base_label=ui.format_base(base))


@st.cache_data(max_entries=32, show_spinner=False)
def similarity_map(shown: int, d_model: int, base: float) -> spec.Chart:
    table = rope_core.sinusoidal_encoding(shown, d_model, base)
    return figures.similarity_map_chart(lesson.position_similarity(table), d_model)


@st.cache_data(max_entries=32, show_spinner=False)
def learned_chart(max_len: int, d_model: int, length: int) -> spec.Chart:
    learned_table = rope_core.learned_position_table(max_len, d_model, LEARNED_SEED)
    return figures.learned_table_chart(learned_table, length)


@ui.section
def cross_terms_section(table: np.ndarray) -> None:
    st.subheader("What attention sees: content and position tangled in cross terms")
    ui.prose(
        "Attention never sees $p_m \\cdot p_n$ alone: it scores the *sums* $x + p$ through $W_Q$ and $W_K$, and "
        "that score splits into four parts. Put chapter 2's *dog* at position $m$ and *man* at $m + k$ and slide "
        "the pair along. The distance never changes, so a score that cared only about distance would stay flat."
    )
    ui.formula(lesson.score_terms)
    controls, picture = st.columns([1, 2.6], gap="large")
    length = table.shape[0]
    with controls:
        offset = ui.slider("Gap k between the two words", 1, 32, 3, key="k", help="“man” sits k tokens after “dog”.")
        if offset > length - 1:
            ui.notice(f"A gap of {offset} does not fit in {length} positions; showing k = {length - 1}.")
            offset = length - 1
        learned = ui.toggle(
            "Through W_Q and W_K", True, key="proj", help="Off: W = I, the bare dot product of the sums."
        )
        words = c02_why_positions.word_vectors([QUERY_WORD, KEY_WORD], table.shape[1])
        projections = c02_why_positions.projection_weights(table.shape[1], 0) if learned else None
        terms = lesson.score_terms(words[0], words[1], table, offset, projections)
        spread = terms.spread()
        st.metric("Content term", f"{terms.content_content[0]:.2f}", help="x_dog · W · x_man: the same for every m.")
        st.metric("Cross terms swing by", f"{spread['cross terms']:.2f}", help="max − min over m of their sum.")
        st.metric("Total score swings by", f"{spread['total score']:.2f}")
    with picture:
        ui.chart(figures.cross_terms_chart(terms, QUERY_WORD, KEY_WORD), key="cross_terms")
    ui.prose(
        "Only the content term stays put. The **cross terms** pair one word's content with the other's *absolute* "
        "position, so they move as the pair slides; with W = I the position term goes flat (the curve above), the "
        "cross terms still move. RoPE (chapter 5) has no cross terms: it rotates instead of adding."
    )


@ui.section
def learned_section(d_model: int, length: int) -> None:
    st.subheader("Learned encodings: a table with a last row")
    ui.prose(
        "BERT (512 positions) and GPT-2 (1024) **learn** their position vectors: one trained row per position. "
        "There is no row at or beyond `max_len`, so a longer input cannot be encoded at all."
    )
    with ui.go_deeper("a learned table runs out"):
        controls, picture = st.columns([1, 1.7], gap="large")
        with controls:
            ui.formula(rope_core.learned_encoding)
            max_len = ui.slider(
                "Rows in the learned table (max_len)",
                8,
                256,
                96,
                key="Lmax",
                step=8,
                help="How many positions the table was trained for. The sequence length L is set at the top.",
            )
            st.caption("The rows are seeded random stand-ins for trained values.")
            try:
                # Only the number of rows decides the lookup; a one-column table asks the same question.
                rope_core.learned_encoding(
                    np.arange(length), rope_core.learned_position_table(max_len, 1, LEARNED_SEED)
                )
                st.info(f"All {length} positions have a row: the lookup works.", icon=":material/check_circle:")
            except ValueError as error:
                ui.notice(f"{length} tokens, {max_len} rows: the lookup fails, {error}.")
        with picture:
            ui.chart(learned_chart(max_len, d_model, length), key="learned")


ui.start_page(CHAPTER)
ui.goal(
    "build the sinusoidal position table of the original Transformer, see that the dot product of two of its "
    "rows depends only on their distance, see why attention still mixes content with absolute position, and see "
    "why a learned table simply stops at its last row."
)

st.subheader("Sinusoidal encoding: one wave per pair of columns")
ui.prose(
    "Chapter 2's fix for order blindness: **add** a vector that depends on the position to every token vector. The "
    "original Transformer (Vaswani et al., 2017) used a fixed table: columns $2i$ and $2i+1$ hold the sine and "
    "cosine of the position times $\\omega_i = b^{-2i/d}$, with $b = 10\\,000$, like a clock with many hands, "
    "the first turning 1 radian per token. Two rows' dot product is a sum of $\\sin\\sin + \\cos\\cos = "
    "\\cos\\big((m-n)\\omega_i\\big)$: it depends **only on the distance** $m - n$ (right)."
)
ui.formula(rope_core.sinusoidal_encoding)
d_column, base_column, length_column = st.columns(3, gap="medium")
with d_column:
    d_model = ui.slider("Model dimension d", 8, 128, 64, key="d", step=8, help="Columns: d/2 sine-cosine pairs.")
with base_column:
    base = ui.base_choice()
with length_column:
    length = ui.slider("Number of positions L", 8, 256, 128, key="L", step=8, help="Rows: positions 0…L−1.")
table = rope_core.sinusoidal_encoding(length, d_model, base)
distances = np.arange(length)
by_distance = lesson.sinusoidal_similarity(distances, d_model, base)
table_column, curve_column = st.columns([1.5, 1], gap="medium")
with table_column:
    ui.chart(table_chart(length, d_model, base), key="sinusoidal")
with curve_column:
    ui.chart(figures.similarity_curve_chart(distances, by_distance, d_model), key="similarity_curve")
with ui.go_deeper("every pair of positions at once, and the numbers"):
    wavelengths = rope_core.wavelengths(rope_core.inv_freq(d_model, base))
    lowest = int(np.argmin(by_distance))
    st.markdown(
        f"The fastest pair repeats every {wavelengths[0]:.2f} tokens, the slowest every {wavelengths[-1]:,.0f}. "
        f"A position with itself scores {by_distance[0]:.2f} = d/2, the largest possible value; its neighbours "
        f"{by_distance[1]:.2f}; the lowest for k < {length} is {by_distance[lowest]:.2f}, at k = {lowest}. The "
        "similarity falls with distance, but it wobbles, and with a small base it turns negative."
    )
    ui.formula(lesson.sinusoidal_similarity)
    ui.formula(lesson.position_similarity)
    shown = min(length, SIMILARITY_HEATMAP_POSITIONS)
    ui.chart(similarity_map(shown, d_model, base), key="similarity_map")
    ui.formula(
        c02_why_positions.add_position_vectors,
        caption="The position vector is added to the token vector of the word in slot p.",
    )

cross_terms_section(table)
learned_section(d_model, length)

ui.try_this(
    [
        "Set the base to 100: the slow columns speed up and the similarity curve dips below zero.",
        "Slide the gap k in the cross-terms chart: the content line never moves, the score always does.",
        "In the learned table, set **max_len** below **L**: it runs out and a blank band appears. The sinusoidal "
        "table has a row for any position you ask for.",
    ]
)
question, misconception = st.columns(2, gap="medium")
with question:
    ui.check_yourself(
        "With d = 64, what is PE(m)·PE(m) for m = 5, and for m = 5000? Why?",
        "Both are **32 = d/2**. Every sine-cosine pair contributes sin²(mω) + cos²(mω) = 1, and there are d/2 = 32 "
        "pairs, whatever m is. That is also the largest value any PE(m)·PE(n) can take.",
    )
with misconception:
    ui.misconception(
        "Sinusoidal encodings make attention depend only on relative position.",
        "Only PE(m)·PE(n) depends on m − n alone. Added to the token vectors, PE leaves cross terms in every "
        "score that mix content with absolute position. That gap is what RoPE closes.",
    )
ui.takeaway(
    "Absolute encodings add a vector per position: sinusoids exist for every position and their dot product "
    "depends on distance, but added to the words they leave cross terms; a learned table stops at max_len."
)
ui.end_page(CHAPTER)
