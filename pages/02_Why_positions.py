"""Chapter 2: self-attention without positions is blind to word order; reordering only moves the results around."""

import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c02_why_positions as figures
from ropelab.lessons import c02_why_positions as lesson

CHAPTER = 2
DEFAULT_SENTENCE = "the dog bit the man"
MAX_CHARS = 80
MAX_WORDS = 12
MAX_SHUFFLE = 50
EMBEDDING_DIM = 8


def _next_shuffle() -> None:
    # A bound widget can only be moved programmatically through session state, before it is drawn.
    st.session_state["seed"] = st.session_state.get("seed", 1) % MAX_SHUFFLE + 1


@ui.section
def experiment_section() -> None:
    controls, readout = st.columns([1, 1], gap="large")
    with controls:
        sentence = ui.text(
            "Your sentence (up to 12 words)",
            DEFAULT_SENTENCE,
            key="text",
            max_chars=MAX_CHARS,
            help="Words are split on spaces. Anything you type is shown as plain text.",
        )
        shuffle = ui.slider(
            "Shuffle number (0 keeps the original order)",
            0,
            MAX_SHUFFLE,
            1,
            key="seed",
            help="Each number is a different, repeatable reordering of the words; share the link to share it.",
        )
        st.button("Shuffle again", icon=":material/shuffle:", on_click=_next_shuffle)
        with_positions = ui.toggle(
            "Add sinusoidal position vectors (chapter 3's fix)",
            False,
            key="pe",
            help="Adds a position vector to each slot before attention, so the slot a word sits in starts to matter.",
        )

    words, left_out = lesson.split_words(sentence, MAX_WORDS)
    if left_out:
        ui.notice(f"Only the first {MAX_WORDS} words are used; {left_out} more were left out.")
    if not words:
        ui.notice("The sentence has no words, so the example sentence is used instead.")
        words, _ = lesson.split_words(DEFAULT_SENTENCE, MAX_WORDS)
    if len(words) == 1:
        ui.notice("With a single word there is nothing to reorder: add a second word to see the effect.")

    vectors = lesson.word_vectors(list(words), EMBEDDING_DIM)
    order = lesson.shuffle_order(len(words), shuffle)
    projections = lesson.projection_weights(EMBEDDING_DIM, 0)
    positions = rope_core.sinusoidal_encoding(len(words), EMBEDDING_DIM) if with_positions else None
    comparison = lesson.compare_orders(vectors, order, projections, positions)
    reordered_words = [words[index] for index in order]

    with readout:
        st.markdown("**Original sentence**")
        st.code(" ".join(words), language=None, wrap_lines=True)
        st.markdown("**Reordered sentence**")
        st.code(" ".join(reordered_words), language=None, wrap_lines=True)
        left, right = st.columns(2)
        left.metric(
            "Largest output change",
            f"{comparison.output_gap:.1e}",
            help="max |output of a word after reordering − output of the same word before|, over all words and dims",
        )
        right.metric(
            "Largest score change",
            f"{comparison.score_gap:.1e}",
            help="The same comparison for the scores of every pair of words.",
        )
        if with_positions:
            st.caption("With positions added, the same word in another slot gets a different input and output.")
        else:
            st.caption(
                "Without positions only floating-point rounding (≈ 1e−16) or exactly 0 is left: nothing changed."
            )

    ui.chart(
        figures.attention_weights_chart(comparison, words, reordered_words, with_positions=with_positions),
        key="weights",
    )
    with ui.go_deeper("the outputs move with their words too"):
        ui.chart(
            figures.outputs_chart(comparison, words, reordered_words, with_positions=with_positions), key="outputs"
        )
        st.caption(
            "Each row is one word's output. A word repeated in the sentence gets the same row twice: without "
            "positions, attention cannot tell the two copies apart."
        )


ui.start_page(CHAPTER)
ui.goal(
    "see that self-attention on its own treats a sentence as a bag of words: reorder the words and every "
    "score and every output simply moves along with its word. Something must tell the model where each word is."
)

st.subheader("Attention compares words, not places")
ui.prose(
    "Self-attention turns every token vector $x_j$ into a query, a key and a value with three learned matrices, "
    "scores every pair of tokens by a dot product, and mixes the values with the softmax of those scores. "
    "**Nothing in it says where a token sits.** Below, each word gets a fixed random vector (the same word always "
    "gets the same vector, as in an embedding table) and one attention head with random weights runs on your "
    "sentence and on a reordering of it. Shuffle, and look at where each number goes."
)
ui.formula(lesson.self_attention)
experiment_section()
ui.prose(
    "Without positions every weight travels with its pair of words: the reordered map is the original with its rows "
    "and columns moved along, and the largest change is 0 or a rounding error. *The dog bit the man* and *the man "
    "bit the dog* give attention the same set of results, only listed in another order. Switch on **Add sinusoidal "
    "position vectors**: each slot now adds its own vector (chapter 3), the same word in another slot becomes a "
    "different input, and the changes jump from zero to clearly non-zero."
)
with ui.go_deeper("why it cannot be otherwise"):
    ui.formula(
        lesson.word_vectors,
        caption="The hash is of the word itself, so 'the' maps to one vector wherever it appears.",
    )
    ui.formula(
        lesson.compare_orders,
        caption=(
            "P is the permutation matrix that reorders the rows. Moving the inputs moves the outputs the same way "
            "(permutation equivariance), and the score matrix is reordered along both its rows and its columns."
        ),
    )
    st.markdown(
        "Reordering the tokens multiplies $X$ by a permutation matrix $P$ from the left. Then $Q$, $K$ and $V$ are "
        "reordered the same way, the score matrix becomes $P S P^\\top$, the softmax works row by row so it just "
        "follows along, and the output is $P$ times the old output: the model computes the same thing for every "
        "word and merely lists the results in the new order. Adding a position vector per slot breaks this, "
        "because slot $p$ adds the same $PE_p$ whichever word lands there:"
    )
    ui.formula(lesson.add_position_vectors)
    st.markdown(
        "A causal mask, which lets each token see only earlier ones, also breaks the symmetry; decoder-only models "
        "without any position encoding can pick up some order that way (Haviv et al., 2022), but the standard fix "
        "is an explicit position signal, such as the one RoPE provides."
    )

ui.try_this(
    [
        "Press **Shuffle again** a few times: the metrics stay at zero (or ≈ 1e−16) for every shuffle.",
        "Type *the man bit the dog*: compare its heatmaps with *the dog bit the man* at shuffle 0.",
        "Type a sentence with a word repeated three times: its rows of the outputs heatmap (under Go deeper) are "
        "identical.",
        "Switch on the position vectors: now the reordered maps are no longer a reshuffled copy.",
    ]
)
question, misconception = st.columns(2, gap="medium")
with question:
    ui.check_yourself(
        "Without position information, swap the first and last word of a five-word sentence. What happens to the "
        "attention weight that the first word's query gave to the third word?",
        "It is unchanged, just filed elsewhere: that word is now the last one, so the same number appears in the "
        "**last row**, third column. Weights and outputs belong to words, not to slots, so only their places in "
        "the matrices change.",
    )
with misconception:
    ui.misconception(
        "Attention reads the sentence from left to right, so it knows the order.",
        "Attention processes all tokens at once with the same formula. Without a position signal (or a mask), "
        "any order of the same words gives the same set of results.",
    )
ui.takeaway("Self-attention without positions is permutation-equivariant: reorder the words and the results only move.")
ui.end_page(CHAPTER)
