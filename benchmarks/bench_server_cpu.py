"""Server CPU per page: what a first visit and one slider move cost the server process, next to a yardstick page.

For every page of the app (app.py and each chapter in ropelab/chapters.py) one fresh scripts/serve.sh process is
measured by its own CPU clock (all threads, nanosecond resolution), with nothing else connected:

- first visit: page GET, /_stcore/health, websocket, first full run (median over --visits new tabs, after one
  unmeasured warm-up visit that pays imports and caches);
- interaction: one main-area slider moved to a new random value; a fragment rerun where the slider lives in an
  `@st.fragment`, a full run otherwise (benchmarks/ws_client.py sends what Streamlit's frontend sends). The median
  is over --interactions moves, cycling through the page's sliders.

CPU is counted from the request until the server has been idle for 0.1 s, so the work after `script_finished`
(the post-run garbage collection, sending) is included. Process CPU time is not stretched by other work on the
machine the way wall time is, but caches and clock speed still are: read the pages against the yardsticks
measured in the same run, benchmarks/baseline_app.py (one slider, one chart, full runs) and
benchmarks/baseline_fragment_app.py (the same inside a fragment). Target (issue 11): median ≤ 30 ms per interaction.

    .venv/bin/python benchmarks/bench_server_cpu.py                      # every page, 20 moves and 5 visits each
    .venv/bin/python benchmarks/bench_server_cpu.py --pages "" Attention_maps --interactions 5 --visits 2
    .venv/bin/python benchmarks/bench_server_cpu.py --profile artifacts/cpu.pyspy --py-spy /tmp/pyspy/bin/py-spy
    .venv/bin/python benchmarks/bench_server_cpu.py --option runner.postScriptGC=false    # what a setting saves

--profile samples the app server with py-spy during the interaction phase and prints where the CPU went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import profile_summary
from benchmarks.ws_client import ProcessCpuClock, Session, Stats, discover_pages, single_server, wait_until_idle

TARGET_MS = 30.0
YARDSTICKS = (
    ("yardstick: 1 slider, 1 chart (full runs)", "benchmarks/baseline_app.py"),
    ("yardstick: the same in a fragment", "benchmarks/baseline_fragment_app.py"),
)


async def measure_page(base_url: str, pid: int, page: str, interactions: int, visits: int, seed: int) -> dict:
    clock = ProcessCpuClock(pid)
    stats = Stats()
    warm = Session(base_url, stats, random.Random(seed))
    await warm.open(page)  # imports, st.cache_data entries, first figures: not what a typical visitor pays
    await warm.close()
    await wait_until_idle([clock])

    visit_ms = []
    for index in range(visits):
        session = Session(base_url, stats, random.Random(seed + index))
        before = clock.seconds()
        await session.open(page)
        after = await wait_until_idle([clock])
        visit_ms.append(1000 * (after - before))
        if index < visits - 1:
            await session.close()
            await wait_until_idle([clock])

    # The last visit's tab stays open and moves its sliders, one after the other.
    sliders = list(session.sliders.values())
    move_ms, latency_ms, payload_kb, kinds = [], [], [], []
    for index in range(interactions if sliders else 0):
        slider = session.sliders.get(sliders[index % len(sliders)].name) or sliders[index % len(sliders)]
        received = session.visit.websocket_bytes
        fragments_before = stats.fragment_runs
        before = clock.seconds()
        latency_ms.append(await session.move_slider(slider))
        after = await wait_until_idle([clock])
        move_ms.append(1000 * (after - before))
        payload_kb.append((session.visit.websocket_bytes - received) / 1024)
        kinds.append("fragment" if stats.fragment_runs > fragments_before else "full")
    await session.close()
    return {
        "page": page or "(home)",
        "sliders": len(sliders),
        "visit_ms": statistics.median(visit_ms) if visit_ms else float("nan"),
        "move_ms": statistics.median(move_ms) if move_ms else float("nan"),
        "move_p90_ms": _quantile(move_ms, 0.9),
        # Capacity is set by the mean: work deferred to some runs (e.g. an automatic garbage collection) hides from
        # the median.
        "move_mean_ms": statistics.fmean(move_ms) if move_ms else float("nan"),
        "moves": len(move_ms),
        "kinds": _kinds(kinds),
        "latency_ms": statistics.median(latency_ms) if latency_ms else float("nan"),
        "payload_kb": statistics.median(payload_kb) if payload_kb else float("nan"),
        "errors": dict(stats.errors),
    }


def _quantile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _kinds(kinds: list[str]) -> str:
    if not kinds:
        return "no slider"
    counts = {kind: kinds.count(kind) for kind in ("fragment", "full") if kind in kinds}
    return " + ".join(f"{count} {kind}" for kind, count in counts.items())


def streamlit_flags(options: list[str]) -> tuple[str, ...]:
    """--option runner.postScriptGC=false → ('--runner.postScriptGC', 'false'), appended to serve.sh's flags."""
    flags: list[str] = []
    for option in options:
        key, separator, value = option.partition("=")
        if not separator or not key:
            raise SystemExit(f"--option wants KEY=VALUE, got {option!r}")
        flags += [f"--{key}", value]
    return tuple(flags)


def measure_server(app_script: str, pages: list[str], args, profile: Path | None = None) -> list[dict]:
    with single_server(app_script, streamlit_flags(args.option)) as (base_url, pid, _):
        rows = []
        sampling = profile_summary.record(pid, profile, args.py_spy) if profile else contextlib.nullcontext()
        with sampling:
            for index, page in enumerate(pages):
                rows.append(asyncio.run(measure_page(base_url, pid, page, args.interactions, args.visits, index)))
                print(f"  {rows[-1]['page']}: {rows[-1]['move_ms']:.1f} ms per move", file=sys.stderr)
        return rows


def _machine() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    state = "with uncommitted changes" if dirty.stdout.strip() else "clean"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"commit {commit.stdout.strip() or '?'} ({state}); {os.cpu_count()} cores; load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="page URL names ('' = home; default: every page)")
    parser.add_argument("--interactions", type=int, default=20, help="slider moves per page (median over them)")
    parser.add_argument("--visits", type=int, default=5, help="measured first visits per page")
    parser.add_argument("--no-yardstick", action="store_true", help="skip the baseline pages")
    parser.add_argument("--profile", type=Path, help="py-spy raw output file for the app server (needs py-spy)")
    parser.add_argument("--py-spy", help="path of the py-spy binary (default: on PATH or next to this Python)")
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a Streamlit option for every measured server, e.g. runner.postScriptGC=false (to compare settings)",
    )  # fmt: skip
    args = parser.parse_args()
    if not 1 <= args.interactions <= 500 or not 1 <= args.visits <= 50:
        parser.error("keep --interactions within 1…500 and --visits within 1…50")
    pages = discover_pages() if args.pages is None else args.pages
    started = time.perf_counter()
    machine_before = _machine()
    rows = []
    if not args.no_yardstick:
        for label, script in YARDSTICKS:
            print(f"{label}:", file=sys.stderr)
            rows += [{**row, "page": label} for row in measure_server(script, [""], args)]
    print("app.py:", file=sys.stderr)
    rows += measure_server("app.py", pages, args, args.profile)

    options = f" Streamlit options: {', '.join(args.option)}." if args.option else ""
    print(f"Server CPU per page (ms of the server process's CPU; medians). Before: {machine_before}.{options}")
    print(f"After: {_machine()}; {time.perf_counter() - started:.0f} s in all.")
    print()
    header = [
        "page", "first visit ms", "interaction ms", "mean ms", "p90 ms", "moves", "rerun kind", "latency ms",
        "payload kB",
    ]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [
            row["page"], f"{row['visit_ms']:.0f}", f"{row['move_ms']:.1f}", f"{row['move_mean_ms']:.1f}",
            f"{row['move_p90_ms']:.1f}", row["moves"],
            row["kinds"], f"{row['latency_ms']:.0f}", f"{row['payload_kb']:.1f}",
        ]  # fmt: skip
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    pages_only = [row for row in rows if not row["page"].startswith("yardstick") and row["moves"]]
    met = [row for row in pages_only if row["move_ms"] <= TARGET_MS]
    print()
    summary = f"met on {len(met)} of {len(pages_only)} pages"
    print(f"Target: median ≤ {TARGET_MS:.0f} ms CPU per interaction on every page: {summary}.")
    for row in rows:
        if row["errors"]:
            print(f"errors on {row['page']}: {row['errors']}")
    if args.profile and args.profile.exists():
        print()
        print(profile_summary.summarise(args.profile))


if __name__ == "__main__":
    main()
