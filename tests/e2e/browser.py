"""Helpers for the real-browser tests: start the app, open pages in Debian's Chromium, read charts."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from ropelab import chapters

REPO_ROOT = chapters.REPO_ROOT
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
APP_CONNECTED = "[data-testid=stApp][data-test-connection-state=CONNECTED]"


def url_path(script: str) -> str:
    """The URL path Streamlit serves a script at: app.py → '/', pages/05_Rotation_in_2D.py → '/Rotation_in_2D'."""
    if script == "app.py":
        return "/"
    stem = Path(script).stem
    prefix, _, rest = stem.partition("_")
    return "/" + (rest if prefix.isdigit() else stem)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(port: int | None = None, timeout: float = 60.0, script: str = "app.py") -> Iterator[str]:
    """Start `streamlit run <script>` on a free loopback port, wait for /_stcore/health, yield its base URL."""
    port = port or free_port()
    # The real start script, so the tests serve the app exactly as users and the deploy scripts do.
    command = ["bash", str(REPO_ROOT / "scripts" / "serve.sh"), "--global.developmentMode", "false"]
    environment = {
        **os.environ, "PORT": str(port), "ADDRESS": "127.0.0.1", "PYTHON": sys.executable, "APP_SCRIPT": script,
    }  # fmt: skip
    log_path = REPO_ROOT / "artifacts" / f"streamlit-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited early; see {log_path}")
                try:
                    with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not become healthy in {timeout} s; see {log_path}")
                time.sleep(0.25)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def browser_required() -> bool:
    return os.environ.get("ROPELAB_REQUIRE_BROWSER") == "1"


def require_chromium() -> None:
    """Skip the calling test when Debian's Chromium is missing, or fail it when CI demands a browser."""
    import pytest

    if not os.path.exists(CHROMIUM):
        message = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if browser_required():
            pytest.fail(message)
        pytest.skip(message)


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the websocket is connected and the script run has finished, and stays finished briefly."""
    # Streamlit debounces widget input before it starts a rerun, and a busy machine can start it late, so
    # "idle" only counts once it has held for a moment.
    page.wait_for_timeout(200)
    page.wait_for_selector(APP_CONNECTED, timeout=timeout)
    for _ in range(20):
        page.wait_for_selector(APP_IDLE, timeout=timeout)
        page.wait_for_timeout(250)
        if page.locator(APP_IDLE).count():
            return


def open_app(page, base_url: str, script: str, query: str = "") -> None:
    """Navigate to a page of the app (by script path) with an optional query string, and wait for it."""
    suffix = f"?{query.lstrip('?')}" if query else ""
    page.goto(f"{base_url}{url_path(script)}{suffix}", wait_until="domcontentloaded")
    # The script state reads "notRunning" before the first run starts too; the title and the first chart mark a
    # real render (every page has both).
    page.wait_for_selector("[data-testid=stMain] h1", timeout=30_000)
    page.wait_for_selector(".ropelab-chart .js-plotly-plot", timeout=30_000)
    wait_for_app(page)


# Chromium logs these for reasons outside the app: no network here for Streamlit's page-icon font, and Streamlit's
# frontend probes /_stcore/health and /_stcore/host-config relative to a page's own path before it finds the root.
# Any other console error fails a test, a missing file of the app's own (a 404 under /app/static) included.
BENIGN_CONSOLE = ("fonts.gstatic.com", "favicon", "/_stcore/health", "/_stcore/host-config")


def console_line(message) -> str | None:
    """A console error as text with the address it came from (None for other message types)."""
    if message.type != "error":
        return None
    return f"{message.text} @ {message.location.get('url', '')}"


def real_console_errors(page) -> list[str]:
    """The console errors the `page` fixture recorded, minus the benign ones above."""
    lines = [line for line in page.console_errors if line]
    return [line for line in lines if not any(word in line for word in BENIGN_CONSOLE)]


def url_query(page) -> dict[str, str]:
    """The query parameters of the page's current URL (last value of each)."""
    return {key: values[-1] for key, values in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query).items()}


def slider_by_label(page, label: str):
    """The range input of the slider whose label contains `label`."""
    return page.locator("[data-testid=stSlider]").filter(has_text=label).locator("input[type=range]")


def assert_no_exception(page) -> None:
    count = page.locator("[data-testid=stException]").count()
    if count:
        texts = page.locator("[data-testid=stException]").all_inner_texts()
        raise AssertionError(f"{count} exception element(s) on {page.url}: {texts}")


def chart_count(page) -> int:
    return page.locator(".js-plotly-plot").count()


def chart_fingerprint(page) -> str:
    """A string that changes whenever any chart's data, title or annotations change (decoded values)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
            const flat = (a) => {
                if (!a) return null;
                const out = [];
                for (const item of Array.from(a).slice(0, 400)) {
                    if (item && typeof item === 'object' && item.length !== undefined) {
                        out.push(...Array.from(item).slice(0, 400));
                    } else { out.push(item); }
                }
                return out;
            };
            const data = (el._fullData || []).map(t => JSON.stringify([flat(t.x), flat(t.y), flat(t.z), flat(t.r)]));
            const layout = el._fullLayout || {};
            const title = layout.title ? layout.title.text : '';
            const notes = (layout.annotations || []).map(a => a.text).join(';');
            return title + '#' + notes + '#' + data.join('|');
        }).join('\\n')"""
    )


def chart_data(page, key: str, trace: int = 0, field: str = "y") -> list:
    """Decoded values of one field of one trace of the chart rendered with ui.chart(..., key=key)."""
    locator = page.locator(f".st-key-chart_{key} .js-plotly-plot").first
    return locator.evaluate(f"(el) => Array.from(el._fullData[{trace}].{field} || [])")


def screenshot(page, name: str, *, full: bool = True) -> Path:
    """Save a screenshot to artifacts/screenshots/<name>.png: the whole page, or (full=False) what the window shows."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    if not full:
        page.screenshot(path=str(path))
        return path
    # Streamlit scrolls inside its main container, so a "full page" shot needs a viewport as tall as the content.
    original = page.viewport_size
    content_height = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebar]'))"
        ".map(el => el.scrollHeight), 600)"
    )
    page.set_viewport_size({"width": original["width"], "height": min(int(content_height) + 40, 12_000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(original)
    return path


def share_link_with(page, *parts: str, timeout: float = 5_000) -> str:
    """The sidebar's share link once it contains every one of `parts`; fail if it does not within `timeout` ms.

    The link follows the address bar, which Streamlit changes without an event, so the element looks twice a
    second: right after a rerun it may still show the previous address for up to half a second.
    """
    field = page.locator(".ropelab-share__link").first
    try:
        page.wait_for_function(
            "parts => { const el = document.querySelector('.ropelab-share__link');"
            " return !!el && parts.every((part) => el.value.includes(part)); }",
            arg=list(parts),
            timeout=timeout,
        )
    except Exception as error:  # a Playwright timeout: say what the link held instead
        raise AssertionError(f"share link {field.input_value()!r} lacks one of {parts}") from error
    return field.input_value()


def grab_scrubber(page, scrubber) -> tuple[float, float, float]:
    """Press the mouse on a scrubber's thumb, where its current stop is, and keep it down (the start of a drag).

    Returns the mouse position and the track's width, for the moves of the drag that follows.
    """
    scrubber.scroll_into_view_if_needed()
    box = scrubber.bounding_box()
    stops = int(scrubber.get_attribute("max")) + 1
    y = box["y"] + box["height"] / 2
    x = box["x"] + box["width"] * (int(scrubber.input_value()) + 0.5) / stops
    page.mouse.move(x, y)
    page.mouse.down()
    return x, y, box["width"]
