"""The process tuning (ropelab/tuning.py) holds however the server is started, read from inside the server process.

Each test starts a real server on a free port with ROPELAB_DIAGNOSTICS_FILE set, so the server process itself
writes what it holds (gc freeze count, its threads, glibc's arena count) once every half second. One server is
started the way Streamlit Community Cloud starts an app, with Streamlit's own command on app.py and nothing of
ours in between; the other through scripts/serve.sh. Sessions are opened over the websocket (several at once, so
script runs overlap on separate threads), and the test reads the diagnostics afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.ws_client import Session, Stats
from deploy import cluster
from ropelab import tuning

REPO_ROOT = cluster.REPO_ROOT
pytestmark = pytest.mark.timeout(240)


def _server_env(diagnostics: Path, port: int) -> dict[str, str]:
    # The server must run with the production settings, not the ones the test process set for AppTest.
    env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    for name in tuning.BLAS_THREAD_VARIABLES:  # the tuning chooses the thread count only when nobody else did
        env.pop(name, None)
    env.update(
        {tuning.DIAGNOSTICS_FILE_ENV: str(diagnostics), tuning.DIAGNOSTICS_EVERY_ENV: "0.5"},
        PORT=str(port), ADDRESS="127.0.0.1", PYTHON=sys.executable,
    )  # fmt: skip
    return env


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{env['PORT']}{cluster.HEALTH_PATH}"
    try:
        cluster.wait_healthy(url, 120, [process])
    except BaseException:
        _stop(process)
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _open_sessions(base_url: str) -> Stats:
    """One tab, then six at once (their script runs overlap on separate threads); each moves a slider twice."""
    stats = Stats()

    async def tab() -> None:
        session = Session(base_url, stats)
        try:
            await session.open("")
            for _ in range(2):
                await session.move_slider()
        finally:
            await session.close()

    async def main() -> None:
        await tab()
        await asyncio.gather(*(tab() for _ in range(6)))

    asyncio.run(main())
    return stats


def _latest(diagnostics: Path, newer_than: float) -> dict:
    """The server's newest diagnostics line written after `newer_than` (wall time)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if diagnostics.exists():
            lines = [json.loads(line) for line in diagnostics.read_text().splitlines() if line.strip()]
            if lines and lines[-1]["time"] > newer_than:
                return lines[-1]
        time.sleep(0.2)
    raise AssertionError(f"the server wrote no diagnostics to {diagnostics}")


def test_plain_streamlit_start_gets_the_tuning_on_the_first_page_run(tmp_path):
    """Community Cloud's way: Streamlit's own command on app.py. The pages' import of ropelab.ui tunes the process."""
    port = cluster.free_port_block(1)
    diagnostics = tmp_path / "diagnostics.jsonl"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
        "127.0.0.1", "--server.headless", "true", "--global.developmentMode", "false",
    ]  # fmt: skip
    process = _start(command, _server_env(diagnostics, port), tmp_path / "plain.log")
    try:
        time.sleep(1.0)
        assert not diagnostics.exists(), "nothing of RoPE Lab runs before the first page: the tuning must wait for it"
        stats = _open_sessions(f"http://127.0.0.1:{port}")
        assert stats.errors == {}, stats.errors
        state = _latest(diagnostics, time.time())
    finally:
        _stop(process)
    assert state["pid"] == process.pid
    assert state["applied_by"].startswith("ScriptRunner"), "tuned during the first page run, on its script thread"
    assert state["import_errors"] == {}
    assert state["gc_freeze_count"] > 10_000, "gc.freeze() must have moved the imported modules out of the way"
    assert state["trim_thread_alive"], state["threads"]
    assert state["threads"].count(tuning.TRIM_THREAD_NAME) == 1
    assert state["arena_max_set"] is True
    # The arena limit applies from the first page run on: the arenas the server's own threads made before it stay,
    # but the script threads of the seven tabs (six at once) added none.
    assert state["malloc_arenas"] <= max(tuning.ARENA_MAX, state["malloc_arenas_before_tuning"]), state
    # Streamlit's command has loaded NumPy before the first page, so the tuning tells the loaded OpenBLAS itself.
    assert state["blas_threads"] == tuning.BLAS_THREADS, state
    assert state["blas_threads_set_by"].endswith("()"), state


def test_the_start_script_tunes_before_serving_and_keeps_two_arenas(tmp_path):
    port = cluster.free_port_block(1)
    diagnostics = tmp_path / "diagnostics.jsonl"
    process = _start(["bash", str(cluster.SERVE_SCRIPT)], _server_env(diagnostics, port), tmp_path / "serve.log")
    try:
        before_any_page = _latest(diagnostics, 0)
        # Once the server runs, with nobody connected, it freezes again (its config and web server came after the
        # first freeze); wait for that before the first tab, as a lecture's first student comes later too.
        deadline = time.monotonic() + 15
        while before_any_page["late_freeze"] is None and time.monotonic() < deadline:
            before_any_page = _latest(diagnostics, before_any_page["time"])
        stats = _open_sessions(f"http://127.0.0.1:{port}")
        assert stats.errors == {}, stats.errors
        state = _latest(diagnostics, time.time())
    finally:
        _stop(process)
    assert before_any_page["applied_by"] == "MainThread", "serve.sh tunes the process before it accepts a session"
    assert before_any_page["gc_freeze_count"] > 10_000 and before_any_page["trim_thread_alive"]
    assert before_any_page["malloc_arenas_before_tuning"] == 1, "only the main thread had allocated"
    assert before_any_page["blas_threads_set_by"] == "environment", "set before NumPy loaded"
    assert before_any_page["blas_threads"] == tuning.BLAS_THREADS
    assert before_any_page["late_freeze"] == "done", before_any_page
    # The second freeze took the server's config and web server: thousands of objects more.
    assert before_any_page["gc_freeze_count"] > before_any_page["gc_frozen_by_first_freeze"] + 5_000, before_any_page
    assert state["malloc_arenas"] <= tuning.ARENA_MAX, state
    assert state["threads"].count(tuning.TRIM_THREAD_NAME) == 1
    assert state["import_errors"] == {}


def test_tuning_runs_once_when_many_threads_import_the_pages_at_once():
    """Eight script threads importing ropelab.ui at the same moment: one tuning, one trim thread."""
    program = """
import gc, threading, importlib
barrier = threading.Barrier(8)
def page():
    barrier.wait()
    importlib.import_module("ropelab.ui")
threads = [threading.Thread(target=page, name=f"script-{i}") for i in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
from ropelab import tuning
print(tuning.apply(), gc.get_freeze_count() > 0, [t.name for t in threading.enumerate()].count(tuning.TRIM_THREAD_NAME),
      tuning.snapshot()["applied_by"].startswith("script-"))
"""
    env = {key: value for key, value in os.environ.items() if key != tuning.DIAGNOSTICS_FILE_ENV}
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "1", "True"], result.stdout + result.stderr
