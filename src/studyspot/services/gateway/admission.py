"""Admission: whether a request may go on, by its rate and by the size of its body.

Each check answers the refusal itself (429, 400, 413) and says whether the
request may go on.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyspot.services.gateway.config import GatewaySettings
from studyspot.services.gateway.exchange import Exchange
from studyspot.services.gateway.identity import Caller
from studyspot.services.gateway.metrics import GatewayMetrics
from studyspot.services.gateway.proxy import DRAIN_LIMIT, RequestBody
from studyspot.services.gateway.ratelimit import RateLimiter
from studyspot.services.gateway.routes import Route

MINUTE = 60.0


@dataclass(frozen=True)
class BodySize:
    limit: int
    # The client's Content-Length, if it sent one.
    declared: int | None


class Admission:
    def __init__(
        self, settings: GatewaySettings, limiter: RateLimiter, metrics: GatewayMetrics
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.metrics = metrics

    async def within_rate(self, exchange: Exchange, route: Route, caller: Caller | None) -> bool:
        """Counts the request against its bucket; answers 429 when the bucket is empty."""
        if route.klass == "auth":
            limit = self.settings.auth_rate_limit_per_minute
            identity = "ip:" + exchange.client_ip
        else:
            limit = self.settings.rate_limit_per_minute
            identity = ("user:" + caller.user_id) if caller else ("ip:" + exchange.client_ip)
        decision = await self.limiter.hit(route.klass, identity, limit, MINUTE)
        exchange.response_headers.extend(decision.headers())
        if decision.allowed:
            return True
        self.metrics.rate_limited.labels(route.klass).inc()
        await exchange.problem(
            429,
            "rate_limited",
            f"Too many requests; try again in {decision.retry_after_seconds} s",
        )
        return False

    async def body_size(self, exchange: Exchange, route: Route) -> BodySize | None:
        """The body's limit and declared length; None when a bad or too large one was refused."""
        limit = (
            self.settings.upload_max_body_bytes if route.upload else self.settings.max_body_bytes
        )
        declared: int | None = None
        if cl := exchange.headers.get(b"content-length"):
            if not cl.isdigit():
                await exchange.problem(400, "bad_request", "Content-Length is not a number")
                return None
            declared = int(cl)
        if declared is not None and declared > limit:
            if declared - limit <= DRAIN_LIMIT:
                await RequestBody(exchange.receive, declared).discard_rest()
            await self.too_large(exchange, limit)
            return None
        return BodySize(limit, declared)

    async def too_large(self, exchange: Exchange, limit: int) -> None:
        await exchange.problem(
            413,
            "payload_too_large",
            f"The request body is larger than {limit} bytes",
            exchange.response_headers + [(b"connection", b"close")],
        )
