"""Access tokens die with the session: every security change refuses the tokens issued before it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from studyspot.services.auth.client import AuthClient
from tests.auth.helpers import audit_rows, member_login
from tests.conftest import Apps
from tests.fixtures.users import (
    LoggedIn,
    latest_outbox_payload,
    link_token,
    login,
    random_email,
    register_owner,
)

ME = "/api/users/me"


async def me_status(auth: httpx.AsyncClient, who: LoggedIn | str) -> tuple[int, str | None]:
    token = who if isinstance(who, str) else who.access_token
    resp = await auth.get(ME, headers={"Authorization": f"Bearer {token}"})
    return resp.status_code, resp.json().get("code") if resp.status_code != 200 else None


async def test_an_access_token_is_refused_right_after_its_users_password_change(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    laptop = await login(apps, email=owner.email, password=owner.password)
    auth = apps.client("auth")
    assert await me_status(auth, laptop) == (200, None)

    changed = await auth.post(
        "/api/users/me/password",
        json={"current_password": owner.password, "new_password": "brand-new-pass-1"},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.text

    # No waiting for expiry: the stolen laptop's token and the one used for the change stop now.
    assert await me_status(auth, laptop) == (401, "session_ended")
    assert await me_status(auth, owner) == (401, "session_ended")
    # The tokens handed out with the change, in the same second, work.
    assert await me_status(auth, changed.json()["access_token"]) == (200, None)
    # So does another service's identity check (the kit's, on every request).
    tenant = apps.client("tenant")
    stale = await tenant.get(f"/api/v1/tenants/{owner.tenant_id}", headers=laptop.headers)
    assert stale.status_code == 401 and stale.json()["code"] == "session_ended"


async def test_a_password_reset_ends_every_access_token(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    assert (
        await auth.post("/api/auth/forgot-password", json={"email": owner.email})
    ).status_code == 202
    event = await latest_outbox_payload(apps, "auth.password_reset_requested")
    reset = await auth.post(
        "/api/auth/reset-password",
        json={"token": link_token(apps, event), "new_password": "brand-new-pass-1"},
    )
    assert reset.status_code == 204
    assert await me_status(auth, owner) == (401, "session_ended")
    fresh = await login(apps, email=owner.email, password="brand-new-pass-1")
    assert await me_status(auth, fresh) == (200, None)


async def test_logout_everywhere_ends_access_and_refresh_tokens_of_every_session(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    phone = await login(apps, email=owner.email, password=owner.password)
    auth = apps.client("auth")

    ended = await auth.post("/api/auth/logout-all", headers=owner.headers)
    assert ended.status_code == 204

    for session in (owner, phone):
        assert await me_status(auth, session) == (401, "session_ended")
        refreshed = await auth.post(
            "/api/auth/refresh", json={"refresh_token": session.refresh_token}
        )
        assert refreshed.status_code == 401
    assert [r["outcome"] for r in await audit_rows(apps, "auth.logout_all")] == ["success"]
    assert (await auth.post("/api/auth/logout-all")).status_code == 401
    again = await login(apps, email=owner.email, password=owner.password)
    assert await me_status(auth, again) == (200, None)


async def change_staff_login(
    apps: Apps, owner: LoggedIn, staff_id: uuid.UUID, **change: Any
) -> None:
    """As the library service changes a staff login (roles, active flag)."""
    assert owner.tenant_id is not None
    client = AuthClient(apps.app("auth").state.kit.settings, caller="library")
    try:
        await client.update_credential(
            tenant_id=owner.tenant_id, user_table="library_staff", user_id=staff_id, **change
        )
    finally:
        await client.close()


async def desk_session(apps: Apps, owner: LoggedIn) -> tuple[uuid.UUID, LoggedIn]:
    """A staff login of `owner`'s tenant, and its session."""
    email = random_email("staff")
    staff_id = await member_login(apps, owner, "library_staff", email=email)
    session = await login(
        apps,
        email=email,
        password="correct-horse-1",
        user_type="library_staff",
        tenant_slug=owner.tenant_slug,
    )
    return staff_id, session


async def test_a_role_change_ends_the_sessions_that_carry_the_old_roles(apps: Apps) -> None:
    owner = await register_owner(apps)
    staff_id, desk = await desk_session(apps, owner)
    auth = apps.client("auth")
    # Past the identity check (the profile itself lives in the library service, absent here).
    assert await me_status(auth, desk) == (404, "profile_not_found")

    await change_staff_login(apps, owner, staff_id, roles=["manager"])
    assert await me_status(auth, desk) == (401, "session_ended")


async def test_a_reactivated_login_does_not_revive_the_tokens_of_before(apps: Apps) -> None:
    owner = await register_owner(apps)
    staff_id, desk = await desk_session(apps, owner)
    await change_staff_login(apps, owner, staff_id, is_active=False)
    await change_staff_login(apps, owner, staff_id, is_active=True)
    assert await me_status(apps.client("auth"), desk) == (401, "session_ended")


async def test_changing_the_phone_of_a_login_needs_the_current_password(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    bare = await auth.patch(ME, json={"phone": "9876543210"}, headers=owner.headers)
    assert bare.status_code == 422
    assert {e["field"] for e in bare.json()["errors"]} == {"body.current_password"}
    wrong = await auth.patch(
        ME,
        json={"phone": "9876543210", "current_password": "not-my-password"},
        headers=owner.headers,
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    assert (await auth.get(ME, headers=owner.headers)).json()["phone"] is None

    right = await auth.patch(
        ME,
        json={"phone": "9876543210", "current_password": owner.password},
        headers=owner.headers,
    )
    assert right.status_code == 200 and right.json()["phone"] == "+919876543210"
    # The name is no login channel: no password asked.
    named = await auth.patch(ME, json={"name": "Asha V."}, headers=owner.headers)
    assert named.status_code == 200


async def test_a_student_changing_its_phone_needs_its_password_too(apps: Apps) -> None:
    owner = await register_owner(apps)
    email = random_email("student")
    await member_login(apps, owner, "students", email=email)
    student = await login(
        apps,
        email=email,
        password="correct-horse-1",
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )
    auth = apps.client("auth")
    bare = await auth.patch(ME, json={"phone": "9876543211"}, headers=student.headers)
    assert bare.status_code == 422
    wrong = await auth.patch(
        ME, json={"phone": "9876543211", "current_password": "nope-nope"}, headers=student.headers
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
