"""Who may read a process's operator endpoints: `/metrics` and `/health/detailed`.

They name every route, upstream instance, breaker state and dependency, which
is a map of the deployment an outsider has no business reading. So:

- with `METRICS_TOKEN` set, they answer only to `Authorization: Bearer <token>`
  (what Prometheus' `authorization` scrape setting sends); anyone else gets a
  401 problem;
- without it, they answer only on a developer's machine (`ENVIRONMENT` local or
  test) to a caller on the loopback interface that no proxy forwarded, so that
  `studyspot up` and `curl localhost` keep working; anyone else, and everyone in
  production, gets a 404 as if they did not exist.

One policy for the gateway (plain ASGI) and every service (FastAPI), so the two
cannot drift apart.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from studyspot.kit.errors import NotFound, Unauthorized
from studyspot.kit.settings import Settings

OPERATOR_PATHS = frozenset({"/metrics", "/health/detailed"})
# A request that passed through a proxy is not the local operator, whatever its peer.
FORWARDING_HEADERS = frozenset({"x-forwarded-for", "forwarded", "x-real-ip"})

Verdict = Literal["allow", "unauthorized", "hidden"]


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class OperatorAccess:
    token: str
    local: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> OperatorAccess:
        return cls(settings.metrics_token, settings.environment in ("local", "test"))

    def verdict(self, authorization: str, peer: str | None, forwarded: bool) -> Verdict:
        if self.token:
            scheme, _, presented = authorization.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                presented.strip().encode(), self.token.encode()
            ):
                return "allow"
            return "unauthorized"
        if self.local and not forwarded and _is_loopback(peer):
            return "allow"
        return "hidden"

    def verdict_for_headers(self, headers: Iterable[tuple[str, str]], peer: str | None) -> Verdict:
        authorization = ""
        forwarded = False
        for name, value in headers:
            if name == "authorization" and not authorization:
                authorization = value
            elif name in FORWARDING_HEADERS:
                forwarded = True
        return self.verdict(authorization, peer, forwarded)


REFUSALS: dict[Verdict, tuple[int, str, str]] = {
    "unauthorized": (401, "operator_token_required", "This endpoint needs the operator token"),
    "hidden": (404, "not_found", "Not Found"),
}


async def require_operator(request: Request) -> None:
    """FastAPI dependency of a service's `/metrics` and `/health/detailed`."""
    access: OperatorAccess = request.app.state.operator_access
    peer = request.client.host if request.client else None
    verdict = access.verdict_for_headers(request.headers.items(), peer)
    if verdict == "unauthorized":
        _, code, detail = REFUSALS[verdict]
        raise Unauthorized(detail, code=code)
    if verdict == "hidden":
        raise NotFound()
