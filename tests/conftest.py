"""Shared pytest setup: show full error details inside AppTest so failures name their cause."""

import os

from streamlit import config as streamlit_config

# The app redacts exception details for viewers (.streamlit/config.toml); tests want the real message.
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
streamlit_config.set_option("client.showErrorDetails", "full")
