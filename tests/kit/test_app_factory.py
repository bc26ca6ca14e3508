"""The kit's app factory: problems, request ids, health, metrics, OpenAPI."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi import APIRouter
from pydantic import Field

from studyspot.kit.app import create_service_app
from studyspot.kit.errors import Conflict, problem_responses
from studyspot.kit.schemas import WriteModel
from tests.fixtures.databases import DbSet


class Thing(WriteModel):
    name: str = Field(min_length=1, max_length=10)


def make_app(dbs: DbSet, **settings: object):
    router = APIRouter()

    @router.post("/things", status_code=201, responses=problem_responses(409))
    async def create(thing: Thing) -> dict[str, str]:
        if thing.name == "taken":
            raise Conflict("That name is taken", code="name_taken")
        return {"name": thing.name}

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal hostname db-7.internal")

    return create_service_app("demo", [router], settings=dbs.settings(**settings))


async def call(app, method: str, path: str, **kw):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return await c.request(method, path, **kw)


async def test_validation_error_is_a_problem_with_field_errors(dbs: DbSet) -> None:
    resp = await call(make_app(dbs), "POST", "/things", json={"name": "", "extra": 1})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["code"] == "validation_error"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert "body.extra" in fields and fields["body.extra"] == "Unknown field"
    assert "body.name" in fields
    assert body["request_id"] == resp.headers["x-request-id"]


async def test_domain_error_keeps_its_code_and_client_request_id(dbs: DbSet) -> None:
    resp = await call(
        make_app(dbs),
        "POST",
        "/things",
        json={"name": "taken"},
        headers={"X-Request-ID": "abc-123"},
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "name_taken"
    assert resp.headers["x-request-id"] == "abc-123"


async def test_insane_request_id_is_replaced(dbs: DbSet) -> None:
    resp = await call(make_app(dbs), "GET", "/health", headers={"X-Request-ID": "a b\tc" * 50})
    assert resp.headers["x-request-id"] != "a b\tc" * 50
    assert len(resp.headers["x-request-id"]) == 32


async def test_unhandled_error_leaks_nothing(dbs: DbSet) -> None:
    resp = await call(make_app(dbs), "GET", "/boom")
    assert resp.status_code == 500
    assert "db-7" not in resp.text and "RuntimeError" not in resp.text
    assert resp.json()["code"] == "internal_error"
    assert resp.headers["x-request-id"]


async def test_unknown_path_is_a_problem(dbs: DbSet) -> None:
    resp = await call(make_app(dbs), "GET", "/nope")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


async def test_health_detailed_reports_databases(dbs: DbSet) -> None:
    resp = await call(make_app(dbs), "GET", "/health/detailed")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "pass"
    assert body["checks"]["core_db"]["status"] == "up"
    assert body["checks"]["tenant_db"]["latency_ms"] >= 0


async def test_health_detailed_fails_when_database_is_down(dbs: DbSet) -> None:
    settings = dbs.settings(core_database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    app = create_service_app("demo", [], settings=settings)
    resp = await call(app, "GET", "/health/detailed")
    assert resp.status_code == 503
    assert resp.json()["checks"]["core_db"] == {
        "status": "down",
        "latency_ms": None,
        "error": resp.json()["checks"]["core_db"]["error"],
    }
    assert "127.0.0.1" not in resp.text


async def test_metrics_count_requests(dbs: DbSet) -> None:
    app = make_app(dbs)
    await call(app, "GET", "/health")
    resp = await call(app, "GET", "/metrics")
    assert (
        'http_requests_total{method="GET",route="/health",service="demo",status="200"}' in resp.text
    )


async def test_openapi_documents_problems(dbs: DbSet) -> None:
    doc = make_app(dbs).openapi()
    post = doc["paths"]["/things"]["post"]
    for status in ("409", "422", "500"):
        assert "application/problem+json" in post["responses"][status]["content"]
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_each_request_leaves_one_access_line(
    dbs: DbSet, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(dbs, log_level="INFO")
    resp = await call(
        app,
        "POST",
        "/things?token=kept-out-of-logs",
        json={"name": "taken"},
        headers={"X-Request-ID": "line-1"},
    )
    assert resp.status_code == 409
    await asyncio.sleep(0.2)  # lines go out in batches, at most 50 ms apart
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    [line] = [x for x in lines if x["event"] == "request" and x.get("request_id") == "line-1"]
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "POST",
        "/things",
        "/things",
        409,
    )
    assert line["level"] == "info" and line["duration_ms"] >= 0 and line["timestamp"]
    assert "kept-out-of-logs" not in out


async def test_access_lines_follow_log_json(dbs: DbSet, capsys: pytest.CaptureFixture[str]) -> None:
    """LOG_JSON=false (a developer's terminal): access lines in the console shape of the
    kit's other lines, not JSON among them."""
    app = make_app(dbs, log_level="INFO", log_json=False)
    resp = await call(app, "POST", "/things", json={"name": "ok"}, headers={"X-Request-ID": "c-1"})
    assert resp.status_code == 201
    await asyncio.sleep(0.2)
    [line] = [x for x in capsys.readouterr().out.splitlines() if "c-1" in x]
    assert not line.lstrip().startswith("{")
    assert "request" in line and "/things" in line and "201" in line
