"""The Dockerfile, checked without Docker (no container can run on these machines).

What matters is that the image starts the app exactly as every tested path does: through scripts/serve.sh with
no flags of its own, so the container and the tested servers cannot drift apart.
"""

from __future__ import annotations

import http.server
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.deploy.dockerfile import REPO_ROOT, SERVE, arguments_of, image_command, image_env, position_of


def test_base_image_is_slim_python_new_enough_for_streamlit():
    (base,) = arguments_of("FROM")
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim", base)
    assert match, base
    assert (int(match[1]), int(match[2])) >= (3, 11), "Streamlit 1.67 needs Python 3.11 or newer"


def test_runs_as_a_non_root_user_from_app():
    users = arguments_of("USER")
    assert users and users[-1] not in {"root", "0", "0:0"}, users
    assert position_of(lambda name, rest: name == "USER") < position_of(lambda name, rest: name == "CMD")
    assert arguments_of("WORKDIR") == ["/app"]


def test_requirements_are_installed_before_the_code_is_copied():
    copy_requirements = position_of(lambda name, rest: name == "COPY" and rest.split()[0] == "requirements.txt")
    install = position_of(lambda name, rest: name == "RUN" and "pip install -r requirements.txt" in rest)
    copy_code = position_of(lambda name, rest: name == "COPY" and rest.split()[-2:] == [".", "."])
    assert copy_requirements < install < copy_code


def test_the_container_starts_exactly_the_tested_start_script():
    command = image_command()
    # No extra flags: every flag comes from scripts/serve.sh, the script the failover test runs on each replica.
    assert command == ["bash", SERVE], command
    env = image_env()
    assert env.get("ADDRESS") == "0.0.0.0", "inside a container the server must listen beyond loopback"
    assert env.get("PYTHON") == "python", "the image has no .venv; serve.sh must use the image's Python"
    assert "STREAMLIT_SERVER_COOKIE_SECRET" not in env, "the cookie secret comes from the runtime, never the image"
    # The script reads exactly these variables, so setting them is how the container configures it.
    serve = (REPO_ROOT / SERVE).read_text()
    for variable in ("PORT", "ADDRESS", "PYTHON"):
        assert "${" + variable in serve


def test_port_exposed_checked_and_served_agree():
    port = image_env().get("PORT")
    assert arguments_of("EXPOSE") == [port] == ["8501"]
    (healthcheck,) = arguments_of("HEALTHCHECK")
    assert f"127.0.0.1:{port}/_stcore/health" in healthcheck or f"localhost:{port}/_stcore/health" in healthcheck


def _healthcheck_code() -> str:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    command = shlex.split(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert command[:2] == ["python", "-c"], "a curl-free check: the slim image has Python but no curl"
    return command[2]


class _Health(http.server.BaseHTTPRequestHandler):
    body = b"ok"

    def do_GET(self):
        status = 200 if self.path == "/_stcore/health" else 404
        self.send_response(status)
        self.end_headers()
        self.wfile.write(self.body if status == 200 else b"")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("body", "healthy"), [(b"ok", True), (b"starting", False)])
def test_healthcheck_one_liner_tells_healthy_from_not(body, healthy):
    handler = type("Health", (_Health,), {"body": body})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = _healthcheck_code().replace(":8501/", f":{server.server_address[1]}/")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy, result.stderr


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".venv", "artifacts", ".pytest_cache", ".hypothesis", "deploy/.run"):
        assert entry in ignored, f"{entry} would be copied into the image"
    assert "requirements.txt" not in ignored and "scripts" not in ignored and ".streamlit" not in ignored


# Everything that starts the app for people: the scripts, the deployment, the image, CI and the docs.
_SKIP_DIRS = {".git", ".venv", "venv", "tests", "artifacts", ".pytest_cache", ".ruff_cache", ".hypothesis", ".run"}
_START_COMMAND = re.compile(r"streamlit\s+run\b|-m\s+streamlit\b|streamlit\.web\.(?:cli|bootstrap)")


def _served_files():
    for directory, subdirectories, files in os.walk(REPO_ROOT):
        subdirectories[:] = sorted(name for name in subdirectories if name not in _SKIP_DIRS and name != "__pycache__")
        for name in sorted(files):
            if Path(name).suffix not in {".png", ".jpg", ".svg", ".pyc", ".ico"}:
                yield (Path(directory) / name).relative_to(REPO_ROOT)


def test_no_other_start_command_exists():
    """Only scripts/serve.sh says `streamlit run`; run_app.sh, deploy/ and the Dockerfile go through it.

    tests/ is left out on purpose: test fixtures may start their own throw-away servers.
    """
    offenders = []
    for relative in _served_files():
        text = (REPO_ROOT / relative).read_text(errors="replace")
        if _START_COMMAND.search(text) and str(relative) != SERVE:
            offenders.append(str(relative))
    assert offenders == [], f"start commands outside {SERVE}: {offenders}"
    assert "serve.sh" in (REPO_ROOT / "scripts" / "run_app.sh").read_text()


def test_replicas_run_the_start_script_unchanged():
    from deploy import cluster

    assert cluster.replica_command() == ["bash", str(REPO_ROOT / SERVE)]
