"""Chapter 4: relative position biases (clipped tables, T5 buckets, ALiBi slopes) and what they do to attention."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c04_relative_encodings as figures
from ropelab.lessons import c04_relative_encodings as lesson

CHAPTER = 4
HEAD_DIM = 64
DEFAULT_BUCKETS, DEFAULT_MAX_DISTANCE = 32, 128
NEAR_WINDOW = 2  # "near" = keys within this many positions of the query, for the readout
FAR_DISTANCE = 1_000  # how far away the misconception card looks

# The content scores are the one call here that costs milliseconds; everything else is microseconds.
content_maps = st.cache_data(rope_core.attention_maps, max_entries=64, show_spinner=False)


@ui.section
def overview_section(length: int, seed: int) -> None:
    st.subheader("One number per offset, added to every score")
    causal = ui.toggle("Causal (each query sees only itself and earlier keys)", False, key="causal")
    content_scores = content_maps(length, HEAD_DIM, "nope", seed=seed).scores
    biases = lesson.overview_biases(length, seed, causal)
    probabilities = {name: lesson.attention_with_bias(content_scores, bias, causal) for name, bias in biases.items()}
    ui.chart(figures.overview_chart(biases, probabilities), key="overview")
    st.caption(
        "Same queries and keys in every column (seeded random contents, no position information), so the content "
        f"scores S are identical; only the bias differs. The schemes: a clipped table with k = {lesson.OVERVIEW_CLIP}, "
        f"T5's own {lesson.OVERVIEW_BUCKETS} buckets up to {lesson.OVERVIEW_MAX_DISTANCE} (one direction when "
        f"causal), and the steepest head of a {lesson.OVERVIEW_HEADS}-head ALiBi model. Go deeper below to vary each."
    )
    with ui.go_deeper("where one query looks"):
        query = ui.slider("Query position", 0, 63, 12, key="pos", help="Which row of the attention maps to follow.")
        if query >= length:
            ui.notice(f"Query position {query} is past the end of a {length}-token sequence; showing {length - 1}.")
            query = length - 1
        ui.chart(figures.attention_row_chart(probabilities, query), key="attention_row")
        near = np.abs(np.arange(length) - query) <= NEAR_WINDOW
        for column, (name, matrix) in zip(st.columns(len(probabilities)), probabilities.items(), strict=True):
            column.metric(name, f"{matrix[query, near].sum():.0%}")
        st.caption(f"Near share: the attention query {query} puts on keys within ±{NEAR_WINDOW} positions of itself.")


@ui.section
def clipped_section(length: int, seed: int) -> None:
    with ui.go_deeper("Shaw et al.'s clipped distances"):
        ui.prose(
            "Shaw, Uszkoreit and Vaswani (2018) learn one parameter per offset $j-i$, but only for offsets up to "
            "$\\pm k$; anything farther is clipped to $\\pm k$ and shares that parameter. In their paper the "
            "parameters are vectors added to the keys and to the values; here each is a single number added to "
            "the score, the simpler form T5 later used. The values are seeded random stand-ins for trained ones."
        )
        ui.formula(lesson.clipped_relative_bias)
        clip = ui.slider("Clip distance k", 0, 16, 4, key="clip", help="Offsets beyond ±k share the edge value.")
        shaw_matrix, shaw_table = lesson.clipped_relative_bias(length, clip, seed)
        table_column, map_column = st.columns(2)
        with table_column:
            ui.chart(figures.clipped_table_chart(shaw_table, clip), key="shaw_table")
        with map_column:
            ui.chart(figures.clipped_bias_chart(shaw_matrix, clip), key="shaw_bias")


@ui.section
def t5_section(length: int, seed: int) -> None:
    with ui.go_deeper("T5's buckets, as the code computes them"):
        ui.prose(
            "T5 (Raffel et al., 2020) learns one number per *bucket* of offsets, and the buckets widen with "
            "distance. Bidirectional attention (the encoder) gives half of the $n$ buckets to keys after the "
            "query and half to keys at or before it; causal attention (the decoder) looks one way only, so every "
            "later key falls into bucket 0 along with the query itself. In each direction the first half of the "
            "buckets holds one exact offset each, the rest cover logarithmically wider ranges up to the max "
            "distance $D$, and every offset from there on is clamped into the last bucket. T5 uses 32 buckets "
            "and $D = 128$."
        )
        ui.formula(lesson.t5_views, caption="r = j − i (key minus query); [r > 0] is 1 for a later key, else 0.")
        bucket_column, distance_column, direction_column = st.columns([2, 2, 1.4])
        with bucket_column:
            num_buckets = ui.slider("Number of buckets n", 4, 64, DEFAULT_BUCKETS, step=2, key="buckets")
        with distance_column:
            max_distance = ui.slider("Max distance D", 4, 256, DEFAULT_MAX_DISTANCE, key="maxdist")
        with direction_column:
            bidirectional = ui.toggle("Bidirectional", True, key="bidir", help="Off: the causal, one-way form.")
        # Settings the bucket formula rejects (max distance too small for the exact range) fall back to T5's own.
        t5 = ui.guarded(
            lambda: lesson.t5_views(length, num_buckets, max_distance, bidirectional, seed),
            lambda: lesson.t5_views(length, DEFAULT_BUCKETS, DEFAULT_MAX_DISTANCE, bidirectional, seed),
            "This bucket setting does not work",
        )
        bucket_map_column, t5_map_column = st.columns(2)
        with bucket_map_column:
            ui.chart(figures.t5_buckets_chart(t5), key="t5_buckets")
        with t5_map_column:
            ui.chart(figures.t5_bias_chart(t5), key="t5_bias")
        used_here = np.unique(t5.buckets[np.abs(t5.offsets) < length]).size
        st.caption(f"A {length}-token window touches {used_here} distinct buckets.")


def _power(slope: float) -> str:
    return f"$2^{{{np.log2(slope):g}}}$"


_COUNT_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven")


def _slope_story(heads: int, groups: lesson.AlibiSlopeGroups) -> str:
    """Where the slopes of H heads sit, in words, from the computed slopes themselves."""
    regular = [_power(slope) for slope in groups.regular]
    listed = regular[0] if len(regular) == 1 else " and ".join(regular) if len(regular) == 2 else (
        f"{regular[0]}, {regular[1]}, …, {regular[-1]}"
    )  # fmt: skip
    if not groups.extra.size:
        return f"For H = {heads}, a power of two, every slope belongs to the one sequence: {listed}."
    story = f"For H = {heads} the first {len(regular)} heads take the sequence for {len(regular)} heads, {listed}; "
    extras = ", ".join(_power(slope) for slope in groups.extra)
    if groups.extra.size == 1:
        return story + f"the extra head gets {extras}, steeper than every one of them."
    count = groups.between.size
    word = _COUNT_WORDS[count] if count < len(_COUNT_WORDS) else str(count)
    steepest = f"{_power(groups.steeper[0])} ≈ {groups.steeper[0]:.3f}"
    return story + (
        f"the {groups.extra.size} extra heads get {extras}. {word} of these {'lies' if count == 1 else 'lie'} "
        f"between the regular slopes, and {steepest} is steeper than all of them."
    )


@ui.section
def alibi_section(length: int) -> None:
    with ui.go_deeper("ALiBi's slopes for any number of heads"):
        ui.prose(
            "ALiBi (Press, Smith and Lewis, 2022) learns nothing: head $h$ subtracts its slope times the "
            "distance, $-m_h\\,|i-j|$, so far keys are penalised more and more. For $H$ heads (a power of two) "
            "the slopes are a geometric sequence that starts at $2^{-8/H}$ and shrinks by that factor, so some "
            "heads look very locally and others almost globally. For other $H$ the recipe takes the sequence for "
            "the largest power of two below $H$ and fills the remaining heads with every other slope of the "
            "sequence for twice that many heads."
        )
        ui.formula(rope_core.alibi_slopes)
        ui.formula(rope_core.alibi_bias, caption="Written symmetrically; ALiBi's language models add a causal mask.")
        heads = ui.slider("Number of heads H", 1, 32, 12, key="heads", help="Try a power of two such as 8 or 16.")
        groups = lesson.alibi_slope_groups(heads)
        st.markdown(_slope_story(heads, groups))
        steepest, gentlest = int(np.argmax(groups.slopes)), int(np.argmin(groups.slopes))
        ui.chart(figures.alibi_slopes_chart(groups.slopes), key="alibi_slopes")
        steep_bias = rope_core.alibi_bias(length, groups.slopes[steepest])
        gentle_bias = rope_core.alibi_bias(length, groups.slopes[gentlest])
        ui.chart(figures.alibi_bias_chart(groups.slopes, steep_bias, gentle_bias), key="alibi_bias")


ui.start_page(CHAPTER)
ui.goal(
    "how relative schemes add one number per distance to the attention scores (clipped tables, T5 buckets and "
    "ALiBi slopes) and what that bias does to an attention map."
)
ui.prose(
    "Absolute encodings (last chapter) stamp each token with *where it is*. Relative encodings tell attention only "
    "*how far apart* a query $i$ and a key $j$ are. Before RoPE they came in two kinds. Some added vectors or "
    "whole terms inside attention: Shaw et al. (2018) added a learned vector per clipped offset to the keys and "
    "the values, Transformer-XL (Dai et al., 2019) added score terms built from a sinusoidal encoding of the "
    "offset, and DeBERTa (He et al., 2021) scores content and relative position with separate, disentangled terms. "
    "The simplest kind, drawn here, leaves the vectors alone and adds one number per offset to the score: "
    "$A_{ij} = b(j-i)$, the same for every pair at the same offset, so the bias matrix is constant along each "
    "diagonal. The schemes differ only in how they turn an offset into a number."
)
ui.formula(
    lesson.attention_with_bias,
    caption="S: content scores q·k/√d; A: relative bias; M: optional causal mask (−∞ above the diagonal).",
)
top_left, top_right = st.columns(2)
with top_left:
    length = ui.slider("Sequence length L", 8, 64, 24, key="L", help="Number of tokens; every heatmap is L × L.")
with top_right:
    seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Draws the stand-in bias tables and the token contents.")

overview_section(length, seed)
clipped_section(length, seed)
t5_section(length, seed)
alibi_section(length)

ui.try_this(
    [
        "Turn on Causal and compare ALiBi with no bias: with ALiBi the most recent keys win most of the weight.",
        "Follow one diagonal of any bias map: the colour never changes. That is what *relative* means.",
        "Change the seed: the clipped and T5 biases change, ALiBi's does not (it has nothing to learn).",
        "In the clipped distances, set k = 0: every offset shares one bias, so position is invisible again.",
        "In T5's buckets, raise D to 256 and watch the log-spaced steps stretch; turn off Bidirectional and every "
        "later key falls into bucket 0.",
    ]
)
gentlest_of_eight = float(rope_core.alibi_slopes(lesson.OVERVIEW_HEADS).min())
question, misconception = st.columns(2, gap="medium")
with question:
    ui.check_yourself(
        "With ALiBi slope m = 0.5, a key 10 tokens away has the same content score as a key 2 tokens away. "
        "How does the first key's attention weight compare with the second's?",
        "The biases are −0.5·10 = −5 and −0.5·2 = −1. Softmax weights are proportional to e^(score), so the ratio "
        "is e^(−5)/e^(−1) = e^(−4) ≈ 0.018: the far key gets under 2 % of the near key's weight.",
    )
with misconception:
    ui.misconception(
        "A relative bias lets a model tell any two distances apart, however long the text.",
        "Clipped tables and T5 buckets give every offset beyond k or the max distance the same bias, so far "
        "distances all look alike. ALiBi keeps penalising linearly, which let its authors' models trained on short "
        "sequences run on longer ones; its steep heads do it by all but ignoring distant tokens, while even the "
        f"gentlest of {lesson.OVERVIEW_HEADS} heads (m = 1/{round(1 / gentlest_of_eight)}) gives a token "
        f"{FAR_DISTANCE:,} positions back a bias of −{gentlest_of_eight * FAR_DISTANCE:.1f}.",
    )
ui.takeaway(
    "A relative bias adds one number b(j − i) to each score: the same for every pair at the same offset, wherever "
    "the pair sits in the sequence."
)
ui.end_page(CHAPTER)
