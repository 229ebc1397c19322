"""The fragment yardstick for bench_server_cpu.py: benchmarks/baseline_app.py with its slider and chart in a fragment.

Moving the slider reruns only the fragment, so its cost is the floor of a fragment rerun on this machine: what a
chapter section with one slider and one chart costs once it is an `@st.fragment`, before any RoPE Lab code runs.
"""

import numpy as np
import streamlit as st

st.title("Baseline: one slider, one chart, in a fragment")


@st.fragment
def curve() -> None:
    frequency = st.slider("Frequency", 1, 100, 10, key="f", bind="query-params")
    x = np.linspace(0.0, 10.0, 200, dtype=np.float32)
    st.plotly_chart({"data": [{"type": "scatter", "x": x, "y": np.sin(x * frequency / 10.0)}]}, key="curve")


curve()
