"""Context extension: rescaled RoPE frequencies with Hugging Face transformers' semantics and parameter names.

`scaled_inv_freq` is the entry point (default, linear, ntk, dynamic, yarn, llama3, longrope); the functions above it
are its parts, each with the equation chapter 11 shows. The last two measure what a scaling does: which pairs meet
angles they never saw in training, and the score of aligned vectors with the scaled frequencies.
"""

import math

import numpy as np

from ._checks import (
    check_base,
    check_bool,
    check_choice,
    check_dim,
    check_factor,
    check_float,
    check_int,
    check_inv_freq,
)
from ._equation import equation
from .decay import all_ones_score
from .frequencies import full_turns
from .frequencies import inv_freq as default_inv_freq
from .limits import MAX_ATTENTION_FACTOR, MAX_FACTOR, MAX_POSITION

ROPE_TYPES = ("default", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope")
# Relative slack when comparing angles, so that exact ties (e.g. PI at T = sL) are not flagged by rounding.
_ANGLE_TOLERANCE = 1e-9

_REQUIRED = {
    "default": (),
    "linear": ("factor",),
    "ntk": ("factor",),
    "dynamic": ("factor", "max_position_embeddings"),
    "yarn": ("original_max_position_embeddings",),
    "llama3": ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"),
    "longrope": ("short_factor", "long_factor", "original_max_position_embeddings"),
}
_OPTIONAL = {
    "default": (),
    "linear": (),
    "ntk": (),
    "dynamic": ("seq_len",),
    "yarn": (
        "factor",
        "max_position_embeddings",
        "beta_fast",
        "beta_slow",
        "mscale",
        "mscale_all_dim",
        "truncate",
        "attention_factor",
    ),
    "llama3": (),
    "longrope": ("factor", "max_position_embeddings", "seq_len", "attention_factor"),
}


def _unchecked_inv_freq(dim: int, base: float) -> np.ndarray:
    # Scaled bases may legitimately exceed MAX_BASE (the cap is for user input), so skip that check here.
    return base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)


def _check_length(name: str, value) -> int:
    return check_int(name, value, 1, MAX_POSITION)


@equation(r"b' = b \cdot s^{d/(d-2)}")
def ntk_scaled_base(dim: int, base: float = 10000.0, factor: float = 1.0) -> float:
    """Return the NTK-aware base b * s^(d/(d-2)) that stretches the slowest pair by s."""
    dim = check_dim(dim)
    if dim < 4:
        raise ValueError(f"dim must be an even integer in [4, 1024] for NTK scaling, got {dim}")
    return check_base(base) * check_factor(factor) ** (dim / (dim - 2))


@equation(
    r"b' = b\left(\frac{s\,\ell}{L_{\max}} - (s-1)\right)^{d/(d-2)},"
    r"\quad \ell = \max(\text{seq\_len}, L_{\max})"
)
def dynamic_ntk_base(
    dim: int, base: float, factor: float, max_position_embeddings: int, seq_len: int | None = None
) -> float:
    """Return HF's dynamic-NTK base: unchanged while seq_len <= max_position_embeddings, growing beyond."""
    dim = check_dim(dim)
    if dim < 4:
        raise ValueError(f"dim must be an even integer in [4, 1024] for dynamic NTK, got {dim}")
    base = check_base(base)
    factor = check_factor(factor)
    max_position_embeddings = _check_length("max_position_embeddings", max_position_embeddings)
    seq_len = max_position_embeddings if seq_len is None else _check_length("seq_len", seq_len)
    effective = max(seq_len, max_position_embeddings)
    return base * (factor * effective / max_position_embeddings - (factor - 1)) ** (dim / (dim - 2))


@equation(
    r"\operatorname{corr}(r) = \frac{d \ln\!\big(L / (2\pi r)\big)}{2 \ln b},\quad "
    r"(\text{low}, \text{high}) = (\lfloor \operatorname{corr}(\beta_{fast}) \rfloor, "
    r"\lceil \operatorname{corr}(\beta_{slow}) \rceil)"
)
def yarn_correction_range(
    dim: int,
    base: float,
    original_max_position_embeddings: int,
    beta_fast: float = 32.0,
    beta_slow: float = 1.0,
    truncate: bool = True,
) -> tuple[float, float]:
    """Return YaRN's (low, high) pair indices between which frequencies blend, clamped to [0, dim-1]."""
    dim = check_dim(dim)
    base = check_base(base)
    original = _check_length("original_max_position_embeddings", original_max_position_embeddings)
    beta_fast = check_float("beta_fast", beta_fast, 0.0, 1e6, low_open=True)
    beta_slow = check_float("beta_slow", beta_slow, 0.0, 1e6, low_open=True)
    truncate = check_bool("truncate", truncate)

    def correction_dim(rotations: float) -> float:
        return dim * math.log(original / (rotations * 2 * math.pi)) / (2 * math.log(base))

    low, high = correction_dim(beta_fast), correction_dim(beta_slow)
    if truncate:
        low, high = math.floor(low), math.ceil(high)
    return max(low, 0), min(high, dim - 1)


@equation(r"\gamma_i = \operatorname{clip}\!\left(\frac{i - \text{low}}{\text{high} - \text{low}}, 0, 1\right)")
def yarn_ramp(
    dim: int,
    base: float,
    original_max_position_embeddings: int,
    beta_fast: float = 32.0,
    beta_slow: float = 1.0,
    truncate: bool = True,
) -> np.ndarray:
    """Return YaRN's per-pair ramp: 0 = keep the frequency (fast pairs), 1 = divide it by the factor."""
    low, high = yarn_correction_range(dim, base, original_max_position_embeddings, beta_fast, beta_slow, truncate)
    if low == high:
        high += 0.001  # HF's guard against a zero-width ramp
    return np.clip((np.arange(dim // 2) - low) / (high - low), 0.0, 1.0)


@equation(r"m(s) = 0.1\,\mu \ln s + 1 \;(s > 1),\quad \text{attention factor} = m(s, \mu)/m(s, \mu_{all})")
def yarn_attention_factor(factor: float, mscale: float | None = None, mscale_all_dim: float | None = None) -> float:
    """Return YaRN's cos/sin multiplier: 0.1 ln s + 1, or HF's get_mscale ratio when both mscales are set."""
    factor = check_float("factor", factor, 0.0, MAX_FACTOR, low_open=True)

    def get_mscale(scale: float, weight: float = 1.0) -> float:
        return 1.0 if scale <= 1 else 0.1 * weight * math.log(scale) + 1.0

    if mscale is not None:
        mscale = check_float("mscale", mscale, 0.0, 100.0)
    if mscale_all_dim is not None:
        mscale_all_dim = check_float("mscale_all_dim", mscale_all_dim, 0.0, 100.0)
    # HF uses the ratio only when both are given and non-zero (a truthiness test).
    if mscale and mscale_all_dim:
        return get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
    return get_mscale(factor)


@equation(
    r"\theta'_i = \begin{cases} \theta_i & \lambda_i < L/\beta \\ \theta_i / s & \lambda_i > L/\alpha \\ "
    r"(1-\gamma)\theta_i/s + \gamma\theta_i & \text{else},"
    r"\ \gamma = \frac{L/\lambda_i - \alpha}{\beta - \alpha}"
    r"\end{cases}"
)
def llama3_bands(
    inv_freq,
    low_freq_factor: float = 1.0,
    high_freq_factor: float = 4.0,
    original_max_position_embeddings: int = 8192,
) -> np.ndarray:
    """Label each pair 'high' (kept), 'mid' (blended) or 'low' (divided by factor), as Llama 3.1."""
    frequencies = check_inv_freq(inv_freq)
    low_freq_factor, high_freq_factor = _check_llama3_factors(low_freq_factor, high_freq_factor)
    original = _check_length("original_max_position_embeddings", original_max_position_embeddings)
    wavelength = 2 * math.pi / np.where(frequencies > 0, frequencies, np.finfo(float).tiny)
    labels = np.full(frequencies.shape, "mid", dtype="<U4")
    labels[wavelength < original / high_freq_factor] = "high"
    labels[wavelength > original / low_freq_factor] = "low"
    return labels


def _check_llama3_factors(low_freq_factor, high_freq_factor) -> tuple[float, float]:
    low_freq_factor = check_float("low_freq_factor", low_freq_factor, 0.0, MAX_FACTOR, low_open=True)
    high_freq_factor = check_float("high_freq_factor", high_freq_factor, 0.0, MAX_FACTOR, low_open=True)
    if high_freq_factor <= low_freq_factor:
        raise ValueError(
            f"high_freq_factor must be greater than low_freq_factor ({low_freq_factor:g}), got {high_freq_factor:g}"
        )
    return low_freq_factor, high_freq_factor


def _llama3(theta: np.ndarray, params: dict) -> np.ndarray:
    factor = check_factor(params["factor"])
    low, high = _check_llama3_factors(params["low_freq_factor"], params["high_freq_factor"])
    original = _check_length("original_max_position_embeddings", params["original_max_position_embeddings"])
    bands = llama3_bands(theta, low, high, original)
    wavelength = 2 * math.pi / theta
    smooth = (original / wavelength - low) / (high - low)
    blended = (1 - smooth) * theta / factor + smooth * theta
    return np.where(bands == "high", theta, np.where(bands == "low", theta / factor, blended))


def _check_factor_list(name: str, values, pairs: int) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{name} must be a list of {pairs} numbers (one per pair), got {values!r:.60}")
    if len(values) != pairs:
        raise ValueError(f"{name} must be a list of {pairs} numbers (one per pair), got length {len(values)}")
    array = np.asarray([check_float(f"{name}[{i}]", v, 0.0, MAX_FACTOR, low_open=True) for i, v in enumerate(values)])
    return array


def _longrope(dim: int, base: float, params: dict) -> tuple[np.ndarray, float]:
    pairs = dim // 2
    short = _check_factor_list("short_factor", params["short_factor"], pairs)
    long = _check_factor_list("long_factor", params["long_factor"], pairs)
    original = _check_length("original_max_position_embeddings", params["original_max_position_embeddings"])
    factor = params.get("factor")
    if factor is None:
        if params.get("max_position_embeddings") is None:
            raise ValueError("max_position_embeddings is required for longrope when factor is not given")
        # HF (Phi-3): s is the ratio of the extended to the original context.
        factor = _check_length("max_position_embeddings", params["max_position_embeddings"]) / original
    else:
        factor = check_float("factor", factor, 0.0, MAX_FACTOR, low_open=True)
    attention_factor = params.get("attention_factor")
    if attention_factor is None:
        attention_factor = 1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(original))
    seq_len = params.get("seq_len")
    use_long = seq_len is not None and _check_length("seq_len", seq_len) > original
    return default_inv_freq(dim, base) / (long if use_long else short), attention_factor


def _yarn(dim: int, base: float, params: dict) -> tuple[np.ndarray, float]:
    original = _check_length("original_max_position_embeddings", params["original_max_position_embeddings"])
    factor = params.get("factor")
    if factor is None:
        if params.get("max_position_embeddings") is None:
            raise ValueError("yarn needs factor, or max_position_embeddings to derive it")
        factor = _check_length("max_position_embeddings", params["max_position_embeddings"]) / original
    factor = check_factor(factor)
    attention_factor = params.get("attention_factor")
    if attention_factor is None:
        attention_factor = yarn_attention_factor(factor, params.get("mscale"), params.get("mscale_all_dim"))
    # HF treats a falsy beta (None or 0) as "use the default".
    beta_fast = params.get("beta_fast") or 32.0
    beta_slow = params.get("beta_slow") or 1.0
    truncate = params.get("truncate", True)
    ramp = yarn_ramp(dim, base, original, beta_fast, beta_slow, truncate)
    theta = default_inv_freq(dim, base)
    return (theta / factor) * ramp + theta * (1 - ramp), attention_factor


@equation(r"(\theta', a) = \operatorname{scale}_{\text{rope\_type}}(\theta;\ s, L, \dots)")
def scaled_inv_freq(dim: int, base: float = 10000.0, rope_type: str = "default", **params):
    """Return (inv_freq, attention_factor) for a rope_type with HF rope_scaling parameter names."""
    dim = check_dim(dim)
    base = check_base(base)
    rope_type = check_choice("rope_type", rope_type, ROPE_TYPES)
    allowed = _REQUIRED[rope_type] + _OPTIONAL[rope_type]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for rope_type {rope_type!r}; allowed: {list(allowed)}")
    missing = [name for name in _REQUIRED[rope_type] if params.get(name) is None]
    if missing:
        raise ValueError(f"rope_type {rope_type!r} requires parameter(s) {missing}")
    if params.get("attention_factor") is not None:
        params["attention_factor"] = check_float(
            "attention_factor", params["attention_factor"], 0.0, MAX_ATTENTION_FACTOR, low_open=True
        )
    theta = default_inv_freq(dim, base)
    if rope_type == "default":
        return theta, 1.0
    if rope_type == "linear":
        return theta / check_factor(params["factor"]), 1.0
    if rope_type == "ntk":
        return _unchecked_inv_freq(dim, ntk_scaled_base(dim, base, params["factor"])), 1.0
    if rope_type == "dynamic":
        new_base = dynamic_ntk_base(
            dim, base, params["factor"], params["max_position_embeddings"], params.get("seq_len")
        )
        return _unchecked_inv_freq(dim, new_base), 1.0
    if rope_type == "yarn":
        return _yarn(dim, base, params)
    if rope_type == "llama3":
        return _llama3(theta, params), 1.0
    return _longrope(dim, base, params)


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
