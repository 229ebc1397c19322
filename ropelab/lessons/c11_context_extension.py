"""Chapter 11, context extension: every scaling method on one model side by side (Hugging Face semantics).

Which pairs leave their training range, and the score of aligned vectors, are rope_core.out_of_distribution_pairs
and rope_core.scaled_all_ones_score: the "Your model" tool uses them too. This module adds what the chapter needs
around them: one method's frequencies, the same question asked at many target lengths at once (the stops of the
target-length scrubber), and the positions that position interpolation feeds the rotation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rope_core import inv_freq, out_of_distribution_pairs, scaled_inv_freq
from rope_core._checks import check_base, check_choice, check_dim, check_float, check_int
from rope_core.limits import MAX_FACTOR, MAX_POSITION

EXTENSION_METHODS = ("original", "linear", "ntk", "dynamic", "yarn", "llama3")
# Hugging Face's rope_type values. Static NTK-aware scaling is not among them: a model that uses it ships the larger
# base as its rope_theta.
HF_ROPE_TYPES = ("default", "linear", "dynamic", "yarn", "longrope", "llama3")
MAX_STOPS = 512
MAX_NUMBER_LINE_TOKENS = 48


def method_frequencies(
    method: str,
    dim: int,
    base: float,
    train_length: int,
    factor: float,
    seq_len: int,
    *,
    low_freq_factor: float = 1.0,
    high_freq_factor: float = 4.0,
) -> tuple[np.ndarray, float]:
    """Return (inv_freq, attention_factor) of one method in EXTENSION_METHODS (HF semantics).

    `train_length` plays every "original length" role: max_position_embeddings for dynamic NTK and
    original_max_position_embeddings for YaRN and Llama 3. `seq_len` is the length dynamic NTK adapts to.
    """
    method = check_choice("method", method, EXTENSION_METHODS)
    dim = check_dim(dim)
    base = check_base(base)
    train_length = check_int("train_length", train_length, 1, MAX_POSITION)
    factor = check_float("factor", factor, 1.0, MAX_FACTOR)
    seq_len = check_int("seq_len", seq_len, 1, MAX_POSITION)
    if method == "original":
        return scaled_inv_freq(dim, base, "default")
    if method in ("linear", "ntk"):
        return scaled_inv_freq(dim, base, method, factor=factor)
    if method == "dynamic":
        return scaled_inv_freq(
            dim, base, "dynamic", factor=factor, max_position_embeddings=train_length, seq_len=seq_len
        )
    if method == "yarn":
        return scaled_inv_freq(dim, base, "yarn", factor=factor, original_max_position_embeddings=train_length)
    return scaled_inv_freq(
        dim,
        base,
        "llama3",
        factor=factor,
        low_freq_factor=low_freq_factor,
        high_freq_factor=high_freq_factor,
        original_max_position_embeddings=train_length,
    )


def extension_frequencies(
    dim: int,
    base: float,
    train_length: int,
    factor: float,
    seq_len: int,
    *,
    low_freq_factor: float = 1.0,
    high_freq_factor: float = 4.0,
) -> dict[str, tuple[np.ndarray, float]]:
    """Return {method: (inv_freq, attention_factor)} for every method in EXTENSION_METHODS (HF semantics)."""
    return {
        method: method_frequencies(
            method,
            dim,
            base,
            train_length,
            factor,
            seq_len,
            low_freq_factor=low_freq_factor,
            high_freq_factor=high_freq_factor,
        )
        for method in EXTENSION_METHODS
    }


def scale_factor(train_length: int, target_length: int, config_factor: float | None = None) -> float:
    """The factor s every method uses: the model's own (from its config) if it has one, else T / L (at least 1)."""
    train_length = check_int("train_length", train_length, 1, MAX_POSITION)
    target_length = check_int("target_length", target_length, 1, MAX_POSITION)
    if config_factor is not None:
        return check_float("config_factor", config_factor, 1.0, MAX_FACTOR)
    return min(max(target_length / train_length, 1.0), MAX_FACTOR)


def log_spaced_stops(low: int, high: int, count: int, include: Iterable[int] = ()) -> np.ndarray:
    """Whole numbers from `low` to `high`, spaced evenly on a log scale, plus every value of `include` in range.

    Log spacing gives short and long lengths the same share of a scrubber's track: 1 → 2 takes as long as
    512 → 1,024. The result is sorted and has no duplicates, so it may hold fewer than `count` stops.
    """
    low = check_int("low", low, 1, MAX_POSITION)
    high = check_int("high", high, low, MAX_POSITION)
    count = check_int("count", count, 2, MAX_STOPS)
    grid = np.rint(np.geomspace(low, high, count)).astype(np.int64)
    extra = [int(value) for value in include if low <= value <= high]
    stops = np.unique(np.concatenate([grid, np.asarray(extra, dtype=np.int64)]))
    if stops.size > MAX_STOPS:
        raise ValueError(f"at most {MAX_STOPS} stops, got {stops.size} (count={count} plus {len(extra)} included)")
    return stops


@dataclass(frozen=True)
class TargetSweep:
    """Which pairs of one method leave their training range, at every target length of a scrubber at once.

    `reached[k]` is the angle T_k·θ'_i each pair sweeps at target length `target_lengths[k]`, with the factor
    `factors[k]` (fixed by a model's config, or T_k / L); `seen` is L·θ_i, the angle swept in training.
    """

    target_lengths: np.ndarray  # (stops,) tokens
    factors: np.ndarray  # (stops,)
    seen: np.ndarray  # (pairs,)
    reached: np.ndarray  # (stops, pairs)
    flagged: np.ndarray  # (stops, pairs) bool: out of range at that length


def sweep_target_length(
    method: str,
    dim: int,
    base: float,
    train_length: int,
    target_lengths,
    config_factor: float | None = None,
) -> TargetSweep:
    """Run rope_core.out_of_distribution_pairs for one method at every target length in `target_lengths`."""
    lengths = np.asarray(target_lengths)
    if lengths.ndim != 1 or not 1 <= lengths.size <= MAX_STOPS:
        raise ValueError(f"target_lengths must be a list of 1 to {MAX_STOPS} lengths, got shape {lengths.shape}")
    lengths = np.array([check_int("target_lengths[i]", int(t), 1, MAX_POSITION) for t in lengths], dtype=np.int64)
    dim = check_dim(dim)
    base = check_base(base)
    original = inv_freq(dim, base)
    factors = np.array([scale_factor(train_length, int(t), config_factor) for t in lengths])
    # Only dynamic NTK (which adapts to the length) and a factor that follows T change the frequencies between stops.
    changes = method == "dynamic" or (config_factor is None and method != "original")
    reached, flagged = np.empty((lengths.size, original.size)), np.empty((lengths.size, original.size), dtype=bool)
    scaled, seen = None, train_length * original
    for stop, (length, factor) in enumerate(zip(lengths, factors, strict=True)):
        if scaled is None or changes:
            scaled = method_frequencies(method, dim, base, train_length, float(factor), int(length))[0]
        seen, reached[stop], flagged[stop] = out_of_distribution_pairs(original, scaled, train_length, int(length))
    return TargetSweep(lengths, factors, seen, reached, flagged)


def interpolated_positions(factor: float, max_tokens: int = MAX_NUMBER_LINE_TOKENS) -> tuple[np.ndarray, np.ndarray]:
    """The first tokens m = 0, 1, … and the positions m / s that position interpolation gives the rotation.

    Enough tokens to cover two whole training positions (2·s of them), at least 8 and at most `max_tokens`.
    """
    factor = check_float("factor", factor, 1.0, MAX_FACTOR)
    max_tokens = check_int("max_tokens", max_tokens, 8, 1024)
    count = min(max(math.ceil(2 * factor), 8), max_tokens)
    tokens = np.arange(count + 1)
    return tokens, tokens / factor
