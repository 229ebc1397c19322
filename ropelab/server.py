"""Start Streamlit for RoPE Lab with the process tuned before the server accepts its first connection.

The tuning itself (allocator arenas, importing every app module up front, the malloc_trim thread, gc.freeze) lives
in ropelab/tuning.py, which the pages also import, so it holds under Streamlit's own start command as well (that is
how Streamlit Community Cloud starts app.py). Starting through here only makes it happen earlier: before any
thread but the main one exists (so the arena limit covers every thread) and before the first visitor, whose first
page would otherwise pay the imports.

Usage: python -m ropelab.server run app.py [streamlit flags]   (scripts/serve.sh is the one place that calls it)
"""

import sys

import ropelab.tuning  # noqa: F401  (importing it tunes the process; first, before anything starts a thread)

if __name__ == "__main__":
    from streamlit.web import cli

    sys.exit(cli.main(prog_name="streamlit"))
