"""Profile a running RoPE Lab server with py-spy and say where its CPU went, by owner and by function.

    .venv/bin/python benchmarks/profile_summary.py profile.txt        # summarise a py-spy raw (collapsed) file

The benchmarks call `record()` around the phase they measure. py-spy is not a project dependency: install it
where you like (`.venv/bin/pip install py-spy`, or `pip install --target /tmp/pyspy py-spy`) and pass its path
with --py-spy, or have it on PATH. It samples with `--gil`, i.e. only the thread holding the GIL, so a sample is
interpreter CPU (in this container py-spy cannot tell sleeping threads from running ones, so without `--gil` the
sleeping trim, watcher and pool threads would fill the profile). NumPy work that releases the GIL is not counted;
bench_server_cpu.py's process CPU does count it, so a page whose process CPU is far above its share here is
spending it in NumPy.

Each sample is charged to one owner: walking from the innermost frame outwards, the first frame that belongs to
Streamlit (split by subsystem), Plotly, our code (rope_core, ropelab, the page scripts), protobuf, or the web
server stack. NumPy, the standard library and C extensions are charged to whoever called them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# (owner, pattern on the file path); first match wins, so the specific Streamlit subsystems come first.
OWNERS: tuple[tuple[str, str], ...] = (
    ("st.cache: hashing the arguments", "streamlit/runtime/caching/hashing"),
    ("st.cache: storing/pickling values", "streamlit/runtime/caching/"),
    ("Streamlit: markdown / LaTeX / text elements", "streamlit/elements/(markdown|text|heading|alert|code)"),
    ("Streamlit: plotly_chart element (figure → JSON)", "streamlit/elements/plotly_chart"),
    ("Streamlit: widgets (registration, state)", "streamlit/elements/widgets/|streamlit/runtime/state/"),
    ("Streamlit: other elements and layout", "streamlit/elements/|streamlit/delta_generator"),
    ("Streamlit: components", "streamlit/components/"),
    ("Streamlit: per-run machinery (script runner, messages, session)", "streamlit/runtime/|streamlit/"),
    ("Plotly (plotly.py)", "/plotly/|_plotly_utils"),
    ("our code: page scripts", "(^|/)pages/|(^|/)app\\.py$"),
    ("our code: ropelab", "(^|/)ropelab/"),
    ("our code: rope_core", "(^|/)rope_core/"),
    ("protobuf serialisation", "google/protobuf"),
    ("web server, websocket, event loop", "uvicorn|starlette|anyio|websockets|asyncio/|selectors|h11|wsproto"),
)
# The launcher's frames sit at the root of the main thread's stack: they own nothing.
LAUNCHER = re.compile(r"(^|/)ropelab/(server|tuning)\.py$|<frozen runpy>|(^|/)click/")
OUR_FILES = re.compile(r"(^|/)(ropelab|rope_core|pages)/|(^|/)app\.py$")
REPO_PREFIX = str(Path(__file__).resolve().parent.parent) + "/"
STDLIB_OR_NATIVE = ("/lib/python3", "numpy/", "<frozen", "orjson", "pyarrow", "pandas/", "threading.py")


def py_spy_binary(explicit: str | None = None) -> str | None:
    candidates = [explicit] if explicit else []
    candidates += [shutil.which("py-spy") or "", str(Path(sys.executable).with_name("py-spy"))]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


@contextlib.contextmanager
def record(pid: int, output: Path, py_spy: str | None = None, rate: int = 200):
    """Sample `pid` with py-spy while the block runs; the raw stacks land in `output`. No py-spy: say so, skip."""
    binary = py_spy_binary(py_spy)
    if binary is None:
        print("py-spy not found (pass --py-spy PATH): not profiling", file=sys.stderr)
        yield None
        return
    process = subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--gil", "--rate", str(rate), "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield output
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        try:
            _, errors = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
        if not output.exists():
            print(f"py-spy wrote no profile: {errors.strip()[-500:]}", file=sys.stderr)


def _frames(stack: str) -> list[tuple[str, str, str]]:
    frames = []
    for part in stack.split(";"):
        match = FRAME.match(part.strip())
        if match:
            frames.append((match["function"], match["file"], match["line"] or ""))
        else:
            frames.append((part.strip(), "", ""))
    return frames


def owner_of(frames: list[tuple[str, str, str]]) -> str:
    for _, file, _ in reversed(frames):  # innermost first
        if LAUNCHER.search(file) or any(marker in file for marker in STDLIB_OR_NATIVE):
            continue
        for owner, pattern in OWNERS:
            if re.search(pattern, file):
                return owner
    return "other (threads, interpreter start, unknown)"


def summarise(raw: Path, top: int = 25) -> str:
    """A plain-text report: samples per owner, and the functions with the most samples of their own."""
    owners: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    lines_in_ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [frame for frame in _frames(stack) if not frame[0].startswith(("process ", "thread "))]
        if not frames:
            continue
        total += samples
        owners[owner_of(frames)] += samples
        function, file, number = frames[-1]
        leaves[f"{function} ({_short(file)}:{number})"] += samples
        ours = next(
            (frame for frame in reversed(frames) if OUR_FILES.search(frame[1]) and not LAUNCHER.search(frame[1])), None
        )
        if ours:
            lines_in_ours[f"{ours[0]} ({_short(ours[1])}:{ours[2]})"] += samples
    if not total:
        return f"{raw}: no samples"
    report = [f"{total} samples (GIL held) in {raw}", "", "| owner | share |", "|---|---|"]
    report += [f"| {owner} | {100 * count / total:.1f} % |" for owner, count in owners.most_common()]
    report += ["", f"Top {top} functions by own samples (innermost frame):", "| function | share |", "|---|---|"]
    report += [f"| {name} | {100 * count / total:.1f} % |" for name, count in leaves.most_common(top)]
    report += ["", f"Top {top} innermost lines of our code (what it was doing or calling when sampled):"]
    report += ["| line | share |", "|---|---|"]
    report += [f"| {name} | {100 * count / total:.1f} % |" for name, count in lines_in_ours.most_common(top)]
    return "\n".join(report)


def _short(file: str) -> str:
    for marker in ("site-packages/", REPO_PREFIX, "/lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(summarise(Path(sys.argv[1])))
