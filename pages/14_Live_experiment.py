"""Chapter 14: train four tiny attention models live (NoPE, sinusoidal, learned, RoPE) on a copy-k-back task."""

import math

import numpy as np
import streamlit as st

from ropelab import ui
from ropelab.figures import c14_live_experiment as figures
from ropelab.lessons import c14_live_experiment as training

CHAPTER = 14
DEFAULTS = training.ExperimentSettings()
PARTIAL_KEY = "p14_partial"
LIVE_UPDATES = 16  # redraw the loss chart about this many times per run, not every step
LENGTH_MULTIPLES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
# Rough multiply-adds per second of this NumPy code on one busy core; only used for the time estimate shown.
WORK_PER_SECOND = 2.5e9

# Finished runs are kept for everyone, keyed by their settings only (finished_run's `_result` is not part of the key);
# evaluating a run on held-out sequences takes tens of milliseconds, so it is cached too.
stored_run = st.cache_data(training.finished_run, max_entries=16, show_spinner=False)
accuracy_of = st.cache_data(training.accuracy_by_length, max_entries=32, show_spinner=False)
attention_of = st.cache_data(training.attention_maps, max_entries=32, show_spinner=False)


def finished_result(settings: training.ExperimentSettings) -> training.ExperimentResult | None:
    """The cached finished run for these settings, or None: never trains."""
    try:
        return stored_run(settings)
    except LookupError:
        return None


def percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0%}"


ui.start_page(CHAPTER)
ui.goal(
    "to watch four position schemes learn the same task from scratch, and to see which of them still works on "
    "sequences longer than any it was trained on."
)
ui.prose(
    "Everything so far was arithmetic on fixed vectors. Here we **train**. Each model is one causal attention "
    "head: token embeddings → queries, keys and values → softmax attention → a projection to a score for every "
    "token of the vocabulary. The four models are identical except for how they learn *where* a token is:\n\n"
    "- **NoPE** — no position information at all;\n"
    "- **Sinusoidal** — the fixed Vaswani table added to each token embedding (chapter 3);\n"
    "- **Learned absolute** — a trained vector per position, one row for each of the L training positions;\n"
    "- **RoPE** — queries and keys rotated by their positions (chapters 5–6), with base 10,000.\n\n"
    "The gradients are written out by hand in NumPy (no autograd), including the path back through the "
    "rotation. All four models see the same random batches, and the same seed always gives the same run."
)

st.subheader("The task: copy the token k steps back")
task_controls, task_picture = st.columns([1, 3])
with task_controls:
    offset = ui.slider(
        "Copy offset k",
        1,
        6,
        DEFAULTS.offset,
        key="k",
        help="At every position t ≥ k the model must output the token that sat k positions earlier.",
    )
    st.caption(
        f"Tokens are random integers 0 … {DEFAULTS.vocab - 1}, so the content says nothing about the answer: "
        "only the position does."
    )
example_tokens, example_targets = training.copy_task_example(DEFAULTS.train_length, DEFAULTS.vocab, offset, 0)
with task_picture:
    ui.chart(figures.task_chart(example_tokens, example_targets, offset), key="task")
ui.formula(training.copy_task_batch, caption="Targets exist only where there is something k steps back.")
ui.prose(
    "The perfect strategy is an attention pattern that puts all its weight on the key exactly k places before "
    "the query. A model that cannot tell positions apart can at best spread its attention over what it has seen "
    "and guess."
)
ui.formula(training.forward, caption="The whole model: one causal attention head and an output layer.")

st.subheader("Train the four models")
left, middle, right = st.columns(3)
with left:
    train_length = ui.choice(
        "Training length L",
        (8, 12, 16, 20, 24, 32),
        DEFAULTS.train_length,
        key="L",
        widget="select_slider",
        help="Every training sequence has exactly L tokens. The learned table gets L rows.",
    )
with middle:
    steps = ui.slider(
        "Training steps", 100, 1000, DEFAULTS.steps, step=100, key="steps", help="Adam steps; each sees a fresh batch."
    )
with right:
    seed = ui.slider("Seed", 0, 20, DEFAULTS.seed, key="seed", help="Initial weights and data stream.")
test_length = ui.slider(
    "Test length T (for the attention maps and the table)",
    8,
    figures.MAX_MAP_SIZE,
    32,
    step=4,
    key="T",
    help="Evaluation only: changing it never retrains. Lengths above L were never seen in training.",
)
settings = training.ExperimentSettings(offset=offset, train_length=train_length, steps=steps, seed=seed)
work = training.training_work(settings)
info_left, info_right = st.columns(2)
info_left.metric("Work for all four models", f"{work:.1e} multiply-adds")
info_right.metric("Rough time on one core", f"≈ {max(1, round(work / WORK_PER_SECOND))} s")
ui.formula(training.training_work, caption="The budget is counted in arithmetic, not seconds, so tests can check it.")

result = finished_result(settings)
button_column, status_column = st.columns([2, 3])
with button_column:
    start = st.button(
        "Train the four models",
        key="p14_train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=result is not None,
        help="Training only starts when you press this; finished runs are cached for everyone.",
    )
with status_column:
    if result is not None:
        st.caption("These settings were trained before: the cached run is shown below at once.")
    else:
        st.caption("Nothing trained yet for these settings. The run starts only when you press the button.")

if start and result is None:
    live = st.empty()
    with live.container():
        st.button("Stop training", key="p14_stop", icon=":material/stop:")
        progress = st.progress(0.0, text="Starting…")
        live_chart = st.empty()
    redraws = iter(range(10**6))

    def show_progress(partial: training.ExperimentResult) -> None:
        # Keep every chunk so a Stop (which interrupts this run) still leaves the curves so far on screen.
        st.session_state[PARTIAL_KEY] = partial
        progress.progress(partial.steps_done / steps, text=f"Step {partial.steps_done} of {steps}")
        with live_chart:
            ui.chart(figures.live_loss_chart(partial, math.log(DEFAULTS.vocab)), key=f"p14_live_{next(redraws)}")

    result = training.run_experiment(settings, on_chunk=show_progress, chunk_steps=max(1, steps // LIVE_UPDATES))
    stored_run(settings, _result=result)
    st.session_state.pop(PARTIAL_KEY, None)
    # Redraw from the top so the button and status line above reflect the newly cached run.
    st.rerun()

partial = st.session_state.get(PARTIAL_KEY)
if result is None and partial is not None and partial.settings == settings:
    ui.notice(
        f"Training was stopped after {partial.steps_done} of {steps} steps. The results below are for that "
        "partly trained state and are not cached; press the button to train from the start."
    )
    result = partial

if result is None:
    st.info("Press **Train the four models** to start. Loss curves appear while it trains.", icon=":material/science:")
else:
    chance_loss = math.log(settings.vocab)
    ui.chart(figures.loss_chart(result, chance_loss), key="loss")
    lengths = np.unique(np.maximum(np.round(np.array(LENGTH_MULTIPLES) * train_length), offset + 2)).astype(int)
    scores = accuracy_of(result, lengths)
    ui.chart(figures.accuracy_chart(lengths, scores, train_length, 1 / settings.vocab), key="accuracy")
    table_scores = accuracy_of(result, np.array([train_length, test_length]))
    tokens, maps = attention_of(result, test_length)
    beyond = f"n/a: no embedding for positions ≥ {train_length}"
    st.dataframe(
        {
            "model": [figures.SCHEME_NAMES[s] for s in figures.SCHEME_ORDER],
            "final training loss": [f"{result.losses[s][-1]:.4f}" for s in figures.SCHEME_ORDER],
            f"accuracy at L = {train_length}": [percent(table_scores[s][0]) for s in figures.SCHEME_ORDER],
            f"accuracy at T = {test_length}": [
                beyond if math.isnan(table_scores[s][1]) else percent(table_scores[s][1]) for s in figures.SCHEME_ORDER
            ],
            f"attention on t − {offset} at T": [
                beyond if maps[s] is None else f"{training.mass_on_target(maps[s], offset):.0%}"
                for s in figures.SCHEME_ORDER
            ],
        },
        hide_index=True,
        key="p14_results",
    )
    ui.formula(training.accuracy_by_length, caption="Accuracy counts only positions that have a target.")
    ui.chart(figures.attention_chart(tokens, maps, offset, train_length), key="attention")
    if test_length > train_length:
        st.caption(f"Rows below the dashed line are queries at positions ≥ L = {train_length}, never seen in training.")

st.subheader("Why learned absolute says n/a, not a number")
ui.prose(
    "A learned absolute model has one trained vector per training position, rows 0 … L − 1. At position L "
    "there is simply no row to look up. We could invent one (repeat the last row, use zeros, wrap around), but "
    "then the score would measure our invention, not the model. So this page reports **n/a** beyond L and "
    "evaluates learned absolute only within its range. Sinusoidal has no such gap: the formula gives a vector for "
    "any position, just one the model never saw during training."
)
ui.formula(training.rotate_backward, caption="The backward pass through RoPE.")
ui.prose(
    "The one new piece of calculus is the rotation. It is linear, $\\tilde q_t = R_t q_t$, so the gradient "
    "flows back through its transpose, and for a rotation the transpose is the rotation by minus the angle. "
    "The test suite checks every hand-written gradient against finite differences for all four schemes."
)

ui.try_this(
    [
        "Train with the defaults. Which curve stays flat near the uniform-guess line, and why can't it drop?",
        "Move **T** above L after training (it never retrains): watch learned absolute turn to n/a, sinusoidal "
        "lose accuracy, and RoPE keep its diagonal much further.",
        "Set k = 1, then k = 6, and retrain. Does NoPE get better or worse as k grows?",
        "Change only the **seed** and retrain: which conclusions survive a different run?",
        "Press **Stop training** halfway: the page keeps the curves so far and marks them as not cached.",
    ]
)
ui.check_yourself(
    "NoPE usually ends well above the 1/16 ≈ 6% of random guessing. Does that mean it has learned some "
    "positional information?",
    "No. Without positions its attention can only depend on token contents, so it cannot point at t − k. But the "
    "answer is always one of the tokens it has already seen, and in a short prefix (at t = k there are only k + 1) "
    "guessing among those is right far more often than 1 in 16. Look at its attention map: no diagonal.",
)
ui.misconception(
    "RoPE is relative, so it works at any length.",
    "Its scores depend only on offsets, which is why it generalises past L here. But longer sequences bring more "
    "keys and offsets never seen in training, so at several times L its attention starts to leak and accuracy "
    "falls. That is the problem the context-extension methods of chapter 11 address.",
)
ui.takeaway(
    "Same model, same data: only the position scheme differs. Absolute schemes learn the task within the "
    "training length, but RoPE's relative scores carry the learned pattern to longer sequences."
)
ui.end_page(CHAPTER)
