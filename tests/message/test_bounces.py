"""An address the relay says does not exist (a hard bounce) is suppressed: nothing more
is sent to it, and the owner sees why."""

from __future__ import annotations

from tests.conftest import Apps
from tests.fixtures.messages import deliver_messages, use_smtp
from tests.fixtures.smtp import smtp_server
from tests.fixtures.users import register_owner


async def test_a_refused_recipient_is_suppressed_and_not_written_to_again(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        inbox.refuse.add(owner.email.lower())
        use_smtp(apps, inbox)
        forgot = await apps.client("auth").post(
            "/api/auth/forgot-password", json={"email": owner.email}
        )
        assert forgot.status_code == 202
        await deliver_messages(apps)
    client = apps.client("message")
    log = await client.get("/api/messages/deliveries", headers=owner.headers)
    [delivery] = log.json()["items"]
    assert (delivery["status"], delivery["last_error"]) == ("failed", "recipient_refused")
    listed = await client.get("/api/messages/suppressions", headers=owner.headers)
    [entry] = listed.json()["items"]
    assert (entry["channel"], entry["address"], entry["reason"]) == (
        "email",
        owner.email.lower(),
        "bounce",
    )


async def test_a_relay_that_is_only_busy_suppresses_nothing(apps: Apps) -> None:
    owner = await register_owner(apps)
    with smtp_server() as inbox:
        use_smtp(apps, inbox, smtp_port=1)  # nothing listens there: retried later
        forgot = await apps.client("auth").post(
            "/api/auth/forgot-password", json={"email": owner.email}
        )
        assert forgot.status_code == 202
        await deliver_messages(apps)
    client = apps.client("message")
    [delivery] = (await client.get("/api/messages/deliveries", headers=owner.headers)).json()[
        "items"
    ]
    assert delivery["status"] == "queued" and delivery["last_error"] == "smtp_unreachable"
    listed = await client.get("/api/messages/suppressions", headers=owner.headers)
    assert listed.json()["total"] == 0
