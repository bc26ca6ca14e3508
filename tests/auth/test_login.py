"""Logins of every user type, their claims, their refusals, and the throttle."""

from __future__ import annotations

import uuid

import jwt
import pytest

from studyspot.kit.passwords import dummy_hash
from studyspot.kit.permissions import permissions_for
from tests.auth.helpers import (
    audit_rows,
    member_login,
    suspend_tenant,
)
from tests.conftest import Apps
from tests.fixtures.users import create_platform_user, login, random_email, register_owner

ARCHITECTURE_4_CLAIMS = {
    "sub", "userId", "email", "userType", "userTable", "tenantId", "roles", "permissions",
    "type", "iat", "exp", "iss", "aud", "jti",
}  # fmt: skip


def claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_owner_token_carries_exactly_the_claims_of_architecture_4(apps: Apps) -> None:
    owner = await register_owner(apps)
    again = await login(apps, email=owner.email, password=owner.password)

    got = claims(again.access_token)
    assert set(got) == ARCHITECTURE_4_CLAIMS
    assert got["sub"] == got["userId"] == str(owner.user_id)
    assert got["userType"] == "library_owner"
    assert got["userTable"] == "library_owners"
    assert got["tenantId"] == str(owner.tenant_id)
    assert got["roles"] == ["library_owner"]
    assert got["permissions"] == permissions_for(["library_owner"])
    assert got["type"] == "access"
    assert got["iss"] == "studyspot" and got["aud"] == "studyspot-api"
    assert jwt.get_unverified_header(again.access_token) == {
        "alg": "EdDSA",
        "kid": "k1",
        "typ": "JWT",
    }


async def test_wrong_password_and_unknown_account_get_the_same_answer_and_are_audited(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    wrong = await auth.post(
        "/api/auth/login", json={"email": owner.email, "password": "not-the-password"}
    )
    unknown = await auth.post(
        "/api/auth/login", json={"email": random_email(), "password": "not-the-password"}
    )

    assert wrong.status_code == unknown.status_code == 401
    for resp in (wrong, unknown):
        body = resp.json()
        del body["request_id"]
        assert body == {
            "type": "https://docs.studyspot.app/problems/invalid-credentials",
            "title": "Unauthorized",
            "status": 401,
            "detail": "The login or the password is not correct",
            "code": "invalid_credentials",
            "errors": [],
        }
    failures = await audit_rows(apps, "auth.login", outcome="failure")
    assert len(failures) == 2
    assert {f["details"]["reason"] for f in failures} == {"invalid_credentials"}
    assert failures[0]["resource_id"] == str(owner.user_id)
    assert failures[0]["tenant_id"] == owner.tenant_id
    assert failures[0]["ip"] == "127.0.0.1"
    assert "not-the-password" not in str(failures)


async def test_staff_and_students_log_in_inside_the_tenant_their_slug_names(apps: Apps) -> None:
    library_a = await register_owner(apps)
    library_b = await register_owner(apps)
    email = random_email("priya")
    # One person may be a student of two library businesses: two separate logins.
    in_a = await member_login(apps, library_a, "students", email=email, password="password-in-a")
    in_b = await member_login(apps, library_b, "students", email=email, password="password-in-b")

    a = await login(
        apps,
        email=email,
        password="password-in-a",
        user_type="student",
        tenant_slug=library_a.tenant_slug,
    )
    b = await login(
        apps,
        email=email.upper(),
        password="password-in-b",
        user_type="student",
        tenant_slug=library_b.tenant_slug.upper() if library_b.tenant_slug else None,
    )

    assert (a.user_id, a.tenant_id) == (in_a, library_a.tenant_id)
    assert (b.user_id, b.tenant_id) == (in_b, library_b.tenant_id)
    got = claims(a.access_token)
    assert got["userType"] == "student" and got["userTable"] == "students"
    assert got["permissions"] == permissions_for(["student"])
    crossed = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": email,
            "password": "password-in-a",
            "user_type": "student",
            "tenant_slug": library_b.tenant_slug,
        },
    )
    assert crossed.status_code == 401


async def test_a_student_logs_in_with_the_phone_however_it_is_typed(apps: Apps) -> None:
    owner = await register_owner(apps)
    student_id = await member_login(apps, owner, "students", phone="+919812345678")

    for typed in ("98123 45678", "098123-45678", "+91 98123 45678"):
        session = await apps.client("auth").post(
            "/api/auth/login",
            json={
                "phone": typed,
                "password": "correct-horse-1",
                "user_type": "student",
                "tenant_slug": owner.tenant_slug,
            },
        )
        assert session.status_code == 200, session.text
        assert session.json()["user"]["id"] == str(student_id)
        assert session.json()["user"]["email"] is None


async def test_staff_roles_come_from_their_login(apps: Apps) -> None:
    owner = await register_owner(apps)
    email = random_email("manager")
    await member_login(apps, owner, "library_staff", email=email, roles=["manager", "staff"])

    staff = await login(
        apps,
        email=email,
        password="correct-horse-1",
        user_type="library_staff",
        tenant_slug=owner.tenant_slug,
    )

    got = claims(staff.access_token)
    assert got["roles"] == ["manager", "staff"]
    assert got["userTable"] == "library_staff"
    assert got["permissions"] == permissions_for(["manager", "staff"])


async def test_a_login_whose_invite_was_never_used_cannot_log_in(apps: Apps) -> None:
    owner = await register_owner(apps)
    email = random_email("invited")
    await member_login(apps, owner, "students", email=email, password=None)

    resp = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": email,
            "password": "anything-at-all",
            "user_type": "student",
            "tenant_slug": owner.tenant_slug,
        },
    )
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": "x", "user_type": "student"}, "body.tenant_slug"),
        ({"password": "x"}, "body"),
        ({"email": None, "password": "x"}, "body.email"),
        ({"email": "a@example.com", "password": "x" * 73}, "body.password"),
        ({"email": "a@example.com", "password": "é" * 37}, "body.password"),
        ({"email": "a@example.com", "password": ""}, "body.password"),
        (
            {"email": "a@example.com", "password": "x", "user_type": "platform_admin"},
            "body.user_type",
        ),
        ({"email": "a@example.com", "password": "x", "remember_me": True}, "body.remember_me"),
        ({"email": "a@example.com"}, "body.password"),
        (
            {"phone": "12345", "password": "x", "user_type": "student", "tenant_slug": "a-b"},
            "body.phone",
        ),
    ],
)
async def test_malformed_logins_are_422_with_the_field_named(
    apps: Apps, body: dict[str, object], field: str
) -> None:
    resp = await apps.client("auth").post("/api/auth/login", json=body)

    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.json()["errors"]}, resp.json()
    assert await audit_rows(apps, "auth.login") == []


async def test_a_good_login_clears_the_accounts_failures(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    for _ in range(9):
        await auth.post("/api/auth/login", json={"email": owner.email, "password": "typo-typo"})
    await login(apps, email=owner.email, password=owner.password)

    for _ in range(9):
        resp = await auth.post(
            "/api/auth/login", json={"email": owner.email, "password": "typo-typo"}
        )
        assert resp.status_code == 401


async def test_one_address_spraying_many_accounts_is_throttled(apps: Apps) -> None:
    auth = apps.client("auth")
    for _ in range(50):  # login_max_failures_per_ip
        resp = await auth.post(
            "/api/auth/login", json={"email": random_email(), "password": "guess-guess"}
        )
        assert resp.status_code == 401

    owner_elsewhere = await register_owner(apps)
    resp = await auth.post(
        "/api/auth/login",
        json={"email": owner_elsewhere.email, "password": owner_elsewhere.password},
    )
    assert resp.status_code == 429


async def test_a_suspended_tenant_cannot_log_in_or_use_its_tokens_and_it_is_audited(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    assert owner.tenant_id is not None
    await suspend_tenant(apps, owner.tenant_id, admin)
    auth = apps.client("auth")

    resp = await auth.post(
        "/api/auth/login", json={"email": owner.email, "password": owner.password}
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "tenant_suspended"
    refused = await audit_rows(apps, "auth.login", outcome="failure", tenant_id=owner.tenant_id)
    assert [r["details"]["reason"] for r in refused] == ["tenant_suspended"]

    me = await auth.get("/api/users/me", headers=owner.headers)
    assert me.status_code == 401
    assert me.json()["code"] == "tenant_suspended"

    refreshed = await auth.post("/api/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "tenant_suspended"
    assert await audit_rows(apps, "auth.refresh", outcome="failure", tenant_id=owner.tenant_id)


async def test_platform_users_log_in_at_v1_and_nobody_else_does(apps: Apps) -> None:
    staff = await create_platform_user(apps, staff=True)
    got = claims(staff.access_token)
    assert got["userType"] == "platform_staff"
    assert got["userTable"] == "platform_staff"
    assert got["tenantId"] is None
    assert got["roles"] == ["platform_staff"]

    owner = await register_owner(apps)
    resp = await apps.client("auth").post(
        "/api/v1/auth/login", json={"email": owner.email, "password": owner.password}
    )
    assert resp.status_code == 401
    owner_form = await apps.client("auth").post(
        "/api/auth/login", json={"email": staff.email, "password": staff.password}
    )
    assert owner_form.status_code == 401


async def test_unknown_tenant_slug_is_a_plain_invalid_login(apps: Apps) -> None:
    resp = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": random_email(),
            "password": "whatever-1",
            "user_type": "library_staff",
            "tenant_slug": f"nowhere-{uuid.uuid4().hex[:6]}",
        },
    )
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


async def test_an_owner_cannot_log_in_by_phone_or_name_a_tenant(apps: Apps) -> None:
    """Owners have e-mail logins; a phone finds no owner, a slug changes nothing."""
    owner = await register_owner(apps)
    auth = apps.client("auth")
    by_phone = await auth.post(
        "/api/auth/login", json={"phone": "9876543210", "password": owner.password}
    )
    assert by_phone.status_code == 401
    with_slug = await auth.post(
        "/api/auth/login",
        json={"email": owner.email, "password": owner.password, "tenant_slug": "any-library"},
    )
    assert with_slug.status_code == 200
    both = await auth.post(
        "/api/auth/login",
        json={"email": owner.email, "phone": "9876543210", "password": owner.password},
    )
    assert both.status_code == 200  # the e-mail is the login


def test_unknown_accounts_are_checked_against_a_hash_of_the_real_cost() -> None:
    """Otherwise the quick answer for an unknown e-mail would tell which e-mails exist."""
    assert dummy_hash(5).startswith("$2b$05$")
    assert dummy_hash(6).startswith("$2b$06$")
    assert dummy_hash(5) is dummy_hash(5)  # computed once per cost
