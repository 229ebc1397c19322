"""Time the default live-experiment run (four models) and print its size; informative only, never asserted.

Run: .venv/bin/python benchmarks/bench_training.py [repeats]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ropelab.lessons.c14_live_experiment import (
    SCHEMES,
    ExperimentSettings,
    accuracy_by_length,
    run_experiment,
    training_work,
)


def main(repeats: int = 1) -> None:
    settings = ExperimentSettings()
    tokens = settings.steps * settings.batch * settings.train_length
    print(
        f"default run: {len(SCHEMES)} models x {settings.steps} steps x batch {settings.batch} x seq "
        f"{settings.train_length} x d {settings.dim} (vocab {settings.vocab}) = {len(SCHEMES) * tokens:,} token-steps, "
        f"~{training_work(settings):.2e} multiply-adds"
    )
    for attempt in range(1, repeats + 1):
        start = time.perf_counter()
        result = run_experiment(settings)
        elapsed = time.perf_counter() - start
        lengths = [settings.train_length, 2 * settings.train_length]
        scores = accuracy_by_length(result, lengths)
        summary = ", ".join(f"{scheme} {scores[scheme][0]:.2f}/{scores[scheme][1]:.2f}" for scheme in SCHEMES)
        print(f"run {attempt}: {elapsed:.2f} s wall, {time.process_time():.2f} s CPU so far; accuracy L/2L: {summary}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
