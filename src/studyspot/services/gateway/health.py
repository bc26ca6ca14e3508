"""`GET /health` (the gateway is alive) and `GET /health/detailed` (every upstream, Redis)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, Field

from studyspot.kit.errors import PROBLEM_JSON, Problem
from studyspot.services.gateway.breaker import BreakerState
from studyspot.services.gateway.ratelimit import BackendState, RateLimiter
from studyspot.services.gateway.upstreams import Instance, ServicePool

PROBE_TIMEOUT = 1.0


class GatewayLiveness(BaseModel):
    status: Literal["ok"]
    service: Literal["gateway"]


class InstanceHealth(BaseModel):
    # `<service>-<n>`: the n-th URL of `<SERVICE>_SERVICE_URL`; hosts stay private.
    instance: str = Field(max_length=100)
    status: Literal["up", "down"]
    latency_ms: float | None = Field(default=None, ge=0)
    breaker: BreakerState
    error: str | None = Field(default=None, max_length=200)


class ServiceHealth(BaseModel):
    status: Literal["up", "degraded", "down", "not_running"]
    instances: list[InstanceHealth]


class RateLimitHealth(BaseModel):
    backend: BackendState
    status: Literal["up", "down", "not_configured"]
    latency_ms: float | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, max_length=200)
    detail: str = Field(max_length=500)


class GatewayHealthReport(BaseModel):
    status: Literal["pass", "warn", "fail"]
    service: Literal["gateway"]
    services: dict[str, ServiceHealth]
    rate_limit: RateLimitHealth


async def _instance(inst: Instance) -> InstanceHealth:
    try:
        latency = await inst.probe(PROBE_TIMEOUT)
    except Exception as exc:
        # The class name only: a message could name internal hosts.
        return InstanceHealth(
            instance=inst.name, status="down", breaker=inst.breaker.state, error=type(exc).__name__
        )
    return InstanceHealth(
        instance=inst.name, status="up", latency_ms=round(latency, 2), breaker=inst.breaker.state
    )


async def _rate_limit(limiter: RateLimiter) -> RateLimitHealth:
    if not limiter.uses_redis:
        return RateLimitHealth(
            backend="memory",
            status="not_configured",
            detail="REDIS_URL is not set: each gateway instance keeps its own limits",
        )
    try:
        latency = await limiter.ping()
    except Exception as exc:
        return RateLimitHealth(
            backend="redis_fallback",
            status="down",
            error=type(exc).__name__,
            detail="Redis is unreachable: limits are kept per gateway instance until it is back",
        )
    return RateLimitHealth(
        backend=limiter.state,
        status="up",
        latency_ms=round(latency, 2),
        detail="Limits are shared by every gateway instance through Redis",
    )


async def detailed_report(
    pools: dict[str, ServicePool], limiter: RateLimiter
) -> GatewayHealthReport:
    names = sorted(pools)
    per_service = await asyncio.gather(
        *(asyncio.gather(*(_instance(i) for i in pools[n].instances)) for n in names)
    )
    services: dict[str, ServiceHealth] = {}
    for name, instances in zip(names, per_service, strict=True):
        up = sum(1 for i in instances if i.status == "up")
        status: Literal["up", "degraded", "down", "not_running"] = (
            "not_running"
            if not instances
            else "up"
            if up == len(instances)
            else "degraded"
            if up
            else "down"
        )
        services[name] = ServiceHealth(status=status, instances=list(instances))
    rate_limit = await _rate_limit(limiter)
    configured = [s for s in services.values() if s.status != "not_running"]
    overall: Literal["pass", "warn", "fail"] = "pass"
    if any(s.status != "up" for s in configured) or rate_limit.status == "down":
        overall = "warn"
    if configured and all(s.status == "down" for s in configured):
        overall = "fail"
    return GatewayHealthReport(
        status=overall, service="gateway", services=services, rate_limit=rate_limit
    )


def gateway_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (GatewayLiveness, GatewayHealthReport, Problem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def gateway_paths() -> dict[str, Any]:
    def ref(name: str) -> dict[str, Any]:
        return {"schema": {"$ref": f"#/components/schemas/{name}"}}

    return {
        "/health": {
            "get": {
                "tags": ["gateway"],
                "summary": "The gateway is alive",
                "operationId": "gateway_health",
                "responses": {
                    "200": {
                        "description": "Alive",
                        "content": {"application/json": ref("GatewayLiveness")},
                    },
                },
            }
        },
        "/health/detailed": {
            "get": {
                "tags": ["gateway"],
                "summary": "Every upstream instance and the rate-limit store",
                "operationId": "gateway_health_detailed",
                "responses": {
                    "200": {
                        "description": "All or some upstreams up (pass or warn)",
                        "content": {"application/json": ref("GatewayHealthReport")},
                    },
                    "503": {
                        "description": "No upstream answers (fail)",
                        "content": {"application/json": ref("GatewayHealthReport")},
                    },
                    "401": {
                        "description": "METRICS_TOKEN is set and no `Bearer` token matched it",
                        "content": {PROBLEM_JSON: ref("Problem")},
                    },
                    "404": {
                        "description": "Not served to this caller (no METRICS_TOKEN: "
                        "loopback callers on a developer's machine only)",
                        "content": {PROBLEM_JSON: ref("Problem")},
                    },
                    "429": {
                        "description": "Too many requests",
                        "content": {PROBLEM_JSON: ref("Problem")},
                    },
                },
            }
        },
    }
