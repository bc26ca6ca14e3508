"""CORS from `CORS_ORIGIN`: preflights answered here, response headers added to the rest.

Credentials (the Authorization header, cookies) are allowed only for listed
origins, echoed one by one; `*` in the list allows any origin without credentials.
"""

from __future__ import annotations

ALLOWED_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD"
ALLOWED_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "accept",
        "accept-language",
        "idempotency-key",
        "x-request-id",
        "traceparent",
        "tracestate",
        "if-match",
        "if-none-match",
    }
)
EXPOSED_HEADERS = (
    b"X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, "
    b"Content-Disposition, Location, ETag"
)
MAX_AGE = b"600"


class Cors:
    def __init__(self, origins: list[str]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(o.rstrip("/") for o in origins if o != "*")

    def allows(self, origin: str) -> bool:
        return origin in self.origins or self.any_origin

    def _origin_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        if origin in self.origins:
            return [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"vary", b"Origin"),
            ]
        return [(b"access-control-allow-origin", b"*")]

    def response_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        """Headers for an actual (non-preflight) response to a cross-origin request."""
        if not origin or not self.allows(origin):
            return [(b"vary", b"Origin")] if self.origins else []
        return [*self._origin_headers(origin), (b"access-control-expose-headers", EXPOSED_HEADERS)]

    def preflight(self, origin: str, requested_headers: str) -> list[tuple[bytes, bytes]] | None:
        """Headers allowing the preflight, or None to refuse it."""
        if not self.allows(origin):
            return None
        asked = [h.strip().lower() for h in requested_headers.split(",") if h.strip()]
        if any(h not in ALLOWED_HEADERS for h in asked):
            return None
        return [
            *self._origin_headers(origin),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ", ".join(asked).encode("latin-1")),
            (b"access-control-max-age", MAX_AGE),
        ]
