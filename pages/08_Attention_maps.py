"""Chapter 8: six position schemes on the same queries and keys, and RoPE's attention pipeline step by step."""

import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c08_attention_maps as figures
from ropelab.lessons import c08_attention_maps as lesson

CHAPTER = 8
DEFAULT_TEXT = "the cat sat on the mat because the cat was tired"
VIEWS = ("probabilities", "scores")
HEAD_SIZES = tuple(range(8, 129, 8))

# Twelve attention maps per setting (six schemes, shifted and not) take milliseconds: cached per setting.
compare = st.cache_data(lesson.compare_methods, max_entries=32, show_spinner=False)
pipeline = st.cache_data(lesson.rope_attention_pipeline, max_entries=32, show_spinner=False)

ui.start_page(CHAPTER)
ui.goal(
    "how NoPE, sinusoidal, learned, T5, ALiBi and RoPE change one attention map built from the same queries and "
    "keys — and how to *measure* that RoPE's scores depend only on the distance m − n."
)
ui.prose(
    "Below, one attention head reads a short sentence. Every distinct word gets a seeded random **content** vector "
    "(the same word always gets the same vector), and one pair of seeded matrices $W_q, W_k$ turns content into "
    "queries and keys. The six panels differ **only** in how position enters:\n\n"
    "- **NoPE** uses no position at all.\n"
    "- **Sinusoidal** and **learned** (absolute) add a position vector to the content *before* $W_q, W_k$. "
    "The learned table here is a seeded stand-in for a trained one with 512 rows.\n"
    "- **T5** and **ALiBi** (relative biases) add a number that depends on the distance $j - i$ to each score "
    "(T5: one seeded value per distance bucket; ALiBi: $-0.5\\,|i-j|$).\n"
    "- **RoPE** rotates each query and key by its own position, so the score sees $m - n$.\n\n"
    "Scores are divided by $\\sqrt d$ and each row goes through a softmax, exactly as in a transformer."
)
ui.formula(rope_core.attention_maps, caption="How each scheme injects position (bias methods add A to the scores).")

st.subheader("Six maps from the same queries and keys")
text = ui.text(
    f"Sentence (up to {lesson.MAX_TOKENS} words; equal words share a content vector)",
    DEFAULT_TEXT,
    key="text",
    max_chars=lesson.MAX_TEXT_CHARS,
    help="Only letters, digits and a little punctuation are kept; extra words are dropped.",
)
words, token_ids = lesson.split_tokens(text)
if len(text.split()) > lesson.MAX_TOKENS:
    ui.notice(f"Only the first {lesson.MAX_TOKENS} words are used.")

seed_column, dim_column, shift_column = st.columns(3)
with seed_column:
    seed = ui.slider("Random seed", 0, 99, 0, key="seed", help="Seeds the content vectors and W_q, W_k.")
with dim_column:
    # A list of sizes, not a stepped slider: a link can then only ask for sizes that exist (d must be even).
    dim = ui.choice(
        "Head size d", HEAD_SIZES, 32, key="d", widget="select_slider", help="Dimension of every query and key."
    )
with shift_column:
    shift = ui.slider(
        "Shift every position by s",
        0,
        1000,
        100,
        step=10,
        key="shift",
        help="Positions become s, s+1, …; the learned table only has rows 0 … 511.",
    )
causal_column, same_column, view_column = st.columns(3)
with causal_column:
    causal = ui.toggle("Causal mask", False, key="causal", help="Each query may look only at itself and earlier keys.")
with same_column:
    same_token = ui.toggle(
        "Same token repeated",
        False,
        key="same",
        help="Every position holds the first word, so only position can make the rows differ.",
    )
with view_column:
    view = ui.choice("Show", VIEWS, "probabilities", key="view", widget="radio")

results = compare(token_ids, dim, seed=seed, causal=causal, same_token=same_token, shift=shift)
labels = figures.token_labels(words, shift, same_token)
ui.chart(figures.method_maps_chart(results, labels, view, dim=dim, shift=shift, causal=causal), key="maps")
if any(result.maps is None for result in results.values()):
    ui.notice(
        "The learned table has no row for these positions, so that model cannot even run here. "
        "Sinusoidal, relative and rotary schemes have no such limit."
    )

st.subheader("Measured: does the map depend only on m − n?")
ui.prose(
    "Two numbers per method, computed on the scores (before softmax, masked cells skipped). "
    "**Deviation from Toeplitz** is the largest change along any diagonal: it is 0 when every score depends "
    "only on $j - i$. **Change under the shift** compares the scores at positions $s, s+1, \\dots$ with the "
    "scores at $0, 1, \\dots$ for the same tokens. Turn on *same token repeated* to make content identical, so "
    "that only position can break the pattern."
)
ui.formula(lesson.toeplitz_deviation)
ui.formula(lesson.shift_change)
methods = list(results)
toeplitz_values = [results[method].toeplitz_deviation for method in methods]
shift_values = [results[method].shift_change for method in methods]
ui.chart(figures.position_dependence_chart(results, shift=shift, same_token=same_token), key="dependence")
rope_column, sinusoidal_column, learned_column = st.columns(3)
rope_column.metric("RoPE: max |Δscore|", f"{results['rope'].shift_change:.1e}")
sinusoidal_column.metric("Sinusoidal: max |Δscore|", f"{results['sinusoidal'].shift_change:.2f}")
learned_shift = results["learned"].shift_change
learned_column.metric("Learned: max |Δscore|", "no rows" if results["learned"].maps is None else f"{learned_shift:.2f}")
if shift == 0:
    st.caption("With s = 0 nothing is shifted, so every change is 0: move the shift slider.")
if not same_token:
    st.caption(
        "With different words at different positions no method is Toeplitz: the content itself changes along "
        "each diagonal. Turn on *same token repeated* to take content out of the picture."
    )
st.dataframe(
    {
        "method": [figures.METHOD_LABELS[method] for method in methods],
        "max deviation from Toeplitz": [f"{value:.2e}" for value in toeplitz_values],
        "max |Δscore| under the shift": [f"{value:.2e}" for value in shift_values],
    },
    hide_index=True,
)

ui.try_this(
    [
        "Switch on **same token repeated**. RoPE's panel now has one colour along every diagonal (its deviation "
        "drops to float rounding); sinusoidal and learned do not. NoPE, T5 and ALiBi pass too: what is NoPE's "
        "map missing?",
        "Move the **shift** to 300. NoPE, T5, ALiBi and RoPE panels do not move (RoPE only by float rounding, "
        "about 1e-14); the absolute panels change. Push it past 500 and the learned table runs out of rows.",
        "Type a sentence with a repeated word and turn **causal** off: with NoPE the two copies get identical "
        "rows — attention cannot tell them apart. Which panels separate them?",
        "Switch **Show** to scores, then turn **causal** on: masked cells go blank and the Toeplitz test still "
        "holds for RoPE on the visible part.",
    ]
)

st.subheader("RoPE attention, step by step")
ui.prose(
    "Here is the RoPE panel again, opened up. Every step is a small matrix computation; the shapes show what "
    "flows where ($n$ tokens, head size $d$). The weighted sum uses a third seeded matrix $W_v$ for the values. "
    "Only the *rotate* step knows about positions: delete it and you have NoPE."
)
ui.formula(lesson.rope_attention_pipeline)
stages = pipeline(token_ids, dim, seed=seed, causal=causal, same_token=same_token, shift=shift)
stage_names = [stage.name for stage in stages]
flow = " → ".join(
    f"**{stage.name}** " + ", ".join(f"`{label}` {matrix.shape[0]}×{matrix.shape[1]}" for label, matrix in stage.arrays)
    for stage in stages
)
st.markdown(flow)
step_name = ui.choice("Step", stage_names, "rotate", key="step", widget="select_slider")
stage = stages[stage_names.index(step_name)]
ui.formula(stage.latex)
ui.chart(figures.pipeline_stage_chart(stages, stage_names.index(step_name), labels), key="pipeline")

ui.misconception(
    "With RoPE every token attends mostly to itself and its neighbours.",
    "Not by itself. The map depends only on distance, but *which* distances win depends on the query and key "
    "content. Here $W_q \\ne W_k$, so even a repeated token does not peak on the diagonal. Chapter 7 shows that "
    "the decay with distance appears only when queries and keys are aligned.",
)
ui.check_yourself(
    "With *same token repeated* and *causal* both on, RoPE's **scores** pass the Toeplitz test, but its "
    "**probabilities** are not constant along the diagonals. Why?",
    "The softmax normalises each row over the keys that row can see. Row $i$ sees $i + 1$ keys under the causal "
    "mask, so the same score is divided by a different total in each row. Equal *scores* along a diagonal do "
    "not give equal *weights*. (Without the mask the rows see different distance ranges, so the same holds "
    "near the edges.)",
)
ui.takeaway(
    "Rotating q and k makes every score a function of m − n alone: shift the whole sentence and RoPE's scores move "
    "only by float rounding (1e-15 to 1e-13), while absolute encodings change them by whole units — and a learned "
    "table simply runs out of rows."
)
ui.end_page(CHAPTER)
