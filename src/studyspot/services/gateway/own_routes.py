"""The gateway's own answers: CORS preflights, health, metrics, the API document and docs."""

from __future__ import annotations

from studyspot.kit.operator import OPERATOR_PATHS, REFUSALS, OperatorAccess
from studyspot.services.gateway.admission import Admission
from studyspot.services.gateway.cors import Cors
from studyspot.services.gateway.docs import ASSET_CACHE, ASSET_PREFIX, DOCS_POLICY, DocsPage
from studyspot.services.gateway.exchange import Exchange
from studyspot.services.gateway.health import GatewayLiveness, detailed_report
from studyspot.services.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from studyspot.services.gateway.openapi import OpenApiMerger
from studyspot.services.gateway.ratelimit import RateLimiter
from studyspot.services.gateway.routes import Route
from studyspot.services.gateway.upstreams import ServicePool

OWN_PATHS = frozenset({"/health", "/health/detailed", "/metrics", "/docs", "/openapi.json"})

# Its own budget: an operator checking health is not refused because the API was busy.
_HEALTH_ROUTE = Route("/health/detailed", "gateway", "health", False)
_ASSET_REFUSAL = {
    404: ("not_found", "No such documentation asset"),
    405: ("method_not_allowed", "Only GET is allowed here"),
}


class OwnRoutes:
    def __init__(
        self,
        *,
        cors: Cors,
        operator: OperatorAccess,
        admission: Admission,
        metrics: GatewayMetrics,
        limiter: RateLimiter,
        pools: dict[str, ServicePool],
        docs: OpenApiMerger,
    ) -> None:
        self.cors = cors
        self.operator = operator
        self.admission = admission
        self.metrics = metrics
        self.limiter = limiter
        self.pools = pools
        self.docs = docs
        self.docs_page = DocsPage()

    def claims(self, exchange: Exchange) -> bool:
        """Whether the gateway answers this request itself (and notes the route if so)."""
        raw = exchange.headers
        if (
            exchange.method == "OPTIONS"
            and exchange.origin
            and raw.get(b"access-control-request-method")
        ):
            exchange.route = "preflight"
        elif exchange.path in OWN_PATHS:
            exchange.route = exchange.path
        elif exchange.path.startswith(ASSET_PREFIX):
            exchange.route = ASSET_PREFIX + "*"
        else:
            return False
        return True

    async def serve(self, exchange: Exchange) -> None:
        """Answer a request `claims` took."""
        if exchange.route == "preflight":
            await self._preflight(exchange)
        elif exchange.route == ASSET_PREFIX + "*":
            await self._docs_asset(exchange)
        else:
            await self._own(exchange)

    async def _preflight(self, exchange: Exchange) -> None:
        allowed = self.cors.preflight(
            exchange.origin, exchange.headers.get(b"access-control-request-headers")
        )
        rid = [(b"x-request-id", exchange.request_id.encode())]
        if allowed is None:
            await exchange.problem(403, "cors_not_allowed", "Cross-origin request not allowed", rid)
            return
        exchange.status = 204
        await exchange.send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [*allowed, *rid, (b"vary", b"Access-Control-Request-Headers")],
            }
        )
        await exchange.send({"type": "http.response.body", "body": b""})

    async def _own(self, exchange: Exchange) -> None:
        path = exchange.path
        if path in OPERATOR_PATHS and not await self._operator(exchange):
            return
        if exchange.method not in ("GET", "HEAD"):
            await exchange.problem(
                405,
                "method_not_allowed",
                "Only GET is allowed here",
                exchange.response_headers + [(b"allow", b"GET, HEAD")],
            )
            return
        if path == "/health":
            await exchange.json(200, GatewayLiveness(status="ok", service="gateway").model_dump())
        elif path == "/health/detailed":
            if not await self.admission.within_rate(exchange, _HEALTH_ROUTE, None):
                return
            report = await detailed_report(self.pools, self.limiter)
            await exchange.json(503 if report.status == "fail" else 200, report.model_dump())
        elif path == "/metrics":
            await exchange.answer(200, self.metrics.render(), CONTENT_TYPE.encode())
        elif path == "/openapi.json":
            await exchange.json(200, await self.docs.document())
        else:
            page_headers = [*exchange.response_headers, (b"content-security-policy", DOCS_POLICY)]
            await exchange.answer(
                200, self.docs_page.html, b"text/html; charset=utf-8", page_headers
            )

    async def _operator(self, exchange: Exchange) -> bool:
        """Whether the caller may read /metrics and /health/detailed; refuses it if not."""
        raw = exchange.headers
        verdict = self.operator.verdict(
            raw.get(b"authorization"),
            exchange.peer,
            any(raw.get(h) for h in (b"x-forwarded-for", b"forwarded", b"x-real-ip")),
        )
        if verdict == "allow":
            return True
        status, code, detail = REFUSALS[verdict]
        headers = exchange.response_headers
        if status == 401:
            headers = headers + [(b"www-authenticate", b"Bearer")]
        await exchange.problem(status, code, detail, headers)
        return False

    async def _docs_asset(self, exchange: Exchange) -> None:
        found = self.docs_page.asset(exchange.path)
        if found is None or exchange.method not in ("GET", "HEAD"):
            status = 404 if found is None else 405
            await exchange.problem(status, *_ASSET_REFUSAL[status])
            return
        body, content_type = found
        await exchange.answer(
            200, body, content_type, [*exchange.response_headers, (b"cache-control", ASSET_CACHE)]
        )
