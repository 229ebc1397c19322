#!/usr/bin/env bash
# Set up and start RoPE Lab on http://localhost:8501 (extra streamlit flags may follow the script name).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh requirements.txt
echo "RoPE Lab: open http://${ADDRESS:-localhost}:${PORT:-8501}"
exec scripts/serve.sh "$@"
