"""Gateway settings (env `GATEWAY_*`) and the upstream instances of every service.

The shared `Settings` stay the source of CORS, Redis and JWT keys; what only the
gateway needs lives here so that the kit does not grow knobs for one service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.kit.settings import SERVICE_PORTS

MIB = 1024 * 1024


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # Requests per minute per user (valid token) or per client IP.
    rate_limit_per_minute: int = Field(default=300, ge=1, le=1_000_000)
    # Login, register, forgot/reset password and refresh, per client IP.
    auth_rate_limit_per_minute: int = Field(default=10, ge=1, le=1_000_000)
    # Final path segments under the auth prefixes that fall in the strict class.
    auth_class_actions: str = "login,register,signup,forgot-password,reset-password,refresh,token"
    rate_limit_redis_prefix: str = Field(default="studyspot:ratelimit:", max_length=200)
    # After Redis fails, local limits are used and Redis is tried again after this long.
    redis_retry_seconds: float = Field(default=5.0, ge=0.1, le=600)
    redis_timeout_seconds: float = Field(default=0.25, ge=0.01, le=10)

    max_body_bytes: int = Field(default=1 * MIB, ge=1)
    # A post with its files (community: 4 files of 10 MiB and the text, in one multipart
    # body) is the largest upload; each service still refuses past its own limits.
    upload_max_body_bytes: int = Field(default=41 * MIB, ge=1)
    # Path suffixes (after the route prefix) that accept large bodies, e.g. CSV import and
    # `.../posts/upload`, `.../messages/upload` (community attachments).
    upload_path_suffixes: str = "/import,/imports,/upload"

    connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # Time allowed for the upstream to start answering (and between body chunks).
    upstream_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=2, ge=0, le=10)
    retry_base_seconds: float = Field(default=0.05, ge=0, le=10)
    retry_max_seconds: float = Field(default=1.0, ge=0, le=60)

    breaker_failures: int = Field(default=5, ge=1, le=1000)
    breaker_open_seconds: float = Field(default=10.0, gt=0, le=3600)

    pool_connections_per_instance: int = Field(default=256, ge=1, le=10_000)
    # Event streams (docs/realtime.md) hold a connection each for minutes: their own pool
    # per instance, so that open streams never take the connections requests need.
    stream_connections_per_instance: int = Field(default=10_000, ge=1, le=100_000)
    # Idle keep-alive connections of clients stay open this long: longer than clients and
    # load balancers in front keep them (AWS ALB: 60 s), so that the client, never the
    # gateway, ends an idle connection (kit/serving.py).
    client_keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    # How many proxies in front of the gateway append to X-Forwarded-For (0: use the peer).
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    openapi_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Strict-Transport-Security max-age on answers to requests that came over TLS (0: none).
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0, le=63_072_000)
    # The built owner console (empty: web/dist of this checkout).
    console_dir: str = Field(default="", max_length=4096)

    @property
    def auth_actions(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.auth_class_actions.split(",") if a.strip())

    @property
    def upload_suffixes(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.upload_path_suffixes.split(",") if s.strip())


def upstream_urls(
    services: list[str], env: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Instances per service from `<NAME>_SERVICE_URL`.

    A variable that is set but empty means "not deployed": the gateway answers 503
    at once instead of trying the plan port (`studyspot up` sets it so for
    services that are not running). An unset variable falls back to the plan port.
    """
    env = os.environ if env is None else env
    urls: dict[str, list[str]] = {}
    for name in services:
        raw = env.get(f"{name.upper()}_SERVICE_URL")
        if raw is None:
            urls[name] = [f"http://127.0.0.1:{SERVICE_PORTS[name]}"]
        else:
            urls[name] = [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]
    return urls


def routed_services() -> list[str]:
    return [name for name in SERVICE_PORTS if name != "gateway"]


__all__ = ["GatewaySettings", "routed_services", "upstream_urls"]
