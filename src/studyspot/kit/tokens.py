"""JWT access tokens and opaque secrets (refresh, reset and invite tokens).

Access tokens are EdDSA (Ed25519) with a `kid` header so keys can rotate: the
auth service signs with JWT_PRIVATE_KEY under JWT_KID; every process verifies
with public keys only (JWT_PUBLIC_KEY, and JWT_PREVIOUS_KEYS for older kids
until they are dropped), so a process other than auth that leaks its settings
leaks nothing that signs a user token. The algorithm is pinned; `none`, HS256
(with any secret, including a public key used as one) and every other algorithm
are refused before any key is looked at.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cachetools import TLRUCache
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from studyspot.kit.settings import Settings

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    email: str
    user_type: str
    user_table: str
    tenant_id: uuid.UUID | None
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    jti: str
    issued_at: datetime
    expires_at: datetime


def issue_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    email: str,
    user_type: str,
    user_table: str,
    tenant_id: uuid.UUID | None,
    roles: list[str],
    permissions: list[str],
    now: datetime | None = None,
    ttl_seconds: int | None = None,
) -> tuple[str, datetime]:
    now = now or datetime.now(UTC)
    exp = now + timedelta(seconds=ttl_seconds or settings.access_token_ttl_seconds)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "userId": str(user_id),
        "email": email,
        "userType": user_type,
        "userTable": user_table,
        "tenantId": str(tenant_id) if tenant_id else None,
        "roles": roles,
        "permissions": permissions,
        "type": "access",
        # Milliseconds (RFC 7519 allows a fraction): the identity check refuses tokens issued
        # before the user's last security change, and a token issued right after it, in
        # the same second, must still pass (kit.auth.issued_before).
        "iat": math.floor(now.timestamp() * 1000) / 1000,
        "exp": int(exp.timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(
        claims,
        settings.access_signing_key(),
        algorithm=ALGORITHM,
        headers={"kid": settings.jwt_kid},
    )
    return token, exp


def decode_access_token(
    settings: Settings, token: str, keys: dict[str, Ed25519PublicKey] | None = None
) -> AccessClaims:
    """Verified claims; `keys` (kid → public key) defaults to the settings' keys."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    if keys is None:
        keys = settings.access_verification_keys()
    key = keys.get(str(header.get("kid", settings.jwt_kid)))
    if key is None:
        raise InvalidToken("unknown key id")
    try:
        data = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if data.get("type") != "access":
        raise InvalidToken("not an access token")
    try:
        tenant = data.get("tenantId")
        return AccessClaims(
            user_id=uuid.UUID(str(data["sub"])),
            email=str(data.get("email", "")),
            user_type=str(data["userType"]),
            user_table=str(data["userTable"]),
            tenant_id=uuid.UUID(str(tenant)) if tenant else None,
            roles=tuple(str(r) for r in data.get("roles", [])),
            permissions=tuple(str(p) for p in data.get("permissions", [])),
            jti=str(data["jti"]),
            issued_at=datetime.fromtimestamp(float(data["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(data["exp"]), UTC),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken("malformed claims") from exc


class VerifiedTokens:
    """`decode_access_token` memoised per token until the token expires.

    The same token arrives on every request of a session, and verifying it
    (base64, JSON, signature) was about 6 % of a list request's CPU with HMAC
    (py-spy), and an Ed25519 check costs more.
    Only the signature check is memoised: whether the user and tenant are
    still active is looked up on every request. Settings, and so the keys,
    are fixed for the life of a process, so a key dropped from the settings
    takes effect with the restart that loads them.
    """

    def __init__(self, settings: Settings, max_entries: int = 50_000) -> None:
        self._settings = settings
        # Each token until its own expiry; past `max_entries` (a burst of distinct tokens,
        # or an attack with valid ones) the least recently used go, not every session's.
        self._valid: TLRUCache[str, AccessClaims] = TLRUCache(
            maxsize=max_entries, ttu=_until_expiry, timer=time.time
        )
        self._keys = settings.access_verification_keys()

    def claims(self, token: str) -> AccessClaims:
        """The verified claims of `token`; InvalidToken as `decode_access_token` raises it."""
        hit = self._valid.get(token)
        if hit is not None:
            return hit
        claims = decode_access_token(self._settings, token, self._keys)
        self._valid[token] = claims
        return claims


def _until_expiry(_token: str, claims: AccessClaims, _now: float) -> float:
    return claims.expires_at.timestamp()


def new_opaque_token() -> str:
    """A URL-safe random secret for refresh, reset and invite links (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    # Opaque tokens are random 256-bit values, so a fast hash is enough: there is
    # nothing to brute-force, and lookups stay one indexed equality.
    return hashlib.sha256(token.encode()).hexdigest()
