"""RoPE Lab's own chart element: one Plotly chart per key, created once in the browser and updated in place.

Why not ``st.plotly_chart``: Streamlit 1.67 derives that element's id from the figure, so every changed figure
unmounts the old chart and draws a new one with ``Plotly.newPlot`` (100–300 ms for a multi-panel chart here), after
re-theming the whole figure as a string. This element is an ``st.components.v2`` component mounted with a key,
so its identity is the key alone; its script (``static/ropelab/chart.js``) keeps the plot ``<div>`` across reruns
and hands every new figure to ``Plotly.react``, which only redraws what changed and keeps the reader's zoom.

What travels: the figure dict with NumPy arrays as plotly.js typed arrays, serialised once with orjson into bytes
(the component passes bytes through untouched; a dict would be JSON-encoded twice and NumPy arrays would make it
fall back to ``str``). plotly.js itself is served by the app (``static/vendor/``, copied from the installed plotly
package at start, never committed) and loaded once per browser tab.

A chart may carry a scrubber (``spec.Scrub``): every stop's picture is computed here in advance, the browser
switches between them while the reader drags, and only the released value comes back to Python.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson
import plotly
import streamlit as st

from ropelab.figures.spec import Figure, Scrub, encode_arrays

REPO_ROOT = Path(__file__).resolve().parent.parent
# Streamlit serves <folder of the main script>/static at /app/static when server.enableStaticServing is on; every
# page of this app runs with app.py as the main script, so that folder is the repository's static/.
STATIC_DIR = REPO_ROOT / "static"
CHART_STYLES = STATIC_DIR / "ropelab" / "chart.css"
PLOTLY_SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
COMPONENT_NAME = "ropelab_chart"
SHARE_COMPONENT_NAME = "ropelab_share"
# The chart's key in session state and in the page's CSS classes (.st-key-chart_<key>): a prefix keeps chart keys
# from ever colliding with the short URL keys of controls (m, n, d, ...).
KEY_PREFIX = "chart_"
MAX_SCRUB_STOPS = 512
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024

_LOG = logging.getLogger(__name__)


@functools.cache
def plotly_js_version() -> str:
    """The version of the plotly.js bundle inside the installed plotly package (read from its banner comment)."""
    with open(PLOTLY_SOURCE, encoding="utf-8") as bundle:
        head = bundle.read(400)
    marker = "plotly.js v"
    start = head.find(marker)
    if start < 0:
        raise RuntimeError(f"cannot read the plotly.js version from {PLOTLY_SOURCE}")
    start += len(marker)
    end = start
    while end < len(head) and (head[end].isdigit() or head[end] == "."):
        end += 1
    return head[start:end]


def plotly_js_name() -> str:
    """File name of the served bundle; the version in the name lets browsers cache it forever (immutable)."""
    return f"plotly-{plotly_js_version()}.min.js"


def prepare_static_files(static_dir: Path = STATIC_DIR) -> Path:
    """Copy plotly.js from the installed package into static/vendor/ (once per version); return its path.

    Copied rather than linked: Streamlit's static route resolves symlinks and refuses targets outside static/.
    The copy is written to a temporary name and renamed, so a browser never receives half a file when several
    processes start at once. Idempotent; the file is git-ignored and never part of the repository.
    """
    target = static_dir / "vendor" / plotly_js_name()
    if target.is_file() and target.stat().st_size == PLOTLY_SOURCE.stat().st_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".plotly-", suffix=".tmp")
    os.close(handle)
    try:
        shutil.copy2(PLOTLY_SOURCE, temporary)  # copy2 keeps the package's mtime: a stable Last-Modified header
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _url_path(relative: str) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, "app/static", relative) if part)


@functools.cache
def _file_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _versioned(script: str) -> str:
    return f"{_url_path('ropelab/' + script)}?v={_file_version(STATIC_DIR / 'ropelab' / script)}"


@functools.cache
def _loader_script(script: str) -> str:
    # A component's inline script is resent with every instance on every rerun, so it is only this loader; the real
    # script, its styles and plotly.js are files the browser fetches once and caches. Versions in the URLs make a
    # new release reach browsers at once.
    settings = {
        "script": _versioned(script),
        "chart": _versioned("chart.js"),
        "styles": f"{_url_path('ropelab/chart.css')}?v={_file_version(CHART_STYLES)}",
        "plotly": _url_path(f"vendor/{plotly_js_name()}"),
    }
    return (
        f"const settings = {json.dumps(settings)};\n"
        "const element = import(new URL(settings.script, window.location.href).href);\n"
        "export default async function (component) {\n"
        "  return (await element).render(component, settings);\n"
        "}\n"
    )


@functools.cache
def _component(name: str, script: str) -> Callable[..., Any]:
    if name in (COMPONENT_NAME, SHARE_COMPONENT_NAME):  # the share link preloads plotly.js (share.js)
        try:
            prepare_static_files()
        except OSError as error:  # e.g. a read-only file system: the chart then says plotly.js could not be loaded
            _LOG.warning("could not prepare static/vendor/%s: %s", plotly_js_name(), error)
    # isolate_styles=False: plotly.js puts its own CSS (modebar, hover labels) in document.head, which a shadow
    # root would not see.
    return st.components.v2.component(name, js=_loader_script(script), isolate_styles=False)


def payload(
    figure: Figure,
    *,
    alt: str,
    config: Mapping[str, Any],
    dark_swaps: Mapping[str, str],
    scrub: Scrub | None = None,
) -> bytes:
    """The bytes the browser receives for one chart: figure, plotly config, alt text, dark palette, scrubber."""
    message: dict[str, Any] = {
        "figure": encode_arrays(figure),
        "config": dict(config),
        "alt": alt,
        "darkSwaps": dict(dark_swaps),
    }
    if scrub is not None:
        message["scrub"] = _scrub_message(scrub)
    data = orjson.dumps(message)
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"chart payload must be at most {MAX_PAYLOAD_BYTES} bytes, got {len(data)}")
    return data


def _scrub_message(scrub: Scrub) -> dict[str, Any]:
    stops = len(scrub.values)
    if not 2 <= stops <= MAX_SCRUB_STOPS:
        raise ValueError(f"a scrubber needs 2 to {MAX_SCRUB_STOPS} stops, got {stops}")
    if len(scrub.frames) != stops:
        raise ValueError(f"a scrubber needs one frame per stop: {stops} stops, {len(scrub.frames)} frames")
    if not 0 <= scrub.index < stops:
        raise ValueError(f"scrub index must be between 0 and {stops - 1}, got {scrub.index}")
    labels = scrub.labels if scrub.labels is not None else [f"{scrub.label} = {value:g}" for value in scrub.values]
    labels = list(labels)
    if len(labels) != stops:
        raise ValueError(f"a scrubber needs one label per stop: {stops} stops, {len(labels)} labels")
    return {
        "label": scrub.label,
        "index": scrub.index,
        "labels": labels,
        "traces": list(scrub.traces),
        "frames": [encode_arrays(dict(frame)) for frame in scrub.frames],
        "playMs": scrub.play_ms,
    }


def show(
    data: bytes,
    *,
    key: str,
    on_release: Callable[[], None] | None = None,
) -> Any:
    """Mount (or update) the chart element `key` with a payload from `payload()`."""
    callbacks = {"on_stop_change": on_release} if on_release is not None else {}
    mount = _component(COMPONENT_NAME, "chart.js")
    return mount(key=KEY_PREFIX + key, data=data, width="stretch", height="content", **callbacks)


def share_link(link: str, *, key: str) -> None:
    """The "Share this view" field: the browser keeps it equal to the address bar; `link` is where it starts."""
    _component(SHARE_COMPONENT_NAME, "share.js")(key=key, data=link, width="stretch", height="content")


def released_stop(key: str) -> int | None:
    """The stop index the reader released the scrubber of chart `key` at, if the browser has sent one."""
    state = st.session_state.get(KEY_PREFIX + key)
    value = state.get("stop") if isinstance(state, Mapping) else getattr(state, "stop", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def decode(data: bytes) -> dict[str, Any]:
    """The payload back as a dict (tests read charts this way)."""
    return orjson.loads(data)
