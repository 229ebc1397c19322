#!/usr/bin/env bash
# Start N RoPE Lab replicas (default 2) behind HAProxy on http://127.0.0.1:PORT (default 8500); loopback only.
# Usage: deploy/up.sh [N] [PORT]     Stop with deploy/down.sh.
# Environment: ROPELAB_RUN_DIR (default deploy/.run: secret, pids, logs), ROPELAB_DEPLOY_TTL (seconds after
# which everything stops by itself; unset = run until down.sh), PYTHON (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m deploy.cluster up --replicas "${1:-2}" --port "${2:-8500}"
