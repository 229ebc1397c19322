"""Kill the replica that serves a browser tab: the tab must come back on the other replica, view intact; starve one
replica of CPU: new visitors must go to the other, and no open tab may fail.

Runs the real thing: deploy/up.sh starts 2 replicas (scripts/serve.sh) behind Debian's HAProxy with the config
deploy/cluster.py generates; Debian's Chromium opens a deep link through the balancer and moves a slider; then
the replica named by the tab's affinity cookie is killed with SIGKILL, as a crash would. Before that, the same
cluster is checked for what the failover relies on: one shared cookie secret, cookie affinity, and the
websocket origin check still on behind the balancer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from deploy import cluster
from tests.e2e.browser import (
    APP_CONNECTED,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    assert_no_exception,
    browser_required,
    open_app,
    wait_for_app,
)

# One worker runs the whole module, in file order, against one cluster.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(240), pytest.mark.xdist_group("deploy-cluster")]

# The home page is the one page that always exists; its slider `m` is bound to the URL.
SCRIPT = "app.py"
SLIDER = ".st-key-m input[type=range]"
# Streamlit's frontend retries its websocket with backoff; give it this long before reloading the same URL.
AUTO_RECONNECT_PATIENCE_MS = 20_000


def _require(condition: bool, message: str) -> None:
    if not condition:
        if browser_required():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def balanced_app(tmp_path_factory):
    """2 replicas behind HAProxy, started and stopped by deploy/up.sh and deploy/down.sh; yields (URL, run dir)."""
    _require(
        bool(shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")),
        "HAProxy is not installed (apt-get install -y haproxy; scripts/test.sh does it as root)",
    )
    port = cluster.free_port_block(3)
    run_dir = tmp_path_factory.mktemp("deploy") / "run"
    # A watchdog stops everything after 10 minutes even if this process dies without its finally block.
    # The replicas must run with the production settings, not the ones the test process set for AppTest.
    env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    env.update(ROPELAB_RUN_DIR=str(run_dir), ROPELAB_DEPLOY_TTL="600")
    started = subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "up.sh"), "2", str(port)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pids: list[int] = []
    try:
        assert started.returncode == 0, f"deploy/up.sh failed:\n{started.stdout}\n{started.stderr}"
        pids = [int(path.read_text()) for path in run_dir.glob("*.pid")]
        yield f"http://127.0.0.1:{port}", run_dir
    finally:
        subprocess.run(["bash", str(REPO_ROOT / "deploy" / "down.sh")], env=env, cwd=REPO_ROOT, timeout=60, check=False)
        assert not any(cluster.status(run_dir).values()), "deploy/down.sh left processes running"
        # By pid as well: status() only counts processes it recognises, which once hid replicas left running.
        survivors = [pid for pid in pids if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]
        assert not survivors, f"deploy/down.sh left processes running: {survivors}"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def _replica_pid(run_dir: Path, name: str) -> int:
    return int((run_dir / f"{name}.pid").read_text())


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").partition("=")[::2] for item in raw if b"=" in item)


def test_replicas_share_one_generated_cookie_secret(balanced_app):
    _, run_dir = balanced_app
    secrets = {name: _environ(_replica_pid(run_dir, name)).get(cluster.SECRET_ENV) for name in ("r1", "r2")}
    stored = (run_dir / "cookie_secret").read_text().strip()
    assert secrets == {"r1": stored, "r2": stored}, "every replica must sign cookies with the same secret"
    assert len(stored) >= 32
    assert (run_dir / "cookie_secret").stat().st_mode & 0o077 == 0, "the secret file must be private (0600)"
    assert stored not in (REPO_ROOT / ".streamlit" / "config.toml").read_text()


def test_new_visitors_are_spread_and_then_pinned(balanced_app):
    base_url, _ = balanced_app
    seen = set()
    for _ in range(4):
        with urllib.request.urlopen(f"{base_url}/", timeout=10) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
        pinned = [c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith(f"{cluster.AFFINITY_COOKIE}=")]
        assert len(pinned) == 1, cookies
        seen.add(pinned[0])
    assert seen == {"r1", "r2"}, f"round-robin should reach both replicas, saw {seen}"
    request = urllib.request.Request(f"{base_url}/_stcore/health", headers={"Cookie": "SRV=r2"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"ok"
        cookies = response.headers.get_all("Set-Cookie") or []
    assert not [c for c in cookies if c.startswith(f"{cluster.AFFINITY_COOKIE}=")], "a pinned visitor stays pinned"


def test_websocket_origin_check_survives_the_balancer(balanced_app):
    """CORS stays on behind HAProxy: a foreign page cannot open a session; the app's own origin can."""
    import asyncio

    import websockets

    base_url, _ = balanced_app
    stream = base_url.replace("http://", "ws://") + "/_stcore/stream"

    async def attempt(origin: str) -> bool:
        try:
            async with websockets.connect(
                stream, subprotocols=["streamlit"], additional_headers={"Origin": origin}, open_timeout=10
            ) as connection:
                await connection.close()
                return True
        except (websockets.exceptions.InvalidStatus, websockets.exceptions.ConnectionClosed):
            return False

    assert asyncio.run(attempt(base_url)) is True
    assert asyncio.run(attempt("http://evil.example")) is False


def _affinity(context) -> str:
    values = [cookie["value"] for cookie in context.cookies() if cookie["name"] == cluster.AFFINITY_COOKIE]
    assert values, f"HAProxy set no {cluster.AFFINITY_COOKIE} cookie"
    return values[-1]


def _share_link(page) -> str:
    """The sidebar's "Share this view" field (the browser keeps it equal to the address bar)."""
    return page.locator("[data-testid=stSidebar] input.ropelab-share__link").first.input_value(timeout=30_000)


def _chart_position(page) -> str:
    """The home chart's alt text, written by the server on every run from the session's own value of m."""
    plot = page.locator(".st-key-chart_teaser_clocks .ropelab-chart__plot").first
    label = plot.get_attribute("aria-label", timeout=30_000)
    match = re.search(r"at position (\d+)", label or "")
    assert match, f"unexpected alt text: {label!r}"
    return match.group(1)


def _kill_replica(run_dir: Path, name: str) -> None:
    pid = _replica_pid(run_dir, name)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # up.sh has exited, so init reaps the replica; until then it may linger as a zombie.
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
        except OSError:
            break
        time.sleep(0.1)


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def _new_render_bytes(streams: list[dict[str, int]], since: int) -> int:
    return sum(stream["bytes"] for stream in streams[since:])


# ---------------------------------------------------------------------------------------------------------
# One replica starved of CPU, the other idle
# ---------------------------------------------------------------------------------------------------------

STARVED_TABS = 6  # open on r1 before it is starved; each holds a websocket there
NEWCOMERS = 5  # fewer than STARVED_TABS: leastconn must send every one of them to the idle replica
STOPPED_S, RUNNING_S = 0.4, 0.1  # the starved replica runs 20 % of the time


class _Starver:
    """Starve a process of CPU with SIGSTOP/SIGCONT duty cycles (a cgroup-free CPU limit); always resumes it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.stop = threading.Event()
        self.cycles = 0
        self.thread = threading.Thread(target=self._run, name="starver", daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                os.kill(self.pid, signal.SIGSTOP)
                self.stop.wait(STOPPED_S)
                os.kill(self.pid, signal.SIGCONT)
                self.cycles += 1
                self.stop.wait(RUNNING_S)
        finally:
            os.kill(self.pid, signal.SIGCONT)

    def __enter__(self) -> _Starver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        os.kill(self.pid, signal.SIGCONT)


def test_new_visitors_avoid_a_starved_replica_and_open_tabs_keep_working(balanced_app):
    """r1 holds open tabs and gets 20 % of a CPU; r2 is idle. Newcomers must all land on r2 (leastconn), and every
    tab, including the ones on the starved replica, must keep answering slider moves without an error."""
    import asyncio

    from benchmarks.ws_client import Session, Stats

    base_url, run_dir = balanced_app
    stats = Stats()

    async def scenario() -> tuple[list[str], list[str], int]:
        starved = [Session(base_url, stats, cookies={cluster.AFFINITY_COOKIE: "r1"}) for _ in range(STARVED_TABS)]
        newcomers: list[Session] = []
        moves_while_starved = 0
        try:
            for session in starved:
                await session.open("")
            with _Starver(_replica_pid(run_dir, "r1")) as starver:
                # The starved tabs keep moving their sliders while the newcomers arrive one after the other.
                moving = asyncio.gather(*(session.move_slider() for session in starved))
                for _ in range(NEWCOMERS):
                    newcomer = Session(base_url, stats)
                    newcomers.append(newcomer)
                    await newcomer.open("")
                moves_while_starved = len(await moving)
                assert starver.cycles > 0, "the replica was never stopped"
            # Resumed: every tab on both replicas answers once more.
            for session in starved + newcomers:
                await session.move_slider()
            return [s.replica for s in starved], [s.replica for s in newcomers], moves_while_starved
        finally:
            for session in starved + newcomers:
                await session.close()

    async def bounded():
        async with asyncio.timeout(60):
            return await scenario()

    starved_on, newcomers_on, moves = asyncio.run(bounded())
    assert starved_on == ["r1"] * STARVED_TABS, "the pinned tabs must stay on their replica"
    assert newcomers_on == ["r2"] * NEWCOMERS, f"new visitors went to the starved replica: {newcomers_on}"
    assert moves == STARVED_TABS
    assert stats.errors == {}, stats.errors
    assert stats.full_runs + stats.fragment_runs == 3 * STARVED_TABS + 2 * NEWCOMERS, "every run finished"


# Last in this module: it kills a replica of the shared cluster.
def test_killing_the_serving_replica_loses_nothing_the_user_set(balanced_app):
    _require(os.path.exists(CHROMIUM), f"Debian's Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    base_url, run_dir = balanced_app
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            # Bytes received per websocket, in the order the tab opened them.
            streams: list[dict[str, int]] = []

            def on_websocket(socket) -> None:
                counter = {"bytes": 0}
                streams.append(counter)
                socket.on(
                    "framereceived", lambda payload: counter.__setitem__("bytes", counter["bytes"] + len(payload))
                )

            page.on("websocket", on_websocket)

            # A shared deep link: a non-default slider value and lecture mode, both held in the URL.
            open_app(page, base_url, SCRIPT, "m=7&lecture=1")
            slider = page.locator(SLIDER)
            assert slider.input_value() == "7"
            slider.focus()
            page.keyboard.press("ArrowRight")
            wait_for_app(page)
            assert slider.input_value() == "8"
            assert "m=8" in page.url and "lecture=1" in page.url, page.url
            assert "m=8" in _share_link(page)
            assert _chart_position(page) == "8"
            moved_url = page.url
            serving = _affinity(context)
            assert serving in {"r1", "r2"}

            streams_before = len(streams)
            _kill_replica(run_dir, serving)

            # 1. The open tab: Streamlit notices the dead websocket and retries; HAProxy redispatches the retry to
            #    the live replica and re-pins the tab with a new cookie. The reconnect itself does not rerun the
            #    page (the new replica has no session for it yet), so the tab keeps showing its last render, and
            #    the next interaction sends every widget value and the URL to the new replica.
            try:
                page.wait_for_selector(
                    "[data-testid=stApp]:not([data-test-connection-state=CONNECTED])", timeout=10_000
                )
                page.wait_for_selector(APP_CONNECTED, timeout=AUTO_RECONNECT_PATIENCE_MS)
                wait_for_app(page)
                recovered_by = "automatic reconnect"
            except Exception:  # the frontend gave up reconnecting: a reload of the same URL must restore the view
                page.goto(moved_url, wait_until="domcontentloaded")
                page.wait_for_selector("[data-testid=stMain] h1", timeout=30_000)
                wait_for_app(page)
                recovered_by = "reload of the same URL"
            print(f"failover from {serving}: recovered by {recovered_by}")
            assert page.locator(SLIDER).input_value() == "8", "the moved slider value was lost"
            assert "m=8" in page.url and "lecture=1" in page.url, page.url
            assert_no_exception(page)
            assert _affinity(context) != serving, f"still pinned to the killed replica {serving}"
            # HAProxy's own health checks on /_stcore/health took the dead replica out of rotation.
            _wait_for(lambda: cluster.server_states(run_dir).get(serving, "").startswith("DOWN"), 15, "DOWN mark")

            # 2. The session works on the new replica: one more move is rendered there in full, the chart's alt text
            #    (written by the new replica's own run) says m = 9, and the share field holds m and lecture mode.
            page.locator(SLIDER).focus()
            page.keyboard.press("ArrowRight")
            wait_for_app(page)
            assert page.locator(SLIDER).input_value() == "9"
            assert len(streams) > streams_before, "the tab never opened a new websocket"
            assert _new_render_bytes(streams, streams_before) > 10_000, "the new replica rendered nothing"
            assert "m=9" in page.url and "lecture=1" in page.url, page.url
            assert "m=9" in _share_link(page) and "lecture=1" in _share_link(page), _share_link(page)
            _wait_for(lambda: _chart_position(page) == "9", 20, "the new replica's render of m = 9")
            assert_no_exception(page)

            # 3. A reload (what a student does after any hiccup) rebuilds the same view from the URL alone.
            reloaded_from = len(streams)
            page.reload(wait_until="domcontentloaded")
            page.wait_for_selector("[data-testid=stMain] h1", timeout=30_000)
            wait_for_app(page)
            assert _new_render_bytes(streams, reloaded_from) > 10_000, "the reload was not rendered by a server"
            assert page.locator(SLIDER).input_value() == "9"
            assert "m=9" in _share_link(page) and "lecture=1" in _share_link(page), _share_link(page)
            _wait_for(lambda: _chart_position(page) == "9", 20, "the reloaded render of m = 9")
            assert_no_exception(page)
            assert _affinity(context) != serving
        finally:
            browser.close()
