"""Library staff: the owner hires them for branches; they log in and see only those branches."""

from __future__ import annotations

import uuid

import pytest

from studyspot.kit.service_client import ServiceUnavailable
from studyspot.services.auth.client import AuthClient
from tests.conftest import Apps
from tests.fixtures.library import (
    LIBRARIES,
    STAFF,
    create_library,
    create_seats,
    hire_staff,
    owner_with_limits,
    unique_mobile,
)
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, random_email, register_owner
from tests.library.helpers import audit_actions, library_client


async def _try_login(apps: Apps, owner: LoggedIn, email: str) -> int:
    resp = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": email,
            "password": DEFAULT_PASSWORD,
            "user_type": "library_staff",
            "tenant_slug": owner.tenant_slug,
        },
    )
    return resp.status_code


async def _two_branches(apps: Apps) -> tuple[LoggedIn, str, str]:
    owner = await owner_with_limits(apps)
    a = (await create_library(apps, owner, name="Branch A"))["id"]
    b = (await create_library(apps, owner, name="Branch B"))["id"]
    return owner, a, b


async def test_staff_of_branch_a_cannot_read_or_change_branch_b(apps: Apps) -> None:
    owner, a, b = await _two_branches(apps)
    await create_seats(apps, owner, b, count=3)
    person, staff = await hire_staff(apps, owner, [a])
    assert person["library_ids"] == [a] and person["invited_at"] is not None
    client = apps.client("library")

    listed = await client.get(LIBRARIES, headers=staff.headers)
    assert [i["id"] for i in listed.json()["items"]] == [a]
    assert (await client.get(f"{LIBRARIES}/{a}", headers=staff.headers)).status_code == 200
    for path in (f"{LIBRARIES}/{b}", f"{LIBRARIES}/{b}/seats", f"{LIBRARIES}/{b}/shifts"):
        resp = await client.get(path, headers=staff.headers)
        assert resp.status_code == 403 and resp.json()["code"] == "branch_forbidden", path
    # Desk staff read; changing a branch is for managers and the owner.
    change = await client.patch(f"{LIBRARIES}/{a}", json={"city": "Kota"}, headers=staff.headers)
    assert change.status_code == 403 and change.json()["code"] == "permission_denied"
    seat = await client.post(f"{LIBRARIES}/{a}/seats", json={"label": "Z1"}, headers=staff.headers)
    assert seat.status_code == 403
    occupancy = await client.get(f"{LIBRARIES}/realtime-occupancy", headers=staff.headers)
    assert [lib["library_id"] for lib in occupancy.json()["libraries"]] == [a]
    # Their branches were read first, and the booking service still answered (SQLite's lock).
    assert occupancy.json()["sources"]["bookings"] == "live"

    me = await apps.client("auth").get("/api/users/me", headers=staff.headers)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "staff" and me.json()["library_ids"] == [a]


async def test_manager_runs_their_branch_but_not_another(apps: Apps) -> None:
    owner, a, b = await _two_branches(apps)
    _, manager = await hire_staff(apps, owner, [a], role="manager")
    await hire_staff(apps, owner, [b])
    client = apps.client("library")
    renamed = await client.patch(
        f"{LIBRARIES}/{a}", json={"name": "Branch A (Kothrud)"}, headers=manager.headers
    )
    assert renamed.status_code == 200
    other = await client.patch(f"{LIBRARIES}/{b}", json={"name": "Mine"}, headers=manager.headers)
    assert other.status_code == 403 and other.json()["code"] == "branch_forbidden"
    seats_b = await client.post(
        f"{LIBRARIES}/{b}/seats/bulk", json={"from": 1, "to": 3}, headers=manager.headers
    )
    assert seats_b.status_code == 403
    seats_a = await client.post(
        f"{LIBRARIES}/{a}/seats/bulk", json={"from": 1, "to": 3}, headers=manager.headers
    )
    assert seats_a.status_code == 201
    shift = await client.post(
        f"{LIBRARIES}/{a}/shifts",
        json={"name": "Morning", "start_time": "06:00", "end_time": "12:00"},
        headers=manager.headers,
    )
    assert shift.status_code == 201
    # A manager sees the people of their own branch (themselves) only, and hires no one.
    team = await client.get(STAFF, headers=manager.headers)
    assert [p["library_ids"] for p in team.json()["items"]] == [[a]]
    hire = await client.post(
        STAFF,
        json={"name": "X", "email": random_email(), "role": "staff", "library_ids": [a]},
        headers=manager.headers,
    )
    assert hire.status_code == 403
    deleting = await client.delete(f"{LIBRARIES}/{a}", headers=manager.headers)
    assert deleting.status_code == 403


async def test_deactivating_a_staff_member_ends_their_sessions(apps: Apps) -> None:
    owner, a, _ = await _two_branches(apps)
    person, staff = await hire_staff(apps, owner, [a])
    client = apps.client("library")
    url = f"{STAFF}/{person['id']}"
    off = await client.patch(url, json={"is_active": False}, headers=owner.headers)
    assert off.status_code == 200 and off.json()["is_active"] is False

    assert (await client.get(LIBRARIES, headers=staff.headers)).status_code == 401
    assert await _try_login(apps, owner, person["email"]) == 403  # account_inactive
    refresh = await apps.client("auth").post(
        "/api/auth/refresh", json={"refresh_token": staff.refresh_token}
    )
    assert refresh.status_code == 401
    invite = await client.post(f"{url}/invite", headers=owner.headers)
    assert invite.status_code == 409 and invite.json()["code"] == "staff_inactive"

    on = await client.patch(url, json={"is_active": True}, headers=owner.headers)
    assert on.json()["is_active"] is True
    assert await _try_login(apps, owner, person["email"]) == 200
    actions = [r["action"] for r in await audit_actions(apps, owner.tenant_id)]
    assert "staff.deactivated" in actions


async def test_promotion_ends_the_old_session_and_the_next_login_has_the_new_branches(
    apps: Apps,
) -> None:
    owner, a, b = await _two_branches(apps)
    person, staff = await hire_staff(apps, owner, [a])
    client = apps.client("library")
    changed = await client.patch(
        f"{STAFF}/{person['id']}",
        json={"role": "manager", "library_ids": [a, b], "name": "Ravi K."},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "manager"
    assert sorted(changed.json()["library_ids"]) == sorted([a, b])
    # A role change ends the sessions that carry the old role; the next login has both.
    old = await client.get(f"{LIBRARIES}/{b}", headers=staff.headers)
    assert old.status_code == 401 and old.json()["code"] == "session_ended"
    login = await apps.client("auth").post(
        "/api/auth/login",
        json={
            "email": person["email"],
            "password": DEFAULT_PASSWORD,
            "user_type": "library_staff",
            "tenant_slug": owner.tenant_slug,
        },
    )
    manager_headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    renamed = await client.patch(f"{LIBRARIES}/{b}", json={"city": "Kota"}, headers=manager_headers)
    assert renamed.status_code == 200


async def test_staff_input_is_validated_and_logins_are_unique(apps: Apps) -> None:
    owner, a, _ = await _two_branches(apps)
    client = apps.client("library")
    email = random_email("desk")
    good = {"name": "Meena", "email": email, "role": "staff", "library_ids": [a]}
    cases = [
        {**good, "email": None},  # neither email nor phone
        {**good, "role": "library_owner"},
        {**good, "library_ids": []},
        {**good, "library_ids": [a, a]},
        {**good, "library_ids": [str(uuid.uuid4())]},
        {**good, "phone": "12345"},
        {**good, "is_active": False, "password": "x"},
    ]
    for body in cases:
        resp = await client.post(STAFF, json=body, headers=owner.headers)
        assert resp.status_code == 422, (body, resp.text)
    phone = unique_mobile()
    made = await client.post(STAFF, json={**good, "phone": phone}, headers=owner.headers)
    assert made.status_code == 201 and made.json()["phone"] == f"+91{phone}"
    same_email = await client.post(
        STAFF, json=good | {"email": email.upper()}, headers=owner.headers
    )
    assert same_email.status_code == 409 and same_email.json()["code"] == "staff_login_taken"
    same_phone = await client.post(
        STAFF, json={**good, "email": None, "phone": phone}, headers=owner.headers
    )
    assert same_phone.status_code == 409
    listed = await client.get(STAFF, params={"q": "meena"}, headers=owner.headers)
    assert listed.json()["total"] == 1


async def test_phone_only_staff_log_in_with_their_phone(apps: Apps) -> None:
    owner, a, _ = await _two_branches(apps)
    phone = unique_mobile()
    made = await apps.client("library").post(
        STAFF,
        json={"name": "Sunil", "phone": phone, "role": "staff", "library_ids": [a]},
        headers=owner.headers,
    )
    assert made.status_code == 201, made.text
    from tests.fixtures.users import accept_invite, login

    assert owner.tenant_id is not None
    await accept_invite(
        apps,
        tenant_id=owner.tenant_id,
        user_table="library_staff",
        user_id=uuid.UUID(made.json()["id"]),
    )
    session = await login(
        apps,
        phone=f"+91{phone}",
        password=DEFAULT_PASSWORD,
        user_type="library_staff",
        tenant_slug=owner.tenant_slug,
    )
    resp = await apps.client("library").get(LIBRARIES, headers=session.headers)
    assert [i["id"] for i in resp.json()["items"]] == [a]


async def test_deleting_a_staff_member_erases_their_login(apps: Apps) -> None:
    owner, a, _ = await _two_branches(apps)
    person, staff = await hire_staff(apps, owner, [a])
    client = apps.client("library")
    assert (
        await client.delete(f"{STAFF}/{person['id']}", headers=owner.headers)
    ).status_code == 204
    assert (await client.get(f"{STAFF}/{person['id']}", headers=owner.headers)).status_code == 404
    assert (await client.get(LIBRARIES, headers=staff.headers)).status_code == 401
    assert await _try_login(apps, owner, person["email"]) == 401


async def test_staff_edit_their_own_name_and_phone_through_the_auth_service(apps: Apps) -> None:
    owner, a, b = await _two_branches(apps)
    person, staff = await hire_staff(apps, owner, [a, b], role="manager")
    new_phone = unique_mobile()
    edited = await apps.client("auth").patch(
        "/api/users/me",
        json={
            "name": "Ravi Kumar Sharma",
            "phone": new_phone,
            "current_password": DEFAULT_PASSWORD,
        },
        headers=staff.headers,
    )
    assert edited.status_code == 200, edited.text
    assert owner.tenant_id is not None
    record = await library_client(apps).get_staff(owner.tenant_id, uuid.UUID(person["id"]))
    assert record is not None
    assert (record.name, record.phone, record.role) == (
        "Ravi Kumar Sharma",
        f"+91{new_phone}",
        "manager",
    )
    assert sorted(record.library_ids) == sorted(uuid.UUID(i) for i in (a, b))
    other = await register_owner(apps)
    assert other.tenant_id is not None
    assert await library_client(apps).get_staff(other.tenant_id, uuid.UUID(person["id"])) is None


async def test_owner_resends_the_set_password_link(apps: Apps) -> None:
    owner, a, _ = await _two_branches(apps)
    person, _ = await hire_staff(apps, owner, [a])
    resp = await apps.client("library").post(
        f"{STAFF}/{person['id']}/invite", headers=owner.headers
    )
    assert resp.status_code == 202
    assert resp.json()["invited_at"] >= person["invited_at"]


async def test_a_failed_invite_leaves_neither_the_person_nor_a_login(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, a, _ = await _two_branches(apps)
    body = {"name": "Asha", "email": random_email("desk"), "role": "staff", "library_ids": [a]}

    async def message_service_down(*_: object, **__: object) -> None:
        raise ServiceUnavailable("The auth service is unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(AuthClient, "send_set_password_link", message_service_down)
        failed = await apps.client("library").post(STAFF, json=body, headers=owner.headers)
    assert failed.status_code == 503
    assert (await apps.client("library").get(STAFF, headers=owner.headers)).json()["total"] == 0
    # The login made before the failure was erased, so the same e-mail works now.
    again = await apps.client("library").post(STAFF, json=body, headers=owner.headers)
    assert again.status_code == 201, again.text
