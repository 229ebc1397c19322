"""The yardstick for bench_pages.py: the smallest page of the same kind, one URL-bound slider and one Plotly chart.

Served with the app's own start script and measured in the same run as the real pages, it shows what Streamlit and
Plotly cost on this machine before any RoPE Lab code runs, so page figures can be read against it.
"""

import numpy as np
import streamlit as st

st.title("Baseline: one slider, one chart")
frequency = st.slider("Frequency", 1, 100, 10, key="f", bind="query-params")
x = np.linspace(0.0, 10.0, 200, dtype=np.float32)
st.plotly_chart({"data": [{"type": "scatter", "x": x, "y": np.sin(x * frequency / 10.0)}]}, key="curve")
