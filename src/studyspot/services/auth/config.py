"""Settings only the auth service reads (env `AUTH_*`); the shared ones stay in kit Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.services.auth.client import DEV_LINK_KEY


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AUTH_", env_file=".env", extra="ignore", case_sensitive=False
    )

    # True when clients reach this service only through the StudySpot gateway: the client's
    # address is then the one the gateway resolved and sent in X-StudySpot-Client-IP (it
    # strips that header from client input). False: the peer address is the client.
    behind_gateway: bool = False
    # Progressive lock of one login (account key) once it has this many failures
    # (LOGIN_MAX_FAILURES_PER_ACCOUNT): the first lock lasts this long, and each further
    # failure after a lock ends doubles it, up to the maximum.
    login_lock_seconds: int = Field(default=60, ge=1, le=3_600)
    login_max_lock_seconds: int = Field(default=900, ge=1, le=86_400)
    # Seals reset and invite link secrets in their events for the message service, which
    # holds the same value: `kid:<base64 of 32 random bytes>`, older keys comma-separated
    # after it. The development key is refused in production.
    link_encryption_key: str = DEV_LINK_KEY
    # Delivered reset and invite events are deleted from the outbox this often (0: never).
    link_event_prune_seconds: float = Field(default=60, ge=0, le=86_400)
    # A reset link is sent to one account at most once per this long (no flooding a phone).
    forgot_password_cooldown_seconds: int = Field(default=120, ge=0, le=86_400)
    # A set-password invite for a new student or staff member stays valid this long.
    invite_ttl_seconds: int = Field(default=7 * 86_400, ge=3_600, le=60 * 86_400)
    # How often expired refresh tokens and one-time links are deleted; 0 turns it off.
    prune_interval_seconds: float = Field(default=3_600, ge=0, le=86_400)
