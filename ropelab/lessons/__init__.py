"""Each chapter's own computations and course text, one module per chapter: ``cNN_<page name>.py``.

Pure: NumPy, the standard library, rope_core, ropelab.numbers and earlier chapters' lessons only (no Streamlit, no
Plotly; tests/test_architecture.py checks it). What several chapters need belongs in rope_core instead.
"""
