"""Settings from the environment variables the plan names.

Every service reads the same `Settings`; a service only uses the parts it needs.
`ENVIRONMENT=production` refuses what is only safe on a developer's machine:
the well-known development keys, SQLite, a missing `CORS_ORIGIN`, an
encryption key without a key id or of the wrong size, and rotation keys that
are no public keys. Which process gets which secret is deploy/generate.py's
business; the keys themselves are read by `studyspot.kit.keys`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from studyspot.kit import keys as keyring

DEV_ENCRYPTION_KEY = keyring.development_encryption_key()
# The unversioned development key ciphertexts were sealed with before key ids existed.
LEGACY_DEV_ENCRYPTION_KEY = "dev-only-insecure-encryption-key-change-me"
# Label of the development access-token key (local and test only, see kit/keys.py).
DEV_JWT_LABEL = "access-tokens"

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
    # How long a unit of work waits for a pooled connection (and on SQLite for the write
    # lock) before the request is answered 503 database_busy.
    db_wait_seconds: float = Field(default=30.0, gt=0, le=600)
    # Dedicated tenant databases each get a small pool; at most this many engines stay open.
    tenant_pool_size: int = Field(default=3, ge=1, le=50)
    tenant_engine_cache: int = Field(default=32, ge=1, le=10_000)
    # Base URL under which dedicated PostgreSQL databases are created (option A).
    dedicated_db_admin_url: str = ""
    # PostgreSQL: tenant units of work log in as this role, not as the tables' owner of
    # DATABASE_URL (which runs migrations and moves). It owns nothing and may only switch to
    # the row-level-security role, so `RESET ROLE` leaves it without any table privilege.
    # `studyspot migrate` creates it (and sets the password when one is given).
    database_app_user: str = Field(default="studyspot_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    database_app_password: str = ""

    # Access tokens are EdDSA (Ed25519). The private key (PEM or a PEM file's path) is
    # given to the auth service only; every process verifies with JWT_PUBLIC_KEY
    # (derived from the private key where that is set). Empty outside production:
    # the development key.
    jwt_private_key: str = ""
    jwt_public_key: str = ""
    # Public keys of earlier kids, still accepted after a rotation: "kid1:pub1,kid2:pub2".
    jwt_previous_keys: str = ""
    jwt_kid: str = "k1"
    # Service tokens: this process's own key (PEM or path), and every service's public
    # key, "auth:pub,booking:pub,..." (empty outside production: development keys).
    service_private_key: str = ""
    service_public_keys: str = ""
    jwt_issuer: str = "studyspot"
    jwt_audience: str = "studyspot-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=60)
    password_reset_ttl_seconds: int = Field(default=3600, ge=60)
    # The per-request identity check (user active, sessions, tenant, subscription) is
    # cached per process at most this long, and only on PostgreSQL while the process hears
    # the core database's change notifications (kit/identity_changes.py); 0: never.
    identity_cache_seconds: float = Field(default=30.0, ge=0, le=60)
    # Razorpay Checkout's documented script, which the console loads to take a platform
    # upgrade's payment: the subscription service hands it out, the gateway's console CSP
    # allows its origin (and Checkout's frames).
    razorpay_checkout_url: str = Field(
        default="https://checkout.razorpay.com/v1/checkout.js",
        pattern=r"^https?://[A-Za-z0-9.:\[\]-]+/[!-~]*$",
        max_length=500,
    )
    # Cashfree's JS SDK (v3), which the console loads to pay for message credits on the
    # platform's Cashfree account: handed out and allowed by the CSP the same way.
    cashfree_checkout_url: str = Field(
        default="https://sdk.cashfree.com/js/v3/cashfree.js",
        pattern=r"^https?://[A-Za-z0-9.:\[\]-]+/[!-~]*$",
        max_length=500,
    )
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # kid:<base64 of 32 bytes>; new ciphertexts name the kid. Older keys decrypt only:
    # ENCRYPTION_PREVIOUS_KEYS ("kid:key,..."), and ENCRYPTION_LEGACY_KEY, the unversioned
    # key that sealed ciphertexts written before key ids existed. Only the payment
    # service encrypts; empty outside production: the development key.
    encryption_key: str = ""
    encryption_previous_keys: str = ""
    encryption_legacy_key: str = ""

    login_max_failures_per_account: int = 10
    login_max_failures_per_ip: int = 50
    login_failure_window_seconds: int = 900

    cors_origin: str = "http://localhost:5173"
    redis_url: str = ""
    nats_url: str = ""
    # Bearer token for /metrics and /health/detailed of every process (kit/operator.py).
    # Unset: they answer only to loopback callers on a developer's machine.
    metrics_token: str = Field(default="", max_length=500)
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_unusable_keys(self) -> Settings:
        # Malformed keys are refused everywhere: they could verify or decrypt nothing.
        keyring.parse_key_list(self.jwt_previous_keys, "JWT_PREVIOUS_KEYS")
        keyring.parse_key_list(self.service_public_keys, "SERVICE_PUBLIC_KEYS")
        for value, what in (
            (self.jwt_private_key, "JWT_PRIVATE_KEY"),
            (self.service_private_key, "SERVICE_PRIVATE_KEY"),
        ):
            if value:
                try:
                    keyring.load_private_key(value)
                except ValueError as exc:
                    raise ValueError(f"{what}: {exc}") from exc
        if self.jwt_public_key:
            keyring.load_public_key(self.jwt_public_key)
        if self.encryption_key or self.encryption_previous_keys:
            self.encryption_keys()
        if self.jwt_private_key and self.jwt_public_key:
            signing = keyring.load_private_key(self.jwt_private_key)
            if keyring.public_text(signing) != keyring.public_text(
                keyring.load_public_key(self.jwt_public_key)
            ):
                raise ValueError("JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY")
        return self

    @model_validator(mode="after")
    def _refuse_development_shortcuts_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        if not (self.jwt_public_key or self.jwt_private_key):
            raise ValueError("JWT_PUBLIC_KEY (or, in auth, JWT_PRIVATE_KEY) is required")
        current = self.access_verification_keys().get(self.jwt_kid)
        development = keyring.public_text(keyring.development_key(DEV_JWT_LABEL))
        if current is not None and keyring.public_text(current) == development:
            raise ValueError("the development access-token key cannot be used in production")
        if self.encryption_key in (DEV_ENCRYPTION_KEY, LEGACY_DEV_ENCRYPTION_KEY):
            raise ValueError("ENCRYPTION_KEY must be set to a key of your own")
        if "cors_origin" not in self.model_fields_set or not self.cors_origins:
            raise ValueError("CORS_ORIGIN must name the web app's origin(s) in production")
        for url, what in (
            (self.database_url, "DATABASE_URL"),
            (self.core_database_url, "CORE_DATABASE_URL"),
        ):
            if url.startswith("sqlite"):
                raise ValueError(f"{what}: SQLite is for local use only; use PostgreSQL")
        return self

    def _embedded_db(self, name: str, what: str) -> str:
        if self.environment == "production":
            # Checked on use, not in the validator: the gateway has no database at all.
            raise ValueError(f"{what} is required in production (SQLite is for local use only)")
        return f"sqlite+aiosqlite:///{self.data_dir / name}"

    @property
    def tenant_db_url(self) -> str:
        if self.database_url:
            return to_async_url(self.database_url)
        return self._embedded_db("tenant.db", "DATABASE_URL")

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
        return self._embedded_db("core.db", "CORE_DATABASE_URL")

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origin.split(",") if o.strip()]

    def access_signing_key(self) -> Ed25519PrivateKey:
        """The key access tokens are signed with: the auth service's alone."""
        if self.jwt_private_key:
            return keyring.load_private_key(self.jwt_private_key)
        if self.environment == "production":
            raise ValueError("JWT_PRIVATE_KEY is required to issue access tokens")
        return keyring.development_key(DEV_JWT_LABEL)

    def access_verification_keys(self) -> dict[str, Ed25519PublicKey]:
        """Public keys by kid: the current one (JWT_KID) and those of JWT_PREVIOUS_KEYS."""
        if self.jwt_public_key:
            current: Ed25519PublicKey | None = keyring.load_public_key(self.jwt_public_key)
        elif self.jwt_private_key:
            current = keyring.load_private_key(self.jwt_private_key).public_key()
        elif self.environment != "production":
            current = keyring.development_key(DEV_JWT_LABEL).public_key()
        else:
            current = None
        keys = keyring.parse_key_list(self.jwt_previous_keys, "JWT_PREVIOUS_KEYS")
        if current is not None:
            keys[self.jwt_kid] = current
        return keys

    def service_signing_key(self, service: str) -> Ed25519PrivateKey:
        """This process's key for the service tokens it sends as `service`."""
        if self.service_private_key:
            key = keyring.load_private_key(self.service_private_key)
        elif self.environment == "production":
            raise ValueError(
                f"SERVICE_PRIVATE_KEY is required for {service} to call other services"
            )
        else:
            key = keyring.development_key(f"service:{service}")
        listed = self.service_verification_key(service)
        if listed is not None and keyring.public_text(listed) != keyring.public_text(key):
            raise ValueError(f"SERVICE_PRIVATE_KEY is not {service}'s key in SERVICE_PUBLIC_KEYS")
        return key

    def encryption_keys(self) -> tuple[str, dict[str, bytes]]:
        """The current kid and every key by kid (the current one and the previous ones)."""
        if not self.encryption_key and self.environment == "production":
            raise ValueError("ENCRYPTION_KEY is required to encrypt secrets")
        kid, key = keyring.parse_encryption_key(self.encryption_key or DEV_ENCRYPTION_KEY)
        keys = {kid: key}
        for entry in self.encryption_previous_keys.split(","):
            if entry.strip():
                old_kid, old_key = keyring.parse_encryption_key(entry, "ENCRYPTION_PREVIOUS_KEYS")
                keys.setdefault(old_kid, old_key)
        return kid, keys

    def encryption_legacy_material(self) -> str:
        """The unversioned key of ciphertexts sealed before key ids existed ("" if none)."""
        if self.encryption_legacy_key or self.environment == "production":
            return self.encryption_legacy_key
        return LEGACY_DEV_ENCRYPTION_KEY

    def service_verification_key(self, service: str) -> Ed25519PublicKey | None:
        """The public key of `service`'s tokens; None: that service is no known caller."""
        listed = keyring.parse_key_list(self.service_public_keys, "SERVICE_PUBLIC_KEYS")
        if service in listed:
            return listed[service]
        if self.environment != "production" and service in SERVICE_PORTS:
            return keyring.development_key(f"service:{service}").public_key()
        return None

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
