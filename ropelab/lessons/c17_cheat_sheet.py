"""The cheat sheet's one computation: how much each context-extension rule slows every rotation pair.

Every rule of chapter 11 replaces the frequencies θ_i by θ'_i; the ratio θ'_i / θ_i says what it does to pair i
(1: untouched, 1/s: slowed down by the full factor). The rules are computed by rope_core with Hugging Face's
parameter names, on Llama 3.1 8B's own settings so that its rule is shown as released.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rope_core import inv_freq, scaled_inv_freq, wavelengths
from rope_core._checks import check_float
from rope_core._equation import equation
from rope_core.limits import MAX_FACTOR

RULES = ("linear", "ntk", "yarn", "llama3")
RULE_NAMES = {"linear": "PI (linear)", "ntk": "NTK-aware", "yarn": "YaRN", "llama3": "Llama 3.1"}
# Llama 3.1 8B's rotary settings (its public config.json): head dimension, base and original context.
SHEET_DIM = 128
SHEET_BASE = 500_000.0
SHEET_CONTEXT = 8192
LLAMA3_BANDS = {"low_freq_factor": 1.0, "high_freq_factor": 4.0}


@dataclass(frozen=True)
class ScalingComparison:
    """θ'_i / θ_i of every rule for one factor s, with each rule's factor on cos and sin."""

    factor: float
    context: int  # L, the original context the rules are tuned to
    wavelengths: np.ndarray  # λ_i = 2π / θ_i of the unscaled pairs
    ratios: dict[str, np.ndarray]
    attention_factors: dict[str, float]


@equation(r"\rho_i = \theta'_i / \theta_i")
def compare_scaling_rules(
    factor: float, dim: int = SHEET_DIM, base: float = SHEET_BASE, context: int = SHEET_CONTEXT
) -> ScalingComparison:
    """Each rule's frequency ratio θ'_i/θ_i per pair, for scale factor s (Llama 3.1 8B's d, b and L by default)."""
    factor = check_float("factor", factor, 1.0, MAX_FACTOR)
    theta = inv_freq(dim, base)
    settings = {
        "linear": {"factor": factor},
        "ntk": {"factor": factor},
        "yarn": {"factor": factor, "original_max_position_embeddings": context},
        "llama3": {"factor": factor, "original_max_position_embeddings": context, **LLAMA3_BANDS},
    }
    ratios, attention = {}, {}
    for rule in RULES:
        scaled, attention_factor = scaled_inv_freq(dim, base, rule, **settings[rule])
        ratios[rule] = scaled / theta
        attention[rule] = float(attention_factor)
    return ScalingComparison(factor, context, wavelengths(theta), ratios, attention)
