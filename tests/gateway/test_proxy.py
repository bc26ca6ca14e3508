"""Through a real gateway process to fake upstreams: ids, headers, bodies, timeouts, retries."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx

from tests.gateway.conftest import MakeFake, MakeGateway


def _client(proc) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=proc.spec.url, timeout=30)


async def test_request_id_is_echoed_and_seen_by_the_upstream(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    async with _client(gw) as http:
        resp = await http.get("/api/v1/students", headers={"X-Request-ID": "req-42.a"})
        made = await http.get("/api/v1/students", headers={"X-Request-ID": "bad id\twith spaces"})
    assert resp.status_code == 200
    assert resp.headers["x-request-id"] == "req-42.a"
    assert resp.json()["headers"]["x-request-id"] == "req-42.a"
    # An unsafe id is replaced by one the gateway makes, the same up and down.
    assert made.headers["x-request-id"] != "bad id\twith spaces"
    assert made.json()["headers"]["x-request-id"] == made.headers["x-request-id"]


async def test_trace_context_keeps_the_trace_and_names_the_gateway_as_parent(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with _client(gw) as http:
        kept = (await http.get("/api/v1/students", headers={"traceparent": incoming})).json()
        fresh = (await http.get("/api/v1/students")).json()
    version, trace, parent, flags = kept["headers"]["traceparent"].split("-")
    assert (version, trace, flags) == ("00", "0af7651916cd43dd8448eb211c80319c", "01")
    assert parent != "b7ad6b7169203331" and len(parent) == 16
    assert len(fresh["headers"]["traceparent"].split("-")[1]) == 32


async def test_client_cannot_assert_tenant_or_user_but_authorization_passes_untouched(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    async with _client(gw) as http:
        seen = (
            await http.get(
                "/api/v1/students?page=2&q=a%20b",
                headers={
                    "Authorization": "Bearer not-even-a-jwt",
                    "X-Tenant-ID": "someone-elses-tenant",
                    "X-User-Id": "admin",
                    "X-Forwarded-For": "10.9.9.9",
                    "Idempotency-Key": "k-1",
                },
            )
        ).json()
    headers = seen["headers"]
    assert headers["authorization"] == "Bearer not-even-a-jwt"
    assert "x-tenant-id" not in headers and "x-user-id" not in headers
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the real peer, not the client's claim
    assert headers["idempotency-key"] == "k-1"
    assert seen["path"] == "/api/v1/students?page=2&q=a%20b"


async def test_unknown_and_internal_paths_are_404_problems_from_the_gateway(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    auth = await fake("auth")
    gw = await gateway({"auth": [auth.url]})
    async with _client(gw) as http:
        for path in (
            "/nope",
            "/internal/credentials",
            "/api/auth/../../internal/credentials",
            "/api/auth/%2e%2e/%2e%2e/internal/credentials",
            "/api/v1/auth//login",
        ):
            resp = await http.get(path)
            assert resp.status_code == 404, path
            assert resp.headers["content-type"] == "application/problem+json"
            body = resp.json()
            assert body["code"] == "not_found"
            assert body["request_id"] == resp.headers["x-request-id"]
    assert auth.receipts == []


async def test_service_that_is_not_running_is_a_503_naming_it(gateway: MakeGateway) -> None:
    gw = await gateway({})
    async with _client(gw) as http:
        resp = await http.get("/api/v1/bookings")
    assert resp.status_code == 503
    assert resp.json()["code"] == "service_unavailable"
    assert "booking" in resp.json()["detail"]


async def test_oversized_body_is_413_before_reaching_the_upstream(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, GATEWAY_MAX_BODY_BYTES="1000")
    async with _client(gw) as http:
        declared = await http.post("/api/v1/students", content=b"x" * 1001)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"y" * 400

        streamed = await http.post("/api/v1/students", content=chunks())
        fits = await http.post("/api/v1/students", content=b"x" * 1000)
    assert declared.status_code == 413
    assert declared.json()["code"] == "payload_too_large"
    assert streamed.status_code == 413
    assert fits.status_code == 200 and fits.json()["body_bytes"] == 1000
    # Only the body that fits was received whole.
    assert [r.body_bytes for r in student.receipts if r.body_bytes >= 1000] == [1000]


async def test_upload_routes_accept_larger_bodies_streamed_to_the_upstream(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway(
        {"student": [student.url]},
        GATEWAY_MAX_BODY_BYTES="1000",
        GATEWAY_UPLOAD_MAX_BODY_BYTES=str(8 * 1024 * 1024),
    )
    payload = b"name,phone\n" + b"Asha,9876543210\n" * 300_000  # ~4.8 MB
    async with _client(gw) as http:
        resp = await http.post(
            "/api/v1/students/import", content=payload, headers={"Content-Type": "text/csv"}
        )
    assert resp.status_code == 200
    assert resp.json()["body_bytes"] == len(payload)


async def test_large_download_streams_through_without_growing_the_gateway(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    before = _rss_kib(gw.pid)
    received = 0
    async with (
        _client(gw) as http,
        http.stream("GET", "/api/v1/students/export/big?mib=64") as resp,
    ):
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "text/csv"
        async for chunk in resp.aiter_raw():
            received += len(chunk)
    assert received == 64 * 1024 * 1024
    # 64 MiB went through; the gateway's memory grew by far less than that.
    assert _rss_kib(gw.pid) - before < 24 * 1024


def _rss_kib(pid: int | None) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_slow_upstream_is_a_504_and_is_not_retried(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]})
    started = time.monotonic()
    async with _client(gw) as http:
        resp = await http.get("/api/v1/students/slow")
    assert resp.status_code == 504
    assert resp.json()["code"] == "gateway_timeout"
    assert time.monotonic() - started < 1.8  # the 0.5 s limit, not the upstream's 2 s
    assert student.count("/slow") == 1


async def test_post_without_idempotency_key_is_never_retried(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    payment = await fake("payment")
    gw = await gateway({"payment": [payment.url]}, GATEWAY_MAX_RETRIES="2")
    async with _client(gw) as http:
        resp = await http.post("/api/v1/payments/drop", json={"amount_paise": 100})
    assert resp.status_code == 502
    assert resp.json()["code"] == "bad_gateway"
    assert payment.count("/drop") == 1


async def test_post_with_idempotency_key_and_get_are_retried_after_a_broken_connection(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    payment = await fake("payment")
    gw = await gateway({"payment": [payment.url]}, GATEWAY_MAX_RETRIES="2")
    async with _client(gw) as http:
        keyed = await http.post(
            "/api/v1/payments/flaky", json={"amount_paise": 100}, headers={"Idempotency-Key": "k1"}
        )
        hopeless = await http.get("/api/v1/payments/drop")
    assert keyed.status_code == 200
    assert keyed.json()["body_bytes"] > 0  # the body was sent again, whole
    assert payment.count("/flaky") == 2
    assert hopeless.status_code == 502
    assert payment.count("/drop") == 3  # one try and two retries


async def test_round_robin_over_instances_and_failover_from_a_dead_one(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    one, two = await fake("library"), await fake("library")
    dead = "http://127.0.0.1:9"
    gw = await gateway({"library": [one.url, two.url, dead]})
    async with _client(gw) as http:
        for _ in range(6):
            assert (await http.get("/api/v1/libraries")).status_code == 200
        # A POST whose connection was refused never left: it may go to another instance.
        assert (await http.post("/api/v1/libraries", json={})).status_code == 200
    assert len(one.receipts) >= 3 and len(two.receipts) >= 3
    assert sum(1 for r in one.receipts + two.receipts if r.method == "POST") == 1
