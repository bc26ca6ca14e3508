"""The auth service's OpenAPI document is precise, and hostile bodies never reach a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Apps
from tests.fixtures.users import register_owner

PUBLIC_WRITES = [
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/forgot-password",
    "/api/auth/reset-password",
    "/api/v1/auth/login",
]

HOSTILE_BODIES: list[Any] = [
    None,
    [],
    "a string",
    12,
    {},
    {"email": None, "password": None},
    {"email": ["a@example.com"], "password": {"x": 1}},
    {"email": "a@example.com", "password": "p" * 100_000},
    {"email": "\x00@example.com", "password": "correct-horse-1"},
    {"email": "a@example.com", "password": "correct-horse-1", "user_type": "student",
     "tenant_slug": "../../etc"},
    {"refresh_token": "' OR 1=1 --", "token": "\ud7ff" * 20, "new_password": "x" * 8},
    {"phone": "+" + "9" * 50, "password": "correct-horse-1"},
    {"email": "a@example.com", "password": "correct-horse-1", "name": "A", "business_name": "B" * 500},
]  # fmt: skip


def schema(apps: Apps) -> dict[str, Any]:
    doc: dict[str, Any] = apps.app("auth").openapi()
    return doc


def resolve(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return found


async def test_internal_routes_are_not_in_the_public_document(apps: Apps) -> None:
    assert not [p for p in schema(apps)["paths"] if p.startswith("/internal")]


async def test_every_write_forbids_unknown_fields_and_documents_its_problems(apps: Apps) -> None:
    doc = schema(apps)
    for path in PUBLIC_WRITES:
        op = doc["paths"][path]["post"]
        body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        assert body["additionalProperties"] is False, path
        for status in ("422", "500"):
            assert "application/problem+json" in op["responses"][status]["content"], path
    login = doc["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "403", "429"} <= set(login)
    assert "409" in doc["paths"]["/api/auth/register"]["post"]["responses"]


async def test_passwords_and_emails_carry_their_limits_in_the_document(apps: Apps) -> None:
    doc = schema(apps)
    register = doc["components"]["schemas"]["RegisterRequest"]["properties"]
    assert register["password"]["maxLength"] == 72
    assert register["password"]["minLength"] == 8
    assert register["email"]["format"] == "email"
    assert register["email"]["maxLength"] == 254
    login = doc["components"]["schemas"]["LoginRequest"]["properties"]
    assert login["user_type"]["enum"] == ["library_owner", "library_staff", "student"]


async def test_me_is_documented_as_one_shape_per_user_type(apps: Apps) -> None:
    doc = schema(apps)
    me = doc["paths"]["/api/users/me"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(me["schema"]["discriminator"]["mapping"]) == {
        "library_owner", "platform_admin", "platform_staff", "student", "library_staff",
    }  # fmt: skip


@pytest.mark.parametrize("path", PUBLIC_WRITES)
async def test_hostile_bodies_get_problems_never_a_500(apps: Apps, path: str) -> None:
    auth = apps.client("auth")
    for body in HOSTILE_BODIES:
        resp = await auth.post(path, json=body)
        assert resp.status_code < 500, (body, resp.text)
        if resp.status_code >= 400:
            assert resp.headers["content-type"] == "application/problem+json"
    garbage = await auth.post(
        path, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 422


async def test_responses_never_carry_secrets(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    for resp in (
        await auth.get("/api/users/me", headers=owner.headers),
        await auth.post("/api/auth/forgot-password", json={"email": owner.email}),
        await auth.post("/api/auth/login", json={"email": owner.email, "password": "wrong-pw"}),
    ):
        assert "$2b$" not in resp.text and owner.password not in resp.text
