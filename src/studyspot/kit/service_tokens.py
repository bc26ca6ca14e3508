"""Service tokens themselves: signing, reuse by the caller and memoised verification.

Apart from kit/service_auth.py (the FastAPI side) so that the kit's per-application state
can hold the verifier without importing FastAPI dependencies.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cachetools import TLRUCache, TTLCache
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studyspot.kit.errors import Unauthorized
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import ALGORITHM

INTERNAL_AUDIENCE = "studyspot-internal"


@dataclass(frozen=True)
class ServiceCaller:
    service: str
    tenant_id: uuid.UUID | None


def issue_service_token(
    settings: Settings,
    service: str,
    tenant_id: uuid.UUID | None,
    key: Ed25519PrivateKey | None = None,
) -> str:
    """A 60-second token saying "`service` calls, about `tenant_id`", signed with its key."""
    now = datetime.now(UTC)
    claims = {
        "sub": f"service:{service}",
        "type": "service",
        "tenantId": str(tenant_id) if tenant_id else None,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=60)).timestamp()),
        "iss": settings.jwt_issuer,
        "aud": INTERNAL_AUDIENCE,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(
        claims,
        key or settings.service_signing_key(service),
        algorithm=ALGORITHM,
        headers={"kid": service},
    )


# A signed token is sent again for this long (of its 60 s): signing one per call cost about
# a tenth of a millisecond, and verifying it on the other side twice that, on every hop.
REUSE_SECONDS = 30


class ServiceTokens:
    """The tokens one caller signs, one per tenant, each reused for `REUSE_SECONDS`."""

    def __init__(self, settings: Settings, service: str) -> None:
        self._settings = settings
        self._service = service
        self._key = settings.service_signing_key(service)
        self._issued: TTLCache[uuid.UUID | None, str] = TTLCache(maxsize=10_000, ttl=REUSE_SECONDS)

    def token(self, tenant_id: uuid.UUID | None) -> str:
        token = self._issued.get(tenant_id)
        if token is None:
            token = issue_service_token(self._settings, self._service, tenant_id, self._key)
            self._issued[tenant_id] = token
        return token


class VerifiedServiceTokens:
    """`verify_service_token` memoised per token until it expires (kit/tokens.py does the
    same for access tokens). Tokens are reused by their signers, so most hops hit."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._valid: TLRUCache[str, tuple[ServiceCaller, float]] = TLRUCache(
            maxsize=10_000, ttu=lambda _t, value, _now: value[1], timer=time.time
        )

    def caller(self, token: str) -> ServiceCaller:
        hit = self._valid.get(token)
        if hit is not None:
            return hit[0]
        caller, expires = _verified(self._settings, token)
        self._valid[token] = (caller, expires)
        return caller


def verify_service_token(settings: Settings, token: str) -> ServiceCaller:
    """The caller a service token names, once its own service's key verified it."""
    return _verified(settings, token)[0]


def _verified(settings: Settings, token: str) -> tuple[ServiceCaller, float]:
    try:
        header = jwt.get_unverified_header(token)
        service = str(header.get("kid", ""))
        key = settings.service_verification_key(service)
        if key is None or header.get("alg") != ALGORITHM:
            raise jwt.InvalidTokenError("unknown caller or algorithm")
        data = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=INTERNAL_AUDIENCE,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        # The key proves who signed; the claim must say the same, or a signer could
        # name another service in `sub`.
        if data.get("type") != "service" or data.get("sub") != f"service:{service}":
            raise jwt.InvalidTokenError("not a service token of its signer")
        tenant = data.get("tenantId")
        caller = ServiceCaller(service, uuid.UUID(tenant) if tenant else None)
        return caller, float(data["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
        raise Unauthorized("The service token is invalid", code="invalid_token") from exc
