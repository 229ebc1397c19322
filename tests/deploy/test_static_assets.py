"""Static assets through HAProxy: compressed, cacheable, and served from the balancer's RAM after the first time.

Runs the generated HAProxy config for real, in front of 2 replicas started with scripts/serve.sh. The replicas
serve a throw-away page whose `static/` folder holds a versioned script, the way the app serves plotly.js from
static/vendor/ (server.enableStaticServing). Checked through the balancer, as a browser that sent the page's SRV
cookie back: the app's file is gzip-encoded and carries the year-long immutable Cache-Control; Streamlit's own
bundles are gzip-encoded with exactly the Cache-Control Streamlit sends; the page itself stays `no-cache`; a repeat
request is answered by HAProxy's cache (it adds an `Age` header) without reaching a replica.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import time
import urllib.request

import pytest

from deploy import cluster

pytestmark = [pytest.mark.timeout(180), pytest.mark.xdist_group("deploy-static")]

VERSIONED_SCRIPT = "vendor/demo-1.2.3.min.js"
PAGE = """\
import streamlit as st

st.title("Static assets behind the balancer")
st.slider("A slider", 0, 10, 3, key="a")
"""


@pytest.fixture(scope="module")
def balanced_static_app(tmp_path_factory):
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        message = "HAProxy is not installed (apt-get install -y haproxy; scripts/test.sh does it as root)"
        if os.environ.get("ROPELAB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("static-app")
    (root / "app.py").write_text(PAGE)
    script = root / "static" / VERSIONED_SCRIPT
    script.parent.mkdir(parents=True)
    # ~600 kB of repetitive JavaScript: big enough that compression clearly shows.
    script.write_text("\n".join(f"export function scale{i}(value) {{ return value * {i}; }}" for i in range(12_000)))
    run_dir = root / "run"
    port = cluster.free_port_block(3)
    saved = os.environ.get("APP_SCRIPT")
    os.environ["APP_SCRIPT"] = str(root / "app.py")  # serve.sh serves this page; the replicas inherit the variable
    try:
        mapping = cluster.start(2, port, run_dir, ttl=300, extra_args=["--server.enableStaticServing", "true"])
    finally:
        if saved is None:
            os.environ.pop("APP_SCRIPT", None)
        else:
            os.environ["APP_SCRIPT"] = saved
    try:
        yield f"http://127.0.0.1:{port}", mapping, script.read_bytes(), run_dir
    finally:
        cluster.stop(run_dir)


def _get(url: str, *, gzip_ok: bool = True, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": "gzip, deflate, br"} if gzip_ok else {}
    if cookie:
        headers["Cookie"] = cookie
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.status, {name.lower(): value for name, value in response.headers.items()}, response.read()


def _pinned_cookie(base_url: str) -> str:
    """Open the page as a browser does: the balancer answers with the SRV cookie the tab then sends back."""
    with urllib.request.urlopen(f"{base_url}/", timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    return next(c.split(";")[0] for c in cookies if c.startswith(f"{cluster.AFFINITY_COOKIE}="))


def test_the_apps_versioned_static_file_is_compressed_and_immutable(balanced_static_app):
    base_url, _, original, _ = balanced_static_app
    cookie = _pinned_cookie(base_url)
    status, headers, body = _get(f"{base_url}/app/static/{VERSIONED_SCRIPT}", cookie=cookie)
    assert status == 200
    assert headers.get("content-encoding") == "gzip", headers
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 3, "JavaScript compresses well"
    assert headers["cache-control"] == cluster.APP_STATIC_CACHE_CONTROL
    assert "javascript" in headers["content-type"]
    # A client that does not accept gzip gets the plain file, with the same caching.
    status, headers, body = _get(f"{base_url}/app/static/{VERSIONED_SCRIPT}", gzip_ok=False, cookie=cookie)
    assert status == 200 and "content-encoding" not in headers and body == original
    assert headers["cache-control"] == cluster.APP_STATIC_CACHE_CONTROL


def test_streamlits_own_bundles_are_compressed_and_keep_streamlits_headers(balanced_static_app):
    base_url, mapping, _, _ = balanced_static_app
    cookie = _pinned_cookie(base_url)
    _, _, html = _get(f"{base_url}/", gzip_ok=False, cookie=cookie)
    bundle = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', html.decode()).group(1)
    _, direct, plain = _get(f"http://127.0.0.1:{next(iter(mapping.values()))}/{bundle}", gzip_ok=False)
    status, headers, body = _get(f"{base_url}/{bundle}", cookie=cookie)
    assert status == 200 and headers.get("content-encoding") == "gzip", headers
    assert gzip.decompress(body) == plain
    assert headers["cache-control"] == direct["cache-control"], "Streamlit's own caching headers pass unchanged"
    assert "immutable" in direct["cache-control"]


def test_the_page_itself_is_compressed_but_never_cached(balanced_static_app):
    base_url, _, _, _ = balanced_static_app
    cookie = _pinned_cookie(base_url)
    for _ in range(2):
        status, headers, body = _get(f"{base_url}/", cookie=cookie)
        assert status == 200 and headers.get("content-encoding") == "gzip"
        assert headers["cache-control"] == "no-cache", "the page must be fetched fresh: it names the bundles"
        assert "age" not in headers, "the page must not come from HAProxy's cache"
        assert b"<html" in gzip.decompress(body)


def _asset_log_lines(run_dir, path: str) -> dict[str, int]:
    """{'replica': n, 'cache': n}: who answered the logged requests for `path` (HAProxy logs `<CACHE>` for hits)."""
    counts = {"replica": 0, "cache": 0}
    for line in (run_dir / "haproxy.log").read_text().splitlines():
        if f'"GET {path} ' in line:
            counts["cache" if "replicas/<CACHE>" in line else "replica"] += 1
    return counts


def test_repeat_asset_requests_are_answered_from_the_balancers_cache(balanced_static_app):
    base_url, _, original, run_dir = balanced_static_app
    cookie = _pinned_cookie(base_url)
    path = f"/app/static/{VERSIONED_SCRIPT}"
    _get(f"{base_url}{path}", cookie=cookie)
    time.sleep(0.5)  # let HAProxy write its log lines
    before = _asset_log_lines(run_dir, path)
    for _ in range(3):
        status, headers, body = _get(f"{base_url}{path}", cookie=cookie)
        assert status == 200 and "age" in headers, f"not served from HAProxy's cache: {headers}"
        assert gzip.decompress(body) == original
    time.sleep(0.5)
    after = _asset_log_lines(run_dir, path)
    assert after["replica"] == before["replica"], "a cached asset went back to a replica"
    assert after["cache"] == before["cache"] + 3
