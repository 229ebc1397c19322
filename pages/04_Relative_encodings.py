"""Chapter 4: relative position biases — clipped distance tables, T5 buckets, ALiBi slopes — and their effect."""

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

# The content scores are the one call here that costs milliseconds; everything else is microseconds.
content_maps = st.cache_data(rope_core.attention_maps, max_entries=64, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "how relative schemes add one number per distance to the attention scores — clipped tables, T5 buckets and "
    "ALiBi slopes — and what that bias does to an attention map."
)
ui.prose(
    "Absolute encodings (last chapter) stamp each token with *where it is*. Relative encodings skip that and "
    "tell attention only *how far apart* a query $i$ and a key $j$ are. The simplest way: leave the query and key "
    "vectors alone, compute the usual content score $S_{ij} = q_i \\cdot k_j / \\sqrt d$, and add a bias "
    "$A_{ij} = b(j-i)$ that depends on the offset alone. Every pair with the same offset gets the same bias, "
    "wherever it sits in the sequence, so the bias matrix is constant along each diagonal. The schemes below "
    "differ only in how they turn an offset into a number."
)
ui.formula(
    lesson.attention_with_bias,
    caption="S: content scores; A: relative bias; M: optional causal mask (−∞ above the diagonal).",
)

top_left, top_right = st.columns(2)
with top_left:
    length = ui.slider("Sequence length L", 8, 64, 24, key="L", help="Number of tokens; every heatmap is L × L.")
with top_right:
    seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Draws the stand-in bias tables and the token contents.")

st.subheader("1 · Clipped distances: one number per offset")
ui.prose(
    "Shaw, Uszkoreit and Vaswani (2018) learn one parameter per offset $j-i$, but only for offsets up to $\\pm k$; "
    "anything farther is clipped to $\\pm k$ and shares that parameter. (In their paper the parameters are vectors "
    "added to the keys and values; here each is a single number added to the score, the simpler form later "
    "schemes use.) "
    "The values below are seeded random stand-ins for what training would learn."
)
ui.formula(lesson.clipped_relative_bias)
clip = ui.slider("Clip distance k", 0, 16, 4, key="clip", help="Offsets beyond ±k share the edge value.")
shaw_matrix, shaw_table = lesson.clipped_relative_bias(length, clip, seed)
table_column, map_column = st.columns(2)
with table_column:
    ui.chart(figures.clipped_table_chart(shaw_table, clip), key="shaw_table")
with map_column:
    ui.chart(figures.clipped_bias_chart(shaw_matrix, clip), key="shaw_bias")

st.subheader("2 · T5: buckets that widen with distance")
ui.prose(
    "T5 (Raffel et al., 2020) also learns one number per group of offsets, but the groups — *buckets* — widen "
    "with distance. With bidirectional attention half the buckets are for keys after the query and half for keys "
    "at or before it. In each half, the first half of the buckets holds one exact offset each; the rest cover "
    "logarithmically wider ranges up to the max distance, and every offset from there on shares the last bucket. "
    "Near tokens are told apart precisely, far ones only roughly. The defaults are T5's: 32 buckets, max distance 128."
)
ui.formula(rope_core.t5_relative_bucket, caption="n buckets, D = max distance, r = j − i (HF transformers' recipe).")
bucket_column, distance_column, direction_column = st.columns([2, 2, 1.4])
with bucket_column:
    num_buckets = ui.slider("Number of buckets n", 4, 64, DEFAULT_BUCKETS, step=2, key="buckets")
with distance_column:
    max_distance = ui.slider("Max distance D", 4, 256, DEFAULT_MAX_DISTANCE, key="maxdist")
with direction_column:
    bidirectional = ui.toggle("Bidirectional", True, key="bidir", help="Off: decoder style, only earlier keys count.")


# Settings the bucket formula rejects (max distance too small for the exact range) fall back to T5's own.
t5 = ui.guarded(
    lambda: lesson.t5_views(length, num_buckets, max_distance, bidirectional, seed),
    lambda: lesson.t5_views(length, DEFAULT_BUCKETS, DEFAULT_MAX_DISTANCE, bidirectional, seed),
    "This bucket setting does not work",
)
used_here = np.unique(t5.buckets[np.abs(t5.offsets) < length]).size
bucket_map_column, t5_map_column = st.columns(2)
with bucket_map_column:
    ui.chart(figures.t5_buckets_chart(t5), key="t5_buckets")
with t5_map_column:
    ui.chart(figures.t5_bias_chart(t5), key="t5_bias")
st.caption(f"A {length}-token window touches {used_here} distinct buckets.")

st.subheader("3 · ALiBi: a straight-line penalty, one slope per head")
ui.prose(
    "ALiBi (Press, Smith and Lewis, 2022) learns nothing: each head subtracts its slope times the distance, "
    "$-m_h\\,|i-j|$, so far keys are penalised more and more. The slopes form a geometric sequence starting at "
    "$2^{-8/H}$ for $H$ heads, so some heads look very locally and others almost globally. When $H$ is not a "
    "power of two, the recipe takes the sequence for the largest power of two below $H$ and fills the remaining "
    "heads with every other slope of the sequence for twice that many heads."
)
ui.formula(rope_core.alibi_slopes)
ui.formula(rope_core.alibi_bias, caption="Written symmetrically; ALiBi's language models use it with a causal mask.")
heads = ui.slider("Number of heads H", 1, 32, 8, key="heads", help="Try a non-power of two such as 12.")
slopes = rope_core.alibi_slopes(heads)
steepest, gentlest = int(np.argmax(slopes)), int(np.argmin(slopes))
ui.chart(figures.alibi_slopes_chart(slopes), key="alibi_slopes")
steep_bias = rope_core.alibi_bias(length, slopes[steepest])
gentle_bias = rope_core.alibi_bias(length, slopes[gentlest])
ui.chart(figures.alibi_bias_chart(slopes, steep_bias, gentle_bias), key="alibi_bias")

st.subheader("4 · What a bias does to attention")
ui.prose(
    "Same queries and keys every time (seeded random contents, no position information), so the content scores "
    "$S$ are identical in all four panels; only the bias differs. Watch how the probabilities crowd towards "
    "the diagonal as the bias penalises distance."
)
causal_column, query_column = st.columns(2)
with causal_column:
    causal = ui.toggle("Causal (mask future keys)", False, key="causal")
with query_column:
    query = ui.slider("Query position for the profile", 0, 63, 12, key="pos")
if query >= length:
    ui.notice(f"Query position {query} is past the end of a {length}-token sequence; showing query {length - 1}.")
    query = length - 1
content_scores = content_maps(length, HEAD_DIM, "nope", seed=seed).scores
alibi_label = f"ALiBi (head {steepest + 1})"
schemes = {
    "no bias": np.zeros((length, length)),
    f"clipped (k = {clip})": shaw_matrix,
    "T5 buckets": t5.bias,
    alibi_label: steep_bias,
}
probabilities = {name: lesson.attention_with_bias(content_scores, bias, causal) for name, bias in schemes.items()}
ui.chart(figures.biased_attention_chart(probabilities), key="attention")
near = np.abs(np.arange(length) - query) <= NEAR_WINDOW
readouts = st.columns(len(probabilities))
for column, (name, matrix) in zip(readouts, probabilities.items(), strict=True):
    column.metric(name, f"{matrix[query, near].sum():.0%}")
st.caption(
    f"Near share: the attention query {query} puts on keys within ±{NEAR_WINDOW} positions of itself. "
    f"The ALiBi panel uses the steepest head above, m = {slopes[steepest]:.3g}."
)
ui.chart(figures.attention_row_chart(probabilities, query), key="attention_row")

ui.try_this(
    [
        "Set the clip distance k to 0: every offset shares one bias, so position is invisible again.",
        "In T5, raise the max distance to 256 and watch the log-spaced steps stretch; turn off Bidirectional "
        "and see all later keys fall into bucket 0.",
        "Set H = 12 heads: eight slopes halve each time, and four extra ones sit halfway (on the log axis) "
        "between the steepest ones.",
        "Turn on Causal and compare ALiBi with no bias: with ALiBi the most recent keys win most of the weight.",
        "Change the seed: the clipped and T5 tables change, ALiBi does not (it has nothing to learn).",
    ]
)
ui.check_yourself(
    "With ALiBi slope m = 0.5, a key 10 tokens away has the same content score as a key 2 tokens away. "
    "How does the first key's attention weight compare with the second's?",
    "The biases are −0.5·10 = −5 and −0.5·2 = −1. Softmax weights are proportional to e^(score), so the ratio is "
    "e^(−5)/e^(−1) = e^(−4) ≈ 0.018: the far key gets under 2 % of the near key's weight.",
)
ui.misconception(
    "A relative bias lets a model tell any two distances apart, however long the text.",
    "Clipped tables and T5 buckets give every offset beyond k or the max distance the same bias, so far "
    "distances all look alike. ALiBi keeps penalising linearly; its authors showed this lets models trained on "
    "short sequences run on longer ones, but it does so by making distant tokens nearly invisible.",
)
ui.takeaway(
    "Relative schemes leave q and k untouched and add a bias b(j − i) to each score: the same number for every "
    "pair at the same offset, wherever the pair sits in the sequence."
)
ui.end_page(CHAPTER)
