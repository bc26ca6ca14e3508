"""Access tokens: only a valid, unexpired HS256 token of ours opens the API; keys can rotate.

These tests forge tokens on purpose; everywhere else tokens come from a real login.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from studyspot.kit.settings import DEV_SECRET
from tests.auth.helpers import other_auth_app
from tests.conftest import Apps
from tests.fixtures.users import LoggedIn, login, register_owner

OTHER_KEY = "another-secret-that-is-long-enough-0123456789"


def _claims(session: LoggedIn) -> dict[str, Any]:
    return dict(jwt.decode(session.access_token, options={"verify_signature": False}))


def _sign(claims: dict[str, Any], key: str = DEV_SECRET, **headers: Any) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": "k1", **headers})


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
        warnings.simplefilter("ignore")  # PyJWT finds our key short for SHA-512; so do we
        return jwt.encode(claims, DEV_SECRET, algorithm="HS512", headers={"kid": "k1"})


FORGERIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "expired": _with(iat=int(time.time()) - 3600, exp=int(time.time()) - 60),
    "signed with another key": lambda c: _sign(c, OTHER_KEY),
    "alg none": _unsigned,
    "wrong audience": _with(aud="someone-else"),
    "wrong issuer": _with(iss="evil-issuer"),
    "unknown kid": lambda c: _sign(c, kid="k9"),
    "no exp": _without("exp"),
    "no aud": _without("aud"),
    "no iss": _without("iss"),
    "HS512 with our key": _hs512,
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
    owner = await register_owner(apps)  # signed with k1 = DEV_SECRET
    rotated: dict[str, Any] = {"jwt_kid": "k2", "jwt_secret": OTHER_KEY}

    async with other_auth_app(apps, **rotated, jwt_previous_keys=f"k1:{DEV_SECRET}") as auth:
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
