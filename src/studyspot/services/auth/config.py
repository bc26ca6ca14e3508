"""Settings only the auth service reads (env `AUTH_*`); the shared ones stay in kit Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AUTH_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # Proxies in front of this service that append to X-Forwarded-For (the gateway is one).
    # 0 trusts no header: the peer address is the client, as when called directly.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    # A set-password invite for a new student or staff member stays valid this long.
    invite_ttl_seconds: int = Field(default=7 * 86_400, ge=3_600, le=60 * 86_400)
    # How often expired refresh tokens and one-time links are deleted; 0 turns it off.
    prune_interval_seconds: float = Field(default=3_600, ge=0, le=86_400)
