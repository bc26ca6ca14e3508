"""`GET /health` (liveness, no I/O) and `GET /health/detailed` (every dependency, timed).

The detailed report is for operators only (kit/operator.py): it names every dependency.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from studyspot.kit.errors import Problem
from studyspot.kit.operator import require_operator
from studyspot.kit.state import HealthCheck, kit_state


class Liveness(BaseModel):
    status: Literal["ok"]
    service: str


class CheckResult(BaseModel):
    status: Literal["up", "down"]
    latency_ms: float | None = None
    error: str | None = None


class HealthReport(BaseModel):
    status: Literal["pass", "warn", "fail"]
    service: str
    checks: dict[str, CheckResult]


async def _run(check: HealthCheck, limit: float) -> CheckResult:
    try:
        latency = await asyncio.wait_for(check(), limit)
        return CheckResult(status="up", latency_ms=round(latency, 2))
    except Exception as exc:
        # The class name only: a message could carry a hostname or a password.
        return CheckResult(status="down", error=type(exc).__name__)


def health_router(service: str, critical: set[str] | None = None) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=Liveness)
    async def health() -> Liveness:
        return Liveness(status="ok", service=service)

    @router.get(
        "/health/detailed",
        response_model=HealthReport,
        dependencies=[Depends(require_operator)],
        responses={
            401: {"model": Problem, "description": "METRICS_TOKEN is set and was not given"},
            404: {"model": Problem, "description": "Not served to this caller"},
            503: {"model": HealthReport, "description": "A critical dependency is down"},
        },
    )
    async def health_detailed(request: Request) -> JSONResponse:
        state = kit_state(request.app)
        names = list(state.checks)
        results = await asyncio.gather(*(_run(state.checks[n], 3.0) for n in names))
        checks = dict(zip(names, results, strict=True))
        must = critical if critical is not None else {"core_db", "tenant_db"}
        down = {n for n, r in checks.items() if r.status == "down"}
        status: Literal["pass", "warn", "fail"] = (
            "fail" if down & must else "warn" if down else "pass"
        )
        report = HealthReport(status=status, service=service, checks=checks)
        return JSONResponse(report.model_dump(), status_code=503 if status == "fail" else 200)

    return router
