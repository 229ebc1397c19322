"""Chapter 7, long-term decay: the distances the charts sample, and the mean score of random queries and keys.

RoFormer's bound and the all-ones score are rope_core.decay_bound and rope_core.all_ones_score.
"""

import numpy as np

from rope_core import inv_freq
from rope_core._checks import check_int, check_positions
from rope_core._equation import equation
from rope_core.limits import MAX_SAMPLES, MAX_SEQ

MAX_RANDOM_POINTS = 512


def display_distances(max_distance: int, max_points: int = MAX_RANDOM_POINTS) -> np.ndarray:
    """Integer distances 0 … max_distance with a stride that keeps at most about `max_points` of them."""
    if max_distance < 1 or max_points < 2:
        raise ValueError(f"max_distance and max_points must be positive, got {max_distance} and {max_points}")
    stride = -(-(max_distance + 1) // max_points)
    distances = np.arange(0, max_distance + 1, stride)
    return distances if distances[-1] == max_distance else np.append(distances, max_distance)


@equation(r"\mathbb{E}_{q,k\sim\mathcal{N}(0,I)}\left[\frac{\langle q, R_r k\rangle}{d}\right] = 0")
def random_score_mean(
    distances,
    dim: int = 128,
    base: float = 10000.0,
    n_samples: int = 512,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (mean, standard error) over seeded Gaussian q, k of the normalised score at each distance."""
    distances = check_positions("distances", distances, max_len=MAX_SEQ)
    frequencies = inv_freq(dim, base)
    n_samples = check_int("n_samples", n_samples, 2, MAX_SAMPLES)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    if distances.size * n_samples > 2**22:
        raise ValueError(f"distances x n_samples must be at most {2**22}, got {distances.size} x {n_samples}")
    rng = np.random.default_rng(seed)
    pairs = frequencies.size
    q = rng.standard_normal((n_samples, pairs)) + 1j * rng.standard_normal((n_samples, pairs))
    k = rng.standard_normal((n_samples, pairs)) + 1j * rng.standard_normal((n_samples, pairs))
    # <q, R_r k> = Re sum_i q_i conj(k_i e^{i r theta_i}) with each pair seen as a complex number.
    products = q * np.conj(k)
    scores = np.real(np.exp(-1j * np.multiply.outer(distances, frequencies)) @ products.T) / (2 * pairs)
    return scores.mean(axis=1), scores.std(axis=1, ddof=1) / np.sqrt(n_samples)
