"""Process tuning for a RoPE Lab server, applied once per process whichever way the process was started.

Importing this module tunes the process (and `apply()` may be called again at no cost: it is idempotent and
thread-safe). `scripts/serve.sh` runs ropelab/server.py, which imports it first, before the server accepts a
connection. Streamlit Community Cloud starts `app.py` with Streamlit's own command instead, so `ropelab/ui.py`,
which every page imports, imports it too: there the tuning happens during the first page run of the process, on
that run's thread, while other sessions opening at the same moment wait for it.

What it does, in this order:

1. `mallopt(M_ARENA_MAX, 2)` (glibc). glibc gives threads that allocate their own heap arenas, up to 8 per core;
   Streamlit runs every script run on a fresh thread, so freed memory ends up scattered over many arenas and RSS
   does not come back down after a class leaves. The setting only limits arenas created *afterwards*: arenas that
   already exist stay. Under serve.sh nothing but the main thread has allocated yet, so the effect equals the
   MALLOC_ARENA_MAX=2 environment variable; under Streamlit's own command the server's threads and the first
   script thread already have theirs (9 arenas measured on 2 cores; glibc's own limit there is 16), and later
   threads reuse those instead of adding more.
2. One thread for NumPy's OpenBLAS. OpenBLAS starts a thread per core and its idle threads spin while they wait for
   work, so a rerun whose arrays are big enough to be split burned CPU on both cores for little gain: 161 → 50 ms
   of process CPU per slider move on chapter 7, 157 → 50 ms on chapter 15, at the same latency. A server runs many
   sessions at once; their parallelism is the sessions, not the matrix products. Set through the
   OPENBLAS_NUM_THREADS / OMP_NUM_THREADS environment variables before NumPy loads (serve.sh), or through
   OpenBLAS's own set_num_threads call when NumPy is already loaded (Streamlit's command imports it before the
   first page runs). A value already set in the environment is respected.
3. Import every module a page can import (rope_core, ropelab, NumPy, pandas, Plotly). Plotly imports pandas lazily;
   when many sessions open a fresh server at once, their script threads race on that first import and some fail
   with "partially initialized module". Importing everything first removes the race.
4. A daemon thread that calls glibc's `malloc_trim(0)` every 10 s (a few milliseconds): glibc keeps memory freed by
   Python at the top of its heaps instead of returning it, so after the tabs close the process stays bigger than it
   needs to be.
5. `gc.collect()` then `gc.freeze()`. Streamlit runs a full garbage collection after every script run
   (runner.postScriptGC); a full collection walks every object the process holds, which with NumPy, pandas, Plotly
   and Streamlit loaded was ~80 ms, about 40 % of the server's CPU under load. Freezing moves everything that
   exists now (modules, classes, functions: nothing that becomes garbage) into a generation the collector skips.
   Under Streamlit's own command the freeze also catches the first session's few objects of the moment; frozen
   objects are still freed by reference counting, only cycles among them would stay.
   Started through serve.sh, the tuning runs before Streamlit has parsed its config and imported its web server
   (1,100 config options, ~180 modules: 18,000 objects every collection walked again, ~6 ms per run). So a thread
   freezes once more when the server has started and while no session exists yet (under Streamlit's own command
   the server is already up at the first freeze).

Set ROPELAB_DIAGNOSTICS_FILE=/some/path to make the process append one JSON line per second (every
ROPELAB_DIAGNOSTICS_EVERY seconds) with what the tuning changed and what the process holds: the freeze count, the
threads, glibc's arena count and heap statistics, RSS, Python's allocated blocks and Streamlit's session counts. The
tuning test and the memory benchmark read it; without the variable nothing is written.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib
import json
import os
import pkgutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

M_ARENA_MAX = -8  # glibc's malloc.h: mallopt parameter for the maximum number of arenas
ARENA_MAX = 2
BLAS_THREADS = 1
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
TRIM_EVERY_SECONDS = 10.0
TRIM_THREAD_NAME = "ropelab-malloc-trim"
LATE_FREEZE_THREAD_NAME = "ropelab-late-freeze"
DIAGNOSTICS_THREAD_NAME = "ropelab-diagnostics"
DIAGNOSTICS_FILE_ENV = "ROPELAB_DIAGNOSTICS_FILE"
DIAGNOSTICS_EVERY_ENV = "ROPELAB_DIAGNOSTICS_EVERY"

# Re-entrant, so that an apply() reached again from inside step 2 (a module importing this one) returns at once.
_lock = threading.RLock()
_state: dict[str, Any] = {
    "applied_by": None, "arena_max_set": False, "arenas_before": None, "seconds": None, "import_errors": {},
    "blas_threads_set_by": None, "late_freeze": None, "frozen_first": None,
}  # fmt: skip


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def _is_glibc(libc: ctypes.CDLL | None) -> bool:
    return libc is not None and hasattr(libc, "gnu_get_libc_version")


def apply() -> bool:
    """Tune this process once. Returns True if this call did the work, False if it was done already."""
    with _lock:
        if _state["applied_by"] is not None:
            return False
        # The thread says which path tuned the process: MainThread under serve.sh, a script thread otherwise.
        _state["applied_by"] = threading.current_thread().name
        started = time.perf_counter()
        libc = _libc()
        diagnostics = os.environ.get(DIAGNOSTICS_FILE_ENV)
        if _is_glibc(libc):
            if diagnostics:
                _state["arenas_before"] = malloc_arena_count()
            _state["arena_max_set"] = libc.mallopt(M_ARENA_MAX, ARENA_MAX) == 1
        _state["blas_threads_set_by"] = limit_blas_threads()
        import_app_modules()
        if _is_glibc(libc):
            _start_daemon(TRIM_THREAD_NAME, _trim_loop, libc.malloc_trim)
        gc.collect()
        gc.freeze()
        _state["frozen_first"] = gc.get_freeze_count()
        if not _runtime_started():
            _start_daemon(LATE_FREEZE_THREAD_NAME, _freeze_once_serving)
        _state["seconds"] = time.perf_counter() - started
        if diagnostics:
            every = float(os.environ.get(DIAGNOSTICS_EVERY_ENV) or 1.0)
            _start_daemon(DIAGNOSTICS_THREAD_NAME, _diagnostics_loop, Path(diagnostics), every)
        return True


def limit_blas_threads() -> str | None:
    """One OpenBLAS thread (step 2 above); returns how it was set, or None when the environment chose already."""
    if any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        return None
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = str(BLAS_THREADS)
    if "numpy" not in sys.modules:
        return "environment"  # read by OpenBLAS when NumPy loads
    for library in _loaded_openblas():
        for symbol in _OPENBLAS_SETTERS:
            setter = getattr(library, symbol, None)
            if setter is not None:
                setter(BLAS_THREADS)
                return f"{symbol}()"
    return "environment (OpenBLAS not found)"


# NumPy's wheels rename OpenBLAS's symbols (scipy_openblas…64_); a system OpenBLAS uses the plain names.
_OPENBLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads")
_OPENBLAS_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads")


def _loaded_openblas() -> list[ctypes.CDLL]:
    """The OpenBLAS libraries this process has loaded (read from /proc/self/maps; loading them again is free)."""
    paths = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if "openblas" in Path(path).name.lower():
                paths.add(path)
    libraries = []
    for path in sorted(paths):
        with contextlib.suppress(OSError):
            libraries.append(ctypes.CDLL(path))
    return libraries


def blas_threads() -> int | None:
    """How many threads the loaded OpenBLAS uses, or None if no OpenBLAS is loaded."""
    for library in _loaded_openblas():
        for symbol in _OPENBLAS_GETTERS:
            getter = getattr(library, symbol, None)
            if getter is not None:
                return int(getter())
    return None


def import_app_modules() -> None:
    """Import the libraries the pages use and every module of rope_core and ropelab (the launcher excepted)."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import plotly.graph_objects
    import plotly.io  # noqa: F401
    import streamlit.elements.plotly_chart  # noqa: F401

    for package_name in ("rope_core", "ropelab"):
        package = _import_early(package_name)
        if package is None:
            continue
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.", onerror=lambda name: None):
            if module.name != "ropelab.server":  # the launcher, not a page dependency
                _import_early(module.name)


def _import_early(name: str):
    """Import one module, or record why not. Importing early is an optimisation, never a reason not to start: a
    module that cannot be imported now (broken, or importing ropelab.ui while ui itself is being imported) is
    imported by its page later, and the page then shows any real error itself."""
    try:
        return importlib.import_module(name)
    except Exception as error:
        _state["import_errors"][name] = f"{type(error).__name__}: {error}"
        print(f"ropelab.tuning: {name} not imported early: {error}", file=sys.stderr)
        return None


def _start_daemon(name: str, target, *args) -> None:
    # A reloaded copy of this module (Streamlit re-imports changed files) must not add a second thread.
    if any(thread.name == name for thread in threading.enumerate()):
        return
    threading.Thread(target=target, args=args, name=name, daemon=True).start()


def _runtime_started() -> bool:
    with contextlib.suppress(Exception):
        from streamlit.runtime import Runtime

        return Runtime.exists() and Runtime.instance().state.name != "INITIAL"
    return False


def _freeze_once_serving(timeout: float = 120.0) -> None:
    """Freeze again once Streamlit's runtime runs, if no session has connected yet (then every object is the
    server's own). Gives up after `timeout` s or as soon as a session exists: freezing a session's objects would
    keep any cycles among them alive for good."""
    from streamlit.runtime import Runtime

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.25)
        if Runtime.exists() and Runtime.instance().state.name == "NO_SESSIONS_CONNECTED":
            time.sleep(1.0)  # the web server finishes starting (its imports) right after the runtime
            with _lock:
                counts = _session_counts()
                idle = Runtime.instance().state.name == "NO_SESSIONS_CONNECTED"
                if idle and counts and not counts["active_sessions"] and not counts["stored_sessions"]:
                    gc.collect()
                    gc.freeze()
                    _state["late_freeze"] = "done"
                else:
                    _state["late_freeze"] = "skipped: a session had connected"
            return
    _state["late_freeze"] = "skipped: the runtime did not start"


def _trim_loop(trim) -> None:
    while True:
        time.sleep(TRIM_EVERY_SECONDS)
        trim(0)


# ---------------------------------------------------------------------------------------------------------
# Diagnostics (only with ROPELAB_DIAGNOSTICS_FILE set)
# ---------------------------------------------------------------------------------------------------------


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                     "keepcost")
    ]  # fmt: skip


def malloc_arena_count() -> int | None:
    """How many heap arenas glibc has created in this process (from malloc_info's XML), or None off glibc."""
    libc = _libc()
    if not _is_glibc(libc):
        return None
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    with tempfile.NamedTemporaryFile(prefix="ropelab-malloc-info-") as scratch:
        stream = libc.fopen(scratch.name.encode(), b"w")
        if not stream:
            return None
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        return Path(scratch.name).read_text().count("<heap nr=")


def malloc_statistics() -> dict[str, int]:
    """glibc's mallinfo2 in bytes: heap obtained from the system, in use, free inside the heaps, mmapped."""
    libc = _libc()
    if not _is_glibc(libc) or not hasattr(libc, "mallinfo2"):
        return {}
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {"heap": info.arena, "in_use": info.uordblks, "free": info.fordblks, "mmapped": info.hblkhd}


def _rss_kb() -> dict[str, int]:
    """Resident memory in kB: all, anonymous (heaps, Python objects, arrays), file-backed (shared libraries)."""
    fields = {"VmRSS:": "rss_kb", "RssAnon:": "rss_anon_kb", "RssFile:": "rss_file_kb"}
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name = line.split(maxsplit=1)[0] if line else ""
        if name in fields:
            found[fields[name]] = int(line.split()[1])
    return found


def _session_counts() -> dict[str, int]:
    """Open sessions, and disconnected ones still stored for a reconnect (Streamlit internals, read without locking:
    the raw sizes only, since the public listings reap expired entries, which must not happen from this thread)."""
    with contextlib.suppress(Exception):  # absent before the runtime exists, or renamed in another version
        from streamlit.runtime import Runtime

        if Runtime.exists():
            manager = Runtime.instance()._session_mgr
            return {
                "active_sessions": len(manager._active_session_info_by_id),
                "stored_sessions": len(manager._session_storage._cache._data),
            }
    return {}


def snapshot() -> dict[str, Any]:
    """What the tuning did and what this process holds right now."""
    threads = sorted(thread.name for thread in threading.enumerate())
    return {
        "pid": os.getpid(),
        "time": time.time(),
        "applied_by": _state["applied_by"],
        "apply_seconds": _state["seconds"],
        "import_errors": _state["import_errors"],
        "arena_max_set": _state["arena_max_set"],
        "malloc_arenas_before_tuning": _state["arenas_before"],
        "blas_threads_set_by": _state["blas_threads_set_by"],
        "blas_threads": blas_threads(),
        "late_freeze": _state["late_freeze"],
        "gc_freeze_count": gc.get_freeze_count(),
        "gc_frozen_by_first_freeze": _state["frozen_first"],
        # Not len(gc.get_objects()): that hands this thread references to objects other threads are still building
        # (a tuple being filled must have one owner), and their runs then fail with SystemError.
        "trim_thread_alive": TRIM_THREAD_NAME in threads,
        "threads": threads,
        "malloc_arenas": malloc_arena_count(),
        "malloc": malloc_statistics(),
        **_rss_kb(),
        "python_allocated_blocks": sys.getallocatedblocks(),
        **_session_counts(),
    }


def _diagnostics_loop(path: Path, every: float) -> None:
    while True:
        with contextlib.suppress(Exception), path.open("a") as handle:
            handle.write(json.dumps(snapshot()) + "\n")
        time.sleep(every)


apply()
