"""Forgotten passwords, invite links and password changes."""

from __future__ import annotations

import httpx

from studyspot.services.auth.models import OneTimeToken
from tests.auth.helpers import (
    AuthClock,
    audit_rows,
    count,
    expire_links,
    member_login,
    outbox_count,
)
from tests.conftest import Apps
from tests.fixtures.users import (
    LoggedIn,
    latest_outbox_payload,
    link_token,
    login,
    random_email,
    register_owner,
)

RESET_TOPIC = "auth.password_reset_requested"


async def forgot(auth: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await auth.post("/api/auth/forgot-password", json=body)


async def reset(auth: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await auth.post(
        "/api/auth/reset-password", json={"token": token, "new_password": password}
    )


async def test_forgot_password_answers_alike_for_everyone_and_never_returns_the_token(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    known = await forgot(auth, email=owner.email)
    unknown = await forgot(auth, email=random_email())

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content == b""
    assert await outbox_count(apps, RESET_TOPIC) == 1
    event = await latest_outbox_payload(apps, RESET_TOPIC, user_id=owner.user_id)
    assert event["purpose"] == "password_reset"
    assert event["email"] == owner.email
    assert event["tenant_id"] == str(owner.tenant_id)
    secret = link_token(apps, event)
    assert len(secret) >= 40
    assert secret not in known.text
    stored = await count(apps, OneTimeToken, OneTimeToken.token_hash == secret)
    assert stored == 0  # kept hashed only


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    await forgot(auth, email=owner.email)
    token = link_token(apps, await latest_outbox_payload(apps, RESET_TOPIC, user_id=owner.user_id))

    done = await reset(auth, token, "brand-new-password")

    assert done.status_code == 204
    old = await auth.post(
        "/api/auth/login", json={"email": owner.email, "password": owner.password}
    )
    assert old.status_code == 401
    assert (await login(apps, email=owner.email, password="brand-new-password")).user_id
    refreshed = await auth.post("/api/auth/refresh", json={"refresh_token": owner.refresh_token})
    assert refreshed.status_code == 401
    again = await reset(auth, token, "yet-another-password")
    assert again.status_code == 422
    assert again.json()["code"] == "invalid_or_expired_token"
    assert [e["field"] for e in again.json()["errors"]] == ["body.token"]
    assert await audit_rows(apps, "auth.password_set", resource_id=str(owner.user_id))


async def test_an_expired_or_superseded_link_is_refused(apps: Apps) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")
    await forgot(auth, email=owner.email)
    older = link_token(apps, await latest_outbox_payload(apps, RESET_TOPIC))
    clock.advance(seconds=121)  # AUTH_FORGOT_PASSWORD_COOLDOWN_SECONDS
    await forgot(auth, email=owner.email)
    newer = link_token(apps, await latest_outbox_payload(apps, RESET_TOPIC))

    assert (await reset(auth, older, "brand-new-password")).status_code == 422
    await expire_links(apps)
    assert (await reset(auth, newer, "brand-new-password")).status_code == 422
    assert (await login(apps, email=owner.email, password=owner.password)).user_id


async def test_a_reset_password_must_fit_bcrypt_and_a_bad_one_spends_nothing(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    await forgot(auth, email=owner.email)
    token = link_token(apps, await latest_outbox_payload(apps, RESET_TOPIC))

    too_long = await reset(auth, token, "ü" * 37)  # 74 bytes

    assert too_long.status_code == 422
    assert [e["field"] for e in too_long.json()["errors"]] == ["body.new_password"]
    assert (await reset(auth, token, "ü" * 36)).status_code == 204


async def test_students_reset_by_phone_within_their_tenant(apps: Apps) -> None:
    owner = await register_owner(apps)
    student_id = await member_login(apps, owner, "students", phone="9811122233")
    auth = apps.client("auth")

    sent = await forgot(
        auth, phone="98111 22233", user_type="student", tenant_slug=owner.tenant_slug
    )
    assert sent.status_code == 202
    event = await latest_outbox_payload(apps, RESET_TOPIC, user_id=student_id)
    assert event["phone"] == "+919811122233"
    assert event["user_type"] == "student"

    assert (await reset(auth, link_token(apps, event), "student-new-pass")).status_code == 204
    session = await login(
        apps,
        phone="9811122233",
        password="student-new-pass",
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )
    assert session.user_id == student_id


async def test_forgot_password_needs_the_tenant_for_students(apps: Apps) -> None:
    resp = await forgot(apps.client("auth"), email=random_email(), user_type="student")
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["body.tenant_slug"]


async def change(auth: httpx.AsyncClient, who: LoggedIn, current: str, new: str) -> httpx.Response:
    return await auth.post(
        "/api/users/me/password",
        json={"current_password": current, "new_password": new},
        headers=who.headers,
    )


async def test_changing_the_password_ends_other_sessions_and_keeps_this_one(apps: Apps) -> None:
    owner = await register_owner(apps)
    laptop = await login(apps, email=owner.email, password=owner.password)
    auth = apps.client("auth")

    changed = await change(auth, owner, owner.password, "a-better-password")

    assert changed.status_code == 200
    tokens = changed.json()
    refreshed = await auth.post(
        "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    stale = await auth.post("/api/auth/refresh", json={"refresh_token": laptop.refresh_token})
    assert stale.status_code == 401
    assert (await login(apps, email=owner.email, password="a-better-password")).user_id


async def test_a_wrong_current_password_changes_nothing_and_is_audited(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")

    refused = await change(auth, owner, "not-my-password", "a-better-password")

    assert refused.status_code == 403
    assert refused.json()["code"] == "wrong_password"
    assert (await login(apps, email=owner.email, password=owner.password)).user_id
    rows = await audit_rows(apps, "auth.password_change", outcome="failure")
    assert [r["resource_id"] for r in rows] == [str(owner.user_id)]
    too_long = await change(auth, owner, owner.password, "x" * 73)
    assert too_long.status_code == 422


async def test_guessing_the_current_password_is_throttled(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    statuses = [
        (await change(auth, owner, f"guess-{i:04d}", "a-better-password")).status_code
        for i in range(11)
    ]
    assert statuses == [403] * 10 + [429]
    still = await change(auth, owner, owner.password, "a-better-password")
    assert still.status_code == 429
