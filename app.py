"""RoPE Lab home page: what RoPE is, the map of chapters, how to use the app, and one live teaser."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import chapters, ui
from ropelab.figures import home as figures

ui.start_page(None)

st.title("RoPE Lab")
st.markdown("#### Learn rotary position embeddings by turning the dials yourself.")
st.markdown(
    "A transformer compares tokens with dot products, and a dot product cannot see where a token sits. "
    "**Rotary position embeddings (RoPE)** fix that by rotating every query and key by an angle proportional "
    "to its position, with a different speed for each pair of coordinates. Because rotations compose, the "
    "score between two tokens ends up depending only on how far apart they are."
)

st.subheader("Try it: one vector, four pairs, one position")
teaser_left, teaser_right = st.columns([1, 3])
with teaser_left:
    position = ui.slider("Position m", 0, 64, 3, key="m", help="Where the token sits in the sequence.")
    dim = 64
    st.caption(f"Head size d = {dim}, base b = 10,000. Pairs 0, 4, 8 and 16 of {dim // 2}.")
frequencies = rope_core.inv_freq(dim, 10_000.0)
shown_pairs = np.array([0, 4, 8, 16])
angles = rope_core.rotation_angles(np.array([position]), frequencies)[0, shown_pairs]
with teaser_right:
    ui.chart(figures.teaser_clocks_chart(position, frequencies, shown_pairs, angles), key="teaser_clocks")
ui.formula(
    rope_core.inv_freq, caption="Pair i turns by θ_i per token: fast pairs see nearby detail, slow ones see far."
)

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
    "- **Sliders and pickers** change every chart at once; animated charts have a ▶ button and their own "
    "slider that scrubs in the browser with no waiting.\n"
    "- **Shareable links:** every control is stored in the address bar. Copy it, or use *Share this view* in "
    "the sidebar, and whoever opens it sees exactly what you see.\n"
    "- **Lecture mode** (sidebar switch, or `?lecture=1` in the link) enlarges type and folds the prose away.\n"
    "- **Export:** the camera icon on a chart saves a PNG at twice screen resolution; *Download the data* gives "
    "the numbers behind it as CSV.\n"
    "- **Theme:** the ⋮ menu → Settings switches light and dark; both are tuned for projectors."
)
st.page_link("pages/16_Your_model.py", label="Have a model? Paste its config.json and see its RoPE →")
ui.end_page(None)
