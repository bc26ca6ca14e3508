"""The route table of the plan: which service owns which path prefix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RouteClass = Literal["general", "auth", "health"]

# (pattern, service). A pattern ending in `*` matches any continuation of the
# text before it; one ending in `/*` needs the slash. Longest prefix wins.
ROUTE_TABLE: tuple[tuple[str, str], ...] = (
    ("/api/auth/*", "auth"),
    ("/api/users/*", "auth"),
    ("/api/v1/auth/*", "auth"),
    ("/api/v1/students*", "student"),
    ("/api/v1/libraries*", "library"),
    ("/api/fee-plans*", "library"),
    ("/api/v1/bookings*", "booking"),
    ("/api/v1/payments*", "payment"),
    ("/api/attendance*", "attendance"),
    ("/api/v1/tenants*", "tenant"),
    ("/api/v1/subscriptions*", "subscription"),
    ("/api/messages*", "message"),
    ("/api/communities*", "community"),
    ("/api/groups*", "community"),
    ("/api/v1/events*", "community"),
    ("/api/v1/analytics*", "analytics"),
)

# Answered as Server-Sent Events: relayed unbuffered, without the upstream read timeout.
EVENT_STREAM_PATHS = frozenset({"/api/v1/events/stream"})

AUTH_PATTERNS = frozenset(p for p, s in ROUTE_TABLE if s == "auth")


@dataclass(frozen=True, slots=True)
class Route:
    pattern: str
    service: str
    klass: RouteClass
    upload: bool


class RouteTable:
    def __init__(self, auth_actions: frozenset[str], upload_suffixes: tuple[str, ...]) -> None:
        self._entries = sorted(
            ((pattern.rstrip("*"), pattern, service) for pattern, service in ROUTE_TABLE),
            key=lambda e: len(e[0]),
            reverse=True,
        )
        self._auth_actions = auth_actions
        self._upload_suffixes = upload_suffixes
        self._cache: dict[str, Route | None] = {}

    def match(self, path: str) -> Route | None:
        """The route of a normalised path, or None (unknown path, or an `/internal/` one)."""
        cached = self._cache.get(path)
        if cached is not None or path in self._cache:
            return cached
        route = self._match(path)
        if len(self._cache) < 10_000:  # paths carry ids; keep the memo bounded
            self._cache[path] = route
        return route

    def _match(self, path: str) -> Route | None:
        if not is_routable(path):
            return None
        for prefix, pattern, service in self._entries:
            if path.startswith(prefix):
                last = path.rstrip("/").rsplit("/", 1)[-1]
                klass: RouteClass = (
                    "auth" if pattern in AUTH_PATTERNS and last in self._auth_actions else "general"
                )
                upload = path.rstrip("/").endswith(self._upload_suffixes)
                return Route(pattern, service, klass, upload)
        return None


def is_routable(path: str) -> bool:
    """Refuse paths that could reach something else once an upstream normalises them.

    Dot segments (`..`, `.`) could climb out of a prefix into `/internal/*`,
    empty segments and backslashes are read differently by different servers.
    """
    if not path.startswith("/") or "\\" in path or "//" in path:
        return False
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        return False
    return not (len(segments) > 1 and segments[1] == "internal")
