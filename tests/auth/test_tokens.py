"""Access tokens: only a valid, unexpired EdDSA token of auth's key opens the API; keys rotate.

These tests forge tokens on purpose; everywhere else tokens come from a real login.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studyspot.kit import keys
from studyspot.kit.settings import DEV_JWT_LABEL, Settings
from tests.auth.helpers import other_auth_app
from tests.conftest import Apps
from tests.fixtures.users import LoggedIn, login, register_owner

# The key every test process signs with (kit/keys.py: development keys).
AUTH_KEY = keys.development_key(DEV_JWT_LABEL)
OTHER_KEY = Ed25519PrivateKey.generate()
# What signed every token before this scheme, and what any service could sign with.
OLD_SHARED_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"


def _claims(session: LoggedIn) -> dict[str, Any]:
    return dict(jwt.decode(session.access_token, options={"verify_signature": False}))


def _sign(claims: dict[str, Any], key: Ed25519PrivateKey = AUTH_KEY, **headers: Any) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "k1", **headers})


def _hs256(secret: str | bytes) -> Callable[[dict[str, Any]], str]:
    def forge(claims: dict[str, Any]) -> str:
        # PyJWT refuses a PEM public key as an HMAC secret; an attacker's own code would not.
        import hashlib
        import hmac

        def part(data: dict[str, Any]) -> str:
            return keys.b64url(json.dumps(data).encode())

        head = part({"alg": "HS256", "typ": "JWT", "kid": "k1"}) + "." + part(claims)
        key = secret.encode() if isinstance(secret, str) else secret
        mac = hmac.new(key, head.encode(), hashlib.sha256).digest()
        return head + "." + keys.b64url(mac)

    return forge


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{part(claims)}."


def _with(**changes: Any) -> Callable[[dict[str, Any]], str]:
    def forge(claims: dict[str, Any]) -> str:
        return _sign({**claims, **changes})

    return forge


def _without(name: str) -> Callable[[dict[str, Any]], str]:
    def forge(claims: dict[str, Any]) -> str:
        return _sign({k: v for k, v in claims.items() if k != name})

    return forge


def _hs512(claims: dict[str, Any]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT finds the key short for SHA-512; so do we
        return jwt.encode(claims, OLD_SHARED_SECRET, algorithm="HS512", headers={"kid": "k1"})


def _service_key(claims: dict[str, Any]) -> str:
    """What a compromised booking service holds: its own service key, not auth's."""
    return _sign(claims, keys.development_key("service:booking"))


FORGERIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "expired": _with(iat=int(time.time()) - 3600, exp=int(time.time()) - 60),
    "signed with another key": lambda c: _sign(c, OTHER_KEY),
    "HS256 with the old shared secret": _hs256(OLD_SHARED_SECRET),
    "HS256 keyed with auth's public key": _hs256(keys.public_text(AUTH_KEY)),
    "HS256 keyed with auth's raw public key": _hs256(
        keys.load_public_key(keys.public_text(AUTH_KEY)).public_bytes_raw()
    ),
    "signed with a service's key": _service_key,
    "alg none": _unsigned,
    "wrong audience": _with(aud="someone-else"),
    "wrong issuer": _with(iss="evil-issuer"),
    "unknown kid": lambda c: _sign(c, kid="k9"),
    "no exp": _without("exp"),
    "no aud": _without("aud"),
    "no iss": _without("iss"),
    "HS512 with the old shared secret": _hs512,
    "a service token": _with(type="service", aud="studyspot-internal"),
    "not a jwt": lambda c: "definitely.not.ajwt",
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_forged_or_stale_tokens_are_401(apps: Apps, forgery: str) -> None:
    owner = await register_owner(apps)
    token = FORGERIES[forgery](_claims(owner))

    resp = await apps.client("auth").get(
        "/api/users/me", headers={"Authorization": f"Bearer {token}"}
    )

    assert resp.status_code == 401, forgery
    assert resp.json()["code"] == "invalid_token"
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_a_correctly_signed_copy_of_a_real_token_works(apps: Apps) -> None:
    """The forgeries above fail for their flaw, not because re-signing itself breaks tokens."""
    owner = await register_owner(apps)
    resp = await apps.client("auth").get(
        "/api/users/me", headers={"Authorization": f"Bearer {_sign(_claims(owner))}"}
    )
    assert resp.status_code == 200


async def test_no_token_or_a_refresh_token_as_bearer_is_401(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    missing = await auth.get("/api/users/me")
    as_bearer = await auth.get(
        "/api/users/me", headers={"Authorization": f"Bearer {owner.refresh_token}"}
    )

    assert missing.status_code == 401 and missing.json()["code"] == "missing_token"
    assert as_bearer.status_code == 401


async def test_tokens_of_the_previous_key_still_work_after_a_rotation(apps: Apps) -> None:
    owner = await register_owner(apps)  # signed with k1 = the development key
    rotated: dict[str, Any] = {"jwt_kid": "k2", "jwt_private_key": keys.private_pem(OTHER_KEY)}
    previous = f"k1:{keys.public_text(AUTH_KEY)}"

    async with other_auth_app(apps, **rotated, jwt_previous_keys=previous) as auth:
        old = await auth.get("/api/users/me", headers=owner.headers)
        assert old.status_code == 200
        fresh = await auth.post(
            "/api/auth/login", json={"email": owner.email, "password": owner.password}
        )
        assert jwt.get_unverified_header(fresh.json()["access_token"])["kid"] == "k2"

    async with other_auth_app(apps, **rotated) as auth:
        dropped = await auth.get("/api/users/me", headers=owner.headers)
        assert dropped.status_code == 401


async def test_a_fresh_login_token_opens_the_api(apps: Apps) -> None:
    owner = await register_owner(apps)
    again = await login(apps, email=owner.email, password=owner.password)
    resp = await apps.client("auth").get("/api/users/me", headers=again.headers)
    assert resp.status_code == 200


# One request per service that needs a signed-in owner, each answering 200 to a real one.
PROTECTED = {
    "auth": "/api/users/me",
    "tenant": "/api/v1/tenants/me",
    "student": "/api/v1/students",
    "library": "/api/v1/libraries",
    "booking": "/api/v1/bookings",
    "payment": "/api/v1/payments",
}
NOT_AUTHS_KEY = [
    "signed with another key",
    "HS256 with the old shared secret",
    "HS256 keyed with auth's public key",
    "HS256 keyed with auth's raw public key",
    "signed with a service's key",
    "alg none",
]


@pytest.mark.parametrize("forgery", NOT_AUTHS_KEY)
async def test_a_token_not_signed_by_auths_key_is_refused_by_gateway_and_every_service(
    apps: Apps, forgery: str
) -> None:
    from studyspot.services.gateway.identity import TokenVerifier

    owner = await register_owner(apps)
    token = FORGERIES[forgery](_claims(owner))
    gateway = TokenVerifier(Settings(environment="test"))
    assert gateway.caller(f"Bearer {owner.access_token}") is not None
    assert gateway.caller(f"Bearer {token}") is None, forgery  # no user: limited per IP
    for service, path in PROTECTED.items():
        real = await apps.client(service).get(path, headers=owner.headers)
        forged = await apps.client(service).get(path, headers={"Authorization": f"Bearer {token}"})
        assert real.status_code == 200, (service, real.text)
        assert forged.status_code == 401, (service, forgery)
        assert forged.json()["code"] == "invalid_token"


async def test_jwks_publishes_the_key_that_verifies_our_tokens(apps: Apps) -> None:
    owner = await register_owner(apps)
    resp = await apps.client("auth").get("/api/auth/.well-known/jwks.json")

    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "public, max-age=300"
    (published,) = resp.json()["keys"]
    assert published == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": keys.public_text(AUTH_KEY),
        "kid": "k1",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in published  # never the private half
    verified = jwt.decode(
        owner.access_token,
        jwt.PyJWK(published).key,
        algorithms=["EdDSA"],
        audience="studyspot-api",
    )
    assert verified["sub"] == str(owner.user_id)
    assert jwt.get_unverified_header(owner.access_token)["alg"] == "EdDSA"

    spec = (await apps.client("auth").get("/openapi.json")).json()
    operation = spec["paths"]["/api/auth/.well-known/jwks.json"]["get"]
    assert "security" not in operation
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]


async def test_jwks_lists_the_previous_key_during_a_rotation(apps: Apps) -> None:
    rotated: dict[str, Any] = {"jwt_kid": "k2", "jwt_private_key": keys.private_pem(OTHER_KEY)}
    previous = f"k1:{keys.public_text(AUTH_KEY)}"
    async with other_auth_app(apps, **rotated, jwt_previous_keys=previous) as auth:
        listed = (await auth.get("/api/auth/.well-known/jwks.json")).json()["keys"]
    assert [(k["kid"], k["x"]) for k in listed] == [
        ("k2", keys.public_text(OTHER_KEY)),
        ("k1", keys.public_text(AUTH_KEY)),
    ]


def test_a_process_without_auths_private_key_cannot_sign_access_tokens() -> None:
    """Production: the verifying processes hold only the public key, which signs nothing."""
    from studyspot.kit.tokens import issue_access_token

    verifier = Settings(
        environment="production",
        jwt_public_key=keys.public_text(OTHER_KEY),
        database_url="postgresql://db/tenant",
        core_database_url="postgresql://db/core",
        cors_origin="https://app.example.in",
        encryption_key="v1:" + keys.b64url(b"\x01" * 32),
    )
    assert set(verifier.access_verification_keys()) == {"k1"}
    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        issue_access_token(
            verifier,
            user_id=uuid.uuid4(),
            email="x@example.com",
            user_type="library_owner",
            user_table="library_owners",
            tenant_id=None,
            roles=[],
            permissions=[],
        )
