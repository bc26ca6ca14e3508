"""The gateway's building blocks, without processes: breaker, limiter, routes, OpenAPI merge."""

from __future__ import annotations

from studyspot.services.gateway.breaker import CircuitBreaker
from studyspot.services.gateway.config import upstream_urls
from studyspot.services.gateway.cors import Cors
from studyspot.services.gateway.openapi import merge_documents
from studyspot.services.gateway.ratelimit import MemoryBuckets
from studyspot.services.gateway.routes import RouteTable

ACTIONS = frozenset({"login", "register", "forgot-password", "refresh"})


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _state(breaker: CircuitBreaker) -> str:
    return breaker.state


def test_breaker_opens_after_consecutive_failures_and_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, open_seconds=10, clock=clock)
    breaker.record_failure()
    breaker.record_success()  # a success in between resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert _state(breaker) == "open" and not breaker.allow()
    assert breaker.retry_after() == 10
    clock.now += 10
    assert _state(breaker) == "half_open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.record_failure()  # the probe failed: open again for a full period
    assert _state(breaker) == "open"
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert _state(breaker) == "closed" and breaker.allow()


def test_bucket_allows_the_burst_then_one_request_per_interval() -> None:
    clock = Clock()
    buckets = MemoryBuckets(clock=clock)
    results = [buckets.hit("k", 5, 60.0) for _ in range(6)]
    assert [r.allowed for r in results] == [True] * 5 + [False]
    assert [r.remaining for r in results] == [4, 3, 2, 1, 0, 0]
    assert results[5].retry_after_seconds == 12
    assert buckets.hit("other", 5, 60.0).allowed  # keys are independent
    clock.now += 12
    assert buckets.hit("k", 5, 60.0).allowed
    assert not buckets.hit("k", 5, 60.0).allowed


def test_route_table_follows_the_plan_and_marks_the_strict_auth_class() -> None:
    table = RouteTable(ACTIONS, ("/import",))
    cases = {
        "/api/auth/login": ("auth", "auth"),
        "/api/users/me": ("auth", "general"),
        "/api/v1/auth/refresh": ("auth", "auth"),
        "/api/v1/students": ("student", "general"),
        "/api/v1/students/7/attendance": ("student", "general"),
        "/api/fee-plans/3": ("library", "general"),
        "/api/groups": ("community", "general"),
        "/api/v1/analytics/occupancy": ("analytics", "general"),
    }
    for path, (service, klass) in cases.items():
        route = table.match(path)
        assert route is not None, path
        assert (route.service, route.klass) == (service, klass), path
    upload = table.match("/api/v1/students/import")
    assert upload is not None and upload.upload
    for path in ("/api/auth", "/internal/x", "/api/v1/students/../../internal/x", "/", "/api"):
        assert table.match(path) is None, path


def test_empty_service_url_means_not_running_and_unset_means_plan_port() -> None:
    urls = upstream_urls(
        ["auth", "student", "booking"],
        {"AUTH_SERVICE_URL": "http://a:1, http://a:2/", "BOOKING_SERVICE_URL": ""},
    )
    assert urls == {
        "auth": ["http://a:1", "http://a:2"],
        "student": ["http://127.0.0.1:3004"],
        "booking": [],
    }


def test_cors_refuses_unlisted_origins_and_headers() -> None:
    cors = Cors(["https://app.example"])
    assert cors.preflight("https://evil.example", "") is None
    assert cors.preflight("https://app.example", "x-tenant-id") is None
    allowed = dict(cors.preflight("https://app.example", "Authorization") or [])
    assert allowed[b"access-control-allow-origin"] == b"https://app.example"


def test_merge_renames_clashing_schemas_and_keeps_only_routed_paths() -> None:
    def doc(schema: dict[str, object], path: str) -> dict[str, object]:
        return {
            "openapi": "3.1.0",
            "paths": {
                path: {
                    "get": {
                        "operationId": "read",
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Item"}
                                    }
                                }
                            }
                        },
                    }
                },
                "/internal/secret": {"get": {"operationId": "secret"}},
                "/health": {"get": {"operationId": "health"}},
            },
            "components": {"schemas": {"Item": schema}},
        }

    table = RouteTable(ACTIONS, ())

    def owns(service: str, path: str) -> bool:
        route = table.match(path)
        return route is not None and route.service == service

    merged = merge_documents(
        [
            ("student", doc({"type": "object", "title": "A"}, "/api/v1/students")),
            ("library", doc({"type": "object", "title": "B"}, "/api/v1/libraries")),
        ],
        owns,
        unavailable=["booking"],
    )
    assert set(merged["paths"]) == {
        "/api/v1/students",
        "/api/v1/libraries",
        "/health",
        "/health/detailed",
    }
    # Services merge in name order: library keeps `Item`, student's clashing one is renamed.
    op = merged["paths"]["/api/v1/students"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/StudentItem"
    assert merged["components"]["schemas"]["StudentItem"]["title"] == "A"
    assert merged["components"]["schemas"]["Item"]["title"] == "B"
    assert op["operationId"] == "student_read"
    assert "booking" in merged["info"]["description"]
