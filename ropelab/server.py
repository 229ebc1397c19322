"""Start Streamlit with the heavy libraries already imported.

Plotly imports pandas lazily; when many sessions open a freshly started server at once, their script threads race
on that first import and some fail with "partially initialized module". Importing everything here, before the
server accepts a connection, removes the race. Usage: python -m ropelab.server run app.py [streamlit flags].
"""

import sys

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects
import plotly.io  # noqa: F401
from streamlit.web import cli

import rope_core  # noqa: F401

if __name__ == "__main__":
    sys.exit(cli.main(prog_name="streamlit"))
