"""Rate limits as GCRA (a token bucket kept as one timestamp per client and class).

With REDIS_URL the bucket lives in Redis and is updated by one Lua script (one
round trip, atomic, Redis's own clock), so every gateway instance shares it.
Without Redis, or while Redis is unreachable, each gateway keeps the buckets
in memory; /health/detailed says when that fallback is in force.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

log = structlog.get_logger("studyspot.gateway.ratelimit")

# KEYS[1] bucket; ARGV[1] emission interval ms; ARGV[2] period (burst) ms.
# Returns {allowed, retry_after_ms, reset_ms}.
_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return {1, 0, new_tat - now}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after_seconds).encode()))
        return out


def _decision(allowed: bool, limit: int, interval: float, retry: float, reset: float) -> Decision:
    # `reset` is how long until the bucket is full again: the used part of the burst.
    # The epsilon keeps float error from costing a request (59.999… // 0.2 → 298).
    remaining = 0 if not allowed else max(0, int((interval * limit - reset) / interval + 1e-6))
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=remaining,
        reset_seconds=max(0, math.ceil(reset)),
        retry_after_seconds=max(1, math.ceil(retry)) if not allowed else 0,
    )


class MemoryBuckets:
    """GCRA in this process. Entries whose bucket is full again are dropped lazily."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._tat: dict[str, float] = {}
        self._clock = clock
        self._next_sweep = 0.0

    def hit(self, key: str, limit: int, period: float) -> Decision:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        interval = period / limit
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + interval
        allow_at = new_tat - period
        if now < allow_at:
            return _decision(False, limit, interval, allow_at - now, tat - now)
        self._tat[key] = new_tat
        return _decision(True, limit, interval, 0.0, new_tat - now)

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + 10.0
        if len(self._tat) > 10_000:
            self._tat = {k: v for k, v in self._tat.items() if v > now}


BackendState = Literal["memory", "redis", "redis_fallback"]


class RateLimiter:
    def __init__(
        self,
        redis_url: str,
        prefix: str,
        *,
        retry_seconds: float = 5.0,
        timeout_seconds: float = 0.25,
    ) -> None:
        self.prefix = prefix
        self.local = MemoryBuckets()
        self._retry_seconds = retry_seconds
        self._redis: aioredis.Redis | None = None
        self._script: Any = None
        self._down_until = 0.0
        self.last_error: str | None = None
        if redis_url:
            self._redis = aioredis.Redis.from_url(
                redis_url,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                retry_on_timeout=False,
            )
            self._script = self._redis.register_script(_GCRA_LUA)

    @property
    def uses_redis(self) -> bool:
        return self._redis is not None

    @property
    def state(self) -> BackendState:
        if self._redis is None:
            return "memory"
        return "redis_fallback" if self.last_error is not None else "redis"

    async def hit(self, klass: str, identity: str, limit: int, period: float) -> Decision:
        key = f"{self.prefix}{klass}:{identity}"
        if self._redis is None or time.monotonic() < self._down_until:
            return self.local.hit(key, limit, period)
        interval_ms = max(1, round(period * 1000 / limit))
        try:
            allowed, retry_ms, reset_ms = await self._script(
                keys=[key], args=[interval_ms, round(period * 1000)]
            )
        except (RedisError, OSError, TimeoutError) as exc:
            self._fail(exc)
            return self.local.hit(key, limit, period)
        if self.last_error is not None:
            log.warning("rate_limit_redis_recovered")
            self.last_error = None
        return _decision(
            bool(allowed), limit, interval_ms / 1000, int(retry_ms) / 1000, int(reset_ms) / 1000
        )

    def _fail(self, exc: BaseException) -> None:
        if self.last_error is None:
            log.warning("rate_limit_redis_down_using_local_limits", error=type(exc).__name__)
        self.last_error = type(exc).__name__
        self._down_until = time.monotonic() + self._retry_seconds

    async def ping(self) -> float:
        """Redis round trip in ms (raises when down). Clears the fallback when Redis is back."""
        if self._redis is None:
            raise RuntimeError("no redis configured")
        started = time.perf_counter()
        try:
            await self._redis.ping()
        except (RedisError, OSError, TimeoutError) as exc:
            self._fail(exc)
            raise
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
