"""Chapter 14, the live experiment: a tiny trainable attention layer in NumPy with hand-written gradients.

The task: read a sequence of random tokens and, at every position t >= k, predict the token that sat k steps
earlier. Solving it means attending from t to t - k, which needs to know *where* tokens are, not *what* they
are. One causal attention head is enough: embeddings -> q, k, v -> (position scheme) -> softmax attention ->
output projection -> logits over the vocabulary; cross-entropy on every position that has a target; Adam.

Four position schemes share everything else:
- ``nope``: no position information at all;
- ``sinusoidal``: the fixed Vaswani table added to the token embeddings;
- ``learned``: a trained table with one row per training position (nothing exists for later positions);
- ``rope``: queries and keys rotated by position (half-split layout, as in Hugging Face Llama).

The backward pass goes through the rotation too: a rotation is linear and orthogonal, so its transpose is the
rotation by the negative angle.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rope_core import inv_freq, rotate_half, sinusoidal_encoding
from rope_core._checks import check_base, check_choice, check_int, check_real_array
from rope_core._equation import equation
from rope_core.limits import MAX_SEQ

SCHEMES = ("nope", "sinusoidal", "learned", "rope")
SCHEME_LABELS = {"nope": "NoPE", "sinusoidal": "Sinusoidal", "learned": "Learned absolute", "rope": "RoPE"}

MAX_STEPS = 5_000
MAX_TRAIN_LENGTH = 64
MAX_EVAL_LENGTH = 256
MAX_OFFSET = 16
MAX_MODEL_DIM = 64
MAX_VOCAB = 64
MAX_BATCH = 128
# Ceiling on the arithmetic one experiment may do, so no link can tie up a server core for minutes.
MAX_WORK = 8 * 10**10

_ADAM_BETA1 = 0.9
_ADAM_BETA2 = 0.999
_ADAM_EPS = 1e-8
_MASKED = -1e9


@dataclass(frozen=True)
class ExperimentSettings:
    """Everything that determines a run; two equal settings give bit-identical results."""

    offset: int = 3
    train_length: int = 16
    steps: int = 400
    seed: int = 0
    dim: int = 32
    vocab: int = 16
    batch: int = 32
    learning_rate: float = 0.005
    base: float = 10_000.0


def check_settings(settings: ExperimentSettings) -> ExperimentSettings:
    """Return the settings after checking every field's range (ValueError names the field)."""
    if not isinstance(settings, ExperimentSettings):
        raise ValueError(f"settings must be an ExperimentSettings, got {type(settings).__name__}")
    check_int("train_length", settings.train_length, 4, MAX_TRAIN_LENGTH)
    check_int("offset", settings.offset, 1, min(MAX_OFFSET, settings.train_length - 2))
    check_int("steps", settings.steps, 1, MAX_STEPS)
    check_int("seed", settings.seed, 0, 2**32 - 1)
    check_int("dim", settings.dim, 4, MAX_MODEL_DIM, even=True)
    check_int("vocab", settings.vocab, 2, MAX_VOCAB)
    check_int("batch", settings.batch, 1, MAX_BATCH)
    rate = settings.learning_rate
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 < rate <= 1.0:
        raise ValueError(f"learning_rate must be a finite number in (0, 1], got {rate!r}")
    check_base(settings.base)
    if training_work(settings) > MAX_WORK:
        raise ValueError(f"steps x batch x train_length x dim is too large: work must be at most {MAX_WORK:.0e}")
    return settings


@equation(
    r"\text{work} \approx 4 \cdot \text{steps} \cdot B \cdot L \cdot \big(3 \cdot 3 d^2 + 3 \cdot 2 L d + 3 d V\big)"
)
def training_work(settings: ExperimentSettings) -> int:
    """Multiply-adds of one experiment (four models; forward + backward ~ 3x forward), a machine-free budget."""
    s = settings
    per_token = 3 * (3 * s.dim * s.dim + 2 * s.train_length * s.dim + s.dim * s.vocab)
    return int(len(SCHEMES) * s.steps * s.batch * s.train_length * per_token)


# The time estimate's one constant: how many of training_work's multiply-adds this code gets through per second on
# the 2-core machine the app is built and served on (one OpenBLAS thread, as the server runs). Calibrated with
# benchmarks/bench_training.py: the default run (1.13e10 multiply-adds) took 3.39 s and 3.11 s of wall time
# (load average 5). Other settings stay within about ±40 % of it there (L = 8, 400 steps: 1.0 s, estimate 1.4 s;
# L = 32, 200 steps: 3.2 s, estimate 3.9 s), because the count leaves out the element-wise work and the fixed cost
# of each NumPy call; a busy server is slower still.
MULTIPLY_ADDS_PER_SECOND = 3.5e9


@equation(r"t \approx \frac{\text{work}}{r},\qquad r = 3.5 \times 10^{9}\ \text{multiply-adds per second}")
def estimated_seconds(settings: ExperimentSettings) -> float:
    """An estimate of one experiment's training time on this app's server: its arithmetic at the measured rate."""
    check_settings(settings)
    return training_work(settings) / MULTIPLY_ADDS_PER_SECOND


# ---------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------


@equation(r"y_t = x_{t-k}\quad (t \ge k)")
def copy_task_batch(rng: np.random.Generator, batch: int, length: int, vocab: int, offset: int):
    """Random tokens (batch, length) and their targets: the token `offset` steps back (-1 where none exists)."""
    tokens = rng.integers(0, vocab, size=(batch, length))
    targets = np.full_like(tokens, -1)
    targets[:, offset:] = tokens[:, :-offset]
    return tokens, targets


def copy_task_example(length: int, vocab: int, offset: int, seed: int = 0):
    """One seeded example sequence and its targets, for showing the task (same rules as training data)."""
    length = check_int("length", length, 2, MAX_EVAL_LENGTH)
    vocab = check_int("vocab", vocab, 2, MAX_VOCAB)
    offset = check_int("offset", offset, 1, length - 1)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    tokens, targets = copy_task_batch(np.random.default_rng(seed), 1, length, vocab, offset)
    return tokens[0], targets[0]


@equation(r"A^{\star}_{t,s} = \mathbb{1}[s = t - k]")
def ideal_attention(length: int, offset: int) -> np.ndarray:
    """The attention pattern that solves the task: row t puts all its weight on column t - k (rows t < k empty)."""
    length = check_int("length", length, 2, MAX_EVAL_LENGTH)
    offset = check_int("offset", offset, 1, length - 1)
    return np.eye(length, k=-offset)


# ---------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------


def _parameter_shapes(scheme: str, settings: ExperimentSettings) -> dict[str, tuple[int, ...]]:
    d, v = settings.dim, settings.vocab
    shapes = {
        "embed": (v, d),
        "w_q": (d, d),
        "b_q": (d,),
        "w_k": (d, d),
        "b_k": (d,),
        "w_v": (d, d),
        "w_out": (d, v),
        "b_out": (v,),
    }
    if scheme == "learned":
        shapes["positions"] = (settings.train_length, d)
    return shapes


class Parameters:
    """Named parameter arrays that are views into one flat vector, so Adam updates everything in one pass."""

    def __init__(self, shapes: dict[str, tuple[int, ...]], flat: np.ndarray | None = None):
        self.shapes = dict(shapes)
        size = sum(math.prod(shape) for shape in shapes.values())
        self.flat = np.zeros(size) if flat is None else flat
        if self.flat.shape != (size,):
            raise ValueError(f"flat must have shape ({size},), got {self.flat.shape}")
        self.arrays: dict[str, np.ndarray] = {}
        start = 0
        for name, shape in shapes.items():
            count = math.prod(shape)
            self.arrays[name] = self.flat[start : start + count].reshape(shape)
            start += count

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __reduce__(self):
        # Rebuild from (shapes, flat) so unpickled arrays are views of `flat` again (st.cache_data pickles
        # results), and so cache hashing sees plain data rather than the default object reconstructor.
        return (Parameters, (self.shapes, self.flat))

    def __contains__(self, name: str) -> bool:
        return name in self.arrays

    def zeros_like(self) -> Parameters:
        return Parameters(self.shapes)

    def copy(self) -> Parameters:
        return Parameters(self.shapes, self.flat.copy())


def init_parameters(scheme: str, settings: ExperimentSettings) -> Parameters:
    """Seeded initial weights; every scheme starts from the same shared weights (only the extras differ)."""
    scheme = check_choice("scheme", scheme, SCHEMES)
    check_settings(settings)
    params = Parameters(_parameter_shapes(scheme, settings))
    rng = np.random.default_rng(settings.seed)
    d = settings.dim
    params["embed"][...] = rng.normal(0.0, 1.0, params["embed"].shape)
    for name in ("w_q", "w_k", "w_v", "w_out"):
        params[name][...] = rng.normal(0.0, 1.0 / math.sqrt(d), params[name].shape)
    if scheme == "learned":
        # Like the sinusoid's entries in size, so the two absolute schemes start on an equal footing.
        params["positions"][...] = np.random.default_rng(settings.seed + 1).normal(
            0.0, math.sqrt(0.5), (settings.train_length, d)
        )
    return params


@dataclass
class PositionTables:
    """Per-length constants of a scheme: the additive table (absolute schemes) or the cos/sin tables (RoPE)."""

    additive: np.ndarray | None = None
    cos: np.ndarray | None = None
    sin: np.ndarray | None = None


def position_tables(scheme: str, params: Parameters, length: int, settings: ExperimentSettings) -> PositionTables:
    """The position inputs for sequences of `length`; learned absolute raises beyond its table (no such rows)."""
    if scheme == "sinusoidal":
        return PositionTables(additive=sinusoidal_encoding(length, settings.dim, settings.base))
    if scheme == "learned":
        rows = params["positions"].shape[0]
        if length > rows:
            raise ValueError(
                f"length must be at most {rows} for the learned table: positions >= {rows} have no embedding"
            )
        return PositionTables(additive=params["positions"][:length])
    if scheme == "rope":
        angles = np.multiply.outer(np.arange(length, dtype=np.float64), inv_freq(settings.dim, settings.base))
        cos, sin = np.cos(angles), np.sin(angles)
        return PositionTables(cos=np.concatenate([cos, cos], axis=-1), sin=np.concatenate([sin, sin], axis=-1))
    return PositionTables()


@equation(r"\tilde q_t = R_t\, q_t = q_t \odot \cos(t\theta) + \operatorname{rotate\_half}(q_t) \odot \sin(t\theta)")
def rotate_forward(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """RoPE on (..., seq, d) with half-split pairs: x ⊙ cos + rotate_half(x) ⊙ sin."""
    return x * cos + rotate_half(x) * sin


_GRAD = r"\frac{\partial\mathcal{L}}{\partial \tilde q_t}"
_ROTATE_BACKWARD_LATEX = r"\frac{\partial\mathcal{L}}{\partial q_t} = R_t^{\top}" + _GRAD + r" = R_{-t}\," + _GRAD


@equation(_ROTATE_BACKWARD_LATEX)
def rotate_backward(grad: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """The transpose of rotate_forward: rotation by the negative angle (cos is even, sin is odd)."""
    return grad * cos - rotate_half(grad) * sin


@dataclass
class ForwardPass:
    """What the backward pass needs from the forward pass."""

    inputs: np.ndarray
    queries: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    attention: np.ndarray
    mixed: np.ndarray
    logits: np.ndarray


@equation(
    r"a_{ts} = \operatorname{softmax}_{s \le t}\!\left(\frac{\tilde q_t^{\top} \tilde k_s}{\sqrt d}\right),\quad "
    r"\text{logits}_t = \Big(\sum_{s} a_{ts} v_s\Big) W_{\text{out}} + b_{\text{out}}"
)
def forward(scheme: str, params: Parameters, tokens: np.ndarray, tables: PositionTables) -> ForwardPass:
    """Run the one-head causal attention layer on tokens (batch, seq) and keep what backward needs."""
    inputs = params["embed"][tokens]
    if tables.additive is not None:
        inputs = inputs + tables.additive
    queries = inputs @ params["w_q"] + params["b_q"]
    keys = inputs @ params["w_k"] + params["b_k"]
    values = inputs @ params["w_v"]
    if tables.cos is not None:
        queries = rotate_forward(queries, tables.cos, tables.sin)
        keys = rotate_forward(keys, tables.cos, tables.sin)
    length = tokens.shape[-1]
    scores = queries @ np.swapaxes(keys, -1, -2) / math.sqrt(queries.shape[-1])
    scores = np.where(np.tri(length, dtype=bool), scores, _MASKED)
    scores -= scores.max(axis=-1, keepdims=True)
    attention = np.exp(scores)
    attention /= attention.sum(axis=-1, keepdims=True)
    mixed = attention @ values
    logits = mixed @ params["w_out"] + params["b_out"]
    return ForwardPass(inputs, queries, keys, values, attention, mixed, logits)


@equation(r"\mathcal{L} = -\frac{1}{|\mathcal{T}|}\sum_{(b,t) \in \mathcal{T}} \log p_{b,t}(y_{b,t})")
def loss_and_gradients(
    scheme: str, params: Parameters, tokens: np.ndarray, targets: np.ndarray, tables: PositionTables
) -> tuple[float, Parameters]:
    """Mean cross-entropy over positions with a target (targets >= 0) and its exact gradient, by hand."""
    run = forward(scheme, params, tokens, tables)
    grads = params.zeros_like()
    scored = targets >= 0
    count = max(int(scored.sum()), 1)
    logits = run.logits - run.logits.max(axis=-1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    safe_targets = np.where(scored, targets, 0)
    picked = np.take_along_axis(log_probs, safe_targets[..., None], axis=-1)[..., 0]
    loss = float(-(picked * scored).sum() / count)

    # d loss / d logits = (softmax - one-hot) / count on scored positions.
    d_logits = np.exp(log_probs)
    np.put_along_axis(
        d_logits, safe_targets[..., None], np.take_along_axis(d_logits, safe_targets[..., None], -1) - 1.0, -1
    )
    d_logits *= (scored / count)[..., None]
    width = run.mixed.shape[-1]
    grads["w_out"][...] = run.mixed.reshape(-1, width).T @ d_logits.reshape(-1, d_logits.shape[-1])
    grads["b_out"][...] = d_logits.sum(axis=(0, 1))
    d_mixed = d_logits @ params["w_out"].T

    d_attention = d_mixed @ np.swapaxes(run.values, -1, -2)
    d_values = np.swapaxes(run.attention, -1, -2) @ d_mixed
    # Softmax backward; masked entries have zero attention, so their score gradient is zero too.
    d_scores = run.attention * (d_attention - (d_attention * run.attention).sum(axis=-1, keepdims=True))
    d_scores /= math.sqrt(width)
    d_queries = d_scores @ run.keys
    d_keys = np.swapaxes(d_scores, -1, -2) @ run.queries
    if tables.cos is not None:
        d_queries = rotate_backward(d_queries, tables.cos, tables.sin)
        d_keys = rotate_backward(d_keys, tables.cos, tables.sin)

    flat_inputs = run.inputs.reshape(-1, width)
    flat_dq, flat_dk, flat_dv = (g.reshape(-1, width) for g in (d_queries, d_keys, d_values))
    grads["w_q"][...] = flat_inputs.T @ flat_dq
    grads["b_q"][...] = flat_dq.sum(axis=0)
    grads["w_k"][...] = flat_inputs.T @ flat_dk
    grads["b_k"][...] = flat_dk.sum(axis=0)
    grads["w_v"][...] = flat_inputs.T @ flat_dv
    d_inputs = d_queries @ params["w_q"].T + d_keys @ params["w_k"].T + d_values @ params["w_v"].T
    vocab = params["embed"].shape[0]
    one_hot = np.eye(vocab)[tokens.reshape(-1)]
    grads["embed"][...] = one_hot.T @ d_inputs.reshape(-1, width)
    if "positions" in params:
        grads["positions"][: tokens.shape[-1]] = d_inputs.sum(axis=0)
    return loss, grads


@equation(
    r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ \ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ \ "
    r"w \leftarrow w - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}"
)
def adam_step(params: Parameters, grads: Parameters, first: np.ndarray, second: np.ndarray, step: int, rate: float):
    """One Adam update of the flat parameter vector, in place (step counts from 1)."""
    g = grads.flat
    first *= _ADAM_BETA1
    first += (1.0 - _ADAM_BETA1) * g
    second *= _ADAM_BETA2
    second += (1.0 - _ADAM_BETA2) * g * g
    # Bias-corrected moments, with ε added to √v̂ exactly as the equation shows (PyTorch's placement too). Folding
    # the corrections into the rate instead would put ε on √v, a slightly different update.
    first_hat = first / (1.0 - _ADAM_BETA1**step)
    second_hat = second / (1.0 - _ADAM_BETA2**step)
    params.flat -= rate * first_hat / (np.sqrt(second_hat) + _ADAM_EPS)


# ---------------------------------------------------------------------------------------------------------
# Training all four schemes side by side
# ---------------------------------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """Loss curves and final weights of the four models; `steps_done < settings.steps` means it was stopped."""

    settings: ExperimentSettings
    steps_done: int
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    weights: dict[str, Parameters] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.steps_done >= self.settings.steps


class _Trainer:
    def __init__(self, scheme: str, settings: ExperimentSettings):
        self.scheme = scheme
        self.settings = settings
        self.params = init_parameters(scheme, settings)
        self.first = np.zeros_like(self.params.flat)
        self.second = np.zeros_like(self.params.flat)
        self.tables = position_tables(scheme, self.params, settings.train_length, settings)
        self.losses = np.full(settings.steps, np.nan)

    def step(self, number: int, tokens: np.ndarray, targets: np.ndarray) -> None:
        loss, grads = loss_and_gradients(self.scheme, self.params, tokens, targets, self.tables)
        self.losses[number] = loss
        adam_step(self.params, grads, self.first, self.second, number + 1, self.settings.learning_rate)


class ExperimentRun:
    """The four models training side by side, a few steps at a time: a page can advance it one chunk per rerun.

    Every step draws one batch from a seeded stream and gives it to all four models, so how the steps are split into
    chunks never changes the result. `compute_seconds` adds up the time spent inside `advance`.
    """

    def __init__(self, settings: ExperimentSettings):
        self.settings = check_settings(settings)
        self.trainers = {scheme: _Trainer(scheme, settings) for scheme in SCHEMES}
        self.rng = np.random.default_rng([settings.seed, 1])
        self.steps_done = 0
        self.compute_seconds = 0.0

    @property
    def finished(self) -> bool:
        return self.steps_done >= self.settings.steps

    def advance(self, steps: int) -> None:
        """Train every model for up to `steps` more steps (fewer when the run ends sooner)."""
        steps = check_int("steps", steps, 1, MAX_STEPS)
        started = time.perf_counter()
        s = self.settings
        for _ in range(min(steps, s.steps - self.steps_done)):
            tokens, targets = copy_task_batch(self.rng, s.batch, s.train_length, s.vocab, s.offset)
            for trainer in self.trainers.values():
                trainer.step(self.steps_done, tokens, targets)
            self.steps_done += 1
        self.compute_seconds += time.perf_counter() - started

    def snapshot(self) -> ExperimentResult:
        """The loss curves so far and a copy of the weights now."""
        return _snapshot(self.settings, self.steps_done, self.trainers)


def run_experiment(
    settings: ExperimentSettings,
    on_chunk: Callable[[ExperimentResult], None] | None = None,
    chunk_steps: int = 50,
) -> ExperimentResult:
    """Train the four schemes on the same seeded batches; call `on_chunk` with the partial result every chunk.

    `on_chunk` may raise to stop early (the exception propagates); nothing random depends on the chunk size.
    """
    run = ExperimentRun(settings)
    chunk_steps = check_int("chunk_steps", chunk_steps, 1, MAX_STEPS)
    while not run.finished:
        run.advance(chunk_steps)
        if on_chunk is not None:
            on_chunk(run.snapshot())
    return run.snapshot()


def _snapshot(settings: ExperimentSettings, done: int, trainers: dict[str, _Trainer]) -> ExperimentResult:
    return ExperimentResult(
        settings=settings,
        steps_done=done,
        losses={scheme: trainer.losses[:done].copy() for scheme, trainer in trainers.items()},
        weights={scheme: trainer.params.copy() for scheme, trainer in trainers.items()},
    )


def finished_run(settings: ExperimentSettings, _result: ExperimentResult | None = None) -> ExperimentResult:
    """Hand back `_result` (a finished run for `settings`) or raise LookupError when none is given.

    Wrapped in a cache keyed on `settings` only (the underscore argument is not part of the key), this stores
    finished runs and answers "is there one for these settings?" without ever training on a page load.
    """
    if _result is None:
        raise LookupError("no finished run stored for these settings")
    if _result.settings != settings or not _result.finished:
        raise ValueError("_result must be a finished run of exactly these settings")
    return _result


# ---------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------


def evaluation_batch(settings: ExperimentSettings, length: int, n_sequences: int = 64):
    """A fixed held-out batch of `length` for accuracy (seeded apart from the training stream)."""
    length = check_int("length", length, settings.offset + 1, MAX_EVAL_LENGTH)
    n_sequences = check_int("n_sequences", n_sequences, 1, 1024)
    rng = np.random.default_rng([settings.seed, 2, length])
    return copy_task_batch(rng, n_sequences, length, settings.vocab, settings.offset)


_ACCURACY_LATEX = r"\text{acc}(T) = \operatorname{mean}_{b,\,t \ge k}\ \mathbb{1}[\arg\max_y p_{b,t}(y) = x_{b,t-k}]"


@equation(_ACCURACY_LATEX)
def accuracy_by_length(result: ExperimentResult, lengths, n_sequences: int = 64) -> dict[str, np.ndarray]:
    """Accuracy of each model on held-out sequences of each length; NaN where the model has no answer.

    Learned absolute has no embedding for positions >= train_length, so longer sequences get NaN (not a guess).
    """
    settings = result.settings
    lengths = check_real_array("lengths", lengths, ndim=1, max_size=64)
    scores: dict[str, np.ndarray] = {}
    for scheme, params in result.weights.items():
        values = np.full(lengths.size, np.nan)
        for index, length in enumerate(lengths):
            length = check_int("length", int(length), settings.offset + 1, MAX_EVAL_LENGTH)
            if scheme == "learned" and length > settings.train_length:
                continue
            tokens, targets = evaluation_batch(settings, length, n_sequences)
            tables = position_tables(scheme, params, length, settings)
            predictions = forward(scheme, params, tokens, tables).logits.argmax(axis=-1)
            scored = targets >= 0
            values[index] = float((predictions == targets)[scored].mean())
        scores[scheme] = values
    return scores


def attention_maps(result: ExperimentResult, length: int) -> tuple[np.ndarray, dict[str, np.ndarray | None]]:
    """Each trained model's attention on one held-out sequence of `length` (None where a model cannot run)."""
    settings = result.settings
    length = check_int("length", length, settings.offset + 1, min(MAX_EVAL_LENGTH, MAX_SEQ))
    tokens, _ = evaluation_batch(settings, length, 1)
    maps: dict[str, np.ndarray | None] = {}
    for scheme, params in result.weights.items():
        if scheme == "learned" and length > settings.train_length:
            maps[scheme] = None
            continue
        tables = position_tables(scheme, params, length, settings)
        maps[scheme] = forward(scheme, params, tokens, tables).attention[0]
    return tokens[0], maps


def mass_on_target(attention: np.ndarray, offset: int) -> float:
    """Average attention weight that rows t >= k put on column t - k (1.0 for the ideal pattern)."""
    length = attention.shape[-1]
    rows = np.arange(offset, length)
    return float(attention[..., rows, rows - offset].mean())


# ---------------------------------------------------------------------------------------------------------
# A bridge to real models: which rotation pairs does the trained RoPE head use?
# ---------------------------------------------------------------------------------------------------------

ABLATION_ORDERS = ("slowest", "fastest")  # which end of the frequency ladder is switched off first


def pair_channels(dim: int) -> np.ndarray:
    """The two channels of every rotation pair in the half-split layout: row i is (i, i + d/2)."""
    dim = check_int("dim", dim, 2, MAX_MODEL_DIM, even=True)
    half = dim // 2
    return np.stack([np.arange(half), np.arange(half) + half], axis=1)


@dataclass(frozen=True)
class PairUsage:
    """How large each rotation pair is in a trained RoPE head: its weights and its queries and keys."""

    wavelengths: np.ndarray  # tokens per full turn of pair i, 2π / θ_i
    weight_q: np.ndarray  # ‖W_q restricted to pair i's two columns‖ (Frobenius)
    weight_k: np.ndarray
    query: np.ndarray  # mean over the evaluation tokens of ‖(q_i, q_{i+d/2})‖ (rotation keeps it)
    key: np.ndarray


_PAIR_NORM_LATEX = (
    r"\|q^{(i)}_t\| = \sqrt{q_{t,i}^2 + q_{t,i+d/2}^2},\qquad "
    r"|\langle R_t q^{(i)}_t, R_s k^{(i)}_s \rangle| \le \|q^{(i)}_t\|\,\|k^{(i)}_s\|"
)


@equation(_PAIR_NORM_LATEX)
def pair_usage(result: ExperimentResult, length: int | None = None) -> PairUsage:
    """Per-pair norms of the trained RoPE model's query/key weights and of its queries and keys on held-out data.

    A pair's part of a score can never exceed the product of its query and key norms, so a pair the head keeps
    small cannot matter much, whatever its angle.
    """
    settings = result.settings
    params = _rope_weights(result)
    length = settings.train_length if length is None else length
    tokens, _ = evaluation_batch(settings, length)
    channels = pair_channels(settings.dim)
    run = forward("rope", params, tokens, position_tables("rope", params, length, settings))

    def column_norms(matrix: np.ndarray) -> np.ndarray:
        return np.sqrt((matrix[:, channels] ** 2).sum(axis=(0, 2)))

    def mean_pair_norms(vectors: np.ndarray) -> np.ndarray:
        return np.sqrt((vectors[..., channels] ** 2).sum(axis=-1)).reshape(-1, channels.shape[0]).mean(axis=0)

    return PairUsage(
        wavelengths=2 * np.pi / inv_freq(settings.dim, settings.base),
        weight_q=column_norms(params["w_q"]),
        weight_k=column_norms(params["w_k"]),
        query=mean_pair_norms(run.queries),
        key=mean_pair_norms(run.keys),
    )


def switch_off_pairs(params: Parameters, pairs) -> Parameters:
    """A copy of RoPE weights whose queries and keys are zero in the given pairs (weights and biases zeroed)."""
    if "positions" in params:
        raise ValueError("params must be a RoPE model's weights (a learned table has no rotation pairs)")
    dim = params["w_q"].shape[1]
    pairs = np.asarray(pairs, dtype=int).reshape(-1)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= dim // 2):
        raise ValueError(f"pairs must lie in 0 … {dim // 2 - 1}, got {pairs.tolist()}")
    switched = params.copy()
    columns = pair_channels(dim)[pairs].reshape(-1)
    for name in ("w_q", "w_k"):
        switched[name][:, columns] = 0.0
    for name in ("b_q", "b_k"):
        switched[name][columns] = 0.0
    return switched


@dataclass(frozen=True)
class PairAblation:
    """Accuracy and attention on t − k of the trained RoPE head with rotation pairs switched off.

    `single_*[i]`: only pair i off. `cumulative[order]`: (accuracy, mass, attention maps), entry j with j pairs off,
    taken from the slowest or the fastest end; entry 0 is the intact model, entry d/2 has every pair off.
    """

    length: int
    tokens: np.ndarray  # the held-out sequence the attention maps are drawn for
    accuracy: float
    mass: float
    single_accuracy: np.ndarray
    single_mass: np.ndarray
    cumulative: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def _rope_weights(result: ExperimentResult) -> Parameters:
    if "rope" not in result.weights:
        raise ValueError("result must hold a trained RoPE model")
    return result.weights["rope"]


def pairs_switched_off(order: str, count: int, dim: int) -> np.ndarray:
    """The first `count` pairs to switch off when starting from the slowest or the fastest end."""
    order = check_choice("order", order, ABLATION_ORDERS)
    half = check_int("dim", dim, 2, MAX_MODEL_DIM, even=True) // 2
    count = check_int("count", count, 0, half)
    return np.arange(half - count, half)[::-1] if order == "slowest" else np.arange(count)


_ABLATION_LATEX = r"q^{(i)}_t = k^{(i)}_s = 0 \ \text{ for the pairs } i \text{ switched off, then } \text{acc}(L)"


@equation(_ABLATION_LATEX)
def pair_ablation(result: ExperimentResult, length: int | None = None) -> PairAblation:
    """Switch rotation pairs of the trained RoPE head off, one at a time and cumulatively, and score it again.

    A score is a sum over pairs, q̃_t·k̃_s = Σ_i q̃_t^(i)·k̃_s^(i), so each pair's share of every score is computed
    once and any set of pairs is scored by adding up the shares it keeps: the same numbers as zeroing those
    pairs' weights (switch_off_pairs) and running the model again, for a fraction of the work.
    """
    settings = result.settings
    params = _rope_weights(result)
    length = settings.train_length if length is None else length
    tokens, targets = evaluation_batch(settings, length)
    run = forward("rope", params, tokens, position_tables("rope", params, length, settings))
    channels = pair_channels(settings.dim)
    half = channels.shape[0]
    shares = np.einsum("bthc,bshc->hbts", run.queries[..., channels], run.keys[..., channels]) / math.sqrt(settings.dim)
    kept = [np.ones(half, dtype=bool)]  # intact, then one pair off at a time, then each order cumulatively
    kept += [np.arange(half) != pair for pair in range(half)]
    for order in ABLATION_ORDERS:
        for count in range(half + 1):
            mask = np.ones(half, dtype=bool)
            mask[pairs_switched_off(order, count, settings.dim)] = False
            kept.append(mask)
    accuracy, mass, maps = _score_kept_pairs(np.array(kept), shares, run, params, targets, settings.offset)
    cumulative = {}
    for index, order in enumerate(ABLATION_ORDERS):
        rows = slice(1 + half + index * (half + 1), 1 + half + (index + 1) * (half + 1))
        cumulative[order] = (accuracy[rows], mass[rows], maps[rows])
    return PairAblation(
        length=length,
        tokens=tokens[0],
        accuracy=float(accuracy[0]),
        mass=float(mass[0]),
        single_accuracy=accuracy[1 : 1 + half],
        single_mass=mass[1 : 1 + half],
        cumulative=cumulative,
    )


def _score_kept_pairs(kept, shares, run: ForwardPass, params: Parameters, targets, offset: int, chunk: int = 8):
    """Accuracy, attention on t − k and the first sequence's attention map for each row of `kept` (pairs kept)."""
    length = targets.shape[-1]
    causal = np.tri(length, dtype=bool)
    scored = targets >= 0
    rows = np.arange(offset, length)
    accuracy, mass, maps = [], [], []
    for start in range(0, len(kept), chunk):  # in chunks, so a long evaluation never builds a huge array
        scores = np.tensordot(kept[start : start + chunk].astype(float), shares, axes=1)
        scores = np.where(causal, scores, _MASKED)
        scores -= scores.max(axis=-1, keepdims=True)
        attention = np.exp(scores)
        attention /= attention.sum(axis=-1, keepdims=True)
        logits = (attention @ run.values) @ params["w_out"] + params["b_out"]
        accuracy.extend(((logits.argmax(axis=-1) == targets) & scored).sum(axis=(1, 2)) / scored.sum())
        mass.extend(attention[..., rows, rows - offset].mean(axis=(1, 2)))
        maps.extend(attention[:, 0])
    return np.array(accuracy), np.array(mass), np.array(maps)


def removable_pairs(ablation: PairAblation, order: str, keep: float = 0.9) -> int:
    """How many pairs, from that end, can be switched off together while accuracy stays ≥ `keep` × intact."""
    order = check_choice("order", order, ABLATION_ORDERS)
    accuracy = ablation.cumulative[order][0]
    held = accuracy >= keep * ablation.accuracy
    return int(np.argmin(held)) - 1 if not held.all() else held.size - 1


def ablation_summary(ablation: PairAblation, wavelengths: np.ndarray) -> str:
    """What switching pairs off did to this run, in one short paragraph (Markdown) for the page."""
    pairs = ablation.single_accuracy.size
    costliest = int(np.argmin(ablation.single_accuracy))
    lowest = float(ablation.single_accuracy[costliest])
    if lowest >= ablation.accuracy - 0.01:
        single = "No single pair matters on its own: switching any one off leaves the accuracy within a point."
    else:
        single = (
            f"Switching off pair {costliest} alone (a turn every {float(wavelengths[costliest]):,.1f} tokens) hurts "
            f"the most: accuracy falls to {lowest:.0%}."
        )
    slow, fast = removable_pairs(ablation, "slowest"), removable_pairs(ablation, "fastest")
    return (
        f"**In your run:** with every pair on, the head is right {ablation.accuracy:.0%} of the time. {single} "
        f"From the slow end, {slow} of the {pairs} pairs can go together before accuracy drops below 90 % of its "
        f"intact value; from the fast end, {fast}."
    )
