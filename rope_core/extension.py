"""Context extension compared: every scaling method on one model, which pairs leave their training range."""

import numpy as np

from ._checks import check_base, check_dim, check_float, check_int, check_inv_freq
from ._equation import equation
from .decay import all_ones_score
from .frequencies import full_turns
from .limits import MAX_ATTENTION_FACTOR, MAX_FACTOR, MAX_POSITION
from .scaling import scaled_inv_freq

EXTENSION_METHODS = ("original", "linear", "ntk", "dynamic", "yarn", "llama3")
# Relative slack when comparing angles, so that exact ties (e.g. PI at T = sL) are not flagged by rounding.
_ANGLE_TOLERANCE = 1e-9


@equation(r"\theta'_i \text{ for each method at factor } s,\ \text{training length } L,\ \text{sequence length } T")
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
    """Return {method: (inv_freq, attention_factor)} for every method in EXTENSION_METHODS (HF semantics).

    `train_length` plays every "original length" role: max_position_embeddings for dynamic NTK and
    original_max_position_embeddings for YaRN and Llama 3. `seq_len` is the length dynamic NTK adapts to.
    """
    dim = check_dim(dim)
    base = check_base(base)
    train_length = check_int("train_length", train_length, 1, MAX_POSITION)
    factor = check_float("factor", factor, 1.0, MAX_FACTOR)
    seq_len = check_int("seq_len", seq_len, 1, MAX_POSITION)
    return {
        "original": scaled_inv_freq(dim, base, "default"),
        "linear": scaled_inv_freq(dim, base, "linear", factor=factor),
        "ntk": scaled_inv_freq(dim, base, "ntk", factor=factor),
        "dynamic": scaled_inv_freq(
            dim, base, "dynamic", factor=factor, max_position_embeddings=train_length, seq_len=seq_len
        ),
        "yarn": scaled_inv_freq(dim, base, "yarn", factor=factor, original_max_position_embeddings=train_length),
        "llama3": scaled_inv_freq(
            dim,
            base,
            "llama3",
            factor=factor,
            low_freq_factor=low_freq_factor,
            high_freq_factor=high_freq_factor,
            original_max_position_embeddings=train_length,
        ),
    }


@equation(
    r"\text{out of range}_i \iff \underbrace{L\,\theta_i < 2\pi}_{\text{no full turn in training}}"
    r"\ \wedge\ T\,\theta'_i > L\,\theta_i"
)
def out_of_distribution_pairs(
    inv_freq, scaled_inv_freq, train_length: int, target_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (angle swept in training L*theta, angle swept at target T*theta', out-of-range flag) per pair.

    A pair that completed a full turn in training has met every angle modulo 2*pi, so it is never flagged.
    A pair that did not has only met [0, L*theta_i]; it is flagged when the target length sweeps further.
    """
    original = check_inv_freq(inv_freq)
    scaled = check_inv_freq(scaled_inv_freq, "scaled_inv_freq")
    if original.shape != scaled.shape:
        raise ValueError(f"scaled_inv_freq must have {original.size} entries like inv_freq, got {scaled.size}")
    train_length = check_int("train_length", train_length, 1, MAX_POSITION)
    target_length = check_int("target_length", target_length, 1, MAX_POSITION)
    seen = train_length * original
    reached = target_length * scaled
    never_turned = full_turns(train_length, original) == 0
    flagged = never_turned & (reached > seen * (1 + _ANGLE_TOLERANCE))
    return seen, reached, flagged


@equation(r"\operatorname{score}(r) = a^2 \cdot \frac{1}{d/2}\sum_i \cos(r\,\theta'_i)")
def scaled_all_ones_score(distances, inv_freq, attention_factor: float = 1.0) -> np.ndarray:
    """Return the all-ones score at each distance with scaled frequencies; a multiplies cos and sin, so a^2."""
    frequencies = check_inv_freq(inv_freq)
    attention_factor = check_float("attention_factor", attention_factor, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
    return attention_factor**2 * all_ones_score(distances, 2 * frequencies.size, inv_freq=frequencies)
