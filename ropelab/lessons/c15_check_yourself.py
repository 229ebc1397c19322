"""Chapter 15, check yourself: the end-of-course quiz, whose numeric answers rope_core computes, and answer checking.

`build_quiz(seed)` returns the same questions for the same seed; seed 0 uses the textbook values (d = 128,
b = 10,000, s = 4, Llama 3.1 ...), other seeds vary the numbers so a lecturer can share a fresh variant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rope_core import (
    alibi_slopes,
    axial_inv_freq,
    causal_mask,
    decay_bound,
    interleaved_to_half_permutation,
    inv_freq,
    llama3_bands,
    ntk_scaled_base,
    rope_scores,
    sinusoidal_encoding,
    wavelengths,
)
from rope_core._checks import check_int
from rope_core._equation import equation
from ropelab.numbers import parse_number

from .c01_complex_numbers import polar_form
from .c07_long_term_decay import random_score_mean

MAX_SEED = 10_000
MAX_ANSWER_CHARS = 40
PERIOD_CHART_OFFSETS = np.arange(0, 61)


@dataclass(frozen=True)
class Question:
    """One quiz question: numeric when `options` is empty, multiple choice otherwise."""

    key: str
    chapter: int
    prompt: str
    explanation: str
    answer: float | None = None
    tolerance: float = 0.0
    options: tuple[str, ...] = ()
    correct_option: int = -1
    # Data for a question that is read off a chart: (x, y) arrays.
    chart: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)

    @property
    def numeric(self) -> bool:
        return not self.options


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer: status is 'correct', 'wrong', 'invalid' or 'unanswered'."""

    status: str
    message: str
    value: float | None = None

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def _variant(seed: int, number: int, choices: Sequence):
    """Seed 0 picks the first (textbook) choice; other seeds pick one at random, independently per question."""
    if seed == 0:
        return choices[0]
    return choices[int(np.random.default_rng([seed, number]).integers(len(choices)))]


def _shuffled(seed: int, number: int, correct: str, wrong: Sequence[str]) -> tuple[tuple[str, ...], int]:
    options = [correct, *wrong]
    order = np.random.default_rng([seed, number, 7]).permutation(len(options))
    shuffled = tuple(options[i] for i in order)
    return shuffled, shuffled.index(correct)


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _polar(seed: int) -> Question:
    a, b = _variant(seed, 1, [(-1, 1), (3, 4), (0, -2), (-2, -2), (1, -1)])
    modulus, argument = polar_form(float(a), float(b))
    return Question(
        key="polar",
        chapter=1,
        prompt=(
            f"Write $z = {a} {'+' if b >= 0 else '-'} {abs(b)}i$ in polar form $r e^{{i\\varphi}}$. "
            "What is the argument $\\varphi$ in radians, taken in $(-\\pi, \\pi]$?"
        ),
        answer=argument,
        tolerance=0.01,
        explanation=(
            f"$\\varphi = \\operatorname{{atan2}}({b}, {a}) = {argument:.4f}$ rad and $r = {modulus:.4f}$. "
            "Multiplying by $e^{i\\alpha}$ adds $\\alpha$ to $\\varphi$ and leaves $r$ alone: it is a rotation."
        ),
    )


def _order(seed: int) -> Question:
    options, correct = _shuffled(
        seed,
        2,
        "The same output vectors, in reversed order",
        [
            "The same output vectors, in the original order",
            "All output vectors become equal",
            "New output values that depend on the order",
        ],
    )
    return Question(
        key="order",
        chapter=2,
        prompt=(
            "A bidirectional self-attention layer (no causal mask) gets no position information. You reverse the "
            "order of its input tokens. What comes out?"
        ),
        options=options,
        correct_option=correct,
        explanation=(
            "Without positions, attention is permutation-equivariant: each token's output depends only on that "
            "token and the unordered *set* of all tokens, so reordering the inputs just reorders the outputs. "
            "'dog bites man' and 'man bites dog' give the same three output vectors."
        ),
    )


def _sinusoid(seed: int) -> Question:
    position = _variant(seed, 3, [2, 3, 5, 1, 4])
    value = float(sinusoidal_encoding(position + 1, 64)[position, 1])
    return Question(
        key="sinusoid",
        chapter=3,
        prompt=(
            "The sinusoidal encoding with $d_{model} = 64$, $b = 10{,}000$ has "
            "$PE_{p,2i} = \\sin(p / b^{2i/d})$ and $PE_{p,2i+1} = \\cos(p / b^{2i/d})$. "
            f"What is $PE_{{{position},1}}$?"
        ),
        answer=value,
        tolerance=0.01,
        explanation=(
            f"Entry 1 is the cosine of pair $i = 0$, whose frequency is $b^0 = 1$: $\\cos({position}) = {value:.4f}$."
        ),
    )


def _alibi(seed: int) -> Question:
    heads = _variant(seed, 4, [8, 16, 4, 32])
    slope = float(alibi_slopes(heads)[0])
    return Question(
        key="alibi",
        chapter=4,
        prompt=f"ALiBi with $H = {heads}$ heads: what is the slope $m_1$ of the first head?",
        answer=slope,
        tolerance=0.005,
        explanation=(
            f"The slopes are a geometric sequence starting at $2^{{-8/H}} = 2^{{-8/{heads}}} = {slope:.4f}$; "
            "the head adds $-m\\,|i-j|$ to each score, a penalty that grows with distance."
        ),
    )


def _shift(seed: int) -> Question:
    shift = _variant(seed, 5, [5, 7, 12, 100, 3])
    rng = np.random.default_rng([seed, 5, 1])
    q, k = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))
    frequencies = inv_freq(8, 10_000.0)
    before = float(rope_scores(q, k, [3], [1], frequencies)[0, 0])
    after = float(rope_scores(q, k, [3 + shift], [1 + shift], frequencies)[0, 0])
    options, correct = _shuffled(
        seed,
        5,
        "Exactly s (up to rounding)",
        [
            f"s · cos({shift}θ)",
            "Smaller than s: scores decay with absolute position",
            f"s rotated by {shift}θ",
        ],
    )
    return Question(
        key="shift",
        chapter=5,
        prompt=(
            f"With RoPE, a query at position m = 3 and a key at n = 1 have score s. Both positions are shifted by "
            f"{shift} (to {3 + shift} and {1 + shift}). What is the new score?"
        ),
        options=options,
        correct_option=correct,
        explanation=(
            f"RoPE scores depend only on m − n, which is still 2. Computed for a random q, k with d = 8: "
            f"{before:.6f} before and {after:.6f} after the shift."
        ),
    )


def _period(seed: int) -> Question:
    wavelength = _variant(seed, 6, [12, 8, 10, 16, 20, 24])
    theta = 2 * math.pi / wavelength
    unit = np.array([[1.0, 0.0]])
    queries = np.tile(unit, (PERIOD_CHART_OFFSETS.size, 1))
    scores = rope_scores(queries, unit, PERIOD_CHART_OFFSETS, [0], [theta], convention="interleaved")[:, 0]
    measured = float(wavelengths([theta])[0])
    return Question(
        key="period",
        chapter=5,
        prompt=(
            "The chart shows the RoPE score $\\langle R(m\\theta) q, k\\rangle$ of one pair ($q = k = (1, 0)$) "
            "against the offset m. Read it: how many tokens is one full period, the wavelength $2\\pi/\\theta$?"
        ),
        answer=measured,
        tolerance=0.05 * measured,
        chart=(PERIOD_CHART_OFFSETS.astype(float), scores),
        explanation=(
            f"The peaks sit at m = 0, {wavelength}, {2 * wavelength}, …, so $\\lambda = {measured:.4g}$ tokens and "
            f"$\\theta = 2\\pi/\\lambda = {theta:.4f}$ rad per token."
        ),
    )


def _theta_last(seed: int) -> Question:
    dim, base = _variant(seed, 7, [(128, 10_000.0), (64, 10_000.0), (128, 500_000.0), (256, 10_000.0)])
    theta = float(inv_freq(dim, base)[-1])
    return Question(
        key="theta_last",
        chapter=6,
        prompt=(
            f"For d = {dim} and b = {base:,.0f}, what is $\\theta_{{{dim // 2 - 1}}}$, the frequency of the "
            "last (slowest) pair, in radians per token? (Scientific notation like 1.2e-4 is fine.)"
        ),
        answer=theta,
        tolerance=0.02 * theta,
        explanation=(
            f"$\\theta_i = b^{{-2i/d}}$, so $\\theta_{{{dim // 2 - 1}}} = {base:.0f}^{{-{dim - 2}/{dim}}}$ "
            f"$= {theta:.4e}$ — a wavelength of about {2 * math.pi / theta:,.0f} tokens."
        ),
    )


def _wavelength0(seed: int) -> Question:
    base = _variant(seed, 8, [10_000.0, 500_000.0, 1_000_000.0, 100.0])
    wavelength = float(wavelengths(inv_freq(128, base))[0])
    return Question(
        key="wavelength0",
        chapter=6,
        prompt=f"With d = 128 and b = {base:,.0f}, what is the wavelength of pair 0, in tokens?",
        answer=wavelength,
        tolerance=0.02,
        explanation=(
            f"$\\theta_0 = b^0 = 1$ for every base, so $\\lambda_0 = 2\\pi \\approx {wavelength:.4f}$ tokens: pair 0 "
            "is always the fastest pair. The base only slows down the later pairs."
        ),
    )


def _decay0(seed: int) -> Question:
    dim = _variant(seed, 9, [128, 64, 256, 32])
    bound = float(decay_bound([0], dim, 10_000.0)[0])
    return Question(
        key="decay0",
        chapter=7,
        prompt=(
            f"RoFormer's long-term decay curve $B(r) = \\frac{{1}}{{d/2}}\\sum_{{j=1}}^{{d/2}} |S_j|$ for $d = {dim}$, "
            "$b = 10{,}000$: what is its value at distance $r = 0$?"
        ),
        answer=bound,
        tolerance=0.05,
        explanation=(
            f"At $r = 0$ every term of $S_j$ is 1, so $|S_j| = j$ and the mean of $1 \\dots d/2$ is "
            f"$(d/2 + 1)/2 = {bound:g}$. From there it oscillates downwards as r grows."
        ),
    )


def _random_mean(seed: int) -> Question:
    distance = _variant(seed, 10, [100, 50, 200, 10])
    mean, error = random_score_mean([distance], 128, 10_000.0, n_samples=512, seed=seed % 1000)
    options, correct = _shuffled(
        seed,
        10,
        "0 — at every distance",
        [
            "A positive number that shrinks as the distance grows",
            f"The RoFormer bound B({distance})",
            "1, because rotations keep lengths",
        ],
    )
    return Question(
        key="random_mean",
        chapter=7,
        prompt=(
            "Draw q and k independently from a zero-mean Gaussian. What is the expected RoPE score "
            f"$\\langle R_m q, R_n k\\rangle$ at distance |m − n| = {distance}?"
        ),
        options=options,
        correct_option=correct,
        explanation=(
            "Independent zero-mean vectors give an expected score of 0 at every distance, so random vectors show "
            f"no decay. A 512-sample estimate (score/d) here: {float(mean[0]):+.4f} ± {float(error[0]):.4f}. Decay "
            "appears only when q and k have something in common: correlated, or sharing a direction such as "
            "q = k = all-ones."
        ),
    )


def _causal_row(seed: int) -> Question:
    length, row = _variant(seed, 11, [(10, 6), (16, 0), (12, 11), (8, 3)])
    visible = int(np.isfinite(causal_mask(length)[row]).sum())
    return Question(
        key="causal_row",
        chapter=8,
        prompt=(
            f"A causal attention map has N = {length} positions, counted from 0. How many keys can the query at "
            f"position t = {row} attend to?"
        ),
        answer=float(visible),
        tolerance=0.4,
        explanation=(
            f"The causal mask allows keys 0 … t, which is t + 1 = {visible} keys; everything above the diagonal is "
            "set to −∞ before the softmax."
        ),
    )


def _permutation(seed: int) -> Question:
    dim, index = _variant(seed, 12, [(8, 4), (8, 2), (16, 9), (16, 5), (8, 7)])
    channel = int(interleaved_to_half_permutation(dim)[index])
    return Question(
        key="permutation",
        chapter=9,
        prompt=(
            f"Converting a checkpoint from the interleaved layout to the half-split layout (d = {dim}) reorders "
            f"the channels of each query/key head by a permutation P. Which original channel ends up at new position "
            f"{index} (counting from 0)?"
        ),
        answer=float(channel),
        tolerance=0.4,
        explanation=(
            f"Half-split pairs channel j with j + d/2, so the new vector is [x0, x2, x4, …, x1, x3, …]: position "
            f"{index} holds original channel {channel}. The rows of $W_q$ and $W_k$ are permuted the same way."
        ),
    )


def _beyond_table(seed: int) -> Question:
    options, correct = _shuffled(seed, 13, "Learned absolute", ["Sinusoidal", "RoPE", "ALiBi"])
    return Question(
        key="beyond_table",
        chapter=10,
        prompt="Which of these has **no** position information at all for a position beyond its training length?",
        options=options,
        correct_option=correct,
        explanation=(
            "A learned table has exactly max_len rows; there is nothing to look up past it. Sinusoidal and RoPE "
            "are formulas that work for any position, and ALiBi is a formula in the distance."
        ),
    )


def _ntk(seed: int) -> Question:
    factor = _variant(seed, 14, [4.0, 2.0, 8.0, 16.0])
    new_base = ntk_scaled_base(128, 10_000.0, factor)
    return Question(
        key="ntk",
        chapter=11,
        prompt=(
            f"NTK-aware scaling with $d = 128$, $b = 10{{,}}000$ and factor $s = {factor:g}$: what is the new "
            "base $b'$? (Round to the nearest integer; 1% tolerance.)"
        ),
        answer=new_base,
        tolerance=0.01 * new_base,
        explanation=(
            f"$b' = b \\cdot s^{{d/(d-2)}} = 10{{,}}000 \\cdot {factor:g}^{{128/126}} \\approx {new_base:,.0f}$. "
            "The exponent is chosen so the slowest pair is stretched by exactly s while pair 0 is untouched."
        ),
    )


def _llama3(seed: int) -> Question:
    band, words = _variant(
        seed,
        15,
        [
            ("high", "left completely unchanged"),
            ("low", "divided by the full factor 8"),
            ("mid", "blended between the two"),
        ],
    )
    count = int((llama3_bands(inv_freq(128, 500_000.0), 1.0, 4.0, 8192) == band).sum())
    return Question(
        key="llama3",
        chapter=11,
        prompt=(
            "Llama 3.1 scaling: $d = 128$, $b = 500{,}000$, factor 8, low/high frequency factors 1 and 4, "
            f"original context 8192. How many of the 64 pairs are **{words}**?"
        ),
        answer=float(count),
        tolerance=0.4,
        explanation=(
            "Pairs with wavelength below 8192/4 = 2048 tokens keep their frequency, pairs with wavelength above "
            "8192 are divided by 8, and the ones in between blend: 29 unchanged, 6 blended, 29 divided. "
            f"This question asked for the {words} ones: {count}."
        ),
    )


def _linear(seed: int) -> Question:
    options, correct = _shuffled(
        seed,
        16,
        "Only in the numerator; the normaliser uses the unrotated features",
        [
            "In both the numerator and the normaliser",
            "Only to the values v",
            "Nowhere: linear attention cannot use RoPE",
        ],
    )
    return Question(
        key="linear",
        chapter=12,
        prompt="In RoFormer's linear attention with RoPE (its Eq. 19), where are the rotations applied?",
        options=options,
        correct_option=correct,
        explanation=(
            "The rotated features $R_m\\varphi(q_m)$ and $R_n\\varphi(k_n)$ appear only in the numerator; the "
            "denominator keeps $\\varphi(q_m)^\\top\\varphi(k_n) > 0$ so it cannot vanish. As a result the weights "
            "can be negative and need not sum to 1."
        ),
    )


def _axial(seed: int) -> Question:
    dim = _variant(seed, 17, [64, 128, 32, 256])
    count = int(axial_inv_freq(dim).size)
    return Question(
        key="axial",
        chapter=13,
        prompt=(
            f"2-D axial RoPE for image patches with head dimension d = {dim}: how many rotating pairs follow the "
            "column index x?"
        ),
        answer=float(count),
        tolerance=0.4,
        explanation=(
            f"The d/2 = {dim // 2} pairs are split in half: {count} turn with the column x and {count} with the row "
            "y, which is why d must be divisible by 4."
        ),
    )


def _learned_na(seed: int) -> Question:
    length = _variant(seed, 18, [16, 12, 24, 8])
    options, correct = _shuffled(
        seed,
        18,
        f"n/a: there is no embedding for positions ≥ {length}",
        ["About the same as at the training length", "Exactly 0%", "1/V, the chance level"],
    )
    return Question(
        key="learned_na",
        chapter=14,
        prompt=(
            f"In the live experiment a learned absolute model is trained on sequences of length L = {length}. "
            f"What does the page report as its accuracy on sequences of length {2 * length}?"
        ),
        options=options,
        correct_option=correct,
        explanation=(
            "Its table has rows only for positions 0 … L − 1. Any number would measure whatever we invented for "
            "the missing rows, so the honest report is n/a; RoPE, by contrast, runs at any length."
        ),
    )


_BUILDERS = (
    _polar,
    _order,
    _sinusoid,
    _alibi,
    _shift,
    _period,
    _theta_last,
    _wavelength0,
    _decay0,
    _random_mean,
    _causal_row,
    _permutation,
    _beyond_table,
    _ntk,
    _llama3,
    _linear,
    _axial,
    _learned_na,
)


def build_quiz(seed: int = 0) -> tuple[Question, ...]:
    """All questions for this seed, in chapter order; every numeric answer is computed by rope_core."""
    seed = check_int("seed", seed, 0, MAX_SEED)
    return tuple(builder(seed) for builder in _BUILDERS)


# Digit groups of three after a separator: 40,890 or 40 890 or 1 000 000 (thin and no-break spaces too).
_GROUPED = re.compile(r"(?<![\d.])\d{1,3}(?:[,\u00a0\u2009\u202f ]\d{3})+(?![\d])")
_SEPARATORS = re.compile(r"[,_\u00a0\u2009\u202f ]")
_SPACED_NUMBERS = re.compile(r"\d\s+[\d.]")
_NOT_FINITE = re.compile(r"nan|inf", re.IGNORECASE)
_HINT = "use digits like 6.28, 40890, 1.2e-4, 3/4, 2pi or 3pi/4"


def read_answer(text: str) -> float:
    """Read a typed answer: 40890, 40,890, 1.2e-4, 3/4, 2pi, 3pi/4, 3π/4, 3*pi/4. ValueError says what is wrong.

    Digit groups (40,890, 1_000) are joined first; the rest goes to the app's safe parser for numbers and π
    expressions (no eval). The typed text is never echoed back: the message is shown as Markdown on the page.
    """
    if not isinstance(text, str):
        raise ValueError("answer must be text")
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("type a number")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise ValueError(f"the answer must be at most {MAX_ANSWER_CHARS} characters")
    if _NOT_FINITE.search(cleaned):
        raise ValueError("NaN and infinity are not answers; type a finite number")
    cleaned = _GROUPED.sub(lambda group: _SEPARATORS.sub("", group.group(0)), cleaned).replace("_", "")
    if _SPACED_NUMBERS.search(cleaned):
        # The parser would read "2 3" as 2 × 3; for an answer that is almost always a typo, so ask instead.
        raise ValueError(f"two numbers separated by a space are ambiguous; type one number ({_HINT})")
    try:
        return parse_number(cleaned)
    except ValueError as error:
        reason = str(error)
    if "divides by zero" in reason:
        raise ValueError("cannot divide by zero")
    if "not a finite number" in reason:
        raise ValueError("that number is too large; type a finite number")
    raise ValueError(f"that is not a number; {_HINT}")


@equation(r"|x - x^{\star}| \le \tau")
def check_numeric(question: Question, text: str | None) -> Verdict:
    """Accept a typed number within the question's tolerance of the computed answer."""
    if not question.numeric:
        raise ValueError(f"question {question.key!r} is multiple choice, not numeric")
    if text is None or not str(text).strip():
        return Verdict("unanswered", "Not answered yet.")
    try:
        value = read_answer(str(text))
    except ValueError as error:
        return Verdict("invalid", f"Could not read that answer: {error}.")
    assert question.answer is not None
    if abs(value - question.answer) <= question.tolerance:
        return Verdict("correct", f"Correct: {_fmt(question.answer)}.", value)
    return Verdict("wrong", f"Not quite: you typed {_fmt(value)}, the answer is {_fmt(question.answer)}.", value)


def check_choice(question: Question, chosen: str | None) -> Verdict:
    """Accept the one correct option of a multiple-choice question."""
    if question.numeric:
        raise ValueError(f"question {question.key!r} is numeric, not multiple choice")
    if chosen is None:
        return Verdict("unanswered", "Not answered yet.")
    if chosen not in question.options:
        return Verdict("invalid", "That is not one of the options.")
    right = question.options[question.correct_option]
    if chosen == right:
        return Verdict("correct", "Correct.")
    return Verdict("wrong", f"Not quite: the answer is “{right}”.")


def score_by_chapter(questions: Sequence[Question], verdicts: Mapping[str, Verdict]) -> dict[int, tuple[int, int]]:
    """For each chapter: (number of correct answers, number of questions)."""
    table: dict[int, tuple[int, int]] = {}
    for question in questions:
        right, total = table.get(question.chapter, (0, 0))
        verdict = verdicts.get(question.key)
        table[question.chapter] = (right + int(verdict is not None and verdict.correct), total + 1)
    return dict(sorted(table.items()))
