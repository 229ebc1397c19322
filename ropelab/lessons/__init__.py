"""Page logic that is not a formula: reading inputs, arranging rope_core's answers (pure; no Streamlit, no Plotly)."""
