"""Settings from the environment variables the plan names.

Every service reads the same `Settings`; a service only uses the parts it needs.
Outside `local` and `test` the settings refuse placeholder secrets, so a
production deployment cannot start with the development JWT key.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"
DEV_ENCRYPTION_KEY = "dev-only-insecure-encryption-key-change-me"

# Plan ports (ARCHITECTURE §1).
SERVICE_PORTS: dict[str, int] = {
    "gateway": 3000,
    "auth": 3001,
    "tenant": 3003,
    "student": 3004,
    "library": 3005,
    "booking": 3006,
    "payment": 3007,
    "attendance": 3008,
    "subscription": 3009,
    "message": 3010,
    "community": 3011,
    "analytics": 3012,
}


def to_async_url(url: str) -> str:
    """Normalise a plan-style URL (`postgres://`, `postgresql://`, `sqlite:///`) to an async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+asyncpg://" + url[len("postgresql+psycopg2://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def to_sync_url(url: str) -> str:
    """The synchronous twin of an async URL; Alembic runs on sync drivers."""
    url = to_async_url(url)
    if url.startswith("postgresql+asyncpg://"):
        return "postgresql+psycopg2://" + url[len("postgresql+asyncpg://") :]
    if url.startswith("sqlite+aiosqlite:///"):
        return "sqlite:///" + url[len("sqlite+aiosqlite:///") :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Literal["local", "test", "production"] = "local"
    data_dir: Path = Path("var")

    # Shared tenant database (option B). Empty → SQLite file under data_dir.
    database_url: str = ""
    # Core database: CORE_DATABASE_URL, or CORE_DB_HOST/PORT/NAME/USER/PASSWORD as in the plan.
    core_database_url: str = ""
    core_db_host: str = ""
    core_db_port: int = 5432
    core_db_name: str = "studyspot_core"
    core_db_user: str = "postgres"
    core_db_password: str = ""
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    # Dedicated tenant databases each get a small pool; at most this many engines stay open.
    tenant_pool_size: int = Field(default=3, ge=1, le=50)
    tenant_engine_cache: int = Field(default=32, ge=1, le=10_000)
    # Base URL under which dedicated PostgreSQL databases are created (option A).
    dedicated_db_admin_url: str = ""

    jwt_secret: str = DEV_SECRET
    # Extra verification keys for rotation: "kid1:secret1,kid2:secret2".
    jwt_previous_keys: str = ""
    jwt_kid: str = "k1"
    jwt_issuer: str = "studyspot"
    jwt_audience: str = "studyspot-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=60)
    password_reset_ttl_seconds: int = Field(default=3600, ge=60)
    # Principal status (user active, tenant active) is cached per process this long.
    identity_cache_seconds: float = Field(default=0.0, ge=0, le=60)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    encryption_key: str = DEV_ENCRYPTION_KEY

    login_max_failures_per_account: int = 10
    login_max_failures_per_ip: int = 50
    login_failure_window_seconds: int = 900

    cors_origin: str = "http://localhost:5173"
    redis_url: str = ""
    nats_url: str = ""
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_placeholders_outside_local(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("JWT_SECRET must be set to a random value of 32+ characters")
            if self.encryption_key == DEV_ENCRYPTION_KEY:
                raise ValueError("ENCRYPTION_KEY must be set outside local and test")
        return self

    @property
    def tenant_db_url(self) -> str:
        if self.database_url:
            return to_async_url(self.database_url)
        return f"sqlite+aiosqlite:///{self.data_dir / 'tenant.db'}"

    @property
    def core_db_url(self) -> str:
        if self.core_database_url:
            return to_async_url(self.core_database_url)
        if self.core_db_host:
            auth = quote(self.core_db_user, safe="")
            if self.core_db_password:
                auth += ":" + quote(self.core_db_password, safe="")
            return (
                f"postgresql+asyncpg://{auth}@{self.core_db_host}:{self.core_db_port}/"
                f"{self.core_db_name}"
            )
        return f"sqlite+aiosqlite:///{self.data_dir / 'core.db'}"

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origin.split(",") if o.strip()]

    def jwt_verification_keys(self) -> dict[str, str]:
        keys = {self.jwt_kid: self.jwt_secret}
        for pair in self.jwt_previous_keys.split(","):
            if ":" in pair:
                kid, secret = pair.split(":", 1)
                keys.setdefault(kid.strip(), secret.strip())
        return keys

    @staticmethod
    def service_urls(name: str) -> list[str]:
        """Instances of a service from `<NAME>_SERVICE_URL` (comma-separated)."""
        raw = os.environ.get(f"{name.upper()}_SERVICE_URL", "")
        urls = [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]
        if not urls and name in SERVICE_PORTS:
            urls = [f"http://127.0.0.1:{SERVICE_PORTS[name]}"]
        return urls


@lru_cache
def get_settings() -> Settings:
    return Settings()
