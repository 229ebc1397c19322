#!/usr/bin/env bash
# Set up and start RoPE Lab on http://localhost:8501 (pass other streamlit flags after the script name).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh requirements.txt
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" --server.address "${ADDRESS:-localhost}" "$@"
