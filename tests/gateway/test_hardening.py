"""Issue 11 item 7 on a real gateway process: upstream errors relayed once, bodies framed
by the gateway, operator endpoints kept from the public, security headers, /docs offline."""

from __future__ import annotations

import re

import httpx
from starlette.types import Message

from studyspot.kit.settings import Settings
from studyspot.services.gateway.app import create_app
from studyspot.services.gateway.config import GatewaySettings
from studyspot.services.gateway.exchange import Exchange
from studyspot.services.gateway.health import gateway_paths
from tests.fixtures.system import Logs
from tests.fixtures.waiting import eventually
from tests.gateway.conftest import MakeFake, MakeGateway

TOKEN = "operator-token-for-tests-0123456789abcdef"


def _client(proc) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=proc.spec.url, timeout=30)


def _secured(resp: httpx.Response) -> None:
    assert resp.headers["x-content-type-options"] == "nosniff", resp.url
    assert "frame-ancestors 'none'" in resp.headers.get_list("content-security-policy"), resp.url
    assert resp.headers["x-frame-options"] == "DENY"


async def test_upstream_503_problem_is_relayed_once_and_logs_no_gateway_error(
    fake: MakeFake, gateway: MakeGateway, gateway_logs: Logs
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, LOG_LEVEL="INFO")
    async with _client(gw) as http:
        unavailable = await http.get("/api/v1/students/unavailable")
        refused = await http.post("/api/v1/students/refuse-large", content=b"{}")
        metrics = (await http.get("/metrics")).text
    assert unavailable.status_code == 503
    assert unavailable.headers["content-type"] == "application/problem+json"
    # Exactly the upstream's problem, not the gateway's `service_unavailable` after it.
    assert unavailable.json() == {
        "status": 503,
        "code": "source_unavailable",
        "detail": "student says no",
    }
    assert unavailable.headers["retry-after"] == "7"
    assert refused.status_code == 413 and refused.json()["code"] == "payload_too_large"
    assert refused.json()["detail"] == "student says no"
    assert student.count("/unavailable") == 1  # an answer is not a failure: no retry

    async def both_logged() -> bool:
        # Log lines are written in batches: the two requests' lines, and anything logged
        # while answering them, are in the file once theirs are.
        text = gateway_logs.text("gateway")
        return "/api/v1/students/unavailable" in text and "/api/v1/students/refuse-large" in text

    await eventually(both_logged, what="the requests' log lines")
    logs = gateway_logs.text("gateway")
    assert "gateway_error" not in logs and "Traceback" not in logs
    upstream_503 = (
        'gateway_requests_total{method="GET",route="/api/v1/students*",source="upstream",'
        'status="503",upstream="student-1"} 1.0'
    )
    assert upstream_503 in metrics
    assert not re.search(r'gateway_requests_total\{[^}]*source="gateway",status="503"', metrics)
    assert 'source="upstream",status="413"' in metrics


async def test_gateway_own_503_is_counted_as_the_gateway_s(gateway: MakeGateway) -> None:
    gw = await gateway({})
    async with _client(gw) as http:
        assert (await http.get("/api/v1/students")).status_code == 503
        metrics = (await http.get("/metrics")).text
    assert re.search(
        r'gateway_requests_total\{[^}]*route="/api/v1/students\*",source="gateway",status="503"',
        metrics,
    )


async def test_client_content_length_is_not_forwarded_the_gateway_frames_the_body(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    big = b"x" * (100 * 1024)  # past the buffering limit: streamed to the upstream
    async with _client(gw) as http:
        small = (await http.post("/api/v1/students", content=b"0123456789")).json()
        large = (await http.post("/api/v1/students", content=big)).json()
    assert small["body_bytes"] == 10 and small["headers"]["content-length"] == "10"
    assert large["body_bytes"] == len(big)
    # Streamed bodies are framed by the client library (chunked), not by the client's claim.
    assert large["headers"].get("transfer-encoding") == "chunked"
    assert "content-length" not in large["headers"]


async def _receive() -> Message:
    raise AssertionError("not called")


async def _send(message: Message) -> None:
    raise AssertionError("not called")


def test_upstream_headers_drop_the_client_content_length() -> None:
    gw = create_app(Settings(environment="test"), GatewaySettings(), upstreams={})
    raw = [(b"content-length", b"5"), (b"content-type", b"application/json")]
    scope = {"client": ("127.0.0.1", 1), "scheme": "http", "method": "POST", "path": "/x"}
    exchange = Exchange({**scope, "headers": raw}, _receive, _send)
    sent = gw.headers.upstream(exchange)
    names = [name for name, _ in sent]
    assert "content-length" not in names and "content-type" in names


async def test_metrics_and_health_detail_refuse_the_public_and_answer_the_token(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, METRICS_TOKEN=TOKEN)
    async with _client(gw) as http:
        for path in ("/metrics", "/health/detailed"):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                refused = await http.get(path, headers=headers)
                assert refused.status_code == 401, (path, headers)
                assert refused.json()["code"] == "operator_token_required"
                assert refused.headers["www-authenticate"] == "Bearer"
                assert "gateway_requests_total" not in refused.text
                _secured(refused)
            allowed = await http.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert allowed.status_code == 200, path
        assert (await http.get("/health")).status_code == 200  # liveness stays public
    assert "gateway_requests_total" in allowed.text or "services" in allowed.json()


async def test_without_a_token_a_proxied_or_remote_caller_is_not_served_operator_endpoints(
    gateway: MakeGateway,
) -> None:
    gw = await gateway({})
    async with _client(gw) as http:
        for path in ("/metrics", "/health/detailed"):
            assert (await http.get(path)).status_code == 200  # the operator on this machine
            proxied = await http.get(path, headers={"X-Forwarded-For": "198.51.100.4"})
            assert proxied.status_code == 404 and proxied.json()["code"] == "not_found"
    remote = create_app(Settings(environment="test"), GatewaySettings(), upstreams={})
    transport = httpx.ASGITransport(app=remote, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        for path in ("/metrics", "/health/detailed"):
            assert (await http.get(path)).status_code == 404
    production = create_app(
        Settings(environment="test").model_copy(update={"environment": "production"}),
        GatewaySettings(),
        upstreams={},
    )
    local = httpx.ASGITransport(app=production, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=local, base_url="http://gw") as http:
        assert (await http.get("/metrics")).status_code == 404  # production needs the token


async def test_security_headers_on_api_answers_problems_docs_and_preflights(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, CORS_ORIGIN="https://owner.studyspot.app")
    async with _client(gw) as http:
        answers = [
            await http.get("/api/v1/students"),
            await http.get("/api/v1/students/unavailable"),
            await http.get("/no/such/route"),
            await http.post("/health"),
            await http.get("/docs"),
            await http.get("/docs/assets/swagger-ui.css"),
            await http.get("/openapi.json"),
            await http.options(
                "/api/v1/students",
                headers={
                    "Origin": "https://owner.studyspot.app",
                    "Access-Control-Request-Method": "POST",
                },
            ),
        ]
    for resp in answers:
        _secured(resp)
        # Plain HTTP from a client that no trusted proxy vouches for: no HSTS.
        assert "strict-transport-security" not in resp.headers


async def test_hsts_only_for_requests_that_came_over_tls(gateway: MakeGateway) -> None:
    trusting = await gateway({}, GATEWAY_TRUSTED_PROXY_HOPS="1")
    direct = await gateway({}, name="gateway-direct")
    async with _client(trusting) as http:
        behind_tls = await http.get("/health", headers={"X-Forwarded-Proto": "https"})
        plain = await http.get("/health", headers={"X-Forwarded-Proto": "http"})
    async with _client(direct) as http:
        claimed = await http.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in plain.headers
    assert "strict-transport-security" not in claimed.headers  # nobody trusted said so
    tls = create_app(Settings(environment="test"), GatewaySettings(), upstreams={})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=tls), base_url="https://gw"
    ) as http:
        assert "strict-transport-security" in (await http.get("/health")).headers


async def test_docs_reference_no_external_host_and_serve_their_own_assets(
    gateway: MakeGateway,
) -> None:
    gw = await gateway({})
    async with _client(gw) as http:
        page = await http.get("/docs")
        assert page.status_code == 200
        html = page.text
        refs = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert refs, html
        assert not re.search(r"https?://|//[a-z0-9]", html.replace("http://www.w3.org", ""))
        for ref in refs:
            asset = await http.get(ref)
            assert asset.status_code == 200, ref
            assert asset.headers["cache-control"].startswith("public")
        bundle = await http.get("/docs/assets/swagger-ui-bundle.js")
        assert bundle.headers["content-type"].startswith("text/javascript")
        assert b"SwaggerUIBundle" in bundle.content
        assert (await http.get("/docs/assets/../openapi.json")).status_code == 404
        assert (await http.get("/docs/assets/index.html")).status_code == 404
    policy = " ".join(page.headers.get_list("content-security-policy"))
    assert "default-src 'self'" in policy


def test_gateway_openapi_documents_the_operator_refusals() -> None:
    responses = gateway_paths()["/health/detailed"]["get"]["responses"]
    for status in ("401", "404"):
        assert "application/problem+json" in responses[status]["content"]
