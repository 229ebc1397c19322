"""RoPE beyond text: 2-D axial and mixed RoPE for image patches (RoPE-ViT), and Qwen2-VL's M-RoPE."""

import numpy as np

from ._checks import (
    check_base,
    check_choice,
    check_dim,
    check_int,
    check_positions,
    check_real_array,
    check_x,
)
from ._equation import equation
from ._kernel import rotate_by_angles
from .frequencies import inv_freq as default_inv_freq
from .limits import MAX_ELEMENTS, MAX_GRID, MAX_POSITION
from .rotation import CONVENTIONS


def _check_grid_positions(name: str, values, length: int) -> np.ndarray:
    array = check_positions(name, values, max_len=MAX_ELEMENTS)
    if array.size != length:
        raise ValueError(f"{name} must have one entry per token ({length}), got {array.size}")
    return array


@equation(r"\theta_t = b^{-4t/d},\quad t = 0, \dots, d/4 - 1")
def axial_inv_freq(dim: int, base: float = 100.0) -> np.ndarray:
    """Return the d/4 axial frequencies shared by the x (column) and y (row) halves of the pairs."""
    dim = check_dim(dim, multiple_of=4)
    base = check_base(base)
    return base ** (-np.arange(0, dim, 4, dtype=np.float64) / dim)


@equation(r"\phi_{(y,x)} = \big(x\,\theta_0, \dots, x\,\theta_{d/4-1},\; y\,\theta_0, \dots, y\,\theta_{d/4-1}\big)")
def axial_rope_2d(x, rows, cols, base: float = 100.0, convention: str = "interleaved") -> np.ndarray:
    """Rotate patch vectors x (..., n, d): the first d/4 pairs by column index, the last d/4 by row index."""
    x = check_x(x)
    dim = check_dim(x.shape[-1], "x.shape[-1]", multiple_of=4)
    frequencies = axial_inv_freq(dim, base)
    rows = _check_grid_positions("rows", rows, x.shape[-2])
    cols = _check_grid_positions("cols", cols, x.shape[-2])
    convention = check_choice("convention", convention, CONVENTIONS)
    angles = np.concatenate([np.multiply.outer(cols, frequencies), np.multiply.outer(rows, frequencies)], axis=1)
    return rotate_by_angles(x, angles, convention)


@equation(
    r"\mathbf{f}_t = \theta_t(\cos\alpha_t, \sin\alpha_t),\ "
    r"\mathbf{f}_{t+d/4} = \theta_t(-\sin\alpha_t, \cos\alpha_t),"
    r"\quad \phi_i = f_{i,x}\,x + f_{i,y}\,y"
)
def mixed_inv_freq_directions(
    dim: int, directions=None, base: float = 10.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return RoPE-Mixed (freqs_x, freqs_y), (d/2,) each: pair t along directions[t], t+d/4 at +90 deg."""
    dim = check_dim(dim, multiple_of=4)
    magnitudes = axial_inv_freq(dim, base)
    if directions is None:
        seed = check_int("seed", seed, 0, 2**32 - 1)
        directions = np.random.default_rng(seed).uniform(0.0, 2 * np.pi, dim // 4)
    directions = check_real_array("directions", directions, ndim=1, max_size=dim // 4, max_abs=1e6)
    if directions.size != dim // 4:
        raise ValueError(f"directions must have dim/4 = {dim // 4} angles, got {directions.size}")
    freqs_x = np.concatenate([magnitudes * np.cos(directions), magnitudes * np.cos(directions + np.pi / 2)])
    freqs_y = np.concatenate([magnitudes * np.sin(directions), magnitudes * np.sin(directions + np.pi / 2)])
    return freqs_x, freqs_y


@equation(r"\phi_{(y,x),i} = f_{i,x}\,x + f_{i,y}\,y")
def mixed_rope_2d(x, rows, cols, freqs_x, freqs_y, convention: str = "interleaved") -> np.ndarray:
    """Rotate patch vectors x (..., n, d) with per-pair 2-D frequency vectors (RoPE-Mixed)."""
    x = check_x(x)
    dim = check_dim(x.shape[-1], "x.shape[-1]")
    freqs_x = check_real_array("freqs_x", freqs_x, ndim=1, max_size=dim // 2, max_abs=1e6)
    freqs_y = check_real_array("freqs_y", freqs_y, ndim=1, max_size=dim // 2, max_abs=1e6)
    if freqs_x.size != dim // 2 or freqs_y.size != dim // 2:
        raise ValueError(f"freqs_x and freqs_y must have d/2 = {dim // 2} entries, got {freqs_x.size}, {freqs_y.size}")
    rows = _check_grid_positions("rows", rows, x.shape[-2])
    cols = _check_grid_positions("cols", cols, x.shape[-2])
    convention = check_choice("convention", convention, CONVENTIONS)
    angles = np.multiply.outer(cols, freqs_x) + np.multiply.outer(rows, freqs_y)
    return rotate_by_angles(x, angles, convention)


@equation(r"(t, h, w)_{\text{text } j} = (j, j, j),\quad (t, h, w)_{\text{patch}} = s + (t, h, w)_{\text{grid}}")
def mrope_positions(n_text_before: int, grid_t: int, grid_h: int, grid_w: int, n_text_after: int = 0) -> np.ndarray:
    """Return the (3, N) Qwen2-VL (t, h, w) position ids for text, one image/video grid, then more text."""
    n_text_before = check_int("n_text_before", n_text_before, 0, 4096)
    grid_t = check_int("grid_t", grid_t, 1, MAX_GRID)
    grid_h = check_int("grid_h", grid_h, 1, MAX_GRID)
    grid_w = check_int("grid_w", grid_w, 1, MAX_GRID)
    n_text_after = check_int("n_text_after", n_text_after, 0, 4096)
    before = np.tile(np.arange(n_text_before), (3, 1))
    t_index, h_index, w_index = np.meshgrid(np.arange(grid_t), np.arange(grid_h), np.arange(grid_w), indexing="ij")
    vision = np.stack([t_index.ravel(), h_index.ravel(), w_index.ravel()]) + n_text_before
    # Text after the grid resumes one past the largest id used by the grid.
    start = vision.max() + 1
    after = np.tile(np.arange(n_text_after) + start, (3, 1))
    return np.concatenate([before, vision, after], axis=1)


@equation(r"\phi_{m,i} = p^{(c(i))}_m\,\theta_i,\quad c(i) \in \{t, h, w\} \text{ by section}")
def apply_mrope(
    x, t_pos, h_pos, w_pos, sections=(16, 24, 24), base: float = 1e6, convention: str = "half"
) -> np.ndarray:
    """Rotate x (..., seq, d) with M-RoPE: frequency sections driven by t, h, w positions."""
    x = check_x(x)
    dim = check_dim(x.shape[-1], "x.shape[-1]")
    if isinstance(sections, (str, bytes)) or not hasattr(sections, "__len__") or len(sections) != 3:
        raise ValueError(f"sections must be three positive integers summing to d/2, got {sections!r:.60}")
    sections = [check_int(f"sections[{i}]", s, 1, dim // 2) for i, s in enumerate(sections)]
    if sum(sections) != dim // 2:
        raise ValueError(f"sections must sum to d/2 = {dim // 2}, got {sum(sections)} from {sections}")
    seq = x.shape[-2]
    streams = [
        _check_grid_positions(name, p, seq) for name, p in (("t_pos", t_pos), ("h_pos", h_pos), ("w_pos", w_pos))
    ]
    for stream, name in zip(streams, ("t_pos", "h_pos", "w_pos"), strict=True):
        if np.abs(stream).max() > MAX_POSITION:
            raise ValueError(f"{name} must be within [-{MAX_POSITION}, {MAX_POSITION}]")
    frequencies = default_inv_freq(dim, base)
    owner = np.repeat(np.arange(3), sections)
    positions = np.stack(streams)[owner]  # (d/2, seq): each pair reads its section's position stream
    angles = positions.T * frequencies
    convention = check_choice("convention", convention, CONVENTIONS)
    return rotate_by_angles(x, angles, convention)
