"""Chapter 8: six position schemes on the same queries and keys, scrubbed over a shift of every position, and RoPE's
attention pipeline step by step."""

import numpy as np
import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c08_attention_maps as figures
from ropelab.lessons import c08_attention_maps as lesson

CHAPTER = 8
DEFAULT_TEXT = "the cat sat on the mat because the cat was tired"
VIEWS = ("scores", "probabilities")
HEAD_SIZES = tuple(range(8, 129, 8))
# The shift slider's steps are the scrubber's stops, so a released drag lands on a value the slider can hold.
SHIFT_STEP, MAX_SHIFT = 10, 1000
SHIFT_STOPS = np.arange(0, MAX_SHIFT + 1, SHIFT_STEP)

# Twelve attention maps per setting (six schemes, shifted and not) take milliseconds, the maps at all 101 stops of
# the scrubber a few more: cached per setting, and the scrubbed chart per setting and shift.
compare = st.cache_data(lesson.compare_methods, max_entries=32, show_spinner=False)
maps_over_shifts = st.cache_data(lesson.maps_over_shifts, max_entries=16, show_spinner=False)
pipeline = st.cache_data(lesson.rope_attention_pipeline, max_entries=32, show_spinner=False)


@st.cache_data(max_entries=32, show_spinner=False)
def maps_chart(token_ids, words, dim, seed, causal, same_token, shift, view):
    stack = maps_over_shifts(token_ids, dim, SHIFT_STOPS, seed=seed, causal=causal, same_token=same_token)
    return figures.method_maps_chart(stack, shift, figures.shown_words(words, same_token), view, dim=dim, causal=causal)


@ui.section
def maps_section(token_ids, words, dim, seed, causal, same_token, shift):
    view = ui.choice("Show", VIEWS, "scores", key="view", widget="radio", help="Scores are before the softmax.")
    ui.chart(maps_chart(token_ids, words, dim, seed, causal, same_token, shift, view), key="maps")
    if shift + len(words) > lesson.LEARNED_ROWS:
        st.caption(
            "The learned table has no row for these positions, so that model cannot even run here. "
            "Sinusoidal, relative and rotary schemes have no such limit."
        )
    if not same_token:
        st.caption(
            "With different words at different positions the content changes along each diagonal too, so no panel "
            "is constant on the dashed lines. Turn on *same token repeated* to take content out of the picture."
        )


@ui.section
def pipeline_section(token_ids, labels, dim, seed, causal, same_token, shift):
    ui.prose(
        "Here is the RoPE panel again, opened up. Every step is a small matrix computation; the shapes show what "
        "flows where ($n$ tokens, head size $d$). The weighted sum uses a third seeded matrix $W_v$ for the values. "
        "Only the *rotate* step knows about positions: delete it and you have NoPE."
    )
    ui.formula(lesson.rope_attention_pipeline)
    stages = pipeline(token_ids, dim, seed=seed, causal=causal, same_token=same_token, shift=shift)
    stage_names = [stage.name for stage in stages]
    flow = " → ".join(
        f"**{stage.name}** "
        + ", ".join(f"`{label}` {matrix.shape[0]}×{matrix.shape[1]}" for label, matrix in stage.arrays)
        for stage in stages
    )
    st.markdown(flow)
    step_name = ui.choice("Step", stage_names, "rotate", key="step", widget="select_slider")
    stage = stages[stage_names.index(step_name)]
    ui.formula(stage.latex)
    ui.chart(figures.pipeline_stage_chart(stages, stage_names.index(step_name), labels), key="pipeline")


ui.start_page(CHAPTER)
ui.goal(
    "why RoPE's attention scores depend only on the distance m − n between two tokens: put the same word at every "
    "position, shift the whole sentence, and see which of six position schemes keep their map."
)
ui.prose(
    "One attention head, six ways to tell it where each token is: **NoPE** (no positions at all), **sinusoidal** "
    "and **learned** vectors added to the content (chapter 3), **T5** and **ALiBi** biases added to the scores "
    "(chapter 4), and **RoPE**'s rotation (chapters 5–6). The same word sits at every position, so only position "
    "can make two cells differ. The dashed lines are diagonals: every cell on one has the same distance between "
    "query and key. A scheme whose scores depend only on that distance is constant along every dashed line — "
    "and stays still when you drag the shift."
)

shift_column, same_column, causal_column = st.columns([2, 1, 1])
with shift_column:
    shift = ui.slider(
        "Shift every position by s",
        0,
        MAX_SHIFT,
        100,
        step=SHIFT_STEP,
        key="shift",
        help="Positions become s, s+1, …; the learned table only has rows 0 … 511. The scrubber under the maps "
        "moves it too.",
    )
with same_column:
    same_token = ui.toggle(
        "Same token repeated",
        True,
        key="same",
        help="Every position holds the first word, so only position can make the rows differ.",
    )
with causal_column:
    causal = ui.toggle("Causal mask", False, key="causal", help="Each query may look only at itself and earlier keys.")
with st.expander("Sentence, seed and head size"):
    text = ui.text(
        f"Sentence (up to {lesson.MAX_TOKENS} words; equal words share a content vector)",
        DEFAULT_TEXT,
        key="text",
        max_chars=lesson.MAX_TEXT_CHARS,
        help="Only letters, digits and a little punctuation are kept; extra words are dropped.",
    )
    seed_column, dim_column = st.columns(2)
    with seed_column:
        seed = ui.slider("Random seed", 0, 99, 1, key="seed", help="Seeds the content vectors and W_q, W_k.")
    with dim_column:
        # A list of sizes, not a stepped slider: a link can then only ask for sizes that exist (d must be even).
        dim = ui.choice(
            "Head size d", HEAD_SIZES, 32, key="d", widget="select_slider", help="Dimension of every query and key."
        )
words, token_ids = lesson.split_tokens(text)
if len(text.split()) > lesson.MAX_TOKENS:
    ui.notice(f"Only the first {lesson.MAX_TOKENS} words are used.")

maps_section(token_ids, words, dim, seed, causal, same_token, shift)

results = compare(token_ids, dim, seed=seed, causal=causal, same_token=same_token, shift=shift)
rope_column, sinusoidal_column, learned_column = st.columns(3)
rope_column.metric(
    "RoPE: max |Δscore|",
    f"{results['rope'].shift_change:.1e}",
    help="Largest change of any score between positions s, s+1, … and positions 0, 1, … for the same tokens.",
)
sinusoidal_column.metric("Sinusoidal: max |Δscore|", f"{results['sinusoidal'].shift_change:.2f}")
learned_shift = results["learned"].shift_change
learned_column.metric("Learned: max |Δscore|", "no rows" if results["learned"].maps is None else f"{learned_shift:.2f}")
if shift == 0:
    st.caption("With s = 0 nothing is shifted, so every change is 0: drag the shift.")

ui.try_this(
    [
        "Drag the scrubber under the maps from s = 0 to 1000. Only the sinusoidal and learned panels change; "
        "NoPE, T5, ALiBi and RoPE stay still. Past s = 500 the learned table runs out of rows.",
        "Switch off **same token repeated**. No panel is constant on the dashed lines any more (the words differ), "
        "but drag the shift again: RoPE's panel still does not move. Distance, not position, is what it sees.",
        "Type a sentence with a repeated word, same token off: with NoPE the two copies get identical rows — "
        "attention cannot tell them apart. Which panels separate them?",
        "Switch **Show** to probabilities and turn **causal** on: the scores still pass the test on the visible "
        "part, the probabilities do not. The question below asks why.",
    ]
)

with ui.go_deeper("how each scheme puts position in"):
    st.markdown(
        "Every distinct word gets a seeded random **content** vector (the same word always gets the same vector), "
        "and one pair of seeded matrices $W_q, W_k$ turns content into queries and keys. The six panels differ "
        "**only** in how position enters:\n\n"
        "- **NoPE** uses no position at all.\n"
        "- **Sinusoidal** and **learned** (absolute) add a position vector to the content *before* $W_q, W_k$. "
        f"The learned table here is a seeded stand-in for a trained one with {lesson.LEARNED_ROWS} rows.\n"
        "- **T5** and **ALiBi** (relative biases) add a number that depends on the distance $j - i$ to each score "
        "(T5: one seeded value per distance bucket; ALiBi: $-0.5\\,|i-j|$).\n"
        "- **RoPE** rotates each query and key by its own position, so the score sees $m - n$.\n\n"
        "Scores are divided by $\\sqrt d$, the bias methods then add their bias, and each row goes through a "
        "softmax."
    )
    ui.formula(rope_core.attention_maps, caption="How each scheme injects position (bias methods add A to the scores).")

with ui.go_deeper("measuring it: distance to Toeplitz and the change under the shift"):
    st.markdown(
        "Two numbers per method, computed on the scores (before softmax, masked cells skipped). **Deviation from "
        "Toeplitz** is the largest change along any diagonal: it is 0 when every score depends only on $j - i$. "
        "**Change under the shift** compares the scores at positions $s, s+1, \\dots$ with the scores at "
        "$0, 1, \\dots$ for the same tokens."
    )
    ui.formula(lesson.toeplitz_deviation)
    ui.formula(lesson.shift_change)
    ui.chart(figures.position_dependence_chart(results, shift=shift, same_token=same_token), key="dependence")

with ui.go_deeper("RoPE attention, step by step"):
    pipeline_section(token_ids, figures.token_labels(words, shift, same_token), dim, seed, causal, same_token, shift)

offset = lesson.largest_score_offset(results["rope"].maps.scores)
ui.misconception(
    "With RoPE every token attends mostly to itself and its neighbours.",
    "Not by itself. The map depends only on distance, but *which* distances win depends on the query and key "
    "content. Here $W_q \\ne W_k$, so even a repeated token need not peak on the diagonal: in RoPE's map above the "
    f"largest score sits at key − query = {offset}. Chapter 7 shows that a decay with distance appears when "
    "queries and keys are aligned, not for random ones.",
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
    "RoPE makes every score depend on the two tokens and their distance m − n only: shift the whole sentence and "
    "its scores move only by float rounding (1e-16 to 1e-13), while absolute encodings change them by about one "
    "unit or more — and a learned table simply runs out of rows."
)
ui.end_page(CHAPTER)
