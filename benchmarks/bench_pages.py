"""Page latency in a real browser: time to first chart, slider-press-to-chart latency, websocket payload.

Starts the app on a free loopback port, opens every page in headless Debian Chromium and, per page, presses the
first slider's arrow key at least 20 times, timing each press until new chart data is on screen (checked every
animation frame) and the script run has finished, and counting the websocket bytes the press caused. In the same run
it measures benchmarks/baseline_app.py (one slider, one chart, the same server flags) as a yardstick for what
Streamlit and Plotly alone cost on this machine. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/bench_pages.py [--presses 20] [--pages 01 05 ...]
Targets (issues #3, #4, #5): first chart ≤ 2.5 s, median ≤ 150 ms, p95 ≤ 300 ms, payload ≤ 300 kB per press.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from tests.app.helpers import ALL_SCRIPTS
from tests.e2e.browser import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, running_app, url_path, wait_for_app

# Streamlit replaces a chart's element (or its data) when a rerun changes it, so a per-frame check for plot data
# never seen before records when a redrawn chart reached the screen.
_WATCH_CHARTS = """() => {
    if (window.__watching) { return; }
    window.__watching = true;
    window.__seen = new WeakSet();
    window.__lastPlot = 0;
    const tick = () => {
        for (const el of document.querySelectorAll('.js-plotly-plot')) {
            const data = el._fullData;
            if (data && !window.__seen.has(data)) {
                window.__seen.add(data);
                window.__lastPlot = performance.now();
            }
        }
        requestAnimationFrame(tick);
    };
    tick();
}"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure_page(browser, base_url: str, script: str, presses: int) -> dict[str, object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    received = {"bytes": 0}

    def on_websocket(socket):
        socket.on(
            "framereceived",
            lambda payload: received.__setitem__("bytes", received["bytes"] + len(payload)),
        )

    page.on("websocket", on_websocket)
    page.goto(f"{base_url}{url_path(script)}", wait_until="commit")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    first_chart_ms = page.evaluate("() => performance.now()")
    wait_for_app(page)
    sliders = page.locator("[data-testid=stMain] [data-testid=stSlider] input[type=range]")
    result: dict[str, object] = {"page": script, "first_chart_ms": first_chart_ms}
    if sliders.count() == 0:
        context.close()
        return result
    slider = sliders.first
    slider.focus()
    latencies: list[float] = []
    payloads: list[int] = []
    timeouts = 0
    direction = "ArrowRight"
    for _ in range(presses):
        value, maximum, minimum = slider.input_value(), slider.get_attribute("max"), slider.get_attribute("min")
        if value == maximum:
            direction = "ArrowLeft"
        elif value == minimum:
            direction = "ArrowRight"
        page.evaluate(_WATCH_CHARTS)
        start = page.evaluate("() => (window.__pressedAt = performance.now())")
        received["bytes"] = 0
        slider.press(direction)
        try:
            page.wait_for_function("() => window.__lastPlot > window.__pressedAt", timeout=5_000)
            page.wait_for_selector(APP_IDLE, timeout=10_000)
            latencies.append(page.evaluate("() => window.__lastPlot") - start)
        except Exception:  # a press that redrew no chart within 5 s counts as a timeout, not a latency
            timeouts += 1
            wait_for_app(page)
        payloads.append(received["bytes"])
        page.wait_for_timeout(120)
    context.close()
    if latencies:
        result.update(
            median_ms=statistics.median(latencies),
            p95_ms=_percentile(latencies, 0.95),
            payload_median_kb=statistics.median(payloads) / 1024,
            payload_max_kb=max(payloads) / 1024,
        )
    result["presses"] = len(latencies)
    result["timeouts"] = timeouts
    return result


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--pages", nargs="*", help="page number prefixes to include (default: all)")
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
        # One throw-away load so Python imports and Plotly's bundle are warm, as for any real visitor after the first.
        warm = browser.new_page()
        warm.goto(base_url)
        warm.wait_for_selector(".js-plotly-plot", timeout=60_000)
        warm.goto(baseline_url)
        warm.wait_for_selector(".js-plotly-plot", timeout=60_000)
        warm.close()
        baseline = measure_page(browser, baseline_url, "app.py", args.presses)
        rows.append({**baseline, "page": "baseline (1 slider, 1 chart)"})
        for script in scripts:
            started = time.perf_counter()
            rows.append(measure_page(browser, base_url, script, args.presses))
            print(f"measured {script} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        browser.close()

    print(
        _row(
            [
                "page",
                "first chart (ms)",
                "median (ms)",
                "p95 (ms)",
                "payload median (kB)",
                "payload max (kB)",
                "presses",
            ]
        )
    )
    print(_row(["---"] * 7))
    baseline = rows[0]
    for row in rows:
        presses = f"{row.get('presses', 0)}" + (f" ({row['timeouts']} timed out)" if row.get("timeouts") else "")
        print(
            _row([
                str(row["page"]), _cell(row, "first_chart_ms"), _cell(row, "median_ms"), _cell(row, "p95_ms"),
                _cell(row, "payload_median_kb", 1), _cell(row, "payload_max_kb", 1), presses,
            ])
        )  # fmt: skip
    print()
    print("Over the baseline, measured side by side (page minus baseline; first chart target: baseline + 0.5 s):")
    for row in rows[1:]:
        extra = [f"{name} {_delta(row, baseline, key)}" for name, key in _DELTAS]
        print(f"  {row['page']}: " + ", ".join(extra))


_DELTAS = (("first chart", "first_chart_ms"), ("median", "median_ms"), ("p95", "p95_ms"))


def _delta(row: dict[str, object], baseline: dict[str, object], name: str) -> str:
    value, reference = row.get(name), baseline.get(name)
    return "—" if value is None or reference is None else f"{value - reference:+.0f} ms"


def _cell(row: dict[str, object], name: str, digits: int = 0) -> str:
    value = row.get(name)
    return "—" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
