"""The gateway as a plain ASGI application (served by uvicorn like every service).

It is a proxy, not a CRUD service, so it skips FastAPI's routing and validation
layers: per request it matches a prefix, applies CORS and the rate limit, and
streams the exchange through one pooled aiohttp session per upstream instance.
docs/performance.md has the measurements behind this choice.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import structlog
from starlette.types import Message, Receive, Scope, Send

from studyspot.kit.context import (
    CLIENT_IP_HEADER,
    request_id_var,
    sane_request_id,
    tenant_id_var,
    user_id_var,
)
from studyspot.kit.deadline import BUDGET_HEADER
from studyspot.kit.errors import PROBLEM_JSON, problem_body
from studyspot.kit.heap import freeze_startup_objects, release_startup_objects
from studyspot.kit.logging import configure_logging
from studyspot.kit.operator import OPERATOR_PATHS, REFUSALS, OperatorAccess
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.gateway.access_log import AccessLog
from studyspot.services.gateway.breaker import BreakerState
from studyspot.services.gateway.config import GatewaySettings, routed_services, upstream_urls
from studyspot.services.gateway.console import Console
from studyspot.services.gateway.cors import Cors
from studyspot.services.gateway.docs import ASSET_CACHE, ASSET_PREFIX, DOCS_POLICY, DocsPage
from studyspot.services.gateway.health import GatewayLiveness, detailed_report
from studyspot.services.gateway.identity import Caller, TokenVerifier
from studyspot.services.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from studyspot.services.gateway.openapi import OpenApiMerger
from studyspot.services.gateway.proxy import (
    DRAIN_LIMIT,
    IDENTITY_PREFIXES,
    REQUEST_DROP,
    Forwarder,
    RequestBody,
)
from studyspot.services.gateway.ratelimit import RateLimiter
from studyspot.services.gateway.routes import Route, RouteTable
from studyspot.services.gateway.security import SecurityHeaders
from studyspot.services.gateway.tracing import child_traceparent, new_id
from studyspot.services.gateway.upstreams import Instance, ServicePool

log = structlog.get_logger("studyspot.gateway")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OWN_PATHS = frozenset({"/health", "/health/detailed", "/metrics", "/docs", "/openapi.json"})
MINUTE = 60.0
_CLIENT_IP_KEY = CLIENT_IP_HEADER.encode()
_BUDGET_KEY = BUDGET_HEADER.encode()


class Gateway:
    def __init__(
        self,
        settings: Settings,
        gateway_settings: GatewaySettings,
        upstreams: dict[str, list[str]],
    ) -> None:
        self.settings = settings
        self.gw = gateway_settings
        self.access_log = AccessLog(settings.log_level)
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
        self.docs = OpenApiMerger(self.pools, self.table, gateway_settings.openapi_cache_seconds)
        self.docs_page = DocsPage()
        self.operator = OperatorAccess.from_settings(settings)
        self.security = SecurityHeaders(
            gateway_settings.hsts_max_age_seconds, gateway_settings.trusted_proxy_hops
        )
        console_dir = gateway_settings.console_dir
        self.console = Console(Path(console_dir) if console_dir else None)

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
        method: str = scope["method"]
        path: str = scope["path"]
        raw = _Headers(scope["headers"])
        incoming_rid = raw.get(b"x-request-id")
        rid = sane_request_id(incoming_rid) if incoming_rid else new_id()
        rid_token = request_id_var.set(rid)
        tid_token, uid_token = tenant_id_var.set(""), user_id_var.set("")
        origin = raw.get(b"origin")
        extra: list[tuple[bytes, bytes]] = [(b"x-request-id", rid.encode())]
        if origin:
            extra.extend(self.cors.response_headers(origin))
        ctx = _Log(route="unmatched")
        send = self._secured(send, scope, raw, ctx)
        try:
            await self._dispatch(scope, receive, send, method, path, raw, origin, extra, ctx)
        except Exception as exc:
            log.error("gateway_error", exc_info=exc)
            if not ctx.started:
                ctx.status = 500
                await _problem(send, 500, "internal_error", "An unexpected error occurred", extra)
        finally:
            duration = time.perf_counter() - started
            self.metrics.observe(
                ctx.route,
                method if method in KNOWN_METHODS else "OTHER",
                ctx.status,
                ctx.upstream_name,
                ctx.source,
                duration,
            )
            fields: dict[str, Any] = {
                "method": method,
                "path": path,
                "status": ctx.status,
                "duration_ms": round(duration * 1000, 2),
                "route": ctx.route,
                "upstream_service": ctx.service,
                "upstream": ctx.upstream_url,
                "client_ip": ctx.client_ip,
            }
            if ctx.attempts > 1:
                fields["attempts"] = ctx.attempts
            if ctx.trace_id:
                fields["trace_id"] = ctx.trace_id
            self.access_log.request(**fields)
            request_id_var.reset(rid_token)
            tenant_id_var.reset(tid_token)
            user_id_var.reset(uid_token)

    async def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        path: str,
        raw: _Headers,
        origin: str,
        extra: list[tuple[bytes, bytes]],
        ctx: _Log,
    ) -> None:
        ctx.client_ip = self._client_ip(scope, raw)
        if method == "OPTIONS" and origin and raw.get(b"access-control-request-method"):
            ctx.route = "preflight"
            await self._preflight(send, origin, raw, ctx)
            return
        if path in OWN_PATHS:
            ctx.route = path
            await self._own(scope, path, method, send, raw, extra, ctx)
            return
        if path.startswith(ASSET_PREFIX):
            ctx.route = ASSET_PREFIX + "*"
            await self._docs_asset(path, method, send, extra, ctx)
            return
        if self.console.claims(method, path, raw.get(b"accept")):
            ctx.route, ctx.responded = "console", True
            ctx.status = await self.console.serve(
                path, method, raw.get(b"accept-encoding"), send, extra
            )
            return
        route = self.table.match(path)
        if route is None:
            ctx.status = 404
            ctx.responded = True
            await _problem(send, 404, "not_found", "No API route matches this path", extra)
            return
        ctx.route, ctx.service = route.pattern, route.service
        authorization = raw.get(b"authorization")
        caller = self.verifier.caller(authorization) if authorization else None
        if caller is not None:
            user_id_var.set(caller.user_id)
            if caller.tenant_id:
                tenant_id_var.set(caller.tenant_id)
        if not await self._admit(route, caller, ctx, send, extra):
            return
        await self._proxy(scope, receive, send, method, route, raw, extra, ctx)

    async def _admit(
        self,
        route: Route,
        caller: Caller | None,
        ctx: _Log,
        send: Send,
        extra: list[tuple[bytes, bytes]],
    ) -> bool:
        if route.klass == "auth":
            limit = self.gw.auth_rate_limit_per_minute
            identity = "ip:" + ctx.client_ip
        else:
            limit = self.gw.rate_limit_per_minute
            identity = ("user:" + caller.user_id) if caller else ("ip:" + ctx.client_ip)
        decision = await self.limiter.hit(route.klass, identity, limit, MINUTE)
        extra.extend(decision.headers())
        if decision.allowed:
            return True
        self.metrics.rate_limited.labels(route.klass).inc()
        ctx.status, ctx.responded = 429, True
        await _problem(
            send,
            429,
            "rate_limited",
            f"Too many requests; try again in {decision.retry_after_seconds} s",
            extra,
        )
        return False

    async def _proxy(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        route: Route,
        raw: _Headers,
        extra: list[tuple[bytes, bytes]],
        ctx: _Log,
    ) -> None:
        limit = self.gw.upload_max_body_bytes if route.upload else self.gw.max_body_bytes
        declared: int | None = None
        if cl := raw.get(b"content-length"):
            if not cl.isdigit():
                ctx.status, ctx.responded = 400, True
                await _problem(send, 400, "bad_request", "Content-Length is not a number", extra)
                return
            declared = int(cl)
        if declared is not None and declared > limit:
            if declared - limit <= DRAIN_LIMIT:
                await RequestBody(receive, declared).discard_rest()
            await self._too_large(send, limit, extra, ctx)
            return
        pool = self.pools.get(route.service)
        if pool is None or not pool.instances:
            ctx.status, ctx.responded = 503, True
            await _problem(
                send,
                503,
                "service_unavailable",
                f"The {route.service} service is not running",
                extra,
            )
            return
        has_body = bool(declared) or bool(raw.get(b"transfer-encoding"))
        body = RequestBody(receive, limit) if has_body else None
        headers = self._upstream_headers(scope, raw, ctx)
        target = scope.get("raw_path") or path_bytes(scope["path"])
        target_str = target.decode("latin-1")
        if scope.get("query_string"):
            target_str += "?" + scope["query_string"].decode("latin-1")
        outcome = await self.forwarder.forward(
            pool=pool,
            method=method,
            target=target_str,
            headers=headers,
            body=body,
            declared_length=declared,
            idempotency_key=bool(raw.get(b"idempotency-key")),
            send=send,
            response_headers=extra,
        )
        ctx.attempts = outcome.attempts
        if outcome.attempts > 1:
            self.metrics.retries.labels(route.service).inc(outcome.attempts - 1)
        if outcome.instance is not None:
            ctx.upstream_url, ctx.upstream_name = outcome.instance.url, outcome.instance.name
        ctx.status = outcome.status
        ctx.responded = True
        if outcome.relayed:
            # The upstream's answer went out as it was, a 503 `source_unavailable` or a 413
            # included: it is the upstream's to count, and there is nothing left to send.
            ctx.source = "upstream"
            return
        if outcome.status == 499:  # the client went away; nobody to answer
            return
        if outcome.status == 413:
            if body is not None:
                await body.discard_rest()
            await self._too_large(send, limit, extra, ctx)
            return
        code = {502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout"}
        problem_headers = list(extra)
        if outcome.status == 503 and outcome.retry_after > 0:
            retry = str(max(1, round(outcome.retry_after))).encode()
            problem_headers.append((b"retry-after", retry))
        await _problem(send, outcome.status, code[outcome.status], outcome.detail, problem_headers)

    async def _too_large(
        self, send: Send, limit: int, extra: list[tuple[bytes, bytes]], ctx: _Log
    ) -> None:
        ctx.status, ctx.responded = 413, True
        await _problem(
            send,
            413,
            "payload_too_large",
            f"The request body is larger than {limit} bytes",
            extra + [(b"connection", b"close")],
        )

    def _client_ip(self, scope: Scope, raw: _Headers) -> str:
        peer = scope.get("client")
        ip = str(peer[0]) if peer else "unknown"
        hops = self.gw.trusted_proxy_hops
        if hops:
            forwarded = [p.strip() for p in raw.get(b"x-forwarded-for").split(",") if p.strip()]
            if len(forwarded) >= hops:
                ip = forwarded[-hops]
        return ip

    def _upstream_headers(self, scope: Scope, raw: _Headers, ctx: _Log) -> list[tuple[str, str]]:
        named_by_connection = {
            h.strip().lower().encode("latin-1")
            for h in raw.get(b"connection").split(",")
            if h.strip()
        }
        out: list[tuple[str, str]] = []
        for key, value in raw.items:
            if (
                key in REQUEST_DROP
                or key in named_by_connection
                or key.startswith(IDENTITY_PREFIXES)
                or key in (_CLIENT_IP_KEY, _BUDGET_KEY)
            ):
                continue
            out.append((key.decode("latin-1"), value.decode("latin-1")))
        # How long this gateway waits for the answer: the budget every service call made
        # for this request shares (kit.deadline). Never the client's own figure.
        out.append((BUDGET_HEADER, str(int(self.gw.upstream_timeout_seconds * 1000))))
        traceparent, trace_id, kept = child_traceparent(raw.get(b"traceparent"))
        ctx.trace_id = trace_id
        out.append(("traceparent", traceparent))
        if kept and (state := raw.get(b"tracestate")):
            out.append(("tracestate", state))
        out.append(("x-request-id", request_id_var.get()))
        chain = [ctx.client_ip]
        if self.gw.trusted_proxy_hops and (xff := raw.get(b"x-forwarded-for")):
            chain = [p.strip() for p in xff.split(",") if p.strip()]
            peer = scope.get("client")
            if peer:
                chain.append(str(peer[0]))
        out.append(("x-forwarded-for", ", ".join(chain)))
        # The one address upstreams trust (auth throttles logins by it); a client's own is dropped.
        out.append((CLIENT_IP_HEADER, ctx.client_ip))
        out.append(("x-forwarded-proto", str(scope.get("scheme", "http"))))
        if host := raw.get(b"host"):
            out.append(("x-forwarded-host", host))
        return out

    # -- the gateway's own endpoints -----------------------------------------------------
    async def _preflight(self, send: Send, origin: str, raw: _Headers, ctx: _Log) -> None:
        allowed = self.cors.preflight(origin, raw.get(b"access-control-request-headers"))
        ctx.responded = True
        rid = [(b"x-request-id", request_id_var.get().encode())]
        if allowed is None:
            ctx.status = 403
            await _problem(send, 403, "cors_not_allowed", "Cross-origin request not allowed", rid)
            return
        ctx.status = 204
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [*allowed, *rid, (b"vary", b"Access-Control-Request-Headers")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _own(
        self,
        scope: Scope,
        path: str,
        method: str,
        send: Send,
        raw: _Headers,
        extra: list[tuple[bytes, bytes]],
        ctx: _Log,
    ) -> None:
        ctx.responded = True
        if path in OPERATOR_PATHS and not await self._operator(scope, raw, send, extra, ctx):
            return
        if method not in ("GET", "HEAD"):
            ctx.status = 405
            await _problem(
                send,
                405,
                "method_not_allowed",
                "Only GET is allowed here",
                extra + [(b"allow", b"GET, HEAD")],
            )
            return
        if path == "/health":
            ctx.status = 200
            body = GatewayLiveness(status="ok", service="gateway").model_dump()
            await _json(send, 200, body, extra)
        elif path == "/health/detailed":
            if not await self._admit(_HEALTH_ROUTE, None, ctx, send, extra):
                return
            report = await detailed_report(self.pools, self.limiter)
            ctx.status = 503 if report.status == "fail" else 200
            await _json(send, ctx.status, report.model_dump(), extra)
        elif path == "/metrics":
            ctx.status = 200
            await _raw(send, 200, self.metrics.render(), CONTENT_TYPE.encode(), extra)
        elif path == "/openapi.json":
            ctx.status = 200
            await _json(send, 200, await self.docs.document(), extra)
        else:
            ctx.status = 200
            page_headers = [*extra, (b"content-security-policy", DOCS_POLICY)]
            await _raw(send, 200, self.docs_page.html, b"text/html; charset=utf-8", page_headers)

    async def _operator(
        self, scope: Scope, raw: _Headers, send: Send, extra: list[tuple[bytes, bytes]], ctx: _Log
    ) -> bool:
        """Whether the caller may read /metrics and /health/detailed; refuses it if not."""
        peer = scope.get("client")
        verdict = self.operator.verdict(
            raw.get(b"authorization"),
            str(peer[0]) if peer else None,
            any(raw.get(h) for h in (b"x-forwarded-for", b"forwarded", b"x-real-ip")),
        )
        if verdict == "allow":
            return True
        status, code, detail = REFUSALS[verdict]
        ctx.status = status
        headers = extra + [(b"www-authenticate", b"Bearer")] if status == 401 else extra
        await _problem(send, status, code, detail, headers)
        return False

    async def _docs_asset(
        self, path: str, method: str, send: Send, extra: list[tuple[bytes, bytes]], ctx: _Log
    ) -> None:
        ctx.responded = True
        found = self.docs_page.asset(path)
        if found is None or method not in ("GET", "HEAD"):
            ctx.status = 404 if found is None else 405
            await _problem(send, ctx.status, *_ASSET_REFUSAL[ctx.status], extra)
            return
        body, content_type = found
        ctx.status = 200
        await _raw(send, 200, body, content_type, [*extra, (b"cache-control", ASSET_CACHE)])

    def _secured(self, send: Send, scope: Scope, raw: _Headers, ctx: _Log) -> Send:
        """`send` that adds the security headers to whatever response starts, and notes it.

        Every response of this request goes through it, so none can leave without
        the headers, and `ctx.responded` says for certain whether one has started.
        """
        headers = self.security.for_request(
            str(scope.get("scheme", "http")), raw.get(b"x-forwarded-proto")
        )

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx.started = ctx.responded = True
                present = list(message.get("headers", ()))
                # A handler that already set one of them (the console does) keeps one copy.
                message["headers"] = present + [h for h in headers if h not in present]
            await send(message)

        return secured


# Its own budget: an operator checking health is not refused because the API was busy.
_HEALTH_ROUTE = Route("/health/detailed", "gateway", "health", False)
_ASSET_REFUSAL = {
    404: ("not_found", "No such documentation asset"),
    405: ("method_not_allowed", "Only GET is allowed here"),
}


class _Headers:
    """The request's raw headers with first-value lookup by lower-case name."""

    __slots__ = ("_first", "items")

    def __init__(self, items: list[tuple[bytes, bytes]]) -> None:
        self.items = items
        self._first: dict[bytes, bytes] = {}
        for key, value in reversed(items):
            self._first[key] = value

    def get(self, name: bytes) -> str:
        value = self._first.get(name)
        return value.decode("latin-1") if value is not None else ""


class _Log:
    __slots__ = (
        "attempts",
        "client_ip",
        "responded",
        "route",
        "service",
        "source",
        "started",
        "status",
        "trace_id",
        "upstream_name",
        "upstream_url",
    )

    def __init__(self, route: str) -> None:
        self.route = route
        self.service = ""
        # "gateway" for answers the gateway made, "upstream" for a relayed upstream answer.
        self.source = "gateway"
        # A response start went out (set by the send wrapper): a second one must not.
        self.started = False
        self.status = 500
        self.responded = False
        self.upstream_url = ""
        self.upstream_name = "-"
        self.client_ip = ""
        self.trace_id = ""
        self.attempts = 0


def path_bytes(path: str) -> bytes:
    return quote(path).encode("ascii")


async def _raw(
    send: Send, status: int, body: bytes, content_type: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, data: Any, extra: list[tuple[bytes, bytes]]) -> None:
    await _raw(send, status, orjson.dumps(data), b"application/json", extra)


async def _problem(
    send: Send, status: int, code: str, detail: str, extra: list[tuple[bytes, bytes]]
) -> None:
    body = orjson.dumps(problem_body(status, code, detail))
    await _raw(send, status, body, PROBLEM_JSON.encode(), extra)


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
