"""A browser tab without the browser, for the benchmarks: HTTP fetches and one Streamlit session over the websocket.

A `Session` does what a tab does: GET the page (through HAProxy this pins the tab to a replica with the SRV cookie),
optionally fetch the page's static assets, poll /_stcore/health (which sets the XSRF cookie), open
/_stcore/stream with the `streamlit` subprotocol, ask for the page's first run, and then move sliders.

Moving a slider that lives in an `@st.fragment` asks for a fragment rerun the way Streamlit 1.67's frontend does
(WidgetStateManager.scheduleFlush → sendRerunBackMsg): a `rerun_script` BackMsg carrying every widget value the tab
holds, the current page's script hash, and the `fragment_id` that the server stamped on the slider's delta
(`Delta.fragment_id`). The server then runs only that fragment and ends with FINISHED_FRAGMENT_RUN_SUCCESSFULLY.
A slider outside any fragment asks for a full run, as before.

The tab also tells the server which big elements it already holds (`cached_message_hashes`, as the browser's
message cache does) and resolves the server's references to them.

Also here: process CPU and RSS readers for the server processes, Streamlit's cache accounting from
/_stcore/metrics, percentiles, and the app's page list from ropelab/chapters.py.

Import it as `benchmarks.ws_client` with the repository root on sys.path (the benchmark scripts put it there).

Internal protocol warning: the websocket messages are Streamlit's own, unversioned protobufs (pinned 1.67.0).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import random
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

RUN_TIMEOUT = 30.0
HEALTH_PATH = "/_stcore/health"
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# What Chromium sends: the balancer decides on compression from this header.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd", "User-Agent": "Mozilla/5.0 (ropelab benchmark)"}


# ---------------------------------------------------------------------------------------------------------
# The app's pages
# ---------------------------------------------------------------------------------------------------------


def url_name(script: str) -> str:
    """The URL path Streamlit serves a page script at, without the slash: 'app.py' → '', '05_Rotation_in_2D' → …"""
    if script == "app.py":
        return ""
    stem = Path(script).stem
    prefix, _, rest = stem.partition("_")
    return rest if prefix.isdigit() and rest else stem


def discover_pages() -> list[str]:
    """Every page of the app in learning-path order, as URL names: the home page ('') first, then each chapter."""
    from ropelab import chapters

    return [url_name(chapters.HOME_SCRIPT), *(url_name(entry.script) for entry in chapters.CHAPTERS)]


# ---------------------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client (GET only, keep-alive), so hundreds of tabs need no threads
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]  # lower-case name → every value
    body: bytes  # as transferred (still compressed when Content-Encoding says so)
    wire_bytes: int  # status line, headers, chunk framing and body

    def header(self, name: str) -> str:
        return ", ".join(self.headers.get(name.lower(), []))


class HttpConnection:
    """One persistent connection to host:port; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(self, target: str, headers: dict[str, str]) -> Response:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
            lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            try:
                await self.writer.drain()
                return await self._read_response()
            except (ConnectionError, asyncio.IncompleteReadError):
                # A keep-alive connection the server closed in between: retry once on a fresh one.
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _read_response(self) -> Response:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers: dict[str, list[str]] = {}
        for line in header_lines:
            if ":" in line:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        wire = len(head)
        chunks: list[bytes] = []
        if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                data = await self.reader.readexactly(size + 2)
                wire += len(size_line) + len(data)
                if size == 0:
                    break
                chunks.append(data[:-2])
        elif "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"][0]))
            wire += len(data)
            chunks.append(data)
        elif status not in (204, 304):
            data = await self.reader.read()  # no length: the body runs to the end of the connection
            wire += len(data)
            chunks.append(data)
            await self.close()
        if "close" in ",".join(headers.get("connection", [])).lower():
            await self.close()
        return Response(status, headers, b"".join(chunks), wire)


ASSET_PATTERN = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)


def assets_in_html(html: str, page_url: str) -> list[str]:
    """Same-origin URL paths of the scripts, stylesheets, preloads and icons a page's HTML names."""
    origin = urlsplit(page_url)
    found = []
    for reference in ASSET_PATTERN.findall(html):
        absolute = urlsplit(urljoin(page_url, reference))
        if absolute.netloc == origin.netloc and absolute.path.split("/")[-1] and "/_stcore/" not in absolute.path:
            found.append(absolute.path + (f"?{absolute.query}" if absolute.query else ""))
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------------------------------------
# One simulated tab
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
    fragment_id: str  # "" outside any fragment: moving it reruns the page; else it reruns this fragment


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    first_loads_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sessions_opened: int = 0
    fragment_runs: int = 0
    full_runs: int = 0
    chained_reruns: int = 0  # runs the page itself restarted with st.rerun()

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


@dataclass
class Visit:
    """What a first visit cost the network: bytes per kind, and every response's headers."""

    html_bytes: int = 0
    asset_bytes: int = 0
    websocket_bytes: int = 0
    responses: dict[str, Response] = field(default_factory=dict)  # URL path → last response (body dropped)

    @property
    def total_bytes(self) -> int:
        return self.html_bytes + self.asset_bytes + self.websocket_bytes


class Session:
    """A browser tab, minus the browser: cookies, one websocket, widget states, the message cache."""

    def __init__(
        self, base_url: str, stats: Stats, rng: random.Random | None = None, cookies: dict[str, str] | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.stats = stats
        self.rng = rng or random.Random(0)
        self.cookies: dict[str, str] = dict(cookies or {})
        self.connection = None
        self.pages: dict[str, str] = {}  # url path name → page_script_hash
        self.page_hash = ""
        self.sliders: dict[str, Slider] = {}
        self.widget_states: dict[str, object] = {}  # slider name → value last sent
        self.cache: dict[str, tuple[ForwardMsg, int]] = {}  # message hash → (message, last run that used it)
        self.runs = 0
        self.query = ""  # the address bar's query string, sent with every rerun as the frontend does
        self.visit = Visit()

    @property
    def replica(self) -> str:
        """The replica HAProxy pinned this tab to (its SRV cookie), or '' when there is no balancer."""
        return self.cookies.get("SRV", "")

    def _request_headers(self) -> dict[str, str]:
        headers = dict(BROWSER_HEADERS)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _keep_cookies(self, response: Response) -> None:
        for cookie in response.headers.get("set-cookie", []):
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()

    async def fetch(self, connection: HttpConnection, path: str) -> Response:
        async with asyncio.timeout(RUN_TIMEOUT):
            response = await connection.get(path, self._request_headers())
        self._keep_cookies(response)
        self.visit.responses[path] = Response(response.status, response.headers, b"", response.wire_bytes)
        return response

    async def open(
        self, path: str, assets: list[str] | None = None, extra_assets: tuple[str, ...] = (), query: str = ""
    ) -> float:
        """First visit: the page (with an optional query string, as in a shared link), its assets (None = none;
        [] = the ones its HTML names), health, websocket, first run.

        Returns (and records) the milliseconds from the page request to the first run's `script_finished`.
        """
        started = time.perf_counter()
        self.query = query.lstrip("?")
        connection = HttpConnection(self.host, self.port)
        try:
            page = await self.fetch(connection, f"/{path}" + (f"?{self.query}" if self.query else ""))
            if page.status != 200:
                self.stats.error(f"page GET {page.status}")
            self.visit.html_bytes += page.wire_bytes
            if assets is not None:
                wanted = list(assets) or assets_in_html(page.body.decode(errors="replace"), f"{self.base_url}/{path}")
                for asset in dict.fromkeys([*wanted, *extra_assets]):
                    response = await self.fetch(connection, asset)
                    if response.status != 200:
                        self.stats.error(f"asset {response.status}: {asset}")
                    self.visit.asset_bytes += response.wire_bytes
            health = await self.fetch(connection, HEALTH_PATH)
            if health.status != 200:
                self.stats.error(f"health {health.status}")
        finally:
            await connection.close()
        protocols = ["streamlit", self.cookies["_streamlit_xsrf"]] if "_streamlit_xsrf" in self.cookies else None
        self.connection = await websockets.connect(
            f"ws://{self.host}:{self.port}/_stcore/stream",
            subprotocols=protocols or ["streamlit"],
            additional_headers={**self._request_headers(), "Origin": self.base_url},
            max_size=None,
            open_timeout=RUN_TIMEOUT,
            ping_interval=None,
        )
        self.stats.sessions_opened += 1
        await self.rerun(page_name=path, first=True)
        elapsed = (time.perf_counter() - started) * 1000
        self.stats.first_loads_ms.append(elapsed)
        return elapsed

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
            self.connection = None

    def _request(self, page_name: str | None, fragment_id: str = "") -> bytes:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.context_info.url = f"{self.base_url}/{page_name or ''}"
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        if page_name is not None:
            state.page_name = page_name
            state.page_script_hash = self.pages.get(page_name, "")
        else:
            state.page_script_hash = self.page_hash
            state.fragment_id = fragment_id
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

    async def rerun(self, page_name: str | None = None, first: bool = False, fragment_id: str = "") -> float:
        """Send one rerun request (of the page, or of one fragment) and read until script_finished; return ms."""
        self.runs += 1
        found: dict[str, Slider] = {}
        started = time.perf_counter()
        await self.connection.send(self._request(page_name, fragment_id))
        async with asyncio.timeout(RUN_TIMEOUT):
            while True:
                raw = await self.connection.recv()
                self.visit.websocket_bytes += len(raw)
                message = ForwardMsg()
                message.ParseFromString(raw)
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
                if kind == "navigation":  # every full run: all pages, and the hash of the one that is running
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
                    status = message.script_finished
                    if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        # The page called st.rerun() (e.g. to snap a value to its slider's step): its next run
                        # follows on its own, and this request is done when that one is. (The tab never sends a new
                        # request before the last one finished, so no request of ours cut this run short.)
                        self.stats.chained_reruns += 1
                        continue
                    if status not in FINISHED_OK:
                        self.stats.error(ForwardMsg.ScriptFinishedStatus.Name(status).lower())
                    elif status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                        self.stats.fragment_runs += 1
                    else:
                        self.stats.full_runs += 1
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
                    fragment_id=delta.fragment_id,
            )  # fmt: skip

    def _random_value(self, slider: Slider) -> object:
        if slider.options:
            return self.rng.choice(slider.options)
        steps = max(0, round((slider.maximum - slider.minimum) / slider.step))
        values = sorted(slider.minimum + self.rng.randint(0, steps) * slider.step for _ in range(slider.pairs))
        values = [min(slider.maximum, value) for value in values]
        return [float(round(value)) if slider.is_int else value for value in values]

    async def move_slider(self, slider: Slider | None = None) -> float:
        """Move one slider (random unless given) to a new random value, as a user would; return the latency in ms.

        A slider inside a fragment reruns that fragment only; any other reruns the page.
        """
        slider = slider or self.rng.choice(list(self.sliders.values()))
        previous = self.widget_states.get(slider.name)
        for _ in range(5):  # a real move changes the value; a same-value "move" would not rerun in a browser
            value = self._random_value(slider)
            if value != previous:
                break
        self.widget_states[slider.name] = value
        return await self.rerun(fragment_id=slider.fragment_id)

    async def go_to(self, page_name: str) -> float:
        """Follow a link to another page of the app (the tab keeps its websocket)."""
        self.widget_states = {}
        self.query = ""
        return await self.rerun(page_name=page_name)

    def current_page(self) -> str:
        return next((name for name, digest in self.pages.items() if digest == self.page_hash), "")

    async def interact(self, index: int, page_order: list[str], switch_every: int = 5) -> None:
        """The load test's student: move a slider; every `switch_every`-th action go to the next chapter instead."""
        if (switch_every and index % switch_every == switch_every - 1) or not self.sliders:
            current = self.current_page()
            position = page_order.index(current) if current in page_order else -1
            self.stats.latencies_ms.append(await self.go_to(page_order[(position + 1) % len(page_order)]))
            return
        self.stats.latencies_ms.append(await self.move_slider())


# ---------------------------------------------------------------------------------------------------------
# Server processes: CPU, memory, Streamlit's own accounting
# ---------------------------------------------------------------------------------------------------------

_LIBC = ctypes.CDLL(None, use_errno=True)


class ProcessCpuClock:
    """Nanosecond CPU time (all threads, living and exited) of another process, from its POSIX CPU clock.

    /proc/<pid>/stat counts in 10 ms ticks, too coarse for one interaction; clock_getcpuclockid(pid) reads the
    kernel's exact per-process runtime. Falls back to /proc ticks where the clock is not available.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        clock = ctypes.c_int()
        self.clock_id = clock.value if _LIBC.clock_getcpuclockid(pid, ctypes.byref(clock)) == 0 else None

    def seconds(self) -> float:
        if self.clock_id is not None:
            with contextlib.suppress(OSError):
                return time.clock_gettime(self.clock_id)
        return cpu_seconds([self.pid])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (10 ms resolution)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def wait_until_idle(clocks: list[ProcessCpuClock], quiet_ms: float = 1.0, window: float = 0.1) -> float:
    """Wait until the processes use less than `quiet_ms` CPU per `window` s (work after script_finished, such as
    the post-run garbage collection, still counts); give up after 3 s. Returns their CPU seconds then."""
    before = sum(clock.seconds() for clock in clocks)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        await asyncio.sleep(window)
        now = sum(clock.seconds() for clock in clocks)
        if (now - before) * 1000 < quiet_ms:
            return now
        before = now
    return before


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def cache_mb(direct_urls: list[str]) -> dict[str, float]:
    """Streamlit's own accounting (/_stcore/metrics): MB held by st.cache_data, Session State, media; all processes."""
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


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------------------------
# A server to measure
# ---------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def single_server(app_script: str = "app.py", extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None):
    """Start one fresh scripts/serve.sh process (the production start) on a free port; yield (base URL, pid, logs).

    `app_script` is passed as serve.sh's APP_SCRIPT; `env` adds variables (e.g. the tuning diagnostics).
    """
    import tempfile

    from deploy import cluster

    with tempfile.TemporaryDirectory(prefix="ropelab-bench-") as scratch:
        layout = cluster.RunDir(Path(scratch))
        port = cluster.free_port_block(1)
        saved = dict(os.environ)
        os.environ.update({"APP_SCRIPT": app_script, **(env or {})})
        try:
            process = cluster.start_replica(layout, "r1", port, cluster.cookie_secret(layout), extra_args)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        url = f"http://{cluster.LOOPBACK}:{port}"
        try:
            cluster.wait_healthy(url + HEALTH_PATH, 120, [process])
            yield url, process.pid, layout.log_file("r1")
        finally:
            cluster.stop(layout.path)
