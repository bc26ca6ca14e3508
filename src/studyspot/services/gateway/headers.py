"""Header rewriting: who the client is, and the headers an upstream receives.

A client never reaches an upstream with its own framing, hop-by-hop or identity
headers, nor with a client address, deadline or trace it made up: the gateway
drops those and sets its own.
"""

from __future__ import annotations

from studyspot.kit.context import CLIENT_IP_HEADER
from studyspot.kit.deadline import BUDGET_HEADER
from studyspot.services.gateway.config import GatewaySettings
from studyspot.services.gateway.exchange import Exchange, RequestHeaders
from studyspot.services.gateway.proxy import IDENTITY_PREFIXES, REQUEST_DROP
from studyspot.services.gateway.tracing import child_traceparent

_CLIENT_IP_KEY = CLIENT_IP_HEADER.encode()
_BUDGET_KEY = BUDGET_HEADER.encode()


class HeaderRewriter:
    def __init__(self, settings: GatewaySettings) -> None:
        self.trusted_proxy_hops = settings.trusted_proxy_hops
        self.budget_ms = str(int(settings.upstream_timeout_seconds * 1000))

    def client_ip(self, peer: str | None, headers: RequestHeaders) -> str:
        """The client's address: the peer's, or the one the trusted proxies name."""
        ip = peer or "unknown"
        hops = self.trusted_proxy_hops
        if hops:
            forwarded = [p.strip() for p in headers.get(b"x-forwarded-for").split(",") if p.strip()]
            if len(forwarded) >= hops:
                ip = forwarded[-hops]
        return ip

    def upstream(self, exchange: Exchange) -> list[tuple[str, str]]:
        """The headers the upstream receives for `exchange` (notes its trace id)."""
        raw = exchange.headers
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
        out.append((BUDGET_HEADER, self.budget_ms))
        traceparent, trace_id, kept = child_traceparent(raw.get(b"traceparent"))
        exchange.trace_id = trace_id
        out.append(("traceparent", traceparent))
        if kept and (state := raw.get(b"tracestate")):
            out.append(("tracestate", state))
        out.append(("x-request-id", exchange.request_id))
        chain = [exchange.client_ip]
        if self.trusted_proxy_hops and (xff := raw.get(b"x-forwarded-for")):
            chain = [p.strip() for p in xff.split(",") if p.strip()]
            if (peer := exchange.peer) is not None:
                chain.append(peer)
        out.append(("x-forwarded-for", ", ".join(chain)))
        # The one address upstreams trust (auth throttles logins by it); a client's own is dropped.
        out.append((CLIENT_IP_HEADER, exchange.client_ip))
        out.append(("x-forwarded-proto", exchange.scheme))
        if host := raw.get(b"host"):
            out.append(("x-forwarded-host", host))
        return out
