"""Chapter 14: train four tiny attention models live (NoPE, sinusoidal, learned, RoPE) on a copy-k-back task, then
look inside the trained RoPE head to see which of its rotation pairs it uses."""

import math
import time

import numpy as np
import streamlit as st

from ropelab import ui
from ropelab.figures import c14_live_experiment as figures
from ropelab.lessons import c14_live_experiment as training

CHAPTER = 14
DEFAULTS = training.ExperimentSettings()
PARTIAL_KEY = "p14_partial"  # a stopped run's last state, shown (not kept for others) until the reader trains again
TRAINING_KEY = "p14_training"  # the run in progress: advanced one chunk per page run, so the page stays live
OWN_RUNS_KEY = "p14_own_runs"  # settings → (seconds from press to end, seconds of training), runs of this tab
STARTED_KEY = "p14_started"  # when the reader pressed the train button
LIVE_UPDATES = 12  # at most this many chunks per run: the loss chart is updated in place after each
LIVE_SECONDS = 0.5  # about this much estimated training per chunk, since every chunk also redraws the page
LENGTH_MULTIPLES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
ORDER_LABELS = {"slowest": "the slowest pairs", "fastest": "the fastest pairs"}
PAIRS = DEFAULTS.dim // 2

# Finished runs are kept for everyone, keyed by their settings only (finished_run's `_result` is not part of the key).
# Evaluating a run on held-out sequences and looking inside its RoPE head take tens of milliseconds: cached too.
stored_run = st.cache_data(training.finished_run, max_entries=16, show_spinner=False)
accuracy_of = st.cache_data(training.accuracy_by_length, max_entries=32, show_spinner=False)
attention_of = st.cache_data(training.attention_maps, max_entries=32, show_spinner=False)
usage_of = st.cache_data(training.pair_usage, max_entries=16, show_spinner=False)
ablation_of = st.cache_data(training.pair_ablation, max_entries=16, show_spinner=False)


def finished_result(settings: training.ExperimentSettings) -> training.ExperimentResult | None:
    """The cached finished run for these settings, or None: never trains."""
    try:
        return stored_run(settings)
    except LookupError:
        return None


def percent(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0%}"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def start_training(settings: training.ExperimentSettings) -> None:
    """The train button: begin a run; every page run from now on advances it by one chunk until it is done."""
    st.session_state[TRAINING_KEY] = training.ExperimentRun(settings)
    st.session_state[STARTED_KEY] = time.perf_counter()
    st.session_state.pop(PARTIAL_KEY, None)


def chunk_steps(settings: training.ExperimentSettings) -> int:
    """Steps per chunk: about LIVE_SECONDS of estimated training each, at most LIVE_UPDATES chunks."""
    chunks = min(LIVE_UPDATES, max(1, round(training.estimated_seconds(settings) / LIVE_SECONDS)))
    return -(-settings.steps // chunks)


def stop_training() -> None:
    """The stop button (or a changed setting): keep the partly trained state and train no further."""
    run = st.session_state.pop(TRAINING_KEY, None)
    if run is not None:
        st.session_state[PARTIAL_KEY] = run.snapshot()


@ui.section
def attention_section(result: training.ExperimentResult) -> None:
    """What each trained model attends to on a held-out sequence of a length the reader picks (never retrains)."""
    settings = result.settings
    st.subheader("What each model attends to")
    test_length = ui.slider(
        "Test length T",
        8,
        figures.MAX_MAP_SIZE,
        32,
        step=4,
        key="T",
        help="Evaluation only: changing it never retrains. Lengths above L were never seen in training.",
    )
    tokens, maps = attention_of(result, test_length)
    ui.chart(figures.attention_chart(tokens, maps, settings.offset, settings.train_length), key="attention")
    if test_length > settings.train_length:
        st.caption(
            f"Rows below the dashed line are queries at positions ≥ L = {settings.train_length}, never seen in "
            "training."
        )
    with ui.go_deeper("the numbers behind the charts, and why learned absolute says n/a"):
        table_scores = accuracy_of(result, np.array([settings.train_length, test_length]))
        beyond = f"n/a: no embedding for positions ≥ {settings.train_length}"
        order = figures.SCHEME_ORDER
        st.dataframe(
            {
                "model": [figures.SCHEME_NAMES[s] for s in order],
                "final training loss": [f"{result.losses[s][-1]:.4f}" for s in order],
                f"accuracy at L = {settings.train_length}": [percent(table_scores[s][0]) for s in order],
                f"accuracy at T = {test_length}": [
                    beyond if math.isnan(table_scores[s][1]) else percent(table_scores[s][1]) for s in order
                ],
                f"attention on t − {settings.offset} at T": [
                    beyond if maps[s] is None else f"{training.mass_on_target(maps[s], settings.offset):.0%}"
                    for s in order
                ],
            },
            hide_index=True,
            key="p14_results",
        )
        ui.formula(training.accuracy_by_length, caption="Accuracy counts only positions that have a target.")
        st.markdown(
            "A learned absolute model has one trained vector per training position, rows 0 … L − 1. At position L "
            "there is simply no row to look up. We could invent one (repeat the last row, use zeros, wrap around), "
            "but then the score would measure our invention, not the model. So this page reports **n/a** beyond L "
            "and evaluates learned absolute only within its range. Sinusoidal has no such gap: the formula gives a "
            "vector for any position, just one the model never saw during training."
        )


@ui.section
def bridge_section(result: training.ExperimentResult) -> None:
    """Which rotation pairs the trained RoPE head uses: their size, and what switching them off does."""
    settings = result.settings
    st.subheader("A bridge to real models: which pairs does the RoPE head use?")
    ui.prose(
        f"The RoPE model splits each query and key into {PAIRS} pairs that turn at different speeds, from pair 0 "
        "(a full turn every 6.3 tokens) to the last pair, which turns so slowly that over a short sequence it "
        "barely moves. Training decides how much of each pair the head actually uses. Two ways to see it on the "
        "model you just trained: how large each pair is in the queries and keys (a pair's share of a score can "
        "never exceed the product of its two lengths), and what happens to the answers when a pair is switched "
        "off, its query and key set to zero, on held-out sequences of the training length."
    )
    usage = usage_of(result)
    ablation = ablation_of(result)
    ui.chart(figures.pair_usage_chart(usage, ablation), key="pairs")
    left, right = st.columns([1, 2])
    with left:
        order = ui.choice(
            "Switch pairs off, starting with",
            training.ABLATION_ORDERS,
            "slowest",
            key="from",
            format_func=ORDER_LABELS.get,
            widget="segmented",
        )
    with right:
        count = ui.slider(
            "Pairs switched off",
            0,
            PAIRS,
            12,
            key="off",
            help="Drag the scrubber under the chart to watch the pattern change as pairs go.",
        )
    ui.chart(figures.switch_off_chart(ablation, order, count, settings.offset), key="switch_off")
    st.markdown(training.ablation_summary(ablation, usage.wavelengths))
    ui.prose(
        "Barbero et al. (2024, *Round and Round We Go! What makes Rotary Positional Encodings useful?*) looked "
        "inside Gemma 7B the same way, measuring how large each pair is in every head's queries and keys. Heads "
        "with a sharp positional pattern, such as attending to the previous token or to the same token, are built "
        "on the **highest frequencies**, the pairs that turn fastest. Overall, though, Gemma puts most of its "
        "query and key size into the **lowest frequencies**: pairs that hardly turn across a context behave almost "
        "like no rotation at all, so they can match tokens by content wherever they are, and the authors suspect "
        "they carry meaning (semantic channels). This copy task rewards position only, so its head is a "
        "positional head, and the charts show whether yours leans on its fast pairs the same way."
    )


ui.start_page(CHAPTER)
ui.goal(
    "to watch four position schemes learn the same task from scratch, to see which of them still works on "
    "sequences longer than any it was trained on, and to find which rotation pairs a trained RoPE head uses."
)
ui.prose(
    "Here we **train**. Each model is one causal attention head: token embeddings → queries, keys and values → "
    "softmax attention → a score for every token of the vocabulary. The four models differ only in how they learn "
    "*where* a token is: **NoPE** has no position information at all; **Sinusoidal** adds the fixed Vaswani table "
    "to each token embedding (chapter 3); **Learned absolute** adds a trained vector per position, one for each of "
    "the L training positions; **RoPE** rotates queries and keys by their positions (chapters 5–6, base 10,000). "
    "The gradients are written out by hand in NumPy, including the path back through the rotation; all four "
    "models see the same random batches, and the same seed always gives the same run."
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
        f"Tokens are random integers 0 … {DEFAULTS.vocab - 1}, so what a token is tells the model nothing about "
        "where the answer is: only positions do."
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
settings = training.ExperimentSettings(offset=offset, train_length=train_length, steps=steps, seed=seed)
work = training.training_work(settings)
estimate = training.estimated_seconds(settings)
info_left, info_right = st.columns(2)
info_left.metric("Work for all four models", f"{work:.1e} multiply-adds")
info_right.metric(
    "Estimated time on this server",
    f"≈ {duration(estimate)}",
    help="An estimate from the amount of arithmetic, calibrated by timing the default run on this server; "
    "other visitors training at the same time make it take longer.",
)

result = finished_result(settings)
run = st.session_state.get(TRAINING_KEY)
if run is not None and (run.settings != settings or result is not None):
    stop_training()  # a setting changed mid-run: that run stops where it is, its curves kept for its own settings
    run = None
if run is not None:
    # One chunk per page run, then the page draws itself and asks for the next run: the loss chart updates in place,
    # every control stays usable, and Stop simply ends the series.
    run.advance(chunk_steps(settings))
    if run.finished:
        result = run.snapshot()
        stored_run(settings, _result=result)
        waited = time.perf_counter() - st.session_state.get(STARTED_KEY, time.perf_counter())
        st.session_state.setdefault(OWN_RUNS_KEY, {})[settings] = (waited, run.compute_seconds)
        del st.session_state[TRAINING_KEY]
        run = None
own_runs = st.session_state.get(OWN_RUNS_KEY, {})
button_column, status_column = st.columns([2, 3])
with button_column:
    st.button(
        "Train the four models",
        key="p14_train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=result is not None or run is not None,
        on_click=start_training,
        args=(settings,),
        help="Training only starts when you press this; finished runs are kept for everyone.",
    )
with status_column:
    if run is not None:
        st.progress(run.steps_done / steps, text=f"Training: step {run.steps_done} of {steps}")
        st.button("Stop training", key="p14_stop", icon=":material/stop:", on_click=stop_training)
    elif result is not None and settings in own_runs:
        waited, computing = own_runs[settings]
        st.caption(
            f"You trained these settings: {waited:.1f} s from the press to the last step, {computing:.1f} s of it "
            f"training (estimated ≈ {duration(estimate)})."
        )
    elif result is not None:
        st.caption("These settings were trained earlier on this server, so that run is shown at once.")
    else:
        st.caption("Nothing trained yet for these settings. The run starts only when you press the button.")

partial = st.session_state.get(PARTIAL_KEY)
if result is None and run is None and partial is not None and partial.settings == settings:
    ui.notice(
        f"Training was stopped after {partial.steps_done} of {steps} steps. The results below are for that "
        "partly trained state and are not kept; press the button to train from the start."
    )
    result = partial

with ui.go_deeper("the model, its gradients, the optimiser and the time estimate"):
    ui.formula(training.forward, caption="The whole model: one causal attention head and an output layer.")
    ui.formula(training.loss_and_gradients, caption="Cross-entropy over the positions that have a target.")
    ui.formula(training.rotate_backward, caption="The backward pass through RoPE.")
    st.markdown(
        "The one new piece of calculus is the rotation. It is linear, $\\tilde q_t = R_t q_t$, so the gradient "
        "flows back through its transpose, and for a rotation the transpose is the rotation by minus the angle. "
        "Every hand-written gradient here was checked against finite differences (nudge one weight, watch the "
        "loss) for all four schemes."
    )
    ui.formula(
        training.adam_step,
        caption="Adam with β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ and learning rate η = 0.005: ε is added to the "
        "bias-corrected root √v̂, as written.",
    )
    ui.formula(training.training_work, caption="Multiply-adds per token: forward and backward ≈ 3 × forward.")
    ui.formula(
        training.estimated_seconds,
        caption="The time estimate: the arithmetic at the rate measured for the default run on this server. It "
        "leaves out the element-wise work and the cost of each NumPy call, so it is an estimate (within about "
        "40 % here), and a busy server is slower.",
    )

chance_loss = math.log(settings.vocab)
if run is not None:
    ui.chart(figures.live_loss_chart(run.snapshot(), chance_loss), key="loss")
    st.caption("Accuracy against length, the attention maps and a look inside the RoPE head follow when it is done.")
elif result is None:
    st.info("Press **Train the four models** to start. Loss curves appear while it trains.", icon=":material/science:")
else:
    ui.chart(figures.loss_chart(result, chance_loss), key="loss")
    lengths = np.unique(np.maximum(np.round(np.array(LENGTH_MULTIPLES) * train_length), offset + 2)).astype(int)
    ui.chart(
        figures.accuracy_chart(lengths, accuracy_of(result, lengths), train_length, 1 / settings.vocab),
        key="accuracy",
    )
    attention_section(result)
    bridge_section(result)

ui.try_this(
    [
        "Train with the defaults. Which curve stays flat near the uniform-guess line, and why can't it drop?",
        "Move **T** above L after training (it never retrains): watch learned absolute turn to n/a, sinusoidal "
        "lose accuracy, and RoPE keep its diagonal much further.",
        "In the bridge section, switch pairs off from the slowest end, then from the fastest: how many can go "
        "before the diagonal breaks?",
        "Set k = 1, then k = 6, and retrain. Does NoPE get better or worse as k grows?",
        "Change only the **seed** and retrain: which conclusions survive a different run?",
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
    "Only the position part of its scores is relative, which is why it generalises past L here. But longer "
    "sequences bring more keys to compete for attention, at offsets it never saw in training, so at several "
    "times L its attention starts to leak and accuracy falls. That is the problem the context-extension methods "
    "of chapter 11 address.",
)
ui.takeaway(
    "Same model, same data, only the position scheme differs: the absolute schemes learn the task within the "
    "training length, RoPE's relative scores carry it to longer sequences, and inside the trained RoPE head the "
    "fastest-turning pairs do the positional work."
)
ui.end_page(CHAPTER)
if run is not None:
    st.rerun()  # the next chunk of the run in progress
