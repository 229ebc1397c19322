"""Chapter 10: absolute vs relative vs rotary position encodings, claim by claim, with a live experiment that slides
one token pair along the sequence (a scrubber moves the pair in the browser)."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import chapters, ui
from ropelab.figures import c10_why_rope_won as figures
from ropelab.lessons import c10_why_rope_won as lesson

CHAPTER = 10
MAX_DISTANCE_SHOWN = 1024

# Each claim: what absolute, relative-bias and rotary schemes do, and the chapters that show it live.
CLAIMS = (
    (
        "Where the position goes in",
        "A position vector is **added to every token** before the query and key projections.",
        "A term that depends on the distance is **added to every attention logit**.",
        "Queries and keys are **rotated** by an angle proportional to their position; nothing is added.",
        (3, 4, 5, 6),
    ),
    (
        "What a score can depend on",
        "Both absolute positions: in the chart above the sinusoidal and learned lines move as the pair slides.",
        "Only the distance: the T5 and ALiBi lines above are flat.",
        "Only the distance m − n, exactly, because R_mᵀR_n = R_(n−m). The RoPE line above is flat.",
        (5, 8),
    ),
    (
        "Flexibility of sequence length",
        "A learned table has **no row** past its last trained position (the gap above). Sinusoids exist for every "
        "position, but the network still has to cope with positions it never saw.",
        "Defined for any distance. T5 lumps all long distances into its last bucket; ALiBi keeps subtracting.",
        "No table, so any position works in the formula; but slow pairs meet **unseen angles** beyond the training "
        "length, which is what context-extension methods repair.",
        (3, 4, 11),
    ),
    (
        "Decay with distance",
        "Nothing built in.",
        "ALiBi imposes a linear penalty by design; T5 decays only if training makes its biases do so.",
        "RoFormer derives an upper bound on the score (by Abel summation) and shows numerically that it shrinks, "
        "while oscillating, as the distance grows; it does not prove that scores decay. Aligned q and k show the "
        "decay; random q and k do not on average.",
        (7,),
    ),
    (
        "Linear attention",
        "Compatible: the position is already inside the inputs.",
        "An additive bias on the logits does not factor into φ(q)ᵀφ(k), so the O(N) trick does not apply directly.",
        "Compatible: rotations act on q and k separately, so rotated features slot into the numerator of linear "
        "attention (RoFormer, Eq. 19).",
        (12,),
    ),
    (
        "Extra parameters",
        "Learned: one trained row of d_model numbers per position. Sinusoidal: none.",
        "T5: one learned scalar per bucket and head. ALiBi: none (fixed slopes).",
        "None: the frequencies are fixed by the base b and the dimension d.",
        (3, 4, 6),
    ),
    (
        "Compute cost",
        "One vector addition per token, once, at the input.",
        "One addition per query–key pair and head; a stored bias is an L × L matrix per head.",
        "O(d) element-wise work per query and key (x ⊙ cos + rotate(x) ⊙ sin) in every layer; nothing of size "
        "L × L, so fused attention kernels need no change to the score computation.",
        (9,),
    ),
    (
        "Beyond one-dimensional text",
        "2-D versions exist: fixed 2-D sin-cos tables (MAE, MoCo v3) give half of each vector to the row and half to "
        "the column. ViT itself learns a 1-D table over the flattened patches.",
        "2-D versions exist (for example the relative bias tables of the Swin Transformer).",
        "Rotate some pairs by the row and others by the column: 2-D and 3-D RoPE keep the relative property per axis.",
        (13,),
    ),
)

# The same eight claims in a few words each, for the table on the main path.
CLAIMS_IN_BRIEF = """
| | Absolute | Relative | RoPE |
|---|---|---|---|
| Enters | each token | each logit | q and k, rotated |
| A score sees | both positions | the distance | the distance, exactly |
| Long inputs | learned: no rows | any distance | slow pairs: new angles |
| Decay | none built in | ALiBi: by design | a bound that shrinks |
| Linear attention | works | does not factor | works (Eq. 19) |
| Parameters | learned: a row per position | T5: one per bucket | none |
| Cost | an add per token | an add per logit | O(d) per q and k |
| Images | 2-D sin-cos tables | 2-D bias tables | by row and column |
"""

# One pair's logit at 129 positions, and at up to 1,024 distances, for six schemes: milliseconds per setting. The
# charts are cached whole too: dragging the pair changes only the position, and moving r leaves the distances alone.
across_shifts = st.cache_data(lesson.pair_score_across_shifts, max_entries=64, show_spinner=False)
by_distance_of = st.cache_data(lesson.pair_score_by_distance, max_entries=64, show_spinner=False)


def slid_pair(distance: int, table_length: int, dim: int, seed: int) -> dict[str, np.ndarray]:
    stops = lesson.slide_positions(table_length)
    return {
        method: across_shifts(method, distance, stops, dim, seed=seed, learned_max_len=table_length)
        for method in rope_core.METHODS
    }


@st.cache_data(max_entries=64, show_spinner=False)
def slide_chart(distance: int, table_length: int, dim: int, seed: int, position: int):
    stops = lesson.slide_positions(table_length)
    by_shift = slid_pair(distance, table_length, dim, seed)
    return figures.shift_scores_chart(
        stops, by_shift, distance=distance, table_length=table_length, dim=dim, position=position
    )


@st.cache_data(max_entries=64, show_spinner=False)
def distance_chart(table_length: int, dim: int, seed: int, marked: int):
    max_distance = min(2 * table_length, MAX_DISTANCE_SHOWN)
    by_distance = {
        method: by_distance_of(method, max_distance, dim, seed=seed, learned_max_len=table_length)
        for method in rope_core.METHODS
    }
    return figures.distance_scores_chart(np.arange(1, max_distance + 1), by_distance, marked=marked)


def chapter_link(number: int) -> None:
    """A link to the chapter where a claim can be tested live."""
    entry = chapters.chapter(number)
    st.page_link(entry.script, label=f"{entry.number}. {entry.title}", icon=entry.icon)


@ui.section
def experiment():
    controls = st.columns(3)
    with controls[0]:
        distance = ui.slider("Distance r between the tokens", 1, 64, 8, key="r", help="Query position − key position.")
    with controls[2]:
        table_length = ui.slider(
            "Learned table rows L", 64, 1024, 256, step=lesson.TABLE_STEP, key="L",
            help="The training length: rows for positions 0 … L−1.",
        )  # fmt: skip
    stops = lesson.slide_positions(table_length)
    with controls[1]:
        # Its range and step follow L (the pair slides over 0 … 2L in 128 steps); the scrubber moves it too.
        position = ui.slider(
            "Key position p", 0, int(stops[-1]), int(stops[len(stops) // 4]), step=int(stops[1]), key="p",
            help="Where the key token sits; the query is r tokens later. Drag the scrubber under the chart.",
        )  # fmt: skip
    with st.expander("Head size and seed"):
        size_column, seed_column = st.columns(2)
        with size_column:
            dim = ui.slider("Head dimension d", 16, 128, 64, step=16, key="d")
        with seed_column:
            seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Chooses the two tokens' content and W_q, W_k.")

    ui.chart(slide_chart(distance, table_length, dim, seed, position), key="shift_scores")
    by_shift = slid_pair(distance, table_length, dim, seed)
    # When r ≥ L the learned table has no row for the query at any shift, so its line is empty.
    spread = {
        method: float(np.nanmax(values) - np.nanmin(values)) if np.isfinite(values).any() else None
        for method, values in by_shift.items()
    }
    last_learned_key = table_length - 1 - distance
    readouts = st.columns(4)
    readouts[0].metric("RoPE: max − min", f"{spread['rope']:.1e}", help="Zero up to floating-point rounding.")
    readouts[1].metric("Sinusoidal: max − min", f"{spread['sinusoidal']:.3f}")
    readouts[2].metric("Learned: max − min", "n/a" if spread["learned"] is None else f"{spread['learned']:.3f}")
    readouts[3].metric(
        "Learned: last key p",
        f"{last_learned_key}" if last_learned_key >= 0 else "none",
        help="The query sits r tokens later and needs row p + r < L.",
    )

    with ui.go_deeper("the same pair moved apart, and the formulas"):
        ui.formula(rope_core.attention_maps, caption="How each scheme enters the logit (the same seeded q, k content).")
        ui.formula(lesson.pair_score_across_shifts)
        ui.chart(distance_chart(table_length, dim, seed, distance), key="distance_scores")
        st.markdown(
            "Here only the distance changes. ALiBi's logit falls by its slope for every token of distance; T5's "
            "jumps between buckets that widen with distance; RoPE's wobbles as its pairs turn at different speeds. "
            "Which shape helps is decided by training, not by this picture: the content here is random."
        )


ui.start_page(CHAPTER)
ui.goal(
    "compare absolute, relative and rotary position encodings claim by claim, check the central claim live, "
    "and tell measured facts apart from reported training results."
)
ui.prose(
    "Rotary position embedding comes from *RoFormer* (Su, Lu, Pan, Murtadha, Wen and Liu, arXiv 2104.09864, "
    "April 2021). Before it, transformers **added** a position vector to each token (chapter 3) or **added a "
    "distance-dependent term** to each attention logit (chapter 4): a learned vector per distance (Shaw et al.), "
    "terms built from relative sinusoids (Transformer-XL), content–position terms (DeBERTa), one learned number "
    "per distance bucket (T5). RoPE **rotates** each query and key by its own position instead, and the distance "
    "appears by itself in their dot product."
)

st.subheader("Experiment: slide one token pair along the sequence")
ui.prose(
    "Two fixed tokens, a key at position p and a query r later, under six schemes (chapter 8's set-up). Drag the "
    "pair along the sequence: a scheme that sees only the distance keeps its dot at one height — a **flat line**. "
    "The learned table has L rows (the training length) and nothing beyond."
)
experiment()

st.subheader("The claims in brief")
st.markdown(CLAIMS_IN_BRIEF)
with ui.go_deeper("each claim explained, with the chapter that tests it"):
    for title, absolute, relative, rotary, chapter_numbers in CLAIMS:
        with st.container(border=True):
            st.markdown(f"**{title}**")
            columns = st.columns(3)
            for column, heading, text in zip(
                columns, ("Absolute", "Relative bias", "Rotary (RoPE)"), (absolute, relative, rotary), strict=True
            ):
                with column:
                    st.markdown(f"*{heading}.* {text}")
            link_columns = st.columns(3)
            for index, number in enumerate(chapter_numbers):
                with link_columns[index % 3]:
                    chapter_link(number)

ui.prose(
    "**What was reported about training** is a different kind of evidence: RoFormer's and EleutherAI's "
    "experiments found faster convergence with RoPE on their own set-ups. Those are results, not properties you "
    "can prove, and this app does not reproduce them. RoPE was then adopted by GPT-J, GPT-NeoX, PaLM and the "
    "LLaMA family."
)
with ui.go_deeper("the reported results, and the models that use RoPE"):
    st.markdown(
        "- **RoFormer** (Su et al., arXiv 2104.09864) reported that replacing the position encoding of a "
        "BERT-style model with RoPE made its masked-language-model pre-training loss fall faster; that adding "
        "RoPE to a Performer (a linear-attention model) on Enwik8 gave faster convergence and a lower loss; a "
        "small BLEU gain on WMT 2014 English–German translation; mixed results when fine-tuned on GLUE; and "
        "better accuracy on Chinese long-text classification as the allowed input length grew.\n"
        "- **EleutherAI**, in the blog post *Rotary Embeddings: A Relative Revolution* (2021), reported that in "
        "their own replications with GPT-style language models rotary embeddings converged faster than the "
        "learned absolute baseline, and compared favourably with T5-style relative bias, across several model "
        "sizes and code bases. It is a blog post with experiments, not a peer-reviewed benchmark; see it for the "
        "exact set-ups and numbers.\n"
        "- **Adoption** followed: GPT-J and GPT-NeoX (EleutherAI), PaLM, and the LLaMA family all use RoPE, and "
        "so does every model preset in this app:"
    )
    st.dataframe(
        {
            "model": [preset.name for preset in rope_core.MODEL_PRESETS.values()],
            "rotary dims / head dim": [
                f"{preset.rotary_dim} / {preset.head_dim}" for preset in rope_core.MODEL_PRESETS.values()
            ],
            "base b": [ui.format_base(preset.base) for preset in rope_core.MODEL_PRESETS.values()],
            "context": [preset.context_length for preset in rope_core.MODEL_PRESETS.values()],
            "layout": [preset.convention for preset in rope_core.MODEL_PRESETS.values()],
        },
        hide_index=True,
    )
    st.markdown(
        "Why it won is partly engineering and partly evidence: no parameters, a drop-in change to q and k that "
        "leaves the attention kernel alone, exact relative scores, and reported faster training. The debate is "
        "not closed: ALiBi and even models with no position encoding at all (NoPE) have their advocates, and "
        "Barbero et al. (2024, *Round and Round We Go!*) argue that RoPE's usefulness does not come from the "
        "decay property."
    )

ui.try_this(
    [
        "Drag the scrubber under the chart: the RoPE, T5, ALiBi and NoPE dots keep their height; the sinusoidal and "
        "learned ones jump. Change **r**: the flat lines move up or down, never tilt.",
        "Lower **L** to 64: the learned line stops at key position 63 − r, and the right half has no learned score.",
        "In *the same pair moved apart*, find where T5's steps get wider: beyond 8 tokens its buckets are log-spaced.",
    ]
)
ui.misconception(
    "RoPE won because its attention scores decay with distance.",
    "The decay shows for aligned queries and keys; for random ones the expected score is zero at every distance "
    "(chapter 7). Barbero et al. (2024) argue that RoPE is useful for other reasons, such as letting fast pairs "
    "build sharp positional patterns: the decay of RoFormer's bound, shown numerically, is not why RoPE won.",
)
ui.check_yourself(
    "Sinusoidal encodings and RoPE use the same sines and cosines. Why is the sinusoidal line in the chart "
    "wavy while the RoPE line is flat?",
    "Sinusoidal positions are **added** to the tokens and then pass through W_q and W_k. The logit "
    "(x + p_m)W_q W_kᵀ(x′ + p_n)ᵀ has cross terms such as x W_q W_kᵀ p_nᵀ that depend on where each token "
    "sits, not only on the distance. RoPE **rotates** q and k after the projections, and "
    "(R_m q)ᵀ(R_n k) = qᵀ R_(n−m) k depends on n − m alone.",
)
ui.takeaway(
    "RoPE encodes absolute positions as rotations so that attention scores depend on position only through the "
    "relative distance, with no parameters and no L × L bias; its training advantages are reported results, not "
    "theorems."
)
ui.end_page(CHAPTER)
