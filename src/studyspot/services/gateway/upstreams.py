"""Upstream instances: one pooled keep-alive aiohttp session each, a breaker, round-robin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp

from studyspot.kit.serving import CALLER_KEEP_ALIVE_SECONDS
from studyspot.services.gateway.breaker import BreakerState, CircuitBreaker
from studyspot.services.gateway.config import GatewaySettings


class Instance:
    def __init__(
        self,
        service: str,
        index: int,
        url: str,
        settings: GatewaySettings,
        on_breaker_change: Callable[[Instance, BreakerState], None] | None = None,
    ) -> None:
        self.service = service
        self.name = f"{service}-{index + 1}"
        self.url = url
        self.breaker = CircuitBreaker(
            settings.breaker_failures,
            settings.breaker_open_seconds,
            on_change=(lambda s: on_breaker_change(self, s)) if on_breaker_change else None,
        )
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._stream_session: aiohttp.ClientSession | None = None

    def open(self) -> None:
        """Make the pooled session (at start-up, inside the running loop)."""
        s = self._settings
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=s.pool_connections_per_instance,
                # Below the services' keep-alive, so a pooled connection is never
                # reused just as the service closes it (a POST could not be retried).
                keepalive_timeout=CALLER_KEEP_ALIVE_SECONDS,
                ttl_dns_cache=300,
            ),
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=s.connect_timeout_seconds,
                sock_read=s.upstream_timeout_seconds,
            ),
            auto_decompress=False,
            # The upstream sees the client's headers, not aiohttp's defaults.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        without_hidden_retry(self._session)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("upstream session used before start-up")
        return self._session

    @property
    def stream_session(self) -> aiohttp.ClientSession:
        """Event streams' own pool: no read timeout, no keep-alive reuse, its own limit."""
        if self._stream_session is None:
            self._stream_session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._settings.stream_connections_per_instance, force_close=True
                ),
                timeout=aiohttp.ClientTimeout(
                    total=None, connect=self._settings.connect_timeout_seconds, sock_read=None
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            without_hidden_retry(self._stream_session)
        return self._stream_session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._stream_session is not None:
            await self._stream_session.close()

    async def probe(self, limit_seconds: float) -> float:
        """GET /health; the latency in ms, or raises."""
        started = time.perf_counter()
        async with asyncio.timeout(limit_seconds):
            async with self.session.get(self.url + "/health") as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"health answered {resp.status}")
        return (time.perf_counter() - started) * 1000


class ServicePool:
    """The instances of one service, chosen round-robin among those whose breaker allows."""

    def __init__(self, service: str, instances: list[Instance]) -> None:
        self.service = service
        self.instances = instances
        self._next = 0

    def choose(self, exclude: set[Instance] | None = None) -> Instance | None:
        n = len(self.instances)
        for step in range(n):
            inst = self.instances[(self._next + step) % n]
            if exclude and inst in exclude:
                continue
            if inst.breaker.allow():
                self._next = (self._next + step + 1) % n
                return inst
        return None

    def retry_after(self) -> float:
        waits = [i.breaker.retry_after() for i in self.instances]
        return min(waits) if waits else 0.0


def without_hidden_retry(session: aiohttp.ClientSession) -> None:
    """Switch off aiohttp's silent resend of an idempotent request on a dropped keep-alive
    connection: retries are the gateway's decision (counted, backed off, maybe to another
    instance), and a hidden one would run a GET twice unseen.

    aiohttp has no public switch for it (aio-libs/aiohttp#10790 asks for one); its own
    test client turns it off through this private attribute (#9396).
    tests/gateway/test_hidden_retry.py pins both the attribute and the behaviour, so an
    upgrade that drops or changes either fails there rather than resending silently.
    """
    session._retry_connection = False
