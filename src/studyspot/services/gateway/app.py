"""The gateway as a plain ASGI application (served by uvicorn like every service).

It is a proxy, not a CRUD service, so it skips FastAPI's routing and validation
layers: per request it matches a prefix, applies CORS and the rate limit, and
streams the exchange through one pooled aiohttp session per upstream instance.
docs/performance.md has the measurements behind this choice.

This module dispatches: each request becomes an `Exchange` (exchange.py) that
the gateway's own routes (own_routes.py), the console, or admission
(admission.py), header rewriting (headers.py) and forwarding (proxy.py) answer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
from starlette.types import Receive, Scope, Send

from studyspot.kit.access_log import AccessLog
from studyspot.kit.context import request_id_var, tenant_id_var, user_id_var
from studyspot.kit.heap import freeze_startup_objects, release_startup_objects
from studyspot.kit.logging import configure_logging
from studyspot.kit.operator import OperatorAccess
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.gateway.admission import Admission
from studyspot.services.gateway.breaker import BreakerState
from studyspot.services.gateway.config import GatewaySettings, routed_services, upstream_urls
from studyspot.services.gateway.console import Console
from studyspot.services.gateway.cors import Cors
from studyspot.services.gateway.exchange import Exchange
from studyspot.services.gateway.headers import HeaderRewriter
from studyspot.services.gateway.identity import TokenVerifier
from studyspot.services.gateway.metrics import GatewayMetrics
from studyspot.services.gateway.openapi import OpenApiMerger
from studyspot.services.gateway.own_routes import OwnRoutes
from studyspot.services.gateway.proxy import Forwarder, RequestBody
from studyspot.services.gateway.ratelimit import RateLimiter
from studyspot.services.gateway.routes import Route, RouteTable
from studyspot.services.gateway.security import SecurityHeaders
from studyspot.services.gateway.upstreams import Instance, ServicePool

log = structlog.get_logger("studyspot.gateway")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ERROR_CODES = {502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout"}


class Gateway:
    def __init__(
        self,
        settings: Settings,
        gateway_settings: GatewaySettings,
        upstreams: dict[str, list[str]],
    ) -> None:
        self.settings = settings
        self.gw = gateway_settings
        self.access_log = AccessLog(settings.log_level, json=settings.log_json)
        self.metrics = GatewayMetrics()
        self.table = RouteTable(gateway_settings.auth_actions, gateway_settings.upload_suffixes)
        self.cors = Cors(settings.cors_origins)
        self.verifier = TokenVerifier(settings)
        self.limiter = RateLimiter(
            settings.redis_url,
            gateway_settings.rate_limit_redis_prefix,
            retry_seconds=gateway_settings.redis_retry_seconds,
            timeout_seconds=gateway_settings.redis_timeout_seconds,
        )
        self.pools = {
            name: ServicePool(
                name,
                [
                    Instance(name, i, url, gateway_settings, self._breaker_changed)
                    for i, url in enumerate(urls)
                ],
            )
            for name, urls in upstreams.items()
        }
        self.forwarder = Forwarder(gateway_settings)
        self.admission = Admission(gateway_settings, self.limiter, self.metrics)
        self.headers = HeaderRewriter(gateway_settings)
        self.own = OwnRoutes(
            cors=self.cors,
            operator=OperatorAccess.from_settings(settings),
            admission=self.admission,
            metrics=self.metrics,
            limiter=self.limiter,
            pools=self.pools,
            docs=OpenApiMerger(self.pools, self.table, gateway_settings.openapi_cache_seconds),
        )
        self.security = SecurityHeaders(
            gateway_settings.hsts_max_age_seconds, gateway_settings.trusted_proxy_hops
        )
        console_dir = gateway_settings.console_dir
        self.console = Console(
            Path(console_dir) if console_dir else None,
            checkout_script_url=settings.razorpay_checkout_url,
            cashfree_script_url=settings.cashfree_checkout_url,
        )

    # -- lifecycle -----------------------------------------------------------------------
    async def startup(self) -> None:
        for pool in self.pools.values():
            for inst in pool.instances:
                inst.open()
                self.metrics.breaker_state(inst.service, inst.name, "closed")
        running = {n: len(p.instances) for n, p in self.pools.items() if p.instances}
        log.info("gateway_started", upstream_instances=running, redis=self.limiter.uses_redis)
        freeze_startup_objects()

    async def shutdown(self) -> None:
        for pool in self.pools.values():
            for inst in pool.instances:
                await inst.close()
        await self.limiter.close()
        self.access_log.flush()
        release_startup_objects()

    def _breaker_changed(self, inst: Instance, state: BreakerState) -> None:
        self.metrics.breaker_state(inst.service, inst.name, state)
        log.warning("upstream_breaker", service=inst.service, upstream=inst.url, state=state)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": type(exc).__name__})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- ASGI ----------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        exchange = Exchange(scope, receive, send)
        rid_token = request_id_var.set(exchange.request_id)
        tid_token, uid_token = tenant_id_var.set(""), user_id_var.set("")
        if exchange.origin:
            exchange.response_headers.extend(self.cors.response_headers(exchange.origin))
        exchange.secure(
            self.security.for_request(exchange.scheme, exchange.headers.get(b"x-forwarded-proto"))
        )
        try:
            await self._dispatch(exchange)
        except Exception as exc:
            log.error("gateway_error", exc_info=exc)
            if not exchange.started:
                await exchange.problem(500, "internal_error", "An unexpected error occurred")
        finally:
            self._record(exchange, time.perf_counter() - started)
            request_id_var.reset(rid_token)
            tenant_id_var.reset(tid_token)
            user_id_var.reset(uid_token)

    def _record(self, exchange: Exchange, duration: float) -> None:
        """The request's metrics and access log line."""
        method = exchange.method
        self.metrics.observe(
            exchange.route,
            method if method in KNOWN_METHODS else "OTHER",
            exchange.status,
            exchange.upstream_name,
            exchange.source,
            duration,
        )
        fields: dict[str, Any] = {
            "method": method,
            "path": exchange.path,
            "status": exchange.status,
            "duration_ms": round(duration * 1000, 2),
            "route": exchange.route,
            "upstream_service": exchange.service,
            "upstream": exchange.upstream_url,
            "client_ip": exchange.client_ip,
        }
        if exchange.attempts > 1:
            fields["attempts"] = exchange.attempts
        if exchange.trace_id:
            fields["trace_id"] = exchange.trace_id
        self.access_log.request(**fields)

    async def _dispatch(self, exchange: Exchange) -> None:
        raw = exchange.headers
        exchange.client_ip = self.headers.client_ip(exchange.peer, raw)
        if self.own.claims(exchange):
            await self.own.serve(exchange)
            return
        if self.console.claims(exchange.method, exchange.path, raw.get(b"accept")):
            exchange.route = "console"
            exchange.status = await self.console.serve(
                exchange.path,
                exchange.method,
                raw.get(b"accept-encoding"),
                exchange.send,
                exchange.response_headers,
            )
            return
        route = self.table.match(exchange.path)
        if route is None:
            await exchange.problem(404, "not_found", "No API route matches this path")
            return
        exchange.route, exchange.service = route.pattern, route.service
        authorization = raw.get(b"authorization")
        caller = self.verifier.caller(authorization) if authorization else None
        if caller is not None:
            user_id_var.set(caller.user_id)
            if caller.tenant_id:
                tenant_id_var.set(caller.tenant_id)
        if not await self.admission.within_rate(exchange, route, caller):
            return
        await self._forward(exchange, route)

    async def _forward(self, exchange: Exchange, route: Route) -> None:
        size = await self.admission.body_size(exchange, route)
        if size is None:
            return
        pool = self.pools.get(route.service)
        if pool is None or not pool.instances:
            await exchange.problem(
                503, "service_unavailable", f"The {route.service} service is not running"
            )
            return
        raw, scope = exchange.headers, exchange.scope
        has_body = bool(size.declared) or bool(raw.get(b"transfer-encoding"))
        body = RequestBody(exchange.receive, size.limit) if has_body else None
        headers = self.headers.upstream(exchange)
        target = scope.get("raw_path") or path_bytes(scope["path"])
        target_str = target.decode("latin-1")
        if scope.get("query_string"):
            target_str += "?" + scope["query_string"].decode("latin-1")
        outcome = await self.forwarder.forward(
            pool=pool,
            method=exchange.method,
            target=target_str,
            headers=headers,
            body=body,
            declared_length=size.declared,
            idempotency_key=bool(raw.get(b"idempotency-key")),
            send=exchange.send,
            response_headers=exchange.response_headers,
            receive=exchange.receive,
        )
        exchange.attempts = outcome.attempts
        if outcome.attempts > 1:
            self.metrics.retries.labels(route.service).inc(outcome.attempts - 1)
        if outcome.instance is not None:
            exchange.upstream_url = outcome.instance.url
            exchange.upstream_name = outcome.instance.name
        exchange.status = outcome.status
        if outcome.relayed:
            # The upstream's answer went out as it was, a 503 `source_unavailable` or a 413
            # included: it is the upstream's to count, and there is nothing left to send.
            exchange.source = "upstream"
            return
        if outcome.status == 499:  # the client went away; nobody to answer
            return
        if outcome.status == 413:
            if body is not None:
                await body.discard_rest()
            await self.admission.too_large(exchange, size.limit)
            return
        problem_headers = list(exchange.response_headers)
        if outcome.status == 503 and outcome.retry_after > 0:
            retry = str(max(1, round(outcome.retry_after))).encode()
            problem_headers.append((b"retry-after", retry))
        await exchange.problem(
            outcome.status, _ERROR_CODES[outcome.status], outcome.detail, problem_headers
        )


def path_bytes(path: str) -> bytes:
    return quote(path).encode("ascii")


def create_app(
    settings: Settings | None = None,
    gateway_settings: GatewaySettings | None = None,
    upstreams: dict[str, list[str]] | None = None,
) -> Gateway:
    """The gateway application (`studyspot serve gateway` runs it through uvicorn)."""
    settings = settings or get_settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    return Gateway(
        settings,
        gateway_settings or GatewaySettings(),
        upstreams if upstreams is not None else upstream_urls(routed_services()),
    )
