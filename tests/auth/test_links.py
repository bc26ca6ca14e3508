"""Reset and invite links: sealed for the message service, pruned once delivered, and not a
way to flood someone's phone."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from structlog.testing import capture_logs

from studyspot.kit.crypto import DecryptionError
from studyspot.kit.db import unit_of_work
from studyspot.kit.models import outbox_events, utcnow
from studyspot.kit.outbox import publish
from studyspot.services.auth.client import LinkBox
from studyspot.services.auth.housekeeping import prune_link_events
from tests.auth.helpers import AuthClock, audit_rows, outbox_count
from tests.conftest import Apps
from tests.fixtures.users import latest_outbox_payload, link_token, register_owner

RESET_TOPIC = "auth.password_reset_requested"


async def forgot(auth: httpx.AsyncClient, email: str) -> int:
    resp = await auth.post("/api/auth/forgot-password", json={"email": email})
    return resp.status_code


async def raw_outbox_rows(apps: Apps, topic: str) -> list[str]:
    """The outbox rows of `topic` as stored: what a database dump or NATS would show."""
    core = apps.app("auth").state.kit.core
    async with core.engine.connect() as conn:
        rows = await conn.execute(select(outbox_events).where(outbox_events.c.topic == topic))
        return [json.dumps(dict(r._mapping), default=str) for r in rows]


async def test_the_raw_reset_secret_is_in_no_outbox_row_and_no_log_line(apps: Apps) -> None:
    owner = await register_owner(apps)
    with capture_logs() as logs:
        assert await forgot(apps.client("auth"), owner.email) == 202
    event = await latest_outbox_payload(apps, RESET_TOPIC, user_id=owner.user_id)
    secret = link_token(apps, event)

    stored = await raw_outbox_rows(apps, RESET_TOPIC)
    assert len(stored) == 1
    assert secret not in stored[0]
    assert "token" not in event and event["token_sealed"].startswith("v1:")
    assert not [line for line in logs if secret in json.dumps(line, default=str)]
    # The one consumer opens it, and it works once.
    done = await apps.client("auth").post(
        "/api/auth/reset-password", json={"token": secret, "new_password": "brand-new-pass-1"}
    )
    assert done.status_code == 204


async def test_a_sealed_link_copied_into_another_users_event_does_not_open(apps: Apps) -> None:
    owner = await register_owner(apps)
    other = await register_owner(apps)
    await forgot(apps.client("auth"), owner.email)
    event = await latest_outbox_payload(apps, RESET_TOPIC, user_id=owner.user_id)
    box: LinkBox = apps.app("auth").state.auth_link_box

    with pytest.raises(DecryptionError):
        box.open({**event, "user_id": str(other.user_id)})
    with pytest.raises(DecryptionError):
        LinkBox("other:" + "A" * 43 + "=").open(event)


def test_a_link_key_that_is_not_kid_and_32_bytes_is_refused() -> None:
    for bad in ("", "no-kid-at-all", "k1:c2hvcnQ=", "k1:not base64!"):
        with pytest.raises(ValueError):
            LinkBox(bad)


async def test_forgot_password_sends_one_link_per_account_per_cooldown(apps: Apps) -> None:
    clock = AuthClock(apps)
    owner = await register_owner(apps)
    auth = apps.client("auth")

    # A stranger pressing the button 20 times sends one message, with the same answer.
    assert {await forgot(auth, owner.email) for _ in range(20)} == {202}
    assert await outbox_count(apps, RESET_TOPIC) == 1
    refused = await audit_rows(apps, "auth.password_reset_requested", outcome="failure")
    assert len(refused) == 19 and {r["details"]["reason"] for r in refused} == {"cooldown"}

    clock.advance(seconds=121)  # AUTH_FORGOT_PASSWORD_COOLDOWN_SECONDS
    assert await forgot(auth, owner.email) == 202
    assert await outbox_count(apps, RESET_TOPIC) == 2


async def test_concurrent_forgot_password_requests_send_one_link(apps: Apps) -> None:
    owner = await register_owner(apps)
    auth = apps.client("auth")
    answers = await asyncio.gather(*(forgot(auth, owner.email) for _ in range(10)))
    assert set(answers) == {202}
    assert await outbox_count(apps, RESET_TOPIC) == 1


async def test_link_events_are_pruned_soon_after_delivery_and_others_are_kept(
    apps: Apps,
) -> None:
    owner = await register_owner(apps)
    await forgot(apps.client("auth"), owner.email)
    core = apps.app("auth").state.kit.core
    async with unit_of_work(core) as session:
        await publish(session, "auth.user_registered_for_test", {"x": 1})
    now = utcnow()
    async with core.engine.begin() as conn:
        await conn.execute(update(outbox_events).values(published_at=now - timedelta(minutes=6)))
    other = await register_owner(apps)
    await forgot(apps.client("auth"), other.email)  # not delivered yet: kept

    async with unit_of_work(core) as session:
        pruned = await prune_link_events(session, utcnow(), timedelta(days=7))

    assert pruned == 1
    payloads = [json.loads(r) for r in await raw_outbox_rows(apps, RESET_TOPIC)]
    assert [p["payload"]["user_id"] for p in payloads] == [str(other.user_id)]
    assert await outbox_count(apps, "auth.user_registered_for_test") == 1
    # Undelivered for longer than any link lives: gone too.
    async with unit_of_work(core) as session:
        assert await prune_link_events(session, utcnow() + timedelta(days=8), timedelta(days=7))
    assert await outbox_count(apps, RESET_TOPIC) == 0
