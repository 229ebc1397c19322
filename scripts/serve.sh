#!/usr/bin/env bash
# Start one RoPE Lab server process with the production flags. The only start command: run_app.sh, the
# load-balanced replicas in deploy/ and the Dockerfile all call this script, so they cannot drift apart.
# Environment: PORT (default 8501), ADDRESS (default localhost), PYTHON (default .venv/bin/python),
# APP_SCRIPT (default app.py; benchmarks/bench_pages.py serves its baseline page with it).
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-.venv/bin/python}"
exec "$python_bin" -m ropelab.server run "${APP_SCRIPT:-app.py}" \
  --server.port "${PORT:-8501}" \
  --server.address "${ADDRESS:-localhost}" \
  --server.headless true \
  --server.fileWatcherType none \
  --browser.gatherUsageStats false \
  "$@"
