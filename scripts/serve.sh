#!/usr/bin/env bash
# Start one RoPE Lab server process with the production flags. The only start command: run_app.sh, the
# load-balanced replicas in deploy/ and the Dockerfile all call this script, so they cannot drift apart.
# Environment: PORT (default 8501), ADDRESS (default localhost), PYTHON (default .venv/bin/python),
# APP_SCRIPT (default app.py; benchmarks/bench_pages.py serves its baseline page with it).
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-.venv/bin/python}"
# ropelab.server imports ropelab/tuning.py before anything else: two glibc heap arenas (mallopt), every app module
# imported up front, a malloc_trim thread and gc.freeze. The pages import the same module, so a start without this
# script (Streamlit Community Cloud) gets the same tuning during its first page run; see the README's Hosting part.
exec "$python_bin" -m ropelab.server run "${APP_SCRIPT:-app.py}" \
  --server.port "${PORT:-8501}" \
  --server.address "${ADDRESS:-localhost}" \
  --server.headless true \
  --server.fileWatcherType none \
  --browser.gatherUsageStats false \
  "$@"
