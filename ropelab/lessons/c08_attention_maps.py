"""Chapter 8, attention maps: one short sentence through self-attention, the six position schemes compared (at one
shift, and at every stop of the shift scrubber at once), and RoPE's pipeline step by step.

Builds on rope_core.attention_maps: the same seeded content vectors and W_q, W_k, so every number here matches
the maps.
"""

import math
import unicodedata
from dataclasses import dataclass

import numpy as np

from rope_core import (
    METHODS,
    AttentionMaps,
    alibi_bias,
    apply_rope,
    attention_maps,
    causal_mask,
    inv_freq,
    softmax,
    t5_bias,
)
from rope_core._checks import check_base, check_bool, check_dim, check_int
from rope_core._equation import equation
from rope_core.attention import _content_vectors, _queries_and_keys
from rope_core.limits import MAX_POSITION, MAX_SEQ

MAX_TOKENS = 16
MAX_TEXT_CHARS = 80
MAX_TOKEN_CHARS = 12
MAX_SHIFT = 100_000
# attention_maps' learned table has this many rows (positions 0 … 511).
LEARNED_ROWS = 512
# All stops of all tokens go through the position tables in one call, which takes at most MAX_SEQ positions.
MAX_SHIFT_STOPS = MAX_SEQ // MAX_TOKENS
_POSITION_FREE = ("nope", "t5", "alibi")
_KEEP_PUNCTUATION = frozenset("'.,!?;:-")


def split_tokens(text: str, max_tokens: int = MAX_TOKENS) -> tuple[tuple[str, ...], np.ndarray]:
    """Split text on whitespace into at most `max_tokens` words; equal words get equal ids (first-seen order).

    Only letters, digits and a little punctuation are kept, each word is cut to MAX_TOKEN_CHARS, so the words
    are safe to use as chart labels. Text that leaves no word falls back to a single token "·".
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    max_tokens = check_int("max_tokens", max_tokens, 1, MAX_TOKENS)
    words = []
    for raw in text[:MAX_TEXT_CHARS].split():
        kept = "".join(
            character
            for character in unicodedata.normalize("NFKC", raw)
            if character.isalnum() or character in _KEEP_PUNCTUATION
        )[:MAX_TOKEN_CHARS]
        if kept:
            words.append(kept)
    words = words[:max_tokens] or ["·"]
    first_seen: dict[str, int] = {}
    ids = np.array([first_seen.setdefault(word.lower(), len(first_seen)) for word in words], dtype=np.int64)
    return tuple(words), ids


@equation(r"\delta_{\text{Toeplitz}}(S) = \max_{i,j}\ \big|S_{i+1,\,j+1} - S_{i,\,j}\big|")
def toeplitz_deviation(scores) -> float:
    """Largest change along any diagonal of a square score matrix; 0 means the scores depend on j - i only.

    Masked (non-finite) entries are skipped, so a causal map is judged on its visible part.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1]:
        raise ValueError(f"scores must be a square matrix, got shape {scores.shape}")
    if scores.shape[0] < 2:
        return 0.0
    later, earlier = scores[1:, 1:], scores[:-1, :-1]
    visible = np.isfinite(later) & np.isfinite(earlier)
    if not visible.any():
        return 0.0
    return float(np.max(np.abs(later[visible] - earlier[visible])))


@equation(r"\Delta_{\text{shift}} = \max_{i,j}\ \big|S_{ij}(\text{positions} + s) - S_{ij}(\text{positions})\big|")
def shift_change(scores_shifted, scores_reference) -> float:
    """Largest change of any visible score when every position moves by the same amount."""
    shifted = np.asarray(scores_shifted, dtype=np.float64)
    reference = np.asarray(scores_reference, dtype=np.float64)
    if shifted.shape != reference.shape:
        raise ValueError(f"score matrices must have the same shape, got {shifted.shape} and {reference.shape}")
    visible = np.isfinite(shifted) & np.isfinite(reference)
    return float(np.max(np.abs(shifted[visible] - reference[visible]))) if visible.any() else 0.0


def largest_score_offset(scores) -> int:
    """Key position minus query position of the largest visible score (masked entries skipped)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or not np.isfinite(scores).any():
        raise ValueError(f"scores must be a square matrix with a finite entry, got shape {scores.shape}")
    query, key = np.unravel_index(np.argmax(np.where(np.isfinite(scores), scores, -np.inf)), scores.shape)
    return int(key) - int(query)


@dataclass(frozen=True)
class MethodComparison:
    """One method's map at the chosen shift and how position-dependent its scores are."""

    method: str
    maps: AttentionMaps | None  # None when the method cannot encode these positions at all
    toeplitz_deviation: float  # NaN when maps is None
    shift_change: float  # NaN when either map is missing
    problem: str = ""


def compare_methods(
    token_ids,
    d: int = 64,
    *,
    seed: int = 0,
    causal: bool = False,
    same_token: bool = False,
    shift: int = 0,
    base: float = 10000.0,
) -> dict[str, MethodComparison]:
    """Run all six methods on the same tokens; measure Toeplitz deviation and the score change under `shift`.

    A learned table has no row for positions at or beyond its length: that method reports the problem
    instead of a map (it is the lesson, not an error).
    """
    shift = check_int("shift", shift, 0, min(MAX_SHIFT, MAX_POSITION))
    results = {}
    for method in METHODS:
        options = {"seed": seed, "causal": causal, "same_token": same_token, "base": base}
        reference = attention_maps(token_ids, d, method, shift=0, **options)
        try:
            shifted = attention_maps(token_ids, d, method, shift=shift, **options)
        except ValueError as error:
            results[method] = MethodComparison(method, None, math.nan, math.nan, str(error))
            continue
        results[method] = MethodComparison(
            method=method,
            maps=shifted,
            toeplitz_deviation=toeplitz_deviation(shifted.scores),
            shift_change=shift_change(shifted.scores, reference.scores),
        )
    return results


@dataclass(frozen=True)
class MapsOverShifts:
    """Every method's scores and probabilities at several shifts: the stops a scrubber moves between."""

    shifts: np.ndarray  # (S,) the shift of each stop: positions shift, shift + 1, …
    scores: dict[str, np.ndarray]  # method -> (S, n, n) logits; -inf where masked, NaN where the method cannot run
    probabilities: dict[str, np.ndarray]  # method -> (S, n, n); NaN where the method cannot run
    available: dict[str, np.ndarray]  # method -> (S,) False where it has no encoding for those positions


def _checked_token_ids(token_ids) -> np.ndarray:
    token_ids = np.asarray(token_ids)
    if token_ids.ndim != 1 or not 1 <= token_ids.size <= MAX_TOKENS or not np.issubdtype(token_ids.dtype, np.integer):
        raise ValueError(f"token_ids must be 1 to {MAX_TOKENS} integer ids, got {token_ids!r}")
    if token_ids.min() < 0:
        raise ValueError("token_ids must be non-negative")
    return token_ids


def maps_over_shifts(
    token_ids,
    d: int = 64,
    shifts=(0,),
    *,
    seed: int = 0,
    causal: bool = False,
    same_token: bool = False,
    base: float = 10000.0,
) -> MapsOverShifts:
    """The six methods' attention maps at every shift in `shifts`, computed together.

    Equal to calling attention_maps(token_ids, d, method, shift=s, ...) for every method and shift s (the same
    seeds, tables and rotations), but with each method's queries and keys for all stops in one batch, so a
    scrubber's hundred stops cost about as much as a few single maps. Stops where the learned table has no row
    for the positions are marked unavailable.
    """
    d = check_dim(d, "d")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    causal = check_bool("causal", causal)
    same_token = check_bool("same_token", same_token)
    base = check_base(base)
    token_ids = _checked_token_ids(token_ids)
    shifts = np.asarray(shifts)
    if shifts.ndim != 1 or not 1 <= shifts.size <= MAX_SHIFT_STOPS or not np.issubdtype(shifts.dtype, np.integer):
        raise ValueError(f"shifts must be 1 to {MAX_SHIFT_STOPS} whole numbers, got {shifts!r}")
    if shifts.min() < 0 or shifts.max() > MAX_SHIFT:
        raise ValueError(f"shifts must lie in [0, {MAX_SHIFT}], got {shifts.min()} … {shifts.max()}")
    if same_token:
        token_ids = np.full_like(token_ids, token_ids[0])
    n = token_ids.size
    content = _content_vectors(token_ids, d, seed)
    positions = shifts.astype(np.int64)[:, None] + np.arange(n)[None, :]
    bias = {"t5": t5_bias(n, 32, 128, True, seed)[0], "alibi": alibi_bias(n, 0.5)}
    mask = causal_mask(n) if causal else np.zeros((n, n))

    scores, probabilities, available = {}, {}, {}
    for method in METHODS:
        usable = positions[:, -1] < LEARNED_ROWS if method == "learned" else np.ones(shifts.size, dtype=bool)
        method_scores = np.full((shifts.size, n, n), np.nan)
        method_probabilities = np.full((shifts.size, n, n), np.nan)
        # NoPE and the bias methods never see the positions: one map serves every stop.
        stops = 1 if method in _POSITION_FREE else int(usable.sum())
        if stops:
            q, k = _queries_and_keys(
                np.tile(content, (stops, 1)), positions[usable][:stops].ravel(), method, seed, base, LEARNED_ROWS,
                "half",
            )  # fmt: skip
            q, k = q.reshape(stops, n, d), k.reshape(stops, n, d)
            logits = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias.get(method, 0.0) + mask
            method_scores[usable] = logits
            method_probabilities[usable] = softmax(logits)
        scores[method], probabilities[method], available[method] = method_scores, method_probabilities, usable
    return MapsOverShifts(shifts.astype(np.int64), scores, probabilities, available)


@dataclass(frozen=True)
class PipelineStage:
    """One step of attention: what it computes (LaTeX) and the arrays it produces, each with its label."""

    name: str
    latex: str
    arrays: tuple[tuple[str, np.ndarray], ...]


PIPELINE_STAGES = (
    ("embeddings", r"X \in \mathbb{R}^{n \times d}:\ \text{one seeded vector per distinct token}"),
    ("project", r"Q = X W_q,\quad K = X W_k,\quad V = X W_v \qquad (n \times d)"),
    ("rotate", r"\tilde Q_m = R_m\, Q_m,\quad \tilde K_n = R_n\, K_n \qquad (n \times d)"),
    (
        "scores",
        r"S_{mn} = \frac{\tilde Q_m^{\top} \tilde K_n}{\sqrt d}\ (+\,M_{mn}\text{ if causal}) \qquad (n \times n)",
    ),
    ("softmax", r"A_{mn} = \frac{e^{S_{mn}}}{\sum_{n'} e^{S_{mn'}}} \qquad (n \times n)"),
    ("weighted sum", r"O_m = \sum_n A_{mn} V_n,\quad O = A V \qquad (n \times d)"),
)


@equation(
    r"\begin{aligned} &X \xrightarrow{W_q,\,W_k,\,W_v} Q, K, V \xrightarrow{R_m} \tilde Q, \tilde K \\ "
    r"&\xrightarrow{\ \tilde Q \tilde K^{\top}/\sqrt d\ } S \xrightarrow{\text{softmax}} A "
    r"\xrightarrow{\ A V\ } O \end{aligned}"
)
def rope_attention_pipeline(
    token_ids,
    d: int = 64,
    *,
    seed: int = 0,
    causal: bool = False,
    same_token: bool = False,
    shift: int = 0,
    base: float = 10000.0,
) -> tuple[PipelineStage, ...]:
    """Return every intermediate of single-head RoPE attention, with the seeds `attention_maps` uses.

    The scores and weights equal attention_maps(token_ids, d, "rope", ...) exactly; W_v has its own seed.
    With same_token every position holds the first token, as in attention_maps.
    """
    d = check_dim(d, "d")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    causal = check_bool("causal", causal)
    same_token = check_bool("same_token", same_token)
    shift = check_int("shift", shift, 0, MAX_SHIFT)
    base = check_base(base)
    token_ids = _checked_token_ids(token_ids)
    if same_token:
        token_ids = np.full_like(token_ids, token_ids[0])
    n = token_ids.size
    positions = np.arange(n) + float(shift)

    # The content vectors attention_maps draws for these tokens, so every later step matches the maps.
    embeddings = attention_maps(token_ids, d, "rope", seed=seed).content
    w_query, w_key = np.random.default_rng([seed, 1]).standard_normal((2, d, d)) / math.sqrt(d)
    w_value = np.random.default_rng([seed, 3]).standard_normal((d, d)) / math.sqrt(d)
    queries, keys, values = embeddings @ w_query, embeddings @ w_key, embeddings @ w_value
    frequencies = inv_freq(d, base)
    rotated_queries = apply_rope(queries, positions, frequencies, convention="half")
    rotated_keys = apply_rope(keys, positions, frequencies, convention="half")
    scores = rotated_queries @ rotated_keys.T / math.sqrt(d)
    if causal:
        scores = scores + causal_mask(n)
    weights = softmax(scores)
    output = weights @ values

    arrays = {
        "embeddings": (("X", embeddings),),
        "project": (("Q", queries), ("K", keys), ("V", values)),
        "rotate": (("rotated Q", rotated_queries), ("rotated K", rotated_keys)),
        "scores": (("S", scores),),
        "softmax": (("A", weights),),
        "weighted sum": (("O", output),),
    }
    return tuple(PipelineStage(name, latex, arrays[name]) for name, latex in PIPELINE_STAGES)
