"""Time rope_core.apply_rope next to the textbook form it equals, a plain copy (the memory floor) and the dense form.

Run: .venv/bin/python benchmarks/bench_core.py   (prints figures; nothing here is asserted by tests)
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rope_core as rc
from ropelab.lessons.c09_efficient_implementation import apply_rope_dense

HEADS, SEQ, DIM = 32, 4096, 128
REPEATS = 9
DENSE_HEADS, DENSE_SEQ = 1, 512  # the dense form is O(d^2): time a slice and scale up


def median_seconds(call, repeats: int = REPEATS) -> float:
    call()  # warm-up: first-touch page faults and lazy initialisation are not what we measure
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    print(f"machine: {machine}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"x: ({HEADS} heads, {SEQ} positions, d={DIM}) float32 = {HEADS * SEQ * DIM * 4 / 2**20:.0f} MiB\n")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((HEADS, SEQ, DIM), dtype=np.float32)
    positions = np.arange(SEQ)
    frequencies = rc.inv_freq(DIM)
    out = np.empty_like(x)

    copy = median_seconds(lambda: np.copyto(out, x))
    rows = [("np.copyto (memory floor)", copy, "")]
    for convention in rc.CONVENTIONS:
        rows.append(
            (
                f"apply_rope {convention}, out=",
                median_seconds(lambda c=convention: rc.apply_rope(x, positions, frequencies, convention=c, out=out)),
                "",
            )
        )
        rows.append(
            (
                f"apply_rope {convention}, new array",
                median_seconds(lambda c=convention: rc.apply_rope(x, positions, frequencies, convention=c)),
                "",
            )
        )
    # The same numbers (tests check them to 1e-12): the readable form, in float64 with full-size temporaries.
    rows.append(
        (
            "apply_rope_textbook (half, float64)",
            median_seconds(lambda: rc.apply_rope_textbook(x, positions, frequencies), repeats=3),
            "x*cos + rotate_half(x)*sin",
        )
    )
    dense_slice = x[:DENSE_HEADS, :DENSE_SEQ]
    dense = median_seconds(
        lambda: apply_rope_dense(dense_slice, positions[:DENSE_SEQ], frequencies, convention="half"),
        repeats=3,
    )
    scale = (HEADS * SEQ) / (DENSE_HEADS * DENSE_SEQ)
    rows.append(
        (
            "apply_rope_dense (scaled up)",
            dense * scale,
            f"timed {DENSE_HEADS}x{DENSE_SEQ} vectors, x{scale:.0f}",
        )
    )
    dense_full = dense * scale

    print(f"{'method':40s} {'median ms':>10s} {'x copy':>8s} {'dense / this':>13s}")
    for name, seconds, note in rows:
        print(f"{name:40s} {seconds * 1e3:10.2f} {seconds / copy:8.2f} {dense_full / seconds:13.0f}  {note}")
    print(f"\nmedian of {REPEATS} repeats after one warm-up; target: element-wise <= 4x copy.")


if __name__ == "__main__":
    main()
