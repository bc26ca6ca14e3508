"""Security headers on every response the gateway sends: its own, problems and upstreams'.

They are added where the response starts (the gateway's `send`), not by each
handler, so nothing the gateway serves can leave without them: API answers,
problems, `/docs` and its assets, and static files served at `/` later.

- `X-Content-Type-Options: nosniff`: a JSON or CSV body is never run as a script.
- `Content-Security-Policy: frame-ancestors 'none'` (and `X-Frame-Options: DENY`
  for browsers older than CSP 2): no page of ours inside someone else's frame.
  Only `frame-ancestors`, so that a page with its own policy (the console, the
  door display) keeps it; a browser enforces every policy it is sent.
- `Strict-Transport-Security` only when the request came over TLS, to us or to
  a trusted proxy in front of us: a browser ignores it over plain HTTP, and on
  a developer's `http://localhost` it has nothing to protect.
"""

from __future__ import annotations

Header = tuple[bytes, bytes]

BASE_HEADERS: tuple[Header, ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    def __init__(self, hsts_max_age_seconds: int, trusted_proxy_hops: int) -> None:
        self._plain = list(BASE_HEADERS)
        self._tls = list(BASE_HEADERS)
        if hsts_max_age_seconds:
            hsts = f"max-age={hsts_max_age_seconds}; includeSubDomains".encode()
            self._tls.append((b"strict-transport-security", hsts))
        self._trust_forwarded_proto = trusted_proxy_hops > 0

    def for_request(self, scheme: str, forwarded_proto: str) -> list[Header]:
        """The headers for one request; `forwarded_proto` counts only behind trusted proxies."""
        tls = scheme == "https"
        if not tls and self._trust_forwarded_proto and forwarded_proto:
            # The proxy next to us appends last; what is further left the client chose.
            tls = forwarded_proto.rsplit(",", 1)[-1].strip().lower() == "https"
        return self._tls if tls else self._plain
