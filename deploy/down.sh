#!/usr/bin/env bash
# Stop HAProxy and every replica that deploy/up.sh started (same ROPELAB_RUN_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m deploy.cluster down
