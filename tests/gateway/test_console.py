"""The owner console served by the gateway at `/`, beside (never instead of) the API."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import httpx
import pytest

from studyspot.kit.settings import Settings
from studyspot.services.gateway.app import create_app
from studyspot.services.gateway.config import GatewaySettings

INDEX = b'<!doctype html><html><body><div id="root"></div><script src="/assets/app-1a2b.js"></script></body></html>'
SCRIPT = b"console.log('studyspot');" * 200
HTML = {"accept": "text/html,application/xhtml+xml"}


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "app-1a2b.js").write_bytes(SCRIPT)
    (dist / "favicon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_bytes(b"not for the web")
    return dist


def _client(dist: Path, **settings: str) -> httpx.AsyncClient:
    app = create_app(
        Settings(environment="test", **settings),  # type: ignore[arg-type]
        GatewaySettings(console_dir=str(dist), rate_limit_per_minute=1_000_000),
        upstreams={},
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return _dist(tmp_path)


async def test_root_serves_index_uncached_with_a_content_security_policy(dist: Path) -> None:
    async with _client(dist) as http:
        resp = await http.get("/", headers=HTML)
    assert resp.status_code == 200
    assert resp.content == INDEX
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["x-request-id"]


async def test_the_foreign_scripts_and_frames_are_razorpay_and_cashfree_checkouts(
    dist: Path,
) -> None:
    """The console pays the platform through Razorpay Checkout or Cashfree's JS SDK: their
    scripts' origins (configurable, local fakes in tests) and their payment frames, nothing
    else."""
    async with _client(dist) as http:
        real = (await http.get("/", headers=HTML)).headers["content-security-policy"]
    async with _client(
        dist,
        razorpay_checkout_url="http://127.0.0.1:9/v1/checkout.js",
        cashfree_checkout_url="http://127.0.0.1:10/js/v3/cashfree.js",
    ) as http:
        local = (await http.get("/", headers=HTML)).headers["content-security-policy"]
    rules = {r.split()[0]: r.split()[1:] for r in real.split("; ")}
    assert rules["script-src"] == [
        "'self'",
        "https://checkout.razorpay.com",
        "https://sdk.cashfree.com",
    ]
    assert rules["frame-src"] == [
        "https://checkout.razorpay.com",
        "https://api.razorpay.com",
        "https://sdk.cashfree.com",
        "https://payments.cashfree.com",
        "https://sandbox.cashfree.com",
    ]
    assert rules["connect-src"] == ["'self'"] and rules["frame-ancestors"] == ["'none'"]
    assert "script-src 'self' http://127.0.0.1:9 http://127.0.0.1:10;" in local
    assert "checkout.razorpay.com" not in local and "sdk.cashfree.com" not in local


async def test_hashed_assets_are_cached_for_a_year_and_gzipped_when_asked(dist: Path) -> None:
    async with _client(dist) as http:
        plain = await http.get("/assets/app-1a2b.js", headers={"accept-encoding": "identity"})
        zipped = await http.get("/assets/app-1a2b.js", headers={"accept-encoding": "gzip"})
    assert plain.status_code == 200
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.content == SCRIPT
    assert zipped.headers["content-encoding"] == "gzip"
    # httpx decodes it; the wire size is what the header says
    assert int(zipped.headers["content-length"]) == len(gzip.compress(SCRIPT, 6, mtime=0))
    assert zipped.content == SCRIPT


async def test_client_side_routes_fall_back_to_index_for_html_requests(dist: Path) -> None:
    async with _client(dist) as http:
        deep = await http.get("/desk/students/123", headers=HTML)
        head = await http.head("/seat-map", headers=HTML)
    assert deep.status_code == 200 and deep.content == INDEX
    assert head.status_code == 200 and head.content == b""


async def test_spa_fallback_never_shadows_an_unknown_api_path(dist: Path) -> None:
    async with _client(dist) as http:
        for path in ("/api/v1/nothing-here", "/api", "/api/", "/apix"):
            resp = await http.get(path, headers=HTML)
            assert resp.status_code == 404, path
            assert resp.headers["content-type"] == "application/problem+json", path
            assert resp.json()["code"] == "not_found", path


async def test_spa_fallback_never_shadows_the_gateways_own_paths(dist: Path) -> None:
    async with _client(dist) as http:
        health = await http.get("/health", headers=HTML)
        docs = await http.get("/openapi.json", headers=HTML)
        metrics = await http.get("/metrics", headers=HTML)
        internal = await http.get("/internal/anything", headers=HTML)
        health_sub = await http.get("/health/other", headers=HTML)
    assert health.json()["service"] == "gateway"
    assert docs.json()["openapi"].startswith("3.")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert internal.status_code == 404 and internal.json()["code"] == "not_found"
    assert health_sub.status_code == 404 and health_sub.json()["code"] == "not_found"


async def test_api_clients_asking_for_json_get_a_problem_not_the_page(dist: Path) -> None:
    async with _client(dist) as http:
        resp = await http.get("/somewhere", headers={"accept": "application/json"})
        post = await http.post("/desk", headers=HTML)
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert post.status_code == 404 and post.json()["code"] == "not_found"


async def test_path_traversal_out_of_the_build_is_refused(dist: Path) -> None:
    async with _client(dist) as http:
        for path in (
            "/assets/../../secret.txt",
            "/assets/%2e%2e/%2e%2e/secret.txt",
            "/../secret.txt",
        ):
            resp = await http.get(path, headers={"accept": "*/*"})
            assert b"not for the web" not in resp.content, path
        nested = await http.get("/assets/sub/../../../secret.txt", headers={"accept": "*/*"})
    assert b"not for the web" not in nested.content


async def test_missing_asset_is_a_404_problem_not_the_index(dist: Path) -> None:
    async with _client(dist) as http:
        resp = await http.get("/assets/app-old.js", headers=HTML)
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


async def test_unbuilt_console_answers_a_clear_problem_not_a_crash(tmp_path: Path) -> None:
    async with _client(tmp_path / "no-build") as http:
        resp = await http.get("/", headers=HTML)
        api = await http.get("/api/v1/nothing", headers=HTML)
    assert resp.status_code == 503
    assert resp.json()["code"] == "console_not_built"
    assert "scripts/web build" in resp.json()["detail"]
    assert api.status_code == 404


async def test_a_rebuild_is_served_without_restarting_the_gateway(dist: Path) -> None:
    async with _client(dist) as http:
        first = await http.get("/", headers=HTML)
        index = dist / "index.html"
        index.write_bytes(b"<!doctype html><p>new build</p>")
        stat = index.stat()
        os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        second = await http.get("/", headers=HTML)
    assert first.content == INDEX
    assert second.content == b"<!doctype html><p>new build</p>"
