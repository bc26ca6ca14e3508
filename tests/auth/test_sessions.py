"""Sessions: register → login → me → refresh → logout for every user type; rotation and reuse."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import jwt

from studyspot.services.auth.models import RefreshToken
from tests.auth.helpers import audit_rows, auth_client, count, member_login, shift
from tests.conftest import Apps
from tests.fixtures.users import (
    LoggedIn,
    create_platform_user,
    login,
    random_email,
    register_owner,
)


async def refresh(auth: httpx.AsyncClient, token: str) -> httpx.Response:
    return await auth.post("/api/auth/refresh", json={"refresh_token": token})


async def full_round(apps: Apps, session: LoggedIn, me_path: str) -> dict[str, object]:
    """me → refresh → me with the new token → logout → the refresh token is dead."""
    auth = apps.client("auth")
    me = await auth.get(me_path, headers=session.headers)
    assert me.status_code == 200, me.text

    renewed = await refresh(auth, session.refresh_token)
    assert renewed.status_code == 200, renewed.text
    pair = renewed.json()
    assert pair["refresh_token"] != session.refresh_token
    assert pair["user"]["id"] == str(session.user_id)
    me_again = await auth.get(me_path, headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me_again.json() == me.json() | {"last_login_at": me_again.json().get("last_login_at")}

    out = await auth.post("/api/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    assert (await refresh(auth, pair["refresh_token"])).status_code == 401
    body: dict[str, object] = me.json()
    return body


async def test_an_owner_goes_through_a_whole_session(apps: Apps) -> None:
    owner = await register_owner(apps)
    logged_in = await login(apps, email=owner.email, password=owner.password)
    me = await full_round(apps, logged_in, "/api/users/me")
    assert me["user_type"] == "library_owner"
    assert me["id"] == str(owner.user_id)
    assert me["email"] == owner.email
    assert me["name"] == "Asha Verma"
    assert await audit_rows(apps, "auth.logout", resource_id=str(owner.user_id))


async def test_platform_admins_and_staff_go_through_a_whole_session(apps: Apps) -> None:
    for staff in (False, True):
        person = await create_platform_user(apps, staff=staff)
        me = await full_round(apps, person, "/api/v1/auth/me")
        assert me["user_type"] == ("platform_staff" if staff else "platform_admin")
        assert me["tenant_id"] is None
        also = await apps.client("auth").get(
            "/api/users/me", headers=(await login(
                apps, email=person.email, password=person.password,
                user_type=str(me["user_type"]),
            )).headers,
        )  # fmt: skip
        assert also.json()["id"] == me["id"]


async def test_staff_and_students_refresh_and_log_out(apps: Apps) -> None:
    owner = await register_owner(apps)
    for table, user_type in (("students", "student"), ("library_staff", "library_staff")):
        email = random_email(user_type)
        user_id = await member_login(apps, owner, table, email=email)  # type: ignore[arg-type]
        session = await login(
            apps,
            email=email,
            password="correct-horse-1",
            user_type=user_type,
            tenant_slug=owner.tenant_slug,
        )
        auth = apps.client("auth")
        renewed = await refresh(auth, session.refresh_token)
        assert renewed.status_code == 200
        claims = jwt.decode(renewed.json()["access_token"], options={"verify_signature": False})
        assert (claims["sub"], claims["userType"]) == (str(user_id), user_type)
        out = await auth.post("/api/auth/logout", json={"refresh_token": session.refresh_token})
        assert out.status_code == 204
        # Logging out with the spent first token still ends the family it started.
        assert (await refresh(auth, renewed.json()["refresh_token"])).status_code == 401


async def test_a_reused_refresh_token_ends_its_whole_family_and_nothing_else(apps: Apps) -> None:
    owner = await register_owner(apps)
    phone_session = await login(apps, email=owner.email, password=owner.password)
    auth = apps.client("auth")
    first = owner.refresh_token
    second = (await refresh(auth, first)).json()["refresh_token"]
    newest = (await refresh(auth, second)).json()["refresh_token"]

    stolen = await refresh(auth, first)

    assert stolen.status_code == 401
    assert stolen.json()["code"] == "refresh_token_reused"
    dead = await refresh(auth, newest)
    assert dead.status_code == 401
    assert dead.json()["code"] == "invalid_refresh_token"
    assert (await refresh(auth, phone_session.refresh_token)).status_code == 200
    rows = await audit_rows(apps, "auth.refresh_token_reused", resource_id=str(owner.user_id))
    assert len(rows) == 1 and rows[0]["tenant_id"] == owner.tenant_id


async def test_unknown_refresh_tokens_are_401_and_logout_with_them_is_harmless(
    apps: Apps,
) -> None:
    auth = apps.client("auth")
    token = "x" * 43
    assert (await refresh(auth, token)).status_code == 401
    assert (await auth.post("/api/auth/logout", json={"refresh_token": token})).status_code == 204
    malformed = await auth.post("/api/auth/refresh", json={"refresh_token": "short"})
    assert malformed.status_code == 422


async def test_a_deactivated_user_cannot_refresh_and_its_access_token_stops_working(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    email = random_email("staff")
    staff_id = await member_login(apps, owner, "library_staff", email=email)
    session = await login(
        apps,
        email=email,
        password="correct-horse-1",
        user_type="library_staff",
        tenant_slug=owner.tenant_slug,
    )
    assert owner.tenant_id is not None
    client = auth_client(apps, "library_staff")
    await client.update_credential(
        tenant_id=owner.tenant_id, user_table="library_staff", user_id=staff_id, is_active=False
    )
    await client.close()
    auth = apps.client("auth")

    assert (await refresh(auth, session.refresh_token)).status_code == 401
    me = await auth.get("/api/users/me", headers=session.headers)
    assert me.status_code == 401
    assert me.json()["code"] == "account_inactive"
    live = await count(
        apps,
        RefreshToken,
        RefreshToken.user_id == staff_id,
        RefreshToken.revoked_at.is_(None),
    )
    assert live == 0
    relogin = await auth.post(
        "/api/auth/login",
        json={
            "email": email,
            "password": "correct-horse-1",
            "user_type": "library_staff",
            "tenant_slug": owner.tenant_slug,
        },
    )
    assert relogin.status_code == 403
    assert relogin.json()["code"] == "account_inactive"


async def test_a_refresh_token_of_an_erased_user_is_401(apps: Apps) -> None:
    owner = await register_owner(apps)
    email = random_email("student")
    student_id = await member_login(apps, owner, "students", email=email)
    session = await login(
        apps, email=email, password="correct-horse-1", user_type="student",
        tenant_slug=owner.tenant_slug,
    )  # fmt: skip
    assert owner.tenant_id is not None
    client = auth_client(apps)
    await client.delete_credential(
        tenant_id=owner.tenant_id, user_table="students", user_id=student_id
    )
    await client.close()

    assert (await refresh(apps.client("auth"), session.refresh_token)).status_code == 401


async def test_an_expired_refresh_token_is_401(apps: Apps) -> None:
    owner = await register_owner(apps)
    await shift(apps, RefreshToken.__table__.c.expires_at, timedelta(days=31))
    resp = await refresh(apps.client("auth"), owner.refresh_token)
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_refresh_token"


async def test_two_refreshes_racing_with_one_token_never_fail_with_a_500(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    first, second = await asyncio.gather(
        refresh(auth, owner.refresh_token), refresh(auth, owner.refresh_token)
    )

    # The same token twice is reuse, even at the same instant: one wins, the family then ends.
    assert sorted([first.status_code, second.status_code]) == [200, 401]
    loser = first if first.status_code == 401 else second
    winner = second if loser is first else first
    assert loser.json()["code"] == "refresh_token_reused"
    assert (await refresh(auth, winner.json()["refresh_token"])).status_code == 401
