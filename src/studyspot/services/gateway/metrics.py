"""Prometheus metrics of the gateway: requests, latency, breaker states, limits, retries."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from studyspot.services.gateway.breaker import STATE_VALUE, BreakerState

CONTENT_TYPE = CONTENT_TYPE_LATEST


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gateway_requests_total",
            "Requests by route class (table pattern), method, status, upstream instance and "
            "source: `upstream` when the upstream's own answer was relayed (its 503 included), "
            "`gateway` when the gateway answered (its own 502/503/504, 429, 413, 404 ...)",
            ["route", "method", "status", "upstream", "source"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Gateway latency (first byte in to last byte out) by route class and upstream",
            ["route", "upstream"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.breaker = Gauge(
            "gateway_upstream_breaker_state",
            "Circuit breaker per upstream instance: 0 closed, 1 half-open, 2 open",
            ["service", "instance"],
            registry=self.registry,
        )
        self.retries = Counter(
            "gateway_upstream_retries_total",
            "Requests sent again after a failed attempt",
            ["service"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "gateway_rate_limited_total",
            "Requests refused with 429 by rate-limit class",
            ["klass"],
            registry=self.registry,
        )

    def observe(
        self, route: str, method: str, status: int, upstream: str, source: str, seconds: float
    ) -> None:
        self.requests.labels(route, method, str(status), upstream, source).inc()
        self.latency.labels(route, upstream).observe(seconds)

    def breaker_state(self, service: str, instance: str, state: BreakerState) -> None:
        self.breaker.labels(service, instance).set(STATE_VALUE[state])

    def render(self) -> bytes:
        return generate_latest(self.registry)
