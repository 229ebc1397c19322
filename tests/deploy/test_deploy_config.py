"""The generated HAProxy config, the run directory and the security settings, checked without starting servers.

The failover test (test_failover.py) runs this config for real; these tests pin down each property it needs, so a
change to the generator that breaks one of them fails with a clear message.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib

import pytest

from deploy import cluster

REPO_ROOT = cluster.REPO_ROOT
PORTS = {"r1": 8501, "r2": 8502, "r3": 8503}


def _config(**kwargs) -> str:
    return cluster.haproxy_config(8500, PORTS, **kwargs)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_cookie_affinity_with_redispatch():
    lines = _lines(_config())
    assert 'cookie SRV insert indirect nocache httponly attr "SameSite=Lax"' in lines
    assert "option redispatch" in lines, "a dead replica's visitors must move to a live one"
    assert any(re.fullmatch(r"retries [1-9]\d*", line) for line in lines)
    for name, port in PORTS.items():
        assert f"server {name} 127.0.0.1:{port} cookie {name}" in lines, "each server needs its own cookie value"


def test_health_checks_use_streamlits_endpoint():
    lines = _lines(_config())
    assert "option httpchk GET /_stcore/health" in lines
    assert "http-check expect string ok" in lines
    default_server = next(line for line in lines if line.startswith("default-server"))
    assert " check" in f" {default_server}" and "fall" in default_server and "rise" in default_server
    timeouts = dict(line.split()[1:3] for line in lines if line.startswith("timeout "))
    assert "check" in timeouts and int(timeouts["check"].rstrip("s")) >= 3, (
        "a busy replica answers health checks slowly; a short check timeout would take every replica out at once"
    )


def test_websockets_get_a_long_tunnel_timeout():
    timeouts = dict(line.split()[1:3] for line in _lines(_config()) if line.startswith("timeout "))
    assert "tunnel" in timeouts, "without `timeout tunnel` an idle websocket is cut after `timeout client`"
    hours = {"h": 3600, "m": 60, "s": 1}
    tunnel = int(timeouts["tunnel"][:-1]) * hours[timeouts["tunnel"][-1]]
    assert tunnel >= 600, "a student may read for many minutes without touching a control"
    assert "mode http" in _lines(_config()), "HTTP mode: cookies are read and the websocket upgrade is understood"


def test_everything_binds_to_loopback_only():
    text = _config(stats_socket=REPO_ROOT / "deploy" / ".run" / "haproxy.sock")
    binds = [line for line in _lines(text) if line.startswith("bind ")]
    assert binds == ["bind 127.0.0.1:8500"]
    servers = [line.split()[2] for line in _lines(text) if line.startswith("server ")]
    assert servers and all(address.startswith("127.0.0.1:") for address in servers)
    assert "stats socket" in text and "mode 600" in text, "the stats socket is for this user only"
    assert cluster.replica_env(8501, "s")["ADDRESS"] == "127.0.0.1"


def test_replica_count_is_bounded():
    assert cluster.replica_names(2) == ["r1", "r2"]
    for bad in (0, -1, cluster.MAX_REPLICAS + 1):
        with pytest.raises(ValueError):
            cluster.replica_names(bad)


def _haproxy() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not found:
        message = "HAProxy is not installed (apt-get install -y haproxy; scripts/test.sh does it as root)"
        if os.environ.get("ROPELAB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("replicas", [1, 2, 4])
def test_haproxy_itself_accepts_the_generated_config(tmp_path, replicas):
    names = cluster.replica_names(replicas)
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        cluster.haproxy_config(
            18500, {name: 18500 + index for index, name in enumerate(names, 1)}, stats_socket=tmp_path / "s.sock"
        )
    )
    result = subprocess.run([_haproxy(), "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cookie_secret_is_generated_once_private_and_per_run(tmp_path):
    first = cluster.RunDir(tmp_path / "a")
    secret = cluster.cookie_secret(first)
    assert len(secret) >= 32 and secret == cluster.cookie_secret(first), "one secret per run dir, reused"
    assert stat.S_IMODE(first.secret_file.stat().st_mode) == 0o600
    assert cluster.cookie_secret(cluster.RunDir(tmp_path / "b")) != secret
    env = cluster.replica_env(8501, secret)
    assert env[cluster.SECRET_ENV] == secret and env["PORT"] == "8501"


def test_run_state_is_never_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/.run/cookie_secret"], cwd=REPO_ROOT, check=False
    ).returncode
    assert ignored == 0, "deploy/.run/ must be in .gitignore: it holds the cookie secret"
    config = (REPO_ROOT / ".streamlit" / "config.toml").read_text()
    assert "cookieSecret" not in config.replace("# ", ""), "the cookie secret comes from the environment per run"


def test_up_and_down_commands_exist_and_use_the_generator():
    for name in ("up.sh", "down.sh"):
        script = REPO_ROOT / "deploy" / name
        assert os.access(script, os.X_OK), f"deploy/{name} must be executable"
        assert "deploy.cluster" in script.read_text()
    result = subprocess.run(
        [sys.executable, "-m", "deploy.cluster", "config", "--replicas", "3", "--port", "8500"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert _lines(result.stdout) == _lines(cluster.haproxy_config(8500, PORTS, stats_socket=None))


def test_down_on_an_empty_run_dir_is_harmless(tmp_path):
    assert cluster.stop(tmp_path / "nothing") == []
    assert cluster.status(tmp_path / "nothing") == {}


# ---------------------------------------------------------------------------------------------------------
# Security settings: on in the config, documented there, and not switched off by any start path
# ---------------------------------------------------------------------------------------------------------

CONFIG_PATH = REPO_ROOT / ".streamlit" / "config.toml"
SECURITY_KEYS = (
    "server.enableXsrfProtection",
    "server.enableCORS",
    "server.maxMessageSize",
    "server.maxCacheDataSize",
    "browser.gatherUsageStats",
    "client.toolbarMode",
    "client.showErrorDetails",
)


def _documented_keys() -> dict[str, bool]:
    """{section.key: has a comment right above it} for every key in .streamlit/config.toml."""
    section = ""
    commented = False
    found: dict[str, bool] = {}
    for line in CONFIG_PATH.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section, commented = stripped.strip("[]"), False
        elif stripped.startswith("#"):
            commented = True
        elif "=" in stripped:
            found[f"{section}.{stripped.split('=')[0].strip()}"] = commented
            commented = False
        else:
            commented = False
    return found


@pytest.mark.parametrize("key", SECURITY_KEYS)
def test_each_security_setting_is_set_and_explained(key):
    documented = _documented_keys()
    assert key in documented, f"{key} is not set in .streamlit/config.toml"
    assert documented[key], f"{key} has no comment above it saying why"


def test_no_security_setting_is_weakened():
    config = tomllib.loads(CONFIG_PATH.read_text())
    server = config["server"]
    assert "*" not in server.get("corsAllowedOrigins", []), "a wildcard origin would undo the CORS check"
    assert server.get("address") in (None, "localhost", "127.0.0.1"), "the address comes from PORT/ADDRESS"
    assert not config.get("global", {}).get("developmentMode", False)


def test_no_start_path_turns_protection_off():
    """XSRF and CORS stay on everywhere the app is started: no flag or env var switches them off."""
    switches = re.compile(r"enable[_-]?(xsrf|cors)|ENABLE_(XSRF|CORS)|enableXsrfProtection|enableCORS", re.IGNORECASE)
    for relative in ("scripts/serve.sh", "scripts/run_app.sh", "Dockerfile", "deploy/up.sh", "deploy/cluster.py"):
        text = (REPO_ROOT / relative).read_text()
        assert not switches.search(text), f"{relative} touches XSRF/CORS settings"
    env = cluster.replica_env(8501, "secret")
    assert not any(switches.search(name) for name in env if name.startswith("STREAMLIT_")), env
