"""Login throttling: the client address the gateway resolved, and progressive account locks."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid

import httpx

from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.models import LoginLock
from tests.auth.helpers import AuthClock, audit_rows, count, other_auth_app
from tests.conftest import Apps
from tests.fixtures.users import login, random_email, register_owner

CLIENT_IP = "X-StudySpot-Client-IP"
BEHIND_GATEWAY = AuthSettings(behind_gateway=True)


def some_address(n: int) -> str:
    return str(ipaddress.ip_address("198.18.0.0") + n)


async def wrong_login(auth: httpx.AsyncClient, email: str, **headers: str) -> int:
    resp = await auth.post(
        "/api/auth/login", json={"email": email, "password": "guess-guess"}, headers=headers
    )
    return resp.status_code


async def test_a_hundred_wrong_logins_for_random_emails_do_not_lock_out_a_real_owner(
    apps: Apps,
) -> None:
    # Behind the gateway every request reaches auth from the gateway's own address: a throttle
    # keyed on the peer locked every owner, student and admin after 50 failures from anywhere.
    owner = await register_owner(apps)
    async with other_auth_app(apps, auth_settings=BEHIND_GATEWAY) as auth:
        for n in range(100):
            status = await wrong_login(
                auth, random_email("stranger"), **{CLIENT_IP: some_address(n)}
            )
            assert status == 401

        resp = await auth.post(
            "/api/auth/login",
            json={"email": owner.email, "password": owner.password},
            headers={CLIENT_IP: "203.0.113.9"},
        )
    assert resp.status_code == 200, resp.text


async def test_behind_the_gateway_only_its_client_ip_header_names_the_address(apps: Apps) -> None:
    async with other_auth_app(
        apps, auth_settings=BEHIND_GATEWAY, login_max_failures_per_ip=3
    ) as auth:

        async def attempt(client_ip: str) -> int:
            # X-Forwarded-For is whatever a client put there: it must not matter.
            return await wrong_login(
                auth,
                random_email(),
                **{CLIENT_IP: client_ip, "X-Forwarded-For": f"{uuid.uuid4().int % 250}.1.1.1"},
            )

        assert [await attempt("203.0.113.7") for _ in range(4)] == [401, 401, 401, 429]
        assert await attempt("198.51.100.2") == 401
    rows = await audit_rows(apps, "auth.login", outcome="failure")
    assert {r["ip"] for r in rows} == {"203.0.113.7", "198.51.100.2"}


async def test_a_client_ip_header_is_ignored_unless_auth_sits_behind_the_gateway(
    apps: Apps,
) -> None:
    # Deployed on its own, a client could otherwise pick a fresh address for every guess.
    auth = apps.client("auth")
    for n in range(3):
        assert await wrong_login(auth, random_email(), **{CLIENT_IP: some_address(n)}) == 401
    rows = await audit_rows(apps, "auth.login", outcome="failure")
    assert {r["ip"] for r in rows} == {"127.0.0.1"}


async def test_a_malformed_client_ip_header_falls_back_to_the_peer(apps: Apps) -> None:
    async with other_auth_app(apps, auth_settings=BEHIND_GATEWAY) as auth:
        assert await wrong_login(auth, random_email(), **{CLIENT_IP: "not-an-address"}) == 401
    rows = await audit_rows(apps, "auth.login", outcome="failure")
    assert {r["ip"] for r in rows} == {"127.0.0.1"}


async def test_an_owner_locked_by_ten_wrong_passwords_logs_in_within_two_minutes(
    apps: Apps,
) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")

    statuses = [await wrong_login(auth, owner.email) for _ in range(12)]
    assert statuses == [401] * 10 + [429] * 2  # login_max_failures_per_account
    locked = await auth.post(
        "/api/auth/login", json={"email": owner.email, "password": owner.password}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert 0 < int(locked.headers["retry-after"]) <= 60
    assert locked.headers["ratelimit-remaining"] == "0"

    clock.advance(seconds=61)
    after = await login(apps, email=owner.email, password=owner.password)
    assert after.user_id == owner.user_id
    # The right password cleared the count: ten more typos are answered, not locked.
    assert [await wrong_login(auth, owner.email) for _ in range(10)] == [401] * 10


async def test_each_failure_after_a_lock_doubles_the_next_lock_up_to_fifteen_minutes(
    apps: Apps,
) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")
    for _ in range(10):
        assert await wrong_login(auth, owner.email) == 401

    waits = []
    for _ in range(6):
        refused = await auth.post(
            "/api/auth/login", json={"email": owner.email, "password": "guess-guess"}
        )
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        waits.append(wait)
        clock.advance(seconds=wait)
        assert await wrong_login(auth, owner.email) == 401  # allowed once the step has passed

    assert waits == [60, 120, 240, 480, 900, 900]


async def test_refused_attempts_during_a_lock_do_not_lengthen_it(apps: Apps) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")
    for _ in range(10):
        await wrong_login(auth, owner.email)
    for _ in range(30):  # a stranger hammering a locked login
        clock.advance(seconds=1)
        assert await wrong_login(auth, owner.email) == 429
    clock.advance(seconds=31)
    assert (await login(apps, email=owner.email, password=owner.password)).user_id


async def test_the_count_starts_again_after_a_quiet_window(apps: Apps) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")
    for _ in range(9):
        assert await wrong_login(auth, owner.email) == 401
    clock.advance(seconds=901)  # login_failure_window_seconds
    assert [await wrong_login(auth, owner.email) for _ in range(9)] == [401] * 9


async def test_concurrent_wrong_passwords_cannot_slip_past_the_lock(apps: Apps) -> None:
    # Counted before the password is checked, under the login's row lock: 40 guesses sent at
    # once get 10 answers and 30 refusals, never 40 password checks.
    owner = await register_owner(apps)
    auth = apps.client("auth")
    statuses = await asyncio.gather(*(wrong_login(auth, owner.email) for _ in range(40)))
    assert sorted(statuses) == [401] * 10 + [429] * 30
    assert await count(apps, LoginLock.__table__) == 1
