"""A library owner signs up: tenant on trial, owner, first session; nothing half-made."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from studyspot.services.auth.models import LibraryOwner
from studyspot.services.tenant.client import TenantClient
from tests.auth.helpers import audit_rows, count, tenant_count
from tests.conftest import Apps
from tests.fixtures.users import login, random_email, register_owner


def signup(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": random_email("owner"),
        "password": "correct-horse-1",
        "name": "Asha Verma",
        "business_name": "Lakshya Library",
        "phone": "+91 98765-43210",
    }
    body.update(overrides)
    return body


async def test_owner_signs_up_with_a_trial_tenant_and_a_working_session(apps: Apps) -> None:
    body = signup()
    resp = await apps.client("auth").post("/api/auth/register", json=body)

    assert resp.status_code == 201, resp.text
    answer = resp.json()
    assert answer["token_type"] == "bearer"
    assert answer["user"]["user_type"] == "library_owner"
    assert answer["user"]["roles"] == ["library_owner"]
    assert answer["user"]["email"] == body["email"]
    assert answer["tenant"]["status"] == "active"
    assert answer["tenant"]["name"] == "Lakshya Library"
    assert "password" not in resp.text and "hash" not in resp.text

    tenant_id = uuid.UUID(answer["tenant"]["id"])
    assert uuid.UUID(answer["user"]["tenant_id"]) == tenant_id
    tenants = TenantClient(apps.app("auth").state.kit.settings, caller="library")
    tenant = await tenants.get_tenant(tenant_id)
    await tenants.close()
    assert tenant.contact_email == body["email"]
    # The trial is the subscription's (the subscription service's), from the signup on.
    sub = await apps.client("subscription").get(
        "/api/v1/subscriptions/current",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
    )
    assert sub.status_code == 200, sub.text
    assert (sub.json()["status"], sub.json()["plan_code"]) == ("trial", "trial")
    assert sub.json()["trial_ends_at"] is not None

    me = await apps.client("auth").get(
        "/api/users/me", headers={"Authorization": f"Bearer {answer['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["phone"] == "+919876543210"
    assert await audit_rows(apps, "auth.register", tenant_id=tenant_id)


async def test_signing_up_with_a_registered_email_is_409_and_makes_no_tenant(apps: Apps) -> None:
    first = await register_owner(apps, email=random_email("Asha"))
    assert first.email == first.email.lower()
    tenants_before = await tenant_count(apps)

    resp = await apps.client("auth").post(
        "/api/auth/register", json=signup(email=first.email.upper())
    )

    assert resp.status_code == 409
    assert resp.json()["code"] == "email_taken"
    assert await tenant_count(apps) == tenants_before
    # The e-mail is one account whatever its case.
    again = await login(apps, email=first.email.upper(), password=first.password)
    assert again.user_id == first.user_id


async def test_a_signup_that_loses_the_race_for_its_email_removes_its_tenant(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two signups with one e-mail pass the pre-check together; the loser's tenant is undone."""
    body = signup()
    upstream = apps.app("auth").state.auth_upstream
    real_create = upstream.tenant.create_tenant
    raced = False

    async def create_while_another_signup_wins(**kw: object) -> object:
        nonlocal raced
        if not raced:
            raced = True
            winner = await apps.client("auth").post("/api/auth/register", json=body)
            assert winner.status_code == 201, winner.text
        return await real_create(**kw)

    monkeypatch.setattr(upstream.tenant, "create_tenant", create_while_another_signup_wins)
    resp = await apps.client("auth").post("/api/auth/register", json=body)

    assert resp.status_code == 409
    assert resp.json()["code"] == "email_taken"
    assert await tenant_count(apps) == 1
    assert await count(apps, LibraryOwner) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "é" * 37}, "body.password"),  # 37 characters, 74 bytes
        ({"password": "x" * 73}, "body.password"),
        ({"password": "short"}, "body.password"),
        ({"email": "not-an-email"}, "body.email"),
        ({"role": "platform_admin"}, "body.role"),
        ({"tenant_id": str(uuid.uuid4())}, "body.tenant_id"),
        ({"business_name": None}, "body.business_name"),
        ({"phone": "12345"}, "body.phone"),
    ],
)
async def test_invalid_signup_is_422_with_field_errors_and_writes_nothing(
    apps: Apps, change: dict[str, object], field: str
) -> None:
    body = signup(**change)
    resp = await apps.client("auth").post("/api/auth/register", json=body)

    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["code"] == "validation_error"
    assert field in {e["field"] for e in problem["errors"]}
    assert await count(apps, LibraryOwner) == 0
    assert await tenant_count(apps) == 0


async def test_missing_fields_are_each_named(apps: Apps) -> None:
    resp = await apps.client("auth").post("/api/auth/register", json={"email": "a@example.com"})

    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"body.password", "body.name", "body.business_name"} <= fields
    assert await tenant_count(apps) == 0


async def test_a_password_of_exactly_72_bytes_is_accepted_and_works(apps: Apps) -> None:
    password = "é" * 36  # 72 bytes in UTF-8
    owner = await register_owner(apps, password=password)
    again = await login(apps, email=owner.email, password=password)
    assert again.user_id == owner.user_id


async def test_two_signups_racing_with_one_email_leave_one_owner_and_one_tenant(
    apps: Apps,
) -> None:
    body = signup()
    auth = apps.client("auth")

    answers = await asyncio.gather(*(auth.post("/api/auth/register", json=body) for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert await tenant_count(apps) == 1
    assert await count(apps, LibraryOwner) == 1
