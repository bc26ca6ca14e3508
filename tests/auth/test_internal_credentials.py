"""`/internal/credentials`: how the student and library services manage their users' logins."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from studyspot.kit.errors import AppError
from studyspot.kit.service_auth import issue_service_token
from studyspot.services.auth.models import OneTimeToken, RefreshToken, UserCredential
from tests.auth.helpers import audit_rows, auth_client, count, member_login, member_session
from tests.conftest import Apps
from tests.fixtures.users import latest_outbox_payload, link_token, random_email, register_owner


def credential(tenant_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "tenant_id": str(tenant_id),
        "user_table": "students",
        "user_id": str(uuid.uuid4()),
        "name": "Priya Sharma",
        "email": random_email("student"),
        "roles": ["student"],
    }
    body.update(overrides)
    return body


def service_headers(apps: Apps, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
    token = issue_service_token(apps.app("auth").state.kit.settings, "student", tenant_id)
    return {"Authorization": f"Bearer {token}"}


async def test_only_a_service_token_may_manage_logins(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    auth = apps.client("auth")
    body = credential(owner.tenant_id)

    as_user = await auth.post("/internal/credentials", json=body, headers=owner.headers)
    anonymous = await auth.post("/internal/credentials", json=body)

    assert as_user.status_code == anonymous.status_code == 401
    assert await count(apps, UserCredential) == 0
    made = await auth.post("/internal/credentials", json=body, headers=service_headers(apps))
    assert made.status_code == 201
    assert made.json() == {"user_id": body["user_id"], "user_table": "students"}


async def test_a_service_token_bound_to_one_tenant_cannot_touch_another(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    resp = await apps.client("auth").post(
        "/internal/credentials",
        json=credential(owner.tenant_id),
        headers=service_headers(apps, tenant_id=uuid.uuid4()),
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "tenant_mismatch"


async def test_an_email_or_phone_is_one_login_per_tenant_and_kind(apps: Apps) -> None:
    a = await register_owner(apps)
    b = await register_owner(apps)
    assert a.tenant_id is not None and b.tenant_id is not None
    client = auth_client(apps)
    email, phone = random_email("priya"), "+919800011122"
    try:
        await client.create_credential(
            tenant_id=a.tenant_id, user_table="students", user_id=uuid.uuid4(),
            name="Priya", email=email, phone=phone, roles=["student"],
        )  # fmt: skip
        taken_logins: list[dict[str, Any]] = [{"email": email.upper()}, {"phone": "98000 11122"}]
        for taken in taken_logins:
            with pytest.raises(AppError) as refused:
                await client.create_credential(
                    tenant_id=a.tenant_id, user_table="students", user_id=uuid.uuid4(),
                    name="Other", roles=["student"], **taken,
                )  # fmt: skip
            assert (refused.value.status, refused.value.code) == (409, "login_taken")
        # Another tenant, or the staff logins of the same tenant, may use them.
        await client.create_credential(
            tenant_id=b.tenant_id, user_table="students", user_id=uuid.uuid4(),
            name="Priya", email=email, phone=phone, roles=["student"],
        )  # fmt: skip
        staff = auth_client(apps, "library_staff")
        try:
            await staff.create_credential(
                tenant_id=a.tenant_id, user_table="library_staff", user_id=uuid.uuid4(),
                name="Priya", email=email, phone=phone, roles=["staff"],
            )  # fmt: skip
        finally:
            await staff.close()
    finally:
        await client.close()
    assert await count(apps, UserCredential) == 3


async def test_one_user_gets_one_login(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    body = credential(owner.tenant_id)
    auth = apps.client("auth")
    assert (
        await auth.post("/internal/credentials", json=body, headers=service_headers(apps))
    ).status_code == 201
    body["email"] = random_email()
    again = await auth.post("/internal/credentials", json=body, headers=service_headers(apps))
    assert again.status_code == 409
    assert again.json()["code"] == "credentials_exist"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": ["manager"]}, "body.roles"),
        ({"user_table": "library_staff", "roles": ["student"]}, "body.roles"),
        ({"user_table": "library_owners"}, "body.user_table"),
        ({"roles": []}, "body.roles"),
        ({"email": "nope"}, "body.email"),
        ({"password_hash": "$2b$04$abc"}, "body.password_hash"),
    ],
)
async def test_malformed_credentials_are_422(
    apps: Apps, change: dict[str, object], field: str
) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    resp = await apps.client("auth").post(
        "/internal/credentials",
        json=credential(owner.tenant_id, **change),
        headers=service_headers(apps),
    )
    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.json()["errors"]}
    assert await count(apps, UserCredential) == 0


async def test_a_login_follows_its_profile_changes(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    email = random_email("staff")
    staff_id = await member_login(apps, owner, "library_staff", email=email)
    client = auth_client(apps, "library_staff")
    new_email = random_email("renamed")
    try:
        changed = await client.update_credential(
            tenant_id=owner.tenant_id, user_table="library_staff", user_id=staff_id,
            name="Ravi Kumar", email=new_email, phone="9822233344", roles=["manager"],
        )  # fmt: skip
        assert changed.email == new_email
        assert changed.phone == "+919822233344"
        assert [r.value for r in changed.roles] == ["manager"]
        assert changed.has_password and changed.is_active
        cleared = await client.update_credential(
            tenant_id=owner.tenant_id, user_table="library_staff", user_id=staff_id, email=None
        )
        assert cleared.email is None and cleared.phone == "+919822233344"
        with pytest.raises(AppError) as bad:
            await client.update_credential(
                tenant_id=owner.tenant_id, user_table="library_staff", user_id=staff_id,
                roles=["student"],
            )  # fmt: skip
        assert bad.value.status == 422
    finally:
        await client.close()
    rows = await audit_rows(apps, "auth.credentials_updated", resource_id=str(staff_id))
    assert len(rows) == 2


async def test_changes_to_another_tenants_login_are_404(apps: Apps) -> None:
    owner = await register_owner(apps)
    stranger = await register_owner(apps)
    assert stranger.tenant_id is not None
    student_id = await member_login(apps, owner, "students")
    client = auth_client(apps)
    try:
        with pytest.raises(AppError) as missing:
            await client.update_credential(
                tenant_id=stranger.tenant_id, user_table="students", user_id=student_id,
                is_active=False,
            )  # fmt: skip
        assert (missing.value.status, missing.value.code) == (404, "credentials_not_found")
        with pytest.raises(AppError) as missing:
            await client.send_set_password_link(
                tenant_id=stranger.tenant_id, user_table="students", user_id=student_id
            )
        assert missing.value.status == 404
    finally:
        await client.close()


async def test_an_invite_is_sent_through_the_outbox_and_never_answered(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    student_id = await member_login(apps, owner, "students", password=None)
    resp = await apps.client("auth").post(
        f"/internal/credentials/students/{student_id}/set-password-link",
        json={"tenant_id": str(owner.tenant_id)},
        headers=service_headers(apps),
    )
    assert resp.status_code == 202
    assert resp.content == b""
    event = await latest_outbox_payload(apps, "auth.set_password_requested", user_id=student_id)
    assert event["purpose"] == "invite"
    assert event["tenant_id"] == str(owner.tenant_id)
    assert "token" not in event
    assert link_token(apps, event) not in resp.text


async def test_a_deactivated_login_cannot_be_invited(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    student_id = await member_login(apps, owner, "students", password=None)
    client = auth_client(apps)
    try:
        await client.update_credential(
            tenant_id=owner.tenant_id, user_table="students", user_id=student_id, is_active=False
        )
        with pytest.raises(AppError) as refused:
            await client.send_set_password_link(
                tenant_id=owner.tenant_id, user_table="students", user_id=student_id
            )
        assert (refused.value.status, refused.value.code) == (409, "account_inactive")
    finally:
        await client.close()


async def test_erasing_a_login_forgets_it_and_ends_its_sessions(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    email = random_email("student")
    session = await member_session(apps, owner, "students", email=email)
    client = auth_client(apps)
    try:
        for _ in range(2):  # erasing twice is fine
            await client.delete_credential(
                tenant_id=owner.tenant_id, user_table="students", user_id=session.user_id
            )
    finally:
        await client.close()
    assert await count(apps, UserCredential) == 0
    assert await count(apps, RefreshToken, RefreshToken.user_id == session.user_id) == 0
    assert await count(apps, OneTimeToken, OneTimeToken.user_id == session.user_id) == 0
    me = await apps.client("auth").get("/api/users/me", headers=session.headers)
    assert me.status_code == 401
    login = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": email,
            "password": "correct-horse-1",
            "user_type": "student",
            "tenant_slug": owner.tenant_slug,
        },
    )
    assert login.status_code == 401
