"""`/api/users/me` answers from the table the token's userTable names, for every user type."""

from __future__ import annotations

import uuid

import pytest

from tests.auth.helpers import audit_rows
from tests.conftest import Apps
from tests.fixtures.students import admit, create_library, create_staff, unique_phone
from tests.fixtures.users import (
    DEFAULT_PASSWORD,
    LoggedIn,
    accept_invite,
    create_platform_user,
    login,
    register_owner,
)

ME = "/api/users/me"


async def test_an_owner_reads_and_changes_its_own_profile(apps: Apps) -> None:
    owner = await register_owner(apps, name="Asha Verma")
    auth = apps.client("auth")

    changed = await auth.patch(
        ME,
        json={
            "name": "  Asha V. Verma ",
            "phone": "98765 43210",
            "current_password": owner.password,
        },
        headers=owner.headers,
    )

    assert changed.status_code == 200, changed.text
    me = (await auth.get(ME, headers=owner.headers)).json()
    assert me == changed.json()
    assert me["user_type"] == "library_owner"
    assert me["name"] == "Asha V. Verma"
    assert me["phone"] == "+919876543210"
    assert me["tenant_id"] == str(owner.tenant_id)
    assert "password_hash" not in me
    cleared = await auth.patch(
        ME, json={"phone": None, "current_password": owner.password}, headers=owner.headers
    )
    assert cleared.json()["phone"] is None
    assert len(await audit_rows(apps, "auth.profile_updated")) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "body.name"),
        ({"name": ""}, "body.name"),
        ({"email": "new@example.com"}, "body.email"),
        ({"tenant_id": str(uuid.uuid4())}, "body.tenant_id"),
        ({"phone": "12"}, "body.phone"),
    ],
)
async def test_profile_changes_outside_the_schema_are_422(
    apps: Apps, body: dict[str, object], field: str
) -> None:
    owner = await register_owner(apps)
    resp = await apps.client("auth").patch(ME, json=body, headers=owner.headers)
    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.json()["errors"]}
    me = (await apps.client("auth").get(ME, headers=owner.headers)).json()
    assert me["name"] == "Asha Verma" and me["phone"] is None


async def test_platform_users_read_themselves_at_both_paths_and_have_no_phone(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    auth = apps.client("auth")

    v1 = await auth.get("/api/v1/auth/me", headers=admin.headers)
    users = await auth.get(ME, headers=admin.headers)

    assert v1.status_code == users.status_code == 200
    assert v1.json() == users.json()
    assert v1.json()["permissions"] == ["*"]
    renamed = await auth.patch(ME, json={"name": "Platform Boss"}, headers=admin.headers)
    assert renamed.json()["name"] == "Platform Boss"
    phone = await auth.patch(ME, json={"phone": "9876543210"}, headers=admin.headers)
    assert phone.status_code == 422


async def test_the_platform_me_is_for_platform_users_only(apps: Apps) -> None:
    owner = await register_owner(apps)
    resp = await apps.client("auth").get("/api/v1/auth/me", headers=owner.headers)
    assert resp.status_code == 403
    assert resp.json()["code"] == "platform_only"


async def _student_session(
    apps: Apps, owner: LoggedIn, library_id: uuid.UUID | None = None
) -> tuple[LoggedIn, dict[str, object]]:
    """A student admitted at the desk, invited, with a password: as a student gets one."""
    library_id = library_id or await create_library(apps, owner)
    student = await admit(apps, owner, library_id)
    invite = await apps.client("student").post(
        f"/api/v1/students/{student['id']}/invite", headers=owner.headers
    )
    assert invite.status_code == 202, invite.text
    assert owner.tenant_id is not None
    await accept_invite(
        apps,
        tenant_id=owner.tenant_id,
        user_table="students",
        user_id=uuid.UUID(str(student["id"])),
    )
    session = await login(
        apps,
        phone=str(student["phone"]),
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )
    return session, student


async def test_a_student_reads_its_profile_from_the_student_service(apps: Apps) -> None:
    owner = await register_owner(apps)
    session, student = await _student_session(apps, owner)

    me = await apps.client("auth").get(ME, headers=session.headers)

    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user_type"] == "student"
    assert body["id"] == student["id"]
    assert body["enrollment_number"] == student["enrollment_number"]
    assert body["home_library_id"] == student["home_library_id"]
    assert body["status"] == student["status"]
    assert body["roles"] == ["student"]


async def test_a_students_new_phone_changes_its_profile_and_its_login(apps: Apps) -> None:
    owner = await register_owner(apps)
    session, student = await _student_session(apps, owner)
    new_phone = unique_phone()

    changed = await apps.client("auth").patch(
        ME,
        json={"name": "Priya S.", "phone": new_phone, "current_password": DEFAULT_PASSWORD},
        headers=session.headers,
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == f"+91{new_phone}"
    seen_by_owner = await apps.client("student").get(
        f"/api/v1/students/{student['id']}", headers=owner.headers
    )
    assert seen_by_owner.json()["name"] == "Priya S."
    again = await login(
        apps,
        phone=new_phone,
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )
    assert again.user_id == session.user_id
    removed = await apps.client("auth").patch(
        ME, json={"phone": None, "current_password": DEFAULT_PASSWORD}, headers=session.headers
    )
    assert removed.status_code == 422


async def test_a_student_cannot_take_another_students_phone(apps: Apps) -> None:
    owner = await register_owner(apps)
    library_id = await create_library(apps, owner)
    session, _ = await _student_session(apps, owner, library_id)
    other = await admit(apps, owner, library_id)
    invite = await apps.client("student").post(
        f"/api/v1/students/{other['id']}/invite", headers=owner.headers
    )
    assert invite.status_code == 202

    taken = await apps.client("auth").patch(
        ME,
        json={"phone": other["phone"], "current_password": DEFAULT_PASSWORD},
        headers=session.headers,
    )

    assert taken.status_code == 409
    me = await apps.client("auth").get(ME, headers=session.headers)
    assert me.json()["phone"] != other["phone"]


async def test_staff_read_and_change_their_profile_in_the_library_service(apps: Apps) -> None:
    owner = await register_owner(apps)
    library_id = await create_library(apps, owner)
    staff = await create_staff(apps, owner, [library_id], role="manager")
    auth = apps.client("auth")

    me = await auth.get(ME, headers=staff.headers)
    assert me.status_code == 200, me.text
    assert me.json()["user_type"] == "library_staff"
    assert me.json()["role"] == "manager"
    assert me.json()["library_ids"] == [str(library_id)]
    assert me.json()["roles"] == ["manager"]

    changed = await auth.patch(ME, json={"name": "Ravi K."}, headers=staff.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Ravi K."
    assert (await auth.get(ME, headers=staff.headers)).json()["name"] == "Ravi K."
