#!/usr/bin/env bash
# Start one RoPE Lab server process with the production flags. The only start command: run_app.sh, the
# load-balanced replicas in deploy/ and the Dockerfile all call this script, so they cannot drift apart.
# Environment: PORT (default 8501), ADDRESS (default localhost), PYTHON (default .venv/bin/python),
# APP_SCRIPT (default app.py; benchmarks/bench_pages.py serves its baseline page with it).
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-.venv/bin/python}"
# glibc gives every thread that allocates its own heap arena (up to 8 per core); Streamlit runs each rerun on a
# fresh thread, so freed memory ends up scattered over many arenas and RSS never comes back down after a class
# leaves. Two arenas keep it compact at no measurable cost in speed here.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec "$python_bin" -m ropelab.server run "${APP_SCRIPT:-app.py}" \
  --server.port "${PORT:-8501}" \
  --server.address "${ADDRESS:-localhost}" \
  --server.headless true \
  --server.fileWatcherType none \
  --browser.gatherUsageStats false \
  "$@"
