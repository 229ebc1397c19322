"""RoPE Lab's app layer: chapter registry, shared Streamlit glue and Plotly figure builders."""
