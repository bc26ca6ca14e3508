"""Every service's /metrics and /health/detailed: operators only (kit/operator.py)."""

from __future__ import annotations

import httpx
import pytest

from studyspot.kit.app import create_service_app
from studyspot.kit.operator import OperatorAccess
from tests.fixtures.databases import DbSet

TOKEN = "service-operator-token-0123456789abcdef"
OPERATOR_PATHS = ("/metrics", "/health/detailed")


async def _get(app, path: str, client: tuple[str, int] = ("127.0.0.1", 5000), **kw):
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        return await http.get(path, **kw)


async def test_service_operator_endpoints_are_hidden_from_remote_and_proxied_callers(
    dbs: DbSet,
) -> None:
    app = create_service_app("demo", [], settings=dbs.settings())
    for path in OPERATOR_PATHS:
        remote = await _get(app, path, client=("203.0.113.9", 5000))
        assert remote.status_code == 404 and remote.json()["code"] == "not_found"
        assert "http_requests_total" not in remote.text and "core_db" not in remote.text
        proxied = await _get(app, path, headers={"X-Forwarded-For": "198.51.100.1"})
        assert proxied.status_code == 404
        assert (await _get(app, path)).status_code == 200  # the operator on this machine
    assert (await _get(app, "/health", client=("203.0.113.9", 5000))).status_code == 200


async def test_service_operator_endpoints_need_the_token_when_one_is_set(dbs: DbSet) -> None:
    app = create_service_app("demo", [], settings=dbs.settings(metrics_token=TOKEN))
    for path in OPERATOR_PATHS:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
            refused = await _get(app, path, headers=headers)  # even from loopback
            assert refused.status_code == 401, (path, headers)
            assert refused.json()["code"] == "operator_token_required"
            assert refused.headers["www-authenticate"] == "Bearer"
        allowed = await _get(
            app,
            path,
            client=("203.0.113.9", 5000),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert allowed.status_code == 200, path
    doc = app.openapi()["paths"]["/health/detailed"]["get"]["responses"]
    assert {"401", "404", "503"} <= set(doc)


@pytest.mark.parametrize(
    ("access", "authorization", "peer", "forwarded", "verdict"),
    [
        (OperatorAccess("", local=True), "", "127.0.0.1", False, "allow"),
        (OperatorAccess("", local=True), "", "::1", False, "allow"),
        (OperatorAccess("", local=True), "", "10.0.0.5", False, "hidden"),
        (OperatorAccess("", local=True), "", "127.0.0.1", True, "hidden"),
        (OperatorAccess("", local=True), "", None, False, "hidden"),
        # Production without a token: nobody, not even loopback (a proxy on the same host).
        (OperatorAccess("", local=False), "", "127.0.0.1", False, "hidden"),
        (OperatorAccess("t" * 32, local=True), "", "127.0.0.1", False, "unauthorized"),
        (OperatorAccess("t" * 32, local=False), "Bearer " + "t" * 32, "10.0.0.5", True, "allow"),
        (OperatorAccess("t" * 32, local=False), "bearer " + "t" * 32, None, False, "allow"),
        (OperatorAccess("t" * 32, local=False), "Basic " + "t" * 32, None, False, "unauthorized"),
        (OperatorAccess("t" * 32, local=False), "Bearer " + "t" * 31, None, False, "unauthorized"),
    ],
)
def test_operator_access_policy(
    access: OperatorAccess, authorization: str, peer: str | None, forwarded: bool, verdict: str
) -> None:
    assert access.verdict(authorization, peer, forwarded) == verdict
