"""Chapter 9, efficient implementation: RoPE's three equal forms and what each costs, the two memory layouts and
converting a checkpoint between them, partial rotary, the cos/sin tables, and how float32 angles drift.

The element-wise form is rope_core.apply_rope_textbook, x·cos + rotate_half(x)·sin in a few lines (rope_core's
apply_rope computes the same numbers with validation and a cache-blocked kernel); this module adds the dense-matrix
and complex forms it is compared with, the live timing, and the source listings the chapter shows.
"""

import ast
import inspect
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rope_core import (
    CONVENTIONS,
    apply_rope,
    apply_rope_textbook,
    interleaved_to_half_permutation,
    rope_scores,
    rotation_angles,
)
from rope_core import inv_freq as _inv_freq
from rope_core._checks import (
    check_base,
    check_choice,
    check_dim,
    check_dtype,
    check_float,
    check_int,
    check_inv_freq,
    check_positions,
    check_real_array,
    check_rotary_layout,
    check_sequence_match,
    check_x,
)
from rope_core._equation import equation
from rope_core.limits import MAX_ATTENTION_FACTOR, MAX_ELEMENTS, MAX_HEADS, MAX_POSITION

ROPE_FORMS = ("dense matrix", "element-wise", "complex")
MAX_TIMED_DIM = 512
MAX_TIMED_SEQ = 512
MAX_TIME_BUDGET = 0.5
# The dense form builds one (d, d) matrix per vector; this many matrix entries keeps it at a few MB.
_DENSE_ENTRY_BUDGET = 2**20
MAX_LAYOUT_SEQ = 64
MAX_LAYOUT_DIM = 128


# ---------------------------------------------------------------------------------------------------------
# The other two forms of the same rotation, and the pieces of the element-wise one
# ---------------------------------------------------------------------------------------------------------


@equation(r"\operatorname{rotate\_pairs}(x)_{2i} = -x_{2i+1},\quad \operatorname{rotate\_pairs}(x)_{2i+1} = x_{2i}")
def rotate_interleaved(x) -> np.ndarray:
    """Return (-x1, x0, -x3, x2, ...): the interleaved partner of every channel (GPT-J's rotate_every_two)."""
    x = check_real_array("x", x, max_size=MAX_ELEMENTS, keep_float32=True)
    if x.ndim < 1 or x.shape[-1] % 2:
        raise ValueError(f"x must have an even last dimension, got shape {x.shape}")
    out = np.empty_like(x)
    out[..., 0::2] = -x[..., 1::2]
    out[..., 1::2] = x[..., 0::2]
    return out


def rope_cos_sin(
    positions, inv_freq, convention: str = "half", dtype=np.float64, attention_factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (seq, d) cos and sin tables in `convention`'s layout, angles in `dtype`.

    With them the element-wise form is x·cos + rotate(x)·sin, where rotate is rotate_half or rotate_interleaved.
    """
    convention = check_choice("convention", convention, CONVENTIONS)
    dtype = check_dtype(dtype)
    attention_factor = check_float("attention_factor", attention_factor, 0.0, MAX_ATTENTION_FACTOR, low_open=True)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    if positions.size * frequencies.size * 2 > MAX_ELEMENTS:
        raise ValueError(f"positions x d must have at most {MAX_ELEMENTS} elements")
    angles = np.multiply.outer(positions.astype(dtype), frequencies.astype(dtype))
    cos = np.cos(angles) * dtype.type(attention_factor)
    sin = np.sin(angles) * dtype.type(attention_factor)
    if convention == "half":
        return np.concatenate([cos, cos], axis=-1), np.concatenate([sin, sin], axis=-1)
    return np.repeat(cos, 2, axis=-1), np.repeat(sin, 2, axis=-1)


def _checked_forms_input(x, positions, inv_freq, convention: str):
    x = check_x(x)
    positions = check_positions("positions", positions, max_len=MAX_ELEMENTS)
    frequencies = check_inv_freq(inv_freq)
    convention = check_choice("convention", convention, CONVENTIONS)
    check_sequence_match(x, positions)
    check_rotary_layout(x, frequencies, None)
    return x, positions, frequencies, convention


def rope_matrices(positions: np.ndarray, inv_freq: np.ndarray, convention: str) -> np.ndarray:
    """The (seq, d, d) matrices R_m of chapter 6, one per position: pair i's 2×2 rotation block, zeros elsewhere."""
    angles = np.multiply.outer(positions, inv_freq)
    cos, sin = np.cos(angles), np.sin(angles)
    first, second = rotation_pairs(2 * inv_freq.size, convention).T
    matrices = np.zeros((positions.size, 2 * inv_freq.size, 2 * inv_freq.size))
    matrices[:, first, first] = cos
    matrices[:, first, second] = -sin
    matrices[:, second, first] = sin
    matrices[:, second, second] = cos
    return matrices


@equation(r"\operatorname{RoPE}(x)_m = R^{d}_{m}\, x_m")
def apply_rope_dense(x, positions, inv_freq, convention: str = "half") -> np.ndarray:
    """Rotate x (..., seq, d) with one dense (d, d) matrix per position: O(d^2), for teaching."""
    x, positions, frequencies, convention = _checked_forms_input(x, positions, inv_freq, convention)
    if positions.size * x.shape[-1] ** 2 > MAX_ELEMENTS:
        raise ValueError(
            f"seq * d^2 must be at most {MAX_ELEMENTS} for the dense form, got {positions.size} * {x.shape[-1]}^2"
        )
    matrices = rope_matrices(positions, frequencies, convention)
    rotated = np.matmul(matrices, x[..., None].astype(np.float64))[..., 0]
    return rotated.astype(x.dtype, copy=False)


def _pair_views(x: np.ndarray, convention: str) -> tuple[np.ndarray, np.ndarray]:
    """The two members of every rotated pair, as views: (x_i, x_{i+d/2}) for "half", (x_2i, x_2i+1) otherwise."""
    if convention == "half":
        half = x.shape[-1] // 2
        return x[..., :half], x[..., half:]
    return x[..., 0::2], x[..., 1::2]


@equation(r"\tilde x_i \leftarrow \tilde x_i\, e^{i m\theta_i},\quad \tilde x_i = x_{2i} + i\,x_{2i+1}")
def apply_rope_complex(x, positions, inv_freq, convention: str = "interleaved") -> np.ndarray:
    """Rotate x (..., seq, d) by viewing each pair as a complex number and multiplying by e^{i m theta}."""
    x, positions, frequencies, convention = _checked_forms_input(x, positions, inv_freq, convention)
    first, second = _pair_views(x.astype(np.float64), convention)
    rotated = (first + 1j * second) * np.exp(1j * np.multiply.outer(positions, frequencies))
    out = np.empty(x.shape, dtype=np.float64)
    out_first, out_second = _pair_views(out, convention)
    out_first[...] = rotated.real
    out_second[...] = rotated.imag
    return out.astype(x.dtype, copy=False)


@equation(
    r"\begin{aligned} \text{ops}_{\text{dense}}(d) &= \underbrace{d^2}_{\times} + \underbrace{d(d-1)}_{+} "
    r"= 2d^2 - d \\ "
    r"\text{ops}_{\text{element-wise}}(d) = \text{ops}_{\text{complex}}(d) &= 2d + d = 3d \end{aligned}"
)
def rope_operation_counts(dims) -> dict[str, np.ndarray]:
    """Return the multiplications plus additions per rotated vector of each form, for every dimension in `dims`.

    Dense: a full (d, d) matrix-vector product. Element-wise: x*cos + rotate(x)*sin with cached tables
    (the sign flip inside rotate is free). Complex: d/2 complex products of 4 multiplications and 2 additions.
    """
    dims = np.atleast_1d(np.asarray(dims))
    for dim in dims.tolist():
        check_dim(dim, "dims")
    dims = dims.astype(np.float64)
    return {
        "dense matrix": 2.0 * dims**2 - dims,
        "element-wise": 3.0 * dims,
        "complex": 3.0 * dims,
    }


def code_listing(*functions: Callable) -> str:
    """The source of each function as it runs in this app, without its decorator and docstring (they are long, and
    the chapter explains them in prose), a blank line apart."""
    listings = []
    for function in functions:
        source = textwrap.dedent(inspect.getsource(function))
        definition = ast.parse(source).body[0]
        if not isinstance(definition, ast.FunctionDef):
            raise ValueError(f"functions must be plain functions, got {function!r}")
        lines = source.splitlines()
        start = definition.lineno - 1  # the `def` line: decorators sit above it
        body = definition.body
        has_docstring = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
        skip = range(body[0].lineno - 1, body[0].end_lineno) if has_docstring and len(body) > 1 else range(0)
        listings.append("\n".join(line for number, line in enumerate(lines[start:], start) if number not in skip))
    return "\n\n".join(listings) + "\n"


@dataclass(frozen=True)
class RopeFormTiming:
    """Live timing of the three forms on the same random vectors, with how far their results disagree."""

    forms: tuple[str, ...]
    seconds_per_vector: np.ndarray  # best of the repeats, divided by the vectors rotated per call
    vectors_per_call: np.ndarray
    repeats: np.ndarray
    max_abs_difference: dict[str, float]  # each form against the element-wise result on the same rows


def _best_seconds(
    call: Callable[[], object], budget_seconds: float, min_repeats: int = 3, max_repeats: int = 200
) -> tuple[float, int]:
    """Best wall time of `call` over as many repeats as fit in the budget (the caller has warmed it up).

    The best, not the mean, because other processes only ever add time. A few repeats are made even past the
    budget so one unlucky pause cannot be the result, but never past twice the budget.
    """
    best = np.inf
    repeats = 0
    start_all = time.perf_counter()
    while repeats < max_repeats:
        start = time.perf_counter()
        call()
        finish = time.perf_counter()
        best = min(best, finish - start)
        repeats += 1
        elapsed = finish - start_all
        if (elapsed >= budget_seconds and repeats >= min_repeats) or elapsed >= 2 * budget_seconds:
            break
    return float(best), repeats


def time_rope_forms(
    dim: int,
    seq_len: int,
    base: float = 10000.0,
    seed: int = 0,
    budget_seconds: float = 0.2,
) -> RopeFormTiming:
    """Time the dense, element-wise and complex forms on (seq_len, dim) random vectors within a time budget.

    The element-wise form is the textbook code the chapter shows (apply_rope_textbook, half-split layout); the
    dense and complex forms use the same layout, so all three compute the same vectors. The dense form rotates
    only as many rows as keep its matrices under about a million entries, so large d stays fast; compare seconds
    per vector, not per call. Sizes and budget are capped so one call of this function stays well under a second.
    """
    dim = check_dim(dim)
    if dim > MAX_TIMED_DIM:
        raise ValueError(f"dim must be an even integer in [2, {MAX_TIMED_DIM}] for timing, got {dim}")
    seq_len = check_int("seq_len", seq_len, 1, MAX_TIMED_SEQ)
    base = check_base(base)
    convention = "half"
    seed = check_int("seed", seed, 0, 2**32 - 1)
    budget_seconds = check_float("budget_seconds", budget_seconds, 0.0, MAX_TIME_BUDGET, low_open=True)

    frequencies = _inv_freq(dim, base)
    vectors = np.random.default_rng(seed).standard_normal((seq_len, dim))
    positions = np.arange(seq_len, dtype=np.float64)
    dense_rows = max(1, min(seq_len, _DENSE_ENTRY_BUDGET // (dim * dim)))

    calls = {
        "dense matrix": lambda: apply_rope_dense(vectors[:dense_rows], positions[:dense_rows], frequencies, convention),
        "element-wise": lambda: apply_rope_textbook(vectors, positions, frequencies),
        "complex": lambda: apply_rope_complex(vectors, positions, frequencies, convention),
    }
    rows = {"dense matrix": dense_rows, "element-wise": seq_len, "complex": seq_len}

    # The first call of each form doubles as its warm-up and as the equality check.
    outputs = {name: calls[name]()[:dense_rows] for name in ROPE_FORMS}
    differences = {
        name: float(np.max(np.abs(outputs[name] - outputs["element-wise"]))) for name in ("dense matrix", "complex")
    }

    seconds, repeats = [], []
    for name in ROPE_FORMS:
        best, count = _best_seconds(calls[name], budget_seconds / len(ROPE_FORMS))
        seconds.append(best / rows[name])
        repeats.append(count)
    return RopeFormTiming(
        forms=ROPE_FORMS,
        seconds_per_vector=np.array(seconds),
        vectors_per_call=np.array([rows[name] for name in ROPE_FORMS]),
        repeats=np.array(repeats),
        max_abs_difference=differences,
    )


@equation(r"\text{interleaved: pair } i = (x_{2i},\ x_{2i+1}),\qquad \text{half-split: pair } i = (x_i,\ x_{i + d/2})")
def rotation_pairs(dim: int, convention: str = "interleaved") -> np.ndarray:
    """Return the (d/2, 2) channel indices that rotate together as pair i in the given memory layout."""
    dim = check_dim(dim)
    convention = check_choice("convention", convention, CONVENTIONS)
    pair = np.arange(dim // 2)
    if convention == "half":
        return np.stack([pair, pair + dim // 2], axis=1)
    return np.stack([2 * pair, 2 * pair + 1], axis=1)


@equation(
    r"\omega_j = \theta_{\text{pair}(j)}\ \text{ for } j < d_{\text{rot}},\qquad "
    r"\omega_j = 0\ \text{ for } j \ge d_{\text{rot}}"
)
def channel_frequencies(head_dim: int, inv_freq, convention: str = "half") -> np.ndarray:
    """Return, for every channel of a head, the frequency it turns at (0 for channels past the rotary part)."""
    head_dim = check_dim(head_dim, "head_dim")
    frequencies = check_inv_freq(inv_freq)
    rotary_dim = 2 * frequencies.size
    if rotary_dim > head_dim:
        raise ValueError(f"inv_freq must have at most head_dim/2 = {head_dim // 2} entries, got {frequencies.size}")
    per_channel = np.zeros(head_dim)
    pairs = rotation_pairs(rotary_dim, convention)
    per_channel[pairs[:, 0]] = frequencies
    per_channel[pairs[:, 1]] = frequencies
    return per_channel


@equation(r"W'_{h\,d_h + j,\,:} = W_{h\,d_h + P_j,\,:}")
def permute_qk_weight_rows(weight, head_dim: int, n_heads: int) -> np.ndarray:
    """Reorder the output rows of W_q or W_k per head with P (interleaved checkpoint -> half-split)."""
    head_dim = check_dim(head_dim, "head_dim")
    n_heads = check_int("n_heads", n_heads, 1, MAX_HEADS)
    weight = check_real_array("weight", weight, ndim=2, keep_float32=True)
    if weight.shape[0] != head_dim * n_heads:
        raise ValueError(f"weight must have head_dim * n_heads = {head_dim * n_heads} rows, got shape {weight.shape}")
    per_head = interleaved_to_half_permutation(head_dim)
    rows = (np.arange(n_heads)[:, None] * head_dim + per_head[None, :]).ravel()
    return weight[rows]


@dataclass(frozen=True)
class LayoutConversion:
    """Scores of one random head under three implementations of the same interleaved checkpoint."""

    reference: np.ndarray  # interleaved code, original W_q and W_k
    converted: np.ndarray  # half-split code, W_q and W_k rows permuted by P
    unconverted: np.ndarray  # half-split code, weights loaded as they are (the bug)
    max_diff_converted: float
    max_diff_unconverted: float
    rotated_interleaved: np.ndarray  # the same query vector rotated by each layout's code (it differs)
    rotated_half: np.ndarray


@equation(
    r"\begin{aligned} &W'_q = P\,W_q,\quad W'_k = P\,W_k \;\Rightarrow \\ "
    r"&\operatorname{half}(W'_q x_m, m)^{\top}\operatorname{half}(W'_k x_n, n) = "
    r"\operatorname{inter}(W_q x_m, m)^{\top}\operatorname{inter}(W_k x_n, n) \end{aligned}"
)
def layout_conversion_scores(dim: int, seq_len: int, base: float = 10000.0, seed: int = 0) -> LayoutConversion:
    """Compare attention scores of an interleaved checkpoint run by half-split code, with and without converting.

    One head with d_model = head_dim = `dim`; token embeddings and W_q, W_k are seeded Gaussians. Because
    P is orthogonal, (P q)^T (P k) = q^T k, so permuting the rows of W_q and W_k reproduces every score.
    """
    dim = check_dim(dim)
    if dim > MAX_LAYOUT_DIM:
        raise ValueError(f"dim must be an even integer in [2, {MAX_LAYOUT_DIM}], got {dim}")
    seq_len = check_int("seq_len", seq_len, 1, MAX_LAYOUT_SEQ)
    base = check_base(base)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    rng = np.random.default_rng(seed)
    embeddings = rng.standard_normal((seq_len, dim))
    w_query = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    w_key = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    frequencies = _inv_freq(dim, base)
    positions = np.arange(seq_len, dtype=np.float64)

    def scores(w_q: np.ndarray, w_k: np.ndarray, convention: str) -> np.ndarray:
        return rope_scores(embeddings @ w_q.T, embeddings @ w_k.T, positions, positions, frequencies, convention)

    reference = scores(w_query, w_key, "interleaved")
    converted = scores(permute_qk_weight_rows(w_query, dim, 1), permute_qk_weight_rows(w_key, dim, 1), "half")
    unconverted = scores(w_query, w_key, "half")
    query = (embeddings @ w_query.T)[-1:]
    last = positions[-1:]
    return LayoutConversion(
        reference=reference,
        converted=converted,
        unconverted=unconverted,
        max_diff_converted=float(np.max(np.abs(converted - reference))),
        max_diff_unconverted=float(np.max(np.abs(unconverted - reference))),
        rotated_interleaved=apply_rope(query, last, frequencies, convention="interleaved")[0],
        rotated_half=apply_rope(query, last, frequencies, convention="half")[0],
    )


@equation(
    r"\begin{aligned} &d_{\text{rot}} = \lfloor d_{\text{head}} \cdot p \rfloor,\quad "
    r"\theta_i = b^{-2i/d_{\text{rot}}}\ (i < d_{\text{rot}}/2) \\ "
    r"&\text{channels } j \ge d_{\text{rot}} \text{ pass through unrotated} \end{aligned}"
)
def partial_rotary(head_dim: int, rotary_fraction: float, base: float = 10000.0) -> tuple[int, np.ndarray]:
    """Return (rotary_dim, inv_freq) for partial rotary: GPT-NeoX's rotary_pct, or GPT-J's rotary_dim / head_dim.

    The exponent divides by the rotary dimension, not the head dimension, so the rotated channels still span
    the full range of frequencies from 1 down to about 1/b.
    """
    head_dim = check_dim(head_dim, "head_dim")
    rotary_fraction = check_float("rotary_fraction", rotary_fraction, 0.0, 1.0, low_open=True)
    rotary_dim = int(head_dim * rotary_fraction)
    if rotary_dim < 2 or rotary_dim % 2:
        raise ValueError(
            f"rotary_fraction must make int(head_dim * rotary_fraction) an even number >= 2, "
            f"got int({head_dim} * {rotary_fraction:g}) = {rotary_dim}"
        )
    return rotary_dim, _inv_freq(rotary_dim, check_base(base))


@equation(r"\text{bytes} = 2 \times L \times d_{rot} \times \text{itemsize}")
def kv_cos_sin_cache_bytes(seq_len: int, rotary_dim: int, dtype=np.float32, duplicated: bool = True) -> int:
    """Return the bytes of a cos + sin cache for seq_len positions (HF duplicates halves: d_rot cols)."""
    seq_len = check_int("seq_len", seq_len, 1, MAX_POSITION)
    rotary_dim = check_dim(rotary_dim, "rotary_dim")
    itemsize = check_dtype(dtype).itemsize
    columns = rotary_dim if duplicated else rotary_dim // 2
    return 2 * seq_len * columns * itemsize


def unrotated_change(head_dim: int, inv_freq, convention: str, rotary_dim: int, position: float = 1000.0) -> float:
    """How far partial rotary moves the channels past rotary_dim of a seeded random vector (0: not at all)."""
    probe = np.random.default_rng(0).standard_normal((1, head_dim))
    rotated = apply_rope(probe, [position], inv_freq, convention=convention, rotary_dim=rotary_dim)
    return float(np.max(np.abs(rotated[0, rotary_dim:] - probe[0, rotary_dim:]), initial=0.0))


def cache_sizes_mib(presets) -> np.ndarray:
    """The float32 cos/sin cache of each model preset over its whole context, in MiB."""
    return np.array(
        [kv_cos_sin_cache_bytes(preset.context_length, preset.rotary_dim, np.float32) / 2**20 for preset in presets]
    )


@equation(
    r"\begin{aligned} \varepsilon(m) &= \max_i \max\Big(\big|\cos\hat\phi_{m,i} - \cos m\theta_i\big|,\ "
    r"\big|\sin\hat\phi_{m,i} - \sin m\theta_i\big|\Big) \\ "
    r"\hat\phi_{m,i} &= \mathrm{fl}_{32}(m)\otimes_{32}\mathrm{fl}_{32}(\theta_i) \end{aligned}"
)
def float32_angle_error(positions, inv_freq) -> np.ndarray:
    """Return, per position, the largest cos/sin error when the angle m*theta_i is formed in float32.

    The angle is rounded the way a float32 pipeline rounds it; cos and sin are then evaluated exactly (float64)
    so the error measured is the angle's alone.
    """
    positions = check_positions("positions", positions)
    if positions.size * np.asarray(inv_freq).size > 2**22:
        raise ValueError("positions x inv_freq must have at most 2**22 elements")
    exact = rotation_angles(positions, inv_freq, np.float64)
    rounded = rotation_angles(positions, inv_freq, np.float32).astype(np.float64)
    cos_error = np.abs(np.cos(rounded) - np.cos(exact)).max(axis=1)
    sin_error = np.abs(np.sin(rounded) - np.sin(exact)).max(axis=1)
    return np.maximum(cos_error, sin_error)


@dataclass(frozen=True)
class Float32PairErrors:
    """What float32 does to every pair's angle m·θ_i at one position."""

    position: float
    inv_freq: np.ndarray  # (d/2,) θ_i
    angles: np.ndarray  # (d/2,) the exact angles m·θ_i
    angle_errors: np.ndarray  # (d/2,) |float32 angle − exact angle|
    cos_sin_errors: np.ndarray  # (d/2,) the larger of the cos and sin errors that angle causes
    worst: int  # the pair with the largest cos/sin error


def float32_pair_errors(position: float, inv_freq) -> Float32PairErrors:
    """Per pair, the angle and cos/sin errors when m·θ_i is formed in float32 (as float32_angle_error rounds it).

    Pair 0 has θ_0 = 1, so its angle is m itself, which float32 holds exactly for whole numbers up to 2**24; the
    error comes from pairs with θ_i < 1, whose θ and product are both rounded.
    """
    positions = check_positions("position", [position])
    frequencies = check_inv_freq(inv_freq)
    exact = rotation_angles(positions, frequencies, np.float64)[0]
    rounded = rotation_angles(positions, frequencies, np.float32).astype(np.float64)[0]
    cos_sin = np.maximum(np.abs(np.cos(rounded) - np.cos(exact)), np.abs(np.sin(rounded) - np.sin(exact)))
    return Float32PairErrors(
        position=float(positions[0]),
        inv_freq=frequencies,
        angles=exact,
        angle_errors=np.abs(rounded - exact),
        cos_sin_errors=cos_sin,
        worst=int(np.argmax(cos_sin)),
    )
