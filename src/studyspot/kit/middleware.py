"""Outermost ASGI middleware of every service: request id, access log, metrics, last-resort 500."""

from __future__ import annotations

import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studyspot.kit import deadline
from studyspot.kit.access_log import AccessLog
from studyspot.kit.context import request_id_var, sane_request_id, tenant_id_var, user_id_var
from studyspot.kit.entitlements import plan_warnings_var
from studyspot.kit.errors import problem_body
from studyspot.kit.metrics import ServiceMetrics


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, access_log: AccessLog) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_rid = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = sane_request_id(raw_rid)
        tokens = (request_id_var.set(rid), tenant_id_var.set(""), user_id_var.set(""))
        warnings: list[str] = []
        warnings_token = plan_warnings_var.set(warnings)
        raw_budget = headers.get(deadline.BUDGET_HEADER.encode(), b"").decode("latin-1")
        budget = deadline.start(deadline.budget_from_header(raw_budget))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                hdrs = list(message.get("headers", []))
                hdrs.append((b"x-request-id", rid.encode()))
                if warnings:  # soft plan limits reached (kit/entitlements.py)
                    hdrs.append((b"x-plan-limit-warning", ", ".join(warnings).encode()))
                message["headers"] = hdrs
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # the app's own handlers missed it: never leak internals
            structlog.get_logger("studyspot.errors").error("unhandled_error", exc_info=exc)
            if not response_started:
                await _send_500(send_wrapper)
        finally:
            duration = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.observe(scope["method"], route, status, duration)
            fields: dict[str, Any] = {
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
            }
            self.access_log.request(**fields)
            for var, tok in zip((request_id_var, tenant_id_var, user_id_var), tokens, strict=True):
                var.reset(tok)
            plan_warnings_var.reset(warnings_token)
            deadline.reset(budget)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


async def _send_500(send: Send) -> None:
    import orjson

    body = orjson.dumps(problem_body(500, "internal_error", "An unexpected error occurred"))
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
