"""Lecture-hall load test: real Streamlit sessions over the websocket, sliders moved at a human pace.

Each simulated student does what a browser tab does: GET the page (through HAProxy this pins the tab to a replica
with the SRV cookie and fetches the XSRF cookie), open /_stcore/stream with the `streamlit` subprotocol, ask for
the page's first run, then every --interval seconds (±30 % jitter) move one slider of its page to a random value,
and every fifth interaction go to the next chapter instead. It tells the server which big elements it already
holds (as the browser's message cache does) and resolves the server's references to them.

Interaction latency = send of the rerun request → `script_finished` received (every delta of the run is in).
Errors = exception elements, failed or cut-short runs, timeouts (30 s), refused or dropped connections.
Cold-start errors = errors while every page is first opened at once on a freshly started process (the warm-up).
Memory = summed RSS of the server process(es) from /proc: baseline after a warm-up visit of every page, peak
while all sessions are open, and after all sessions have closed and the server has dropped them.

Runs each level against a fresh server: `1 process` (scripts/serve.sh on its own) and `2 replicas` (deploy/cluster:
2 × scripts/serve.sh behind HAProxy). Loopback only; every loop is bounded. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/load_test.py                                  # 25 50 100 200, both modes
    .venv/bin/python benchmarks/load_test.py --sessions 25 50 --duration 20 --modes single

Targets (issue 6): 100 sessions at one interaction per 3 s each with p95 ≤ 1 s and zero errors; ≤ 5 MB RSS per
open session; RSS back within 10 % of baseline after the sessions close.

Internal protocol warning: the websocket messages are Streamlit's own, unversioned protobufs (pinned 1.67.0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import os
import random
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from deploy import cluster

LEVELS = (25, 50, 100, 200)
RUN_TIMEOUT = 30.0
PAGE_SWITCH_EVERY = 5
# Disconnected sessions are normally kept 120 s for a reconnect (server.disconnectedSessionTTL); the benchmark
# shortens that so "after close" measures released memory, not sessions parked on purpose (see --parked-ttl).
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


# ---------------------------------------------------------------------------------------------------------
# One simulated student
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Slider:
    name: str  # stable across runs (the widget key); the id can change when the widget's arguments do
    id: str
    minimum: float
    maximum: float
    step: float
    is_int: bool
    options: list[str]
    pairs: int  # 1 for a plain slider, 2 for a range slider


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    first_loads_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sessions_opened: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Session:
    """A browser tab, minus the browser: cookies, one websocket, widget states, the message cache."""

    def __init__(self, base_url: str, stats: Stats, rng: random.Random) -> None:
        self.base_url = base_url
        self.stats = stats
        self.rng = rng
        self.connection = None
        self.pages: dict[str, str] = {}  # url path name → page_script_hash
        self.page_hash = ""
        self.sliders: dict[str, Slider] = {}
        self.widget_states: dict[str, object] = {}  # slider name → value last sent
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # message hash → (message, last run that used it)
        self.runs = 0

    def _cookies(self, path: str) -> dict[str, str]:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        # The page itself (the balancer pins the tab here), then the health poll that sets the XSRF cookie.
        for url in (f"{self.base_url}/{path}", f"{self.base_url}{cluster.HEALTH_PATH}"):
            with opener.open(url, timeout=RUN_TIMEOUT) as response:
                response.read()
        return {cookie.name: cookie.value for cookie in jar}

    async def open(self, path: str) -> None:
        cookies = await asyncio.to_thread(self._cookies, path)
        host = self.base_url.removeprefix("http://")
        protocols = ["streamlit", cookies["_streamlit_xsrf"]] if "_streamlit_xsrf" in cookies else ["streamlit"]
        self.connection = await websockets.connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=protocols,
            additional_headers={
                "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
                "Origin": self.base_url,
            },
            max_size=None,
            open_timeout=RUN_TIMEOUT,
            ping_interval=None,
        )
        self.stats.sessions_opened += 1
        started = time.perf_counter()
        await self.rerun(page_name=path, first=True)
        self.stats.first_loads_ms.append((time.perf_counter() - started) * 1000)

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
            self.connection = None

    def _request(self, page_name: str | None) -> bytes:
        message = BackMsg()
        state = message.rerun_script
        state.context_info.url = f"{self.base_url}/{page_name or ''}"
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        if page_name is not None:
            state.page_name = page_name
            state.page_script_hash = self.pages.get(page_name, "")
        else:
            state.page_script_hash = self.page_hash
            for name, value in self.widget_states.items():
                if name not in self.sliders:
                    continue
                slider = self.sliders[name]
                widget = state.widget_states.widgets.add()
                widget.id = slider.id
                if isinstance(value, str):
                    widget.string_array_value.data.append(value if value in slider.options else slider.options[0])
                else:
                    # The browser clamps a slider whose range shrank (another control changed it); so do we.
                    widget.double_array_value.data.extend(min(max(v, slider.minimum), slider.maximum) for v in value)
        state.cached_message_hashes.extend(self.cache)
        return message.SerializeToString()

    async def rerun(self, page_name: str | None = None, first: bool = False) -> float:
        """Send one rerun request and read until script_finished; return the latency in ms."""
        self.runs += 1
        found: dict[str, Slider] = {}
        started = time.perf_counter()
        await self.connection.send(self._request(page_name))
        async with asyncio.timeout(RUN_TIMEOUT):
            while True:
                message = ForwardMsg()
                message.ParseFromString(await self.connection.recv())
                kind = message.WhichOneof("type")
                if kind == "ref_hash":
                    cached = self.cache.get(message.ref_hash)
                    if cached is None:
                        self.stats.error("unknown cache reference")
                        continue
                    message = cached[0]
                    kind = message.WhichOneof("type")
                if message.metadata.cacheable and message.hash:
                    self.cache[message.hash] = (message, self.runs)
                if kind == "navigation":  # every run: all pages, and the hash of the one that is running
                    self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
                    self.page_hash = message.navigation.page_script_hash
                elif kind == "delta":
                    self._read_delta(message, found)
                elif kind == "page_not_found":
                    self.stats.error("page not found")
                elif kind == "session_event" and message.session_event.WhichOneof("type") == (
                    "script_compilation_exception"
                ):
                    self.stats.error("compile error")
                elif kind == "script_finished":
                    if message.script_finished not in FINISHED_OK:
                        self.stats.error(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished).lower())
                    break
        elapsed = (time.perf_counter() - started) * 1000
        # A rerun resends only the elements that changed, so merge; a page load replaces the set.
        if first or page_name is not None:
            self.sliders = found
        else:
            self.sliders.update(found)
        # Forget big elements the last few runs did not use, as the browser's cache does.
        self.cache = {key: entry for key, entry in self.cache.items() if entry[1] >= self.runs - 3}
        return elapsed

    def _read_delta(self, message: ForwardMsg, found: dict[str, Slider]) -> None:
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            page = next((name for name, digest in self.pages.items() if digest == self.page_hash), "?")
            self.stats.error(f"exception on {page or 'home'}: {element.exception.message.splitlines()[0][:300]}")
        elif kind == "slider" and message.metadata.delta_path[:1] == [0]:  # main area, not the sidebar
            proto = element.slider
            if proto.disabled:
                return
            pairs = max(1, len(proto.default))
            name = proto.query_param_key or proto.id.rsplit("-", 1)[-1]
            if name not in self.widget_states:
                # A browser holds (and sends back) every widget's value, not only the ones the user moved.
                shown = list(proto.value) or list(proto.default)
                if shown:
                    self.widget_states[name] = proto.options[int(shown[0])] if proto.options else shown
            found[name] = Slider(
                    name=name, id=proto.id, minimum=proto.min, maximum=proto.max, step=proto.step or 1.0,
                    is_int=proto.data_type == proto.INT, options=list(proto.options), pairs=pairs,
            )  # fmt: skip

    def _random_value(self, slider: Slider) -> object:
        if slider.options:
            return self.rng.choice(slider.options)
        steps = max(0, round((slider.maximum - slider.minimum) / slider.step))
        values = sorted(slider.minimum + self.rng.randint(0, steps) * slider.step for _ in range(slider.pairs))
        values = [min(slider.maximum, value) for value in values]
        return [float(round(value)) if slider.is_int else value for value in values]

    async def interact(self, index: int, page_order: list[str]) -> None:
        if index % PAGE_SWITCH_EVERY == PAGE_SWITCH_EVERY - 1 or not self.sliders:
            current = next((name for name, digest in self.pages.items() if digest == self.page_hash), "")
            position = page_order.index(current) if current in page_order else -1
            self.widget_states = {}
            self.stats.latencies_ms.append(await self.rerun(page_name=page_order[(position + 1) % len(page_order)]))
            return
        slider = self.rng.choice(list(self.sliders.values()))
        self.widget_states[slider.name] = self._random_value(slider)
        self.stats.latencies_ms.append(await self.rerun())


async def student(
    base_url: str, start_page: str, page_order: list[str], stats: Stats, *, delay: float, until: float,
    interval: float, seed: int,
) -> None:  # fmt: skip
    """One tab: arrive after `delay` s, interact every ~interval s until the monotonic time `until`, then leave."""
    rng = random.Random(seed)
    session = Session(base_url, stats, rng)
    await asyncio.sleep(delay)
    try:
        await session.open(start_page)
        index = 0
        while True:
            pause = interval * rng.uniform(0.7, 1.3)
            if time.monotonic() + pause >= until:
                break
            await asyncio.sleep(pause)
            await session.interact(index, page_order)
            index += 1
    except TimeoutError:
        stats.error("timeout")
    except (OSError, websockets.exceptions.WebSocketException) as error:
        stats.error(f"connection: {type(error).__name__}")
    except Exception as error:  # a bug in this client must show up as an error, not end the whole run
        stats.error(f"client: {type(error).__name__}: {error}")
    finally:
        await session.close()


# ---------------------------------------------------------------------------------------------------------
# Servers and memory
# ---------------------------------------------------------------------------------------------------------


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the server processes have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cache_mb(direct_urls: list[str]) -> dict[str, float]:
    """Streamlit's own accounting (/_stcore/metrics): MB held by st.cache_data and by Session State, all processes."""
    totals: dict[str, float] = {}
    for url in direct_urls:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(
                f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=RUN_TIMEOUT
            ) as response,
        ):
            for line in response.read().decode().splitlines():
                if not line.startswith("cache_memory_bytes{"):
                    continue
                labels, value = line.rsplit(" ", 1)
                kind = labels.split('cache_type="', 1)[1].split('"', 1)[0] if 'cache_type="' in labels else "?"
                totals[kind] = totals.get(kind, 0.0) + float(value) / 2**20
    return totals


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
def servers(mode: str, parked_ttl: int):
    """Yield (base URL, server pids, direct replica URLs) for a fresh `single` process or `balanced` pair."""
    extra = ["--server.disconnectedSessionTTL", str(parked_ttl)] if parked_ttl else []
    with tempfile.TemporaryDirectory(prefix="ropelab-load-") as scratch:
        run_dir = Path(scratch) / "run"
        port = cluster.free_port_block(3)
        if mode == "single":
            layout = cluster.RunDir(run_dir)
            run_dir.mkdir(parents=True)
            process = cluster.start_replica(layout, "r1", port, cluster.cookie_secret(layout), extra)
            try:
                url = f"http://{cluster.LOOPBACK}:{port}"
                cluster.wait_healthy(url + cluster.HEALTH_PATH, 120, [process])
                yield url, [process.pid], [url]
            finally:
                cluster.stop(run_dir)
                keep_error_logs(run_dir, f"single-{port}")
        else:
            mapping = cluster.start(2, port, run_dir, ttl=1800, extra_args=extra)
            try:
                pids = [int((run_dir / f"{name}.pid").read_text()) for name in mapping]
                direct = [f"http://{cluster.LOOPBACK}:{replica}" for replica in mapping.values()]
                yield f"http://{cluster.LOOPBACK}:{port}", pids, direct
            finally:
                cluster.stop(run_dir)
                keep_error_logs(run_dir, f"balanced-{port}")


async def visit_every_page(base_url: str, pages: list[str], stats: Stats) -> None:
    """One short session per page, all at once: imports, caches and first runs are paid before measuring."""

    async def visit(page: str) -> None:
        session = Session(base_url, stats, random.Random(0))
        try:
            await session.open(page)
            if session.sliders:
                await session.interact(0, pages)
        finally:
            await session.close()

    await asyncio.gather(*(visit(page) for page in pages))


async def settle(direct_urls: list[str], pages: list[str], parked_ttl: int) -> None:
    """Wait out the reconnect window, then open and close one session per process so it reaps expired ones."""
    await asyncio.sleep(parked_ttl + 2 if parked_ttl else 3)
    for url in direct_urls:
        await visit_every_page(url, pages[:1], Stats())
    await asyncio.sleep(2)


def discover_pages() -> list[str]:
    from tests.app.helpers import ALL_SCRIPTS
    from tests.e2e.browser import url_path

    return [url_path(script).strip("/") for script in ALL_SCRIPTS]


async def run_level(mode: str, sessions: int, args, pages: list[str]) -> dict[str, object]:
    with servers(mode, args.parked_ttl) as (base_url, pids, direct):
        warmup = Stats()
        await asyncio.gather(*(visit_every_page(url, pages, warmup) for url in direct))
        await settle(direct, pages, args.parked_ttl)
        baseline = rss_mb(pids)
        caches_before = cache_mb(direct)
        cpu_before = cpu_seconds(pids)
        stats = Stats()
        peak = baseline
        caches_open: dict[str, float] = {}
        begin = time.monotonic()
        until = begin + args.ramp + args.duration
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
        await settle(direct, pages, args.parked_ttl)
        after = rss_mb(pids)
        caches_after = cache_mb(direct)
    latencies = stats.latencies_ms
    return {
        "mode": "1 process" if mode == "single" else "2 replicas",
        "sessions": sessions,
        "opened": stats.sessions_opened,
        "interactions": len(latencies),
        "p50": _percentile(latencies, 0.50),
        "p95": _percentile(latencies, 0.95),
        "p99": _percentile(latencies, 0.99),
        "first_p95": _percentile(stats.first_loads_ms, 0.95),
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors),
        "baseline": baseline,
        "peak": peak,
        "after": after,
        "per_session": (peak - baseline) / sessions,
        "warmup_errors": sum(warmup.errors.values()),
        "warmup_kinds": dict(warmup.errors),
        "cpu_ms_per_run": 1000 * cpu_used / max(1, len(latencies) + len(stats.first_loads_ms)),
        "cache_data": (caches_before.get("st_cache_data", 0.0), caches_after.get("st_cache_data", 0.0)),
        # Per-session memory as Streamlit accounts it: Session State plus stored media (CSV download payloads).
        "session_state_open": caches_open.get("st_session_state", 0.0)
        + caches_open.get("st_memory_media_file_storage", 0.0),
        # Other work on the machine competes for the same cores: shown so a reader can judge the figures.
        "load": os.getloadavg()[0],
    }


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _table(rows: list[dict[str, object]]) -> str:
    header = [
        "mode", "sessions", "interactions", "p50 ms", "p95 ms", "p99 ms", "first load p95 ms", "errors",
        "cold-start errors",
        "RSS baseline MB", "RSS peak MB", "RSS after close MB", "MB per session", "after vs baseline",
        "cache_data MB before → after", "session state + media MB (open)", "server CPU ms per run", "load avg",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            row["mode"], row["sessions"], row["interactions"], f"{row['p50']:.0f}", f"{row['p95']:.0f}",
            f"{row['p99']:.0f}", f"{row['first_p95']:.0f}", row["errors"], row["warmup_errors"],
            f"{row['baseline']:.0f}",
            f"{row['peak']:.0f}", f"{row['after']:.0f}", f"{row['per_session']:.2f}",
            f"{100 * (row['after'] / row['baseline'] - 1):+.0f} %",
            f"{row['cache_data'][0]:.0f} → {row['cache_data'][1]:.0f}", f"{row['session_state_open']:.1f}",
            f"{row['cpu_ms_per_run']:.0f}", f"{row['load']:.1f}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=list(LEVELS), help="concurrent sessions per level")
    parser.add_argument("--modes", nargs="+", choices=("single", "balanced"), default=["single", "balanced"])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of steady load after the ramp")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    parser.add_argument("--interval", type=float, default=3.0, help="mean seconds between one session's actions")
    parser.add_argument("--pages", nargs="*", help="page URL names to use (default: every page of the app)")
    parser.add_argument(
        "--parked-ttl", type=int, default=5,
        help="server.disconnectedSessionTTL for the benchmark servers (0 = the production default, 120 s)",
    )  # fmt: skip
    args = parser.parse_args()
    if max(args.sessions) > 500 or args.duration > 600:
        parser.error("keep it to ≤ 500 sessions and ≤ 600 s per level on a shared machine")
    pages = args.pages or discover_pages()
    rows = []
    for mode in args.modes:
        for sessions in args.sessions:
            started = time.perf_counter()
            row = asyncio.run(run_level(mode, sessions, args, pages))
            rows.append(row)
            kinds = f" {row['error_kinds']}" if row["error_kinds"] else ""
            if row["warmup_errors"]:
                kinds += f"; cold start (every page at once on a fresh process): {row['warmup_kinds']}"
            print(
                f"{row['mode']}, {sessions} sessions: p95 {row['p95']:.0f} ms, {row['errors']} errors{kinds} "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )
    print(
        f"pages: {', '.join(name or '(home)' for name in pages)}; one action per session every {args.interval:g} s; "
        f"{os.cpu_count()} cores; load avg = 1-min load average of the whole machine when the level ended"
    )
    print(_table(rows))


if __name__ == "__main__":
    main()
