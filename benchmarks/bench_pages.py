"""Page latency in a real browser, next to a yardstick page measured in the same run. Prints tables; asserts nothing.

Per page, in headless Debian Chromium on this machine:
- first chart, cold: a fresh browser context (empty cache) opens the page; time from navigation to the first chart
  with data on screen, and the bytes that first visit transferred (HTTP bodies as sent, plus websocket frames);
- first chart, warm: a second tab of the same context (plotly.js and the app's scripts come from the cache);
- press → chart updated: ≥ 20 arrow-key presses on a slider, timed until a chart shows new data and the run has
  finished; measured for a page-wide slider (the whole chapter reruns) and for a slider inside an @st.fragment
  section (only that section reruns) where the page has one. Which kind a slider is comes from the message the
  browser sends (a fragment rerun names its fragment);
- main-thread long tasks per press (PerformanceObserver "longtask", summed);
- per scrubber (the chart element's own range input): a scripted drag across every stop, frame time as the p95 of
  the intervals between chart updates, and how many websocket messages the drag sent (the target is none).

The yardstick is benchmarks/baseline_app.py (one URL-bound slider, one st.plotly_chart), served by the same start
script. Targets (issue #10), read on a run where the yardstick's median is ≤ 120 ms: page median ≤ 150 ms and
p95 ≤ 300 ms; first chart ≤ 2.5 s cold, ≤ 1.5 s warm; scrubbing p95 frame ≤ 50 ms with 0 websocket messages.

    .venv/bin/python benchmarks/bench_pages.py [--presses 20] [--pages 01 05 ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.app.helpers import ALL_SCRIPTS
from tests.e2e.browser import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, running_app, url_path, wait_for_app

CHART = ".js-plotly-plot"
SLIDERS = "[data-testid=stMain] [data-testid=stSlider] input[type=range]"
MAX_SLIDERS_PROBED = 8

# Installed before any page script runs: record when any chart shows data it never showed before (Plotly.react and
# newPlot both give a plot a new _fullData), and sum main-thread long tasks.
_INSTRUMENT = """() => {
    window.__lastPlot = 0;
    window.__firstPlot = 0;
    window.__longTasks = 0;
    const seen = new WeakSet();
    const tick = () => {
        for (const el of document.querySelectorAll('.js-plotly-plot')) {
            const data = el._fullData;
            if (data && data.length && !seen.has(data)) {
                seen.add(data);
                window.__lastPlot = performance.now();
                if (!window.__firstPlot) { window.__firstPlot = window.__lastPlot; }
            }
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    try {
        new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) { window.__longTasks += entry.duration; }
        }).observe({ type: 'longtask', buffered: true });
    } catch (error) { /* no long-task timing in this browser */ }
}"""

# Step a scrubber through every stop as a drag would (input events, no release), one stop per chart update.
_SCRUB = """async (index) => {
    const range = document.querySelectorAll('.ropelab-chart__range')[index];
    const plot = range.closest('.ropelab-chart').querySelector('.js-plotly-plot');
    const stops = Number(range.max) + 1;
    const changed = (before) => new Promise((resolve) => {
        const started = performance.now();
        const tick = () => (plot._fullData !== before || performance.now() - started > 2000)
            ? resolve() : requestAnimationFrame(tick);
        tick();
    });
    range.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    const times = [performance.now()];
    for (let stop = 0; stop < stops; stop += 1) {
        const before = plot._fullData;
        range.value = String(stop);
        range.dispatchEvent(new Event('input', { bubbles: true }));
        await changed(before);
        times.push(performance.now());
    }
    const gaps = times.slice(1).map((time, i) => time - times[i]).sort((a, b) => a - b);
    return { stops, label: range.getAttribute('aria-label'), p95: gaps[Math.floor(0.95 * (gaps.length - 1))],
             median: gaps[Math.floor(gaps.length / 2)] };
}"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _is_fragment_rerun(payload: bytes | str) -> bool | None:
    if isinstance(payload, str):
        return None
    message = BackMsg()
    try:
        message.ParseFromString(payload)
    except Exception:
        return None
    if message.WhichOneof("type") != "rerun_script":
        return None
    return bool(message.rerun_script.fragment_id)


class _Traffic:
    """Bytes received (HTTP as encoded on the wire + websocket frames) and messages sent, via the DevTools protocol."""

    def __init__(self, page) -> None:
        self.bytes = 0
        self.sent: list[bytes | str] = []
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.loadingFinished", lambda event: self._add(event.get("encodedDataLength", 0)))
        session.on("Network.webSocketFrameReceived", lambda event: self._add(len(event["response"]["payloadData"])))
        # Playwright keeps a reference on the handler, so it must be a Python function, not a bound builtin.
        page.on("websocket", lambda socket: socket.on("framesent", lambda payload: self.sent.append(payload)))
        self.session = session

    def _add(self, count: float) -> None:
        self.bytes += int(count)


def _open(page, url: str) -> float:
    page.add_init_script(f"({_INSTRUMENT})()")
    page.goto(url, wait_until="commit")
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function("() => window.__firstPlot > 0", timeout=60_000)
    first = page.evaluate("() => window.__firstPlot")
    wait_for_app(page)
    return first


def _press_series(page, traffic: _Traffic, slider, presses: int) -> dict[str, object]:
    slider.focus()
    latencies, long_tasks, kinds = [], [], []
    direction, timeouts = "ArrowRight", 0
    for _ in range(presses):
        value, low, high = slider.input_value(), slider.get_attribute("min"), slider.get_attribute("max")
        direction = "ArrowLeft" if value == high else "ArrowRight" if value == low else direction
        start = page.evaluate("() => (window.__pressedAt = performance.now())")
        tasks_before = page.evaluate("() => window.__longTasks")
        sent_before = len(traffic.sent)
        slider.press(direction)
        try:
            page.wait_for_function("() => window.__lastPlot > window.__pressedAt", timeout=5_000)
            page.wait_for_selector(APP_IDLE, timeout=10_000)
            latencies.append(page.evaluate("() => window.__lastPlot") - start)
        except Exception:  # a press that redrew no chart within 5 s counts as a timeout, not a latency
            timeouts += 1
            wait_for_app(page)
        page.wait_for_timeout(150)
        long_tasks.append(page.evaluate("() => window.__longTasks") - tasks_before)
        kinds.extend(kind for kind in map(_is_fragment_rerun, traffic.sent[sent_before:]) if kind is not None)
    result: dict[str, object] = {"presses": len(latencies), "timeouts": timeouts, "fragment": any(kinds)}
    if latencies:
        result.update(
            median_ms=statistics.median(latencies),
            p95_ms=_percentile(latencies, 0.95),
            long_task_ms=statistics.median(long_tasks),
        )
    return result


def _classify(page, traffic: _Traffic, slider) -> bool | None:
    """Press once and read the rerun message: True for a fragment slider, False for a page-wide one."""
    slider.focus()
    before = len(traffic.sent)
    value, high = slider.input_value(), slider.get_attribute("max")
    slider.press("ArrowLeft" if value == high else "ArrowRight")
    wait_for_app(page)
    kinds = [kind for kind in map(_is_fragment_rerun, traffic.sent[before:]) if kind is not None]
    return kinds[-1] if kinds else None


def measure_page(browser, base_url: str, script: str, presses: int) -> dict[str, object]:
    url = f"{base_url}{url_path(script)}"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    traffic = _Traffic(page)
    result: dict[str, object] = {"page": script, "cold_ms": _open(page, url)}
    page.wait_for_timeout(500)
    result["first_visit_kb"] = traffic.bytes / 1024

    warm = context.new_page()
    result["warm_ms"] = _open(warm, url)
    warm.close()

    sliders = page.locator(SLIDERS)
    found: dict[bool, object] = {}
    for index in range(min(sliders.count(), MAX_SLIDERS_PROBED)):
        kind = _classify(page, traffic, sliders.nth(index))
        if kind is not None and kind not in found:
            found[kind] = sliders.nth(index)
        if len(found) == 2:
            break
    for kind, slider in found.items():
        series = _press_series(page, traffic, slider, presses)
        result["fragment" if kind else "page_wide"] = series

    scrubs = []
    for index in range(page.locator(".ropelab-chart__range").count()):
        sent_before = len(traffic.sent)
        page.locator(".ropelab-chart__range").nth(index).scroll_into_view_if_needed()
        measured = page.evaluate(_SCRUB, index)
        measured["messages"] = len(traffic.sent) - sent_before
        scrubs.append(measured)
        # Let go, so the value goes back to Python as after a real drag, and wait for that run.
        page.locator(".ropelab-chart__range").nth(index).dispatch_event("change")
        wait_for_app(page)
    result["scrubs"] = scrubs
    context.close()
    return result


def _cell(value: object, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _series_cells(row: dict[str, object], kind: str) -> list[str]:
    series = row.get(kind) or {}
    return [_cell(series.get("median_ms")), _cell(series.get("p95_ms")), _cell(series.get("long_task_ms"))]


def print_tables(rows: list[dict[str, object]]) -> None:
    head = ["page", "cold first chart ms", "warm first chart ms", "first visit kB",
            "page-wide median", "p95", "long tasks ms/press",
            "fragment median", "p95", "long tasks ms/press"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        cells = [str(row["page"]), _cell(row["cold_ms"]), _cell(row["warm_ms"]), _cell(row["first_visit_kb"])]
        cells += _series_cells(row, "page_wide") + _series_cells(row, "fragment")
        print("| " + " | ".join(cells) + " |")
    print()
    print("| page | scrubber | stops | frame median ms | frame p95 ms | websocket messages during the drag |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        for scrub in row.get("scrubs", []):
            print(
                f"| {row['page']} | {scrub['label']} | {scrub['stops']} | {scrub['median']:.1f} | {scrub['p95']:.1f}"
                f" | {scrub['messages']} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--pages", nargs="*", help="page number prefixes to include (default: all)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    scripts = [
        script
        for script in ALL_SCRIPTS
        if not args.pages or any(Path(script).name.startswith(prefix) for prefix in args.pages)
    ]
    rows = []
    with (
        running_app() as base_url,
        running_app(script="benchmarks/baseline_app.py") as baseline_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # One throw-away visit to each server, so Python's imports are warm as for any visitor after the first.
        for url in (base_url, baseline_url):
            warm = browser.new_page()
            warm.goto(url)
            warm.wait_for_selector(CHART, timeout=60_000)
            warm.close()
        baseline = measure_page(browser, baseline_url, "app.py", args.presses)
        rows.append({**baseline, "page": "yardstick: benchmarks/baseline_app.py"})
        for script in scripts:
            started = time.perf_counter()
            rows.append(measure_page(browser, base_url, script, args.presses))
            print(f"measured {script} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        browser.close()
    print_tables(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
