"""Lecture-hall load test: real Streamlit sessions over the websocket, on 1 process and on 2 replicas behind HAProxy.

Three scenarios, each runnable alone (--scenario), each against freshly started servers (scripts/serve.sh alone:
`single`; deploy/cluster's 2 × scripts/serve.sh behind HAProxy: `balanced`). The simulated tabs are
benchmarks/ws_client.py sessions: they do what a browser tab does over HTTP and the websocket, and a slider inside
an `@st.fragment` asks for a fragment rerun, exactly as Streamlit's frontend does. The load generator runs on the
same machine. Loopback only; every loop is bounded; it prints tables and asserts nothing.

sliders  25 / 50 / 100 / 200 students (--sessions) arrive over --ramp s and then, every --interval s (±30 %), move
         one slider of their page to a random value; every fifth action goes to the next chapter instead. All pages
         are in the mix. Latency = rerun request → `script_finished` (server queueing and transfer included, the
         browser's drawing not). Errors = exception elements, failed or cut-short runs, timeouts (30 s), refused or
         dropped connections. Target (issue 11): 100 sessions with p95 ≤ 1 s and zero errors.
burst    --burst-sessions (300) tabs open one shared link (--link) within --burst-window s (60): page GET, the
         static assets a browser fetches for it, health, websocket, first run; then each moves a slider once.
         Reports p50/p95 time from the page request to the finished first run, bytes per first visit, errors, and
         each asset's response headers through the front door (compression, caching). The asset list: recorded from
         one real Chromium visit (--assets browser, the default when Chromium is installed; this catches what the
         page loads at run time, such as plotly.js from /app/static/), or the HTML's own script and link tags
         (--assets html), plus any --asset PATH. Target: zero errors, p95 first run ≤ 5 s.
memory   --memory-rounds (3) rounds in a row on the same servers: --memory-sessions tabs open (pages and slider
         values spread, as URL variety does), move sliders, all close; after each round the servers are left to drop
         the closed sessions and RSS is compared with the baseline taken after a warm-up. The servers write the
         tuning diagnostics (ropelab/tuning.py) so each row also says what the process held. Targets: ≤ 5 MB per
         open session, RSS back within 10 % of the baseline after every round.

    .venv/bin/python benchmarks/load_test.py --scenario sliders              # the full ladder, both modes (~25 min)
    .venv/bin/python benchmarks/load_test.py --scenario burst --modes balanced
    .venv/bin/python benchmarks/load_test.py --scenario memory
    .venv/bin/python benchmarks/load_test.py --scenario sliders burst memory --quick     # short versions (~4 min)

Disconnected sessions are normally kept 120 s for a reconnect (server.disconnectedSessionTTL); the benchmark
servers keep them --parked-ttl s (5) so that "after close" measures released memory, not sessions parked on purpose.

Internal protocol warning: the websocket messages are Streamlit's own, unversioned protobufs (pinned 1.67.0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets

from benchmarks.ws_client import (
    RUN_TIMEOUT,
    Session,
    Stats,
    cache_mb,
    cpu_seconds,
    discover_pages,
    percentile,
    rss_mb,
)
from deploy import cluster

LEVELS = (25, 50, 100, 200)
CHROMIUM = "/usr/bin/chromium"
DIAGNOSTICS_NAME = "diagnostics.jsonl"
MODE_LABEL = {"single": "1 process", "balanced": "2 replicas"}


# ---------------------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------------------


def keep_error_logs(run_dir: Path, label: str) -> None:
    """Copy server logs that hold a traceback to artifacts/load_test/, where they outlive the temporary run dir."""
    target = cluster.REPO_ROOT / "artifacts" / "load_test"
    for log in sorted(run_dir.glob("r*.log")):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            target.mkdir(parents=True, exist_ok=True)
            kept = target / f"{label}-{log.name}"
            kept.write_text(text)
            print(f"server errors logged: {kept}", file=sys.stderr)


@contextlib.contextmanager
def servers(mode: str, parked_ttl: int, diagnostics: bool = False, options: tuple[str, ...] = ()):
    """Yield (front URL, server pids, direct replica URLs, run dir) for a fresh `single` process or `balanced` pair.

    `options` are Streamlit options as KEY=VALUE, added to serve.sh's flags (to compare settings)."""
    extra = ["--server.disconnectedSessionTTL", str(parked_ttl)] if parked_ttl else []
    for option in options:
        key, _, value = option.partition("=")
        extra += [f"--{key}", value]
    with tempfile.TemporaryDirectory(prefix="ropelab-load-") as scratch:
        run_dir = Path(scratch) / "run"
        run_dir.mkdir(parents=True)
        saved = dict(os.environ)
        if diagnostics:
            os.environ["ROPELAB_DIAGNOSTICS_FILE"] = str(run_dir / DIAGNOSTICS_NAME)
        port = cluster.free_port_block(3)
        try:
            if mode == "single":
                layout = cluster.RunDir(run_dir)
                process = cluster.start_replica(layout, "r1", port, cluster.cookie_secret(layout), extra)
                mapping = {"r1": port}
                front = f"http://{cluster.LOOPBACK}:{port}"
                started = [process]
            else:
                mapping = cluster.start(2, port, run_dir, ttl=3600, extra_args=extra)
                front = f"http://{cluster.LOOPBACK}:{port}"
                started = []
        finally:
            os.environ.clear()
            os.environ.update(saved)
        try:
            direct = [f"http://{cluster.LOOPBACK}:{replica}" for replica in mapping.values()]
            for url in direct:
                cluster.wait_healthy(url + cluster.HEALTH_PATH, 120, started)
            pids = [int((run_dir / f"{name}.pid").read_text()) for name in mapping]
            yield front, pids, direct, run_dir
        finally:
            cluster.stop(run_dir)
            keep_error_logs(run_dir, f"{mode}-{port}")


def diagnostics(run_dir: Path, pids: list[int]) -> dict[int, dict]:
    """The newest tuning-diagnostics line each server process wrote (see ropelab/tuning.py)."""
    latest: dict[int, dict] = {}
    path = run_dir / DIAGNOSTICS_NAME
    if path.exists():
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if record.get("pid") in pids:
                    latest[record["pid"]] = record
    return latest


async def visit_every_page(base_url: str, pages: list[str], stats: Stats) -> None:
    """One short session per page, all at once: imports, caches and first runs are paid before measuring."""

    async def visit(page: str) -> None:
        session = Session(base_url, stats, random.Random(0))
        try:
            await session.open(page)
            if session.sliders:
                await session.move_slider()
        finally:
            await session.close()

    await asyncio.gather(*(visit(page) for page in pages))


async def settle(direct_urls: list[str], parked_ttl: int, trim_wait: float = 11.0) -> None:
    """Let the servers drop closed sessions and give memory back before RSS is read.

    Streamlit keeps a closed tab's session for `parked_ttl` s, and removes expired ones only when its session store
    is next written, i.e. at the next disconnect: so after the reconnect window one throw-away session per process
    is opened and closed. Then wait for ropelab.tuning's malloc_trim thread (every 10 s): without that wait RSS was
    read at a random point of the trim cycle, one source of the spread between runs.
    """
    await asyncio.sleep(parked_ttl + 2 if parked_ttl else 3)
    for url in direct_urls:
        await visit_every_page(url, [""], Stats())
    await asyncio.sleep(trim_wait)


def _error_text(stats: Stats) -> str:
    return f" {stats.errors}" if stats.errors else ""


async def _guarded(stats: Stats, coroutine) -> None:
    """Run one tab's script; whatever goes wrong is counted as that tab's error, never ends the whole run."""
    try:
        await coroutine
    except TimeoutError:
        stats.error("timeout")
    except (OSError, websockets.exceptions.WebSocketException) as error:
        stats.error(f"connection: {type(error).__name__}")
    except Exception as error:
        stats.error(f"client: {type(error).__name__}: {error}")


# ---------------------------------------------------------------------------------------------------------
# Scenario: students moving sliders
# ---------------------------------------------------------------------------------------------------------


async def student(
    base_url: str, start_page: str, page_order: list[str], stats: Stats, *, delay: float, until: float,
    interval: float, seed: int,
) -> None:  # fmt: skip
    """One tab: arrive after `delay` s, interact every ~interval s until the monotonic time `until`, then leave."""
    rng = random.Random(seed)
    session = Session(base_url, stats, rng)
    await asyncio.sleep(delay)

    async def life() -> None:
        await session.open(start_page)
        index = 0
        while True:
            pause = interval * rng.uniform(0.7, 1.3)
            if time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
            await session.interact(index, page_order)
            index += 1

    try:
        await _guarded(stats, life())
    finally:
        await session.close()


async def sliders_level(mode: str, sessions: int, args, pages: list[str]) -> dict[str, object]:
    with servers(mode, args.parked_ttl, options=tuple(args.option)) as (base_url, pids, direct, _):
        warmup = Stats()
        await asyncio.gather(*(visit_every_page(url, pages, warmup) for url in direct))
        await settle(direct, args.parked_ttl)
        baseline = rss_mb(pids)
        caches_before = cache_mb(direct)
        cpu_before = cpu_seconds(pids)
        stats = Stats()
        peak = baseline
        caches_open: dict[str, float] = {}
        until = time.monotonic() + args.ramp + args.duration
        rng = random.Random(sessions)
        tasks = [
            asyncio.create_task(
                student(
                    base_url, pages[index % len(pages)], pages, stats, delay=args.ramp * index / sessions,
                    until=until, interval=args.interval, seed=rng.randrange(1 << 30),
                )
            )
            for index in range(sessions)
        ]  # fmt: skip
        while not all(task.done() for task in tasks):
            peak = max(peak, rss_mb(pids))
            if not caches_open and time.monotonic() > until - 3:  # once, with every session still open
                caches_open = await asyncio.to_thread(cache_mb, direct)
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks)
        cpu_used = cpu_seconds(pids) - cpu_before
        await settle(direct, args.parked_ttl)
        after = rss_mb(pids)
        caches_after = cache_mb(direct)
    latencies = stats.latencies_ms
    return {
        "mode": MODE_LABEL[mode],
        "sessions": sessions,
        "interactions": len(latencies),
        "fragment share": f"{100 * stats.fragment_runs / max(1, stats.fragment_runs + stats.full_runs):.0f} %",
        "p50 ms": f"{percentile(latencies, 0.50):.0f}",
        "p95 ms": f"{percentile(latencies, 0.95):.0f}",
        "p99 ms": f"{percentile(latencies, 0.99):.0f}",
        "first load p95 ms": f"{percentile(stats.first_loads_ms, 0.95):.0f}",
        "errors": sum(stats.errors.values()),
        "cold-start errors": sum(warmup.errors.values()),
        "RSS baseline MB": f"{baseline:.0f}",
        "RSS peak MB": f"{peak:.0f}",
        "RSS after close MB": f"{after:.0f}",
        "MB per session": f"{(peak - baseline) / sessions:.2f}",
        "after vs baseline": f"{100 * (after / baseline - 1):+.0f} %",
        "cache_data MB before → after": (
            f"{caches_before.get('st_cache_data', 0.0):.0f} → {caches_after.get('st_cache_data', 0.0):.0f}"
        ),
        "session state + media MB (open)": f"{caches_open.get('st_session_state', 0.0) + caches_open.get('st_memory_media_file_storage', 0.0):.1f}",  # noqa: E501
        "server CPU ms per run": f"{1000 * cpu_used / max(1, len(latencies) + len(stats.first_loads_ms)):.0f}",
        "load avg": f"{os.getloadavg()[0]:.1f}",
        "_errors": dict(stats.errors) | ({"cold start": dict(warmup.errors)} if warmup.errors else {}),
    }


def run_sliders(args, pages: list[str]) -> list[dict]:
    rows = []
    for mode in args.modes:
        for sessions in args.sessions:
            started = time.perf_counter()
            rows.append(asyncio.run(sliders_level(mode, sessions, args, pages)))
            row = rows[-1]
            print(
                f"sliders, {row['mode']}, {sessions} sessions: p95 {row['p95 ms']} ms, {row['errors']} errors"
                f"{' ' + str(row['_errors']) if row['_errors'] else ''} ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
    return rows


# ---------------------------------------------------------------------------------------------------------
# Scenario: arrival burst
# ---------------------------------------------------------------------------------------------------------


def record_browser_assets(base_url: str, link: str) -> list[str]:
    """The same-origin URL paths one real Chromium visit of `link` requests (page and websocket excepted)."""
    from urllib.parse import urlsplit

    from playwright.sync_api import sync_playwright

    origin = urlsplit(base_url).netloc
    requested: list[str] = []

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if request.method == "GET" and parts.netloc == origin and request.resource_type != "document":
            requested.append(parts.path + (f"?{parts.query}" if parts.query else ""))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", on_request)
            page.goto(f"{base_url}/{link}", wait_until="domcontentloaded", timeout=60_000)
            page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)
            # Charts load their scripts once the first run's elements arrive; let that settle.
            with contextlib.suppress(Exception):
                page.wait_for_load_state("networkidle", timeout=20_000)
            page.wait_for_timeout(1500)
        finally:
            browser.close()
    # /media/ files (the CSV behind a download button) belong to one session: a tab cannot fetch another tab's.
    return [path for path in dict.fromkeys(requested) if not path.startswith(("/_stcore/stream", "/media/"))]


async def burst_tab(
    base_url: str, page: str, query: str, assets: list[str], extra: tuple[str, ...], stats: Stats,
    first_runs: list[float], moves: list[float], visits: list, replicas: list[str], *, delay: float, stay_until: float,
    seed: int,
) -> None:  # fmt: skip
    rng = random.Random(seed)
    session = Session(base_url, stats, rng)
    await asyncio.sleep(delay)

    async def life() -> None:
        first_runs.append(await session.open(page, assets=assets, extra_assets=extra, query=query))
        visits.append(session.visit)
        replicas.append(session.replica or "r1")
        await asyncio.sleep(rng.uniform(1.0, 4.0))  # reads the first lines, then reaches for a slider
        if session.sliders:
            moves.append(await session.move_slider())
        await asyncio.sleep(max(0.0, stay_until - time.monotonic()))

    try:
        await _guarded(stats, life())
    finally:
        await session.close()


async def burst_run(mode: str, args, assets: list[str] | None) -> dict:
    page, _, query = args.link.partition("?")
    with servers(mode, args.parked_ttl, options=tuple(args.option)) as (base_url, pids, _, _):
        if assets is None:
            assets = await asyncio.to_thread(record_browser_assets, base_url, args.link)
        # The teacher opened the link before the lecture: imports paid, the balancer's asset cache filled.
        warm = Session(base_url, Stats())
        await warm.open(page, assets=assets, extra_assets=tuple(args.asset), query=query)
        await warm.close()
        await asyncio.sleep(2)
        cpu_before = cpu_seconds(pids)
        baseline = rss_mb(pids)
        stats, first_runs, moves, visits, replicas = Stats(), [], [], [], []
        rng = random.Random(args.burst_sessions)
        arrivals = sorted(rng.uniform(0, args.burst_window) for _ in range(args.burst_sessions))
        stay_until = time.monotonic() + args.burst_window + 10
        peak = baseline
        tasks = [
            asyncio.create_task(
                burst_tab(
                    base_url, page, query, assets, tuple(args.asset), stats, first_runs, moves, visits, replicas,
                    delay=delay, stay_until=stay_until, seed=rng.randrange(1 << 30),
                )
            )
            for delay in arrivals
        ]  # fmt: skip
        while not all(task.done() for task in tasks):
            peak = max(peak, rss_mb(pids))
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks)
        cpu_used = cpu_seconds(pids) - cpu_before
    # The headers a student's tab got (the teacher's warm-up tab was the one that filled the balancer's cache).
    headers = dict((visits[len(visits) // 2] if visits else warm.visit).responses)
    total = [visit.total_bytes / 1024 for visit in visits]
    asset_kb = [visit.asset_bytes / 1024 for visit in visits]
    websocket_kb = [visit.websocket_bytes / 1024 for visit in visits]
    spread = {name: replicas.count(name) for name in sorted(set(replicas))}
    return {
        "row": {
            "mode": MODE_LABEL[mode],
            "tabs": args.burst_sessions,
            "window s": f"{args.burst_window:g}",
            "first run p50 ms": f"{percentile(first_runs, 0.5):.0f}",
            "first run p95 ms": f"{percentile(first_runs, 0.95):.0f}",
            "first run max ms": f"{max(first_runs, default=float('nan')):.0f}",
            "slider move p50 ms": f"{percentile(moves, 0.5):.0f}",
            "slider move p95 ms": f"{percentile(moves, 0.95):.0f}",
            "errors": sum(stats.errors.values()),
            "kB per first visit": f"{statistics.median(total):.0f}" if total else "nan",
            "of which assets kB": f"{statistics.median(asset_kb):.0f}" if asset_kb else "nan",
            "of which websocket kB": f"{statistics.median(websocket_kb):.0f}" if websocket_kb else "nan",
            "tabs per replica": " / ".join(f"{name} {count}" for name, count in spread.items()),
            "server CPU s": f"{cpu_used:.0f}",
            "server CPU ms per tab": f"{1000 * cpu_used / max(1, len(first_runs)):.0f}",
            "RSS baseline → peak MB": f"{baseline:.0f} → {peak:.0f}",
            "load avg": f"{os.getloadavg()[0]:.1f}",
            "_errors": dict(stats.errors),
        },
        "headers": headers,
        "assets": assets,
    }


def _asset_table(headers: dict) -> str:
    lines = ["| path | status | kB on the wire | Content-Encoding | Cache-Control | from the balancer's cache |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for path, response in headers.items():
        if path == "/_stcore/health":
            continue
        shown = path if len(path) < 70 else path[:67] + "…"
        encoding = response.header("content-encoding") or "—"
        caching = response.header("cache-control") or "—"
        from_cache = "yes" if response.header("age") else "no"
        size = f"{response.wire_bytes / 1024:.1f}"
        lines.append(f"| {shown} | {response.status} | {size} | {encoding} | {caching} | {from_cache} |")
    return "\n".join(lines)


def run_burst(args) -> tuple[list[dict], list[str]]:
    assets: list[str] | None
    if args.assets == "browser" and not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} missing: taking the asset list from the page's HTML instead", file=sys.stderr)
        args.assets = "html"
    assets = None if args.assets == "browser" else ([] if args.assets == "html" else ["/favicon.png"])
    rows, notes = [], []
    for mode in args.modes:
        started = time.perf_counter()
        result = asyncio.run(burst_run(mode, args, assets))
        assets = result["assets"]  # the same list for the next mode
        rows.append(result["row"])
        row = result["row"]
        print(
            f"burst, {row['mode']}: first run p95 {row['first run p95 ms']} ms, {row['errors']} errors"
            f"{' ' + str(row['_errors']) if row['_errors'] else ''} ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
        notes.append(f"Response headers of a first visit of /{args.link} through the front door ({row['mode']}):")
        notes.append(_asset_table(result["headers"]))
    return rows, notes


# ---------------------------------------------------------------------------------------------------------
# Scenario: memory, three rounds in a row
# ---------------------------------------------------------------------------------------------------------


async def memory_tab(
    base_url: str, page: str, stats: Stats, ready: list[int], release: asyncio.Event, moves: int, seed: int
) -> None:
    rng = random.Random(seed)
    session = Session(base_url, stats, rng)

    async def life() -> None:
        await asyncio.sleep(rng.uniform(0, 5))
        await session.open(page)
        for _ in range(moves if session.sliders else 0):
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            await session.move_slider()
        ready[0] += 1
        await release.wait()  # every tab stays open until the peak has been read

    try:
        await _guarded(stats, life())
    finally:
        await session.close()


async def memory_run(mode: str, args, pages: list[str]) -> list[dict]:
    rows = []
    with servers(mode, args.parked_ttl, True, tuple(args.option)) as (base_url, pids, direct, run_dir):
        warmup = Stats()
        await asyncio.gather(*(visit_every_page(url, pages, warmup) for url in direct))
        await settle(direct, args.parked_ttl)
        baseline = rss_mb(pids)
        base_state = diagnostics(run_dir, pids)
        rows.append(_memory_row(mode, "baseline", baseline, baseline, None, base_state, cache_mb(direct), Stats()))
        first_closed: float | None = None  # the process after its first class: the steady state to compare with
        for round_number in range(1, args.memory_rounds + 1):
            stats = Stats()
            ready, release = [0], asyncio.Event()
            rng = random.Random(round_number)
            tasks = [
                asyncio.create_task(
                    memory_tab(base_url, pages[index % len(pages)], stats, ready, release, args.memory_moves,
                               rng.randrange(1 << 30))
                )
                for index in range(args.memory_sessions)
            ]  # fmt: skip
            peak = baseline
            deadline = time.monotonic() + RUN_TIMEOUT * 4
            # Until every tab has opened and moved its sliders (a tab that failed has finished instead).
            while ready[0] + sum(task.done() for task in tasks) < len(tasks) and time.monotonic() < deadline:
                peak = max(peak, rss_mb(pids))
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.5)  # the diagnostics of this moment
            peak = max(peak, rss_mb(pids))
            caches_open = cache_mb(direct)
            open_state = diagnostics(run_dir, pids)
            release.set()
            await asyncio.gather(*tasks)
            await settle(direct, args.parked_ttl)
            after = rss_mb(pids)
            first_closed = first_closed or after
            rows.append(
                _memory_row(mode, f"round {round_number}: open", peak, baseline, args.memory_sessions, open_state,
                            caches_open, stats)
            )  # fmt: skip
            rows.append(
                _memory_row(mode, f"round {round_number}: closed", after, baseline, None,
                            diagnostics(run_dir, pids), cache_mb(direct), Stats())
                | {"vs round 1 closed": f"{100 * (after / first_closed - 1):+.1f} %" if round_number > 1 else ""}
            )  # fmt: skip
            print(
                f"memory, {MODE_LABEL[mode]}, round {round_number}: peak {peak:.0f} MB, after {after:.0f} MB "
                f"({100 * (after / baseline - 1):+.1f} % of {baseline:.0f}){_error_text(stats)}",
                file=sys.stderr,
            )
    return rows


def _memory_row(
    mode: str, when: str, rss: float, baseline: float, sessions: int | None, state: dict[int, dict],
    caches: dict[str, float], stats: Stats,
) -> dict:  # fmt: skip
    def total(key: str, inner: str | None = None) -> float:
        values = [(record.get(key) or {}).get(inner, 0) if inner else record.get(key) or 0 for record in state.values()]
        return float(sum(values))

    return {
        "mode": MODE_LABEL[mode],
        "when": when,
        "RSS MB": f"{rss:.0f}",
        "vs baseline": f"{100 * (rss / baseline - 1):+.1f} %",
        "vs round 1 closed": "",
        "MB per open session": f"{(rss - baseline) / sessions:.2f}" if sessions else "",
        "anonymous RSS MB": f"{total('rss_anon_kb') / 1024:.0f}",
        "sessions held (open + kept for reconnect)": f"{total('active_sessions'):.0f} + {total('stored_sessions'):.0f}",
        "Python blocks (M)": f"{total('python_allocated_blocks') / 1e6:.2f}",
        "glibc in use / free MB": f"{total('malloc', 'in_use') / 2**20:.0f} / {total('malloc', 'free') / 2**20:.0f}",
        "arenas": f"{total('malloc_arenas'):.0f}",
        "cache_data MB": f"{caches.get('st_cache_data', 0.0):.1f}",
        "session state MB": f"{caches.get('st_session_state', 0.0):.1f}",
        "media MB": f"{caches.get('st_memory_media_file_storage', 0.0):.1f}",
        "errors": sum(stats.errors.values()),
        "load avg": f"{os.getloadavg()[0]:.1f}",
        "_errors": dict(stats.errors),
    }


def run_memory(args, pages: list[str]) -> list[dict]:
    rows = []
    for mode in args.modes:
        rows += asyncio.run(memory_run(mode, args, pages))
    return rows


# ---------------------------------------------------------------------------------------------------------
# Output and command line
# ---------------------------------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)"
    header = [key for key in rows[0] if not key.startswith("_")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    errors = [f"errors, {row.get('mode')} {row.get('sessions', row.get('when', ''))}: {row['_errors']}"
              for row in rows if row.get("_errors")]  # fmt: skip
    return "\n".join(lines + errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=("sliders", "burst", "memory"), default=["sliders"])
    parser.add_argument("--modes", nargs="+", choices=("single", "balanced"), default=["single", "balanced"])
    parser.add_argument("--quick", action="store_true", help="short versions of the scenarios, for development")
    parser.add_argument("--pages", nargs="*", help="page URL names to use (default: every page of the app)")
    parser.add_argument(
        "--parked-ttl", type=int, default=5,
        help="server.disconnectedSessionTTL for the benchmark servers (0 = the production default, 120 s)",
    )  # fmt: skip
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a Streamlit option for every server, e.g. runner.postScriptGC=false (to compare settings)",
    )  # fmt: skip
    sliders = parser.add_argument_group("sliders")
    sliders.add_argument("--sessions", type=int, nargs="+", help=f"concurrent sessions per level (default {LEVELS})")
    sliders.add_argument("--duration", type=float, help="seconds of steady load after the ramp (default 30)")
    sliders.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    sliders.add_argument("--interval", type=float, default=3.0, help="mean seconds between one session's actions")
    burst = parser.add_argument_group("burst")
    burst.add_argument("--link", default="", help="the shared link, page plus optional query ('' = home)")
    burst.add_argument("--burst-sessions", type=int, help="tabs that open the link (default 300)")
    burst.add_argument("--burst-window", type=float, help="seconds in which they arrive (default 60)")
    burst.add_argument("--assets", choices=("browser", "html", "none"), default="browser",
                       help="which static assets each tab fetches (see above)")  # fmt: skip
    burst.add_argument("--asset", action="append", default=[], help="an extra URL path every tab fetches")
    memory = parser.add_argument_group("memory")
    memory.add_argument("--memory-sessions", type=int, help="tabs per round (default 100)")
    memory.add_argument("--memory-rounds", type=int, default=3, help="rounds in a row on the same servers")
    memory.add_argument("--memory-moves", type=int, default=3, help="slider moves per tab")
    args = parser.parse_args()
    quick = args.quick
    args.sessions = args.sessions or ([10] if quick else list(LEVELS))
    args.duration = args.duration if args.duration is not None else (10.0 if quick else 30.0)
    args.burst_sessions = args.burst_sessions or (30 if quick else 300)
    args.burst_window = args.burst_window or (10.0 if quick else 60.0)
    args.memory_sessions = args.memory_sessions or (20 if quick else 100)
    if max([*args.sessions, args.burst_sessions, args.memory_sessions]) > 500 or args.duration > 600:
        parser.error("keep it to ≤ 500 sessions and ≤ 600 s per level on a shared machine")
    pages = args.pages or discover_pages()
    print(
        f"{os.cpu_count()} cores; load average when starting {os.getloadavg()[0]:.1f};"
        f"{' Streamlit options: ' + ', '.join(args.option) + ';' if args.option else ''} pages: "
        f"{', '.join(name or '(home)' for name in pages)}; the load generator runs on this machine too"
    )
    if "sliders" in args.scenario:
        rows = run_sliders(args, pages)
        print(f"\n## Students moving sliders (one action per session every {args.interval:g} s)\n")
        print(table(rows))
    if "burst" in args.scenario:
        rows, notes = run_burst(args)
        print(f"\n## Arrival burst ({args.burst_sessions} tabs open /{args.link} within {args.burst_window:g} s)\n")
        print(table(rows))
        for note in notes:
            print(f"\n{note}")
    if "memory" in args.scenario:
        rows = run_memory(args, pages)
        print(f"\n## Memory ({args.memory_sessions} tabs per round, {args.memory_rounds} rounds on the same servers)\n")
        print(table(rows))


if __name__ == "__main__":
    main()
