"""RoPE Lab home page: the question the course answers, one live puzzle, the map of chapters, how to use it."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import chapters, ui
from ropelab.figures import home as figures

TEASER_POSITIONS = 64

ui.start_page(None)

st.title("RoPE Lab")
st.markdown("#### Shuffle a sentence, and attention cannot tell.")
st.markdown(
    "A transformer compares words with dot products, and a dot product has no idea where a word sits: *the dog bit "
    "the man* and *the man bit the dog* give attention the same numbers, only in another order. So how do you tell a "
    "model where each word is, in a way that lets it care about how far apart two words are, and keeps working on "
    f"texts longer than any it was trained on? In {len(chapters.COURSE)} short chapters you work out the answer "
    "today's language models use, **rotary position embeddings (RoPE)**, with sliders you move yourself."
)


@ui.section
def teaser() -> None:
    # A section: moving m redraws the clocks without rebuilding the map of chapters below.
    st.subheader("A first puzzle: four hands, one position")
    teaser_left, teaser_right = st.columns([1, 3])
    with teaser_left:
        position = ui.slider(
            "Position m", 0, TEASER_POSITIONS, 3, key="m", help="Where the token sits in the sequence."
        )
        dim = 64
        st.caption(
            "One token at position m, seen through four of its pairs of coordinates. Drag m under the clocks: which "
            "hand could tell the next token from this one, and which could tell a token far back?"
        )
    frequencies = rope_core.inv_freq(dim, 10_000.0)
    shown_pairs = np.array([0, 4, 8, 16])
    positions = np.arange(TEASER_POSITIONS + 1)
    angles = rope_core.rotation_angles(positions, frequencies)[:, shown_pairs]  # every scrubber stop at once
    with teaser_right:
        ui.chart(
            figures.teaser_clocks_chart(positions, frequencies, shown_pairs, angles, position), key="teaser_clocks"
        )
    ui.formula(
        rope_core.inv_freq,
        caption=f"Each hand turns by its own θ_i per token (here d = {dim}, b = 10,000). Chapters 5 and 6 say why.",
    )


teaser()

st.subheader("The learning path")
CARDS_PER_ROW = 3  # wide enough that every chapter title fits on one line
for part in dict.fromkeys(entry.part for entry in chapters.CHAPTERS):
    st.markdown(f"**{part}**")
    entries = [entry for entry in chapters.CHAPTERS if entry.part == part]
    for row_start in range(0, len(entries), CARDS_PER_ROW):
        row = entries[row_start : row_start + CARDS_PER_ROW]
        for column, entry in zip(st.columns(CARDS_PER_ROW), row, strict=False):
            with column, st.container(border=True):
                st.page_link(entry.script, label=f"{entry.number}. {entry.title}", icon=entry.icon)
                st.caption(entry.summary)

st.subheader("How to use RoPE Lab")
st.markdown(
    "- **Drag and watch:** charts with a ▶ button and a slider under them move while you drag.\n"
    "- **Share a view:** every setting is kept in the address bar; copy it, or use *Share this view* in the "
    "sidebar, and whoever opens it sees exactly what you see.\n"
    "- **Lecture mode** (sidebar switch, or `?lecture=1` in the link) enlarges type and folds the explanations "
    "away.\n"
    "- **Export:** the camera icon on a chart saves a PNG; *Download the data* gives the numbers behind it.\n"
    "- **Light or dark:** the ⋮ menu at the top right offers System, Light and Dark."
)
st.page_link("pages/16_Your_model.py", label="Have a model? Paste its config.json and see its RoPE →")
ui.end_page(None)
