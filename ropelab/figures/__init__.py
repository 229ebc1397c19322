"""Figure builders: plain functions, arrays in, plotly Figure out; no Streamlit here so tests can call them."""
