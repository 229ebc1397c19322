#!/usr/bin/env bash
# Set up and run every check: lint, format, unit and property tests, AppTests, and the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh requirements-dev.txt

# The browser tests drive Debian's Chromium; install it (and emoji/CJK fonts for faithful screenshots) as root.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji fonts-noto-cjk >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium fonts-noto-color-emoji fonts-noto-cjk'." >&2
    exit 1
  fi
fi

# The failover test (tests/deploy) runs two replicas behind Debian's HAProxy; install it the same way.
if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  else
    echo "HAProxy is missing: run 'sudo apt-get install -y haproxy'." >&2
    exit 1
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Browser tests must run, never silently skip: the fixtures fail instead of skipping when this is set.
export ROPELAB_REQUIRE_BROWSER=1
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
