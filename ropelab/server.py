"""Start Streamlit with the heavy libraries already imported, and frozen out of the garbage collector's way.

Plotly imports pandas lazily; when many sessions open a freshly started server at once, their script threads race
on that first import and some fail with "partially initialized module". Importing everything here, before the
server accepts a connection, removes the race.

Streamlit runs a full garbage collection after every script run (runner.postScriptGC), and a full collection
walks every object the process holds: with NumPy, pandas, Plotly and Streamlit loaded that was ~80 ms on the
development machine, about 40 % of the server's CPU under load. gc.freeze() moves everything that exists once the
imports are done (modules, classes, functions: nothing that ever becomes garbage) into a generation the collector
skips, so the per-run collection only walks what the runs themselves created, and still frees it.

glibc keeps memory freed by Python at the top of its heaps instead of giving it back, so after a class closes
its tabs the process stays bigger than it needs to be; a daemon thread asks glibc to release free pages every
10 s (malloc_trim, a few milliseconds), which brings the resident size back toward where it started.

Usage: python -m ropelab.server run app.py [streamlit flags].
"""

import ctypes
import ctypes.util
import gc
import importlib
import pkgutil
import sys
import threading
import time

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects
import plotly.io  # noqa: F401
import streamlit.elements.plotly_chart  # noqa: F401
from streamlit.web import cli

import rope_core
import ropelab.figures
import ropelab.ui


def import_app_modules() -> None:
    """Import every module a page can import, so they are loaded before the freeze."""
    for package in (rope_core, ropelab.figures):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")


def release_free_memory_periodically(every_seconds: float = 10.0) -> None:
    """Start a daemon thread that hands glibc's free heap pages back to the system every `every_seconds`."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is None:  # not glibc (e.g. musl or macOS): nothing to trim
        return

    def loop() -> None:
        while True:
            time.sleep(every_seconds)
            trim(0)

    threading.Thread(target=loop, name="ropelab-malloc-trim", daemon=True).start()


if __name__ == "__main__":
    import_app_modules()
    release_free_memory_periodically()
    gc.collect()
    gc.freeze()
    sys.exit(cli.main(prog_name="streamlit"))
