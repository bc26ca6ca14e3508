"""CORS and the access log of a real gateway process."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from studyspot.kit.settings import Settings
from studyspot.kit.tokens import issue_access_token
from tests.fixtures.system import Logs
from tests.fixtures.waiting import eventually
from tests.gateway.conftest import MakeFake, MakeGateway

ORIGIN = "https://owner.studyspot.app"


async def test_preflight_allowed_for_the_configured_origin_and_refused_for_another(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, CORS_ORIGIN=f"{ORIGIN},http://localhost:5173")
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        ok = await http.options("/api/v1/students", headers={"Origin": ORIGIN, **ask})
        evil = await http.options(
            "/api/v1/students", headers={"Origin": "https://evil.example", **ask}
        )
        actual = await http.get("/api/v1/students", headers={"Origin": ORIGIN})
        foreign = await http.get("/api/v1/students", headers={"Origin": "https://evil.example"})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert ok.headers["access-control-allow-credentials"] == "true"
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "idempotency-key" in ok.headers["access-control-allow-headers"]
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers
    assert actual.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in foreign.headers
    assert student.receipts and all(r.method == "GET" for r in student.receipts)


async def test_wildcard_origin_never_comes_with_credentials(
    fake: MakeFake, gateway: MakeGateway
) -> None:
    student = await fake("student")
    gw = await gateway({"student": [student.url]}, CORS_ORIGIN="*")
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        resp = await http.options(
            "/api/v1/students",
            headers={"Origin": "https://any.example", "Access-Control-Request-Method": "GET"},
        )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in resp.headers


async def test_one_access_log_line_per_request_without_secrets(
    fake: MakeFake, gateway: MakeGateway, gateway_logs: Logs
) -> None:
    auth, student = await fake("auth"), await fake("student")
    gw = await gateway({"auth": [auth.url], "student": [student.url]}, LOG_LEVEL="INFO")
    user, tenant = uuid.uuid4(), uuid.uuid4()
    token, _ = issue_access_token(
        Settings(environment="test"),
        user_id=user,
        email="owner@example.com",
        user_type="library_owner",
        user_table="library_owners",
        tenant_id=tenant,
        roles=["owner"],
        permissions=[],
    )
    async with httpx.AsyncClient(base_url=gw.spec.url) as http:
        await http.get(
            "/api/v1/students?reset_token=s3cr3t-query",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "log-me-1"},
        )
        await http.post(
            "/api/auth/login",
            json={"email": "owner@example.com", "password": "hunter2-password"},
            headers={"X-Request-ID": "log-me-2"},
        )

    def request_lines() -> dict[str, Any]:
        lines = [
            json.loads(line)
            for line in gateway_logs.text("gateway").splitlines()
            if line.startswith("{") and '"event":"request"' in line
        ]
        return {line.get("request_id"): line for line in lines}

    async def both_logged() -> bool:
        # Lines are written in batches every 50 ms.
        return {"log-me-1", "log-me-2"} <= request_lines().keys()

    await eventually(both_logged, what="both requests' log lines")
    by_id = request_lines()
    read, login = by_id["log-me-1"], by_id["log-me-2"]
    assert read["method"] == "GET" and read["status"] == 200
    assert read["path"] == "/api/v1/students"
    assert read["user_id"] == str(user) and read["tenant_id"] == str(tenant)
    assert read["upstream"] == student.url and read["service"] == "gateway"
    assert isinstance(read["duration_ms"], float)
    assert login["route"] == "/api/auth/*" and "user_id" not in login
    everything = gateway_logs.text("gateway")
    for secret in (token, "hunter2-password", "s3cr3t-query"):
        assert secret not in everything
