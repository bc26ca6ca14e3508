"""Staff act on the consent and broadcasts of their own branches' students only: a
student of another branch is answered like one that does not exist (404), and the owner
still acts on every student of the tenant."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import Apps
from tests.fixtures.students import admit, create_staff, owner_with_branches
from tests.fixtures.users import LoggedIn

CONSENTS = "/api/messages/consents"
BROADCASTS = "/api/messages/broadcasts"


def _consent(channel: str = "email") -> dict[str, Any]:
    return {"channel": channel, "purpose": "reminders", "granted": True, "notice_version": "v3"}


async def _put(apps: Apps, who: LoggedIn, user_id: object) -> Any:
    return await apps.client("message").put(
        f"{CONSENTS}/{user_id}", json=_consent(), headers=who.headers
    )


async def test_a_clerk_records_and_reads_consent_of_its_own_branch_only(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    ours = (await admit(apps, world.owner, world.library_a))["id"]
    theirs = (await admit(apps, world.owner, world.library_b))["id"]
    clerk = await create_staff(apps, world.owner, [world.library_a])
    client = apps.client("message")

    assert (await _put(apps, clerk, ours)).status_code == 200
    read = await client.get(f"{CONSENTS}/{ours}", headers=clerk.headers)
    assert read.status_code == 200 and [c["granted"] for c in read.json()] == [True]

    # Another branch's student and a student that does not exist get the same answer.
    for unknown in (theirs, uuid.uuid4()):
        put = await _put(apps, clerk, unknown)
        assert put.status_code == 404 and put.json()["code"] == "student_not_found", put.text
        got = await client.get(f"{CONSENTS}/{unknown}", headers=clerk.headers)
        assert got.status_code == 404 and got.json()["code"] == "student_not_found"
        assert got.json()["detail"] == put.json()["detail"]

    # Nothing was recorded for the other branch's student; the owner sees and acts on it.
    owner_read = await client.get(f"{CONSENTS}/{theirs}", headers=world.owner.headers)
    assert owner_read.status_code == 200 and owner_read.json() == []
    assert (await _put(apps, world.owner, theirs)).status_code == 200

    # A clerk of both branches reaches both; a clerk may still act on its own consent.
    both = await create_staff(apps, world.owner, [world.library_a, world.library_b])
    assert (await client.get(f"{CONSENTS}/{theirs}", headers=both.headers)).status_code == 200
    assert (await _put(apps, clerk, clerk.user_id)).status_code == 200


async def test_a_managers_broadcast_reaches_only_its_branches_students(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    ours = (await admit(apps, world.owner, world.library_a))["id"]
    theirs = (await admit(apps, world.owner, world.library_b))["id"]
    for sid in (ours, theirs):
        assert (await _put(apps, world.owner, sid)).status_code == 200
    manager = await create_staff(apps, world.owner, [world.library_a], role="manager")
    body = {
        "student_ids": [ours, theirs, str(uuid.uuid4())],
        "channel": "email",
        "category": "reminders",
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }
    client = apps.client("message")
    quote = await client.post(f"{BROADCASTS}/quote", json=body, headers=manager.headers)
    assert quote.status_code == 200, quote.text
    # The other branch's student is counted like the id that names no one.
    assert quote.json()["reachable"] == 1 and quote.json()["skipped"] == {"no_address": 2}
    sent = await client.post(BROADCASTS, json=body, headers=manager.headers)
    assert sent.status_code == 201 and sent.json()["recipients"] == 1
    log = await client.get(
        "/api/messages/deliveries", params={"kind": "notice"}, headers=world.owner.headers
    )
    assert [d["recipient_user_id"] for d in log.json()["items"]] == [ours]

    by_owner = await client.post(f"{BROADCASTS}/quote", json=body, headers=world.owner.headers)
    assert by_owner.json()["reachable"] == 2


async def test_a_broadcasts_report_is_read_by_owners_and_the_managers_of_all_its_branches(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    ours = (await admit(apps, world.owner, world.library_a))["id"]
    theirs = (await admit(apps, world.owner, world.library_b))["id"]
    manager_a = await create_staff(apps, world.owner, [world.library_a], role="manager")
    manager_b = await create_staff(apps, world.owner, [world.library_b], role="manager")
    manager_ab = await create_staff(
        apps, world.owner, [world.library_a, world.library_b], role="manager"
    )
    client = apps.client("message")

    async def send(who: LoggedIn, students: list[str]) -> str:
        body = {
            "student_ids": students,
            "channel": "email",
            "category": "reminders",
            "title": "Closed on Monday",
            "body": "The library is closed on Monday.",
        }
        sent = await client.post(BROADCASTS, json=body, headers=who.headers)
        assert sent.status_code == 201, sent.text
        broadcast_id: str = sent.json()["id"]
        return broadcast_id

    to_a = await send(manager_a, [ours])
    to_both = await send(world.owner, [ours, theirs])
    to_b = await send(world.owner, [theirs])

    async def reads(who: LoggedIn, broadcast_id: str) -> int:
        resp = await client.get(f"{BROADCASTS}/{broadcast_id}", headers=who.headers)
        if resp.status_code == 404:
            assert resp.json()["code"] == "broadcast_not_found"
        return resp.status_code

    assert [await reads(world.owner, b) for b in (to_a, to_both, to_b)] == [200, 200, 200]
    assert [await reads(manager_a, b) for b in (to_a, to_both, to_b)] == [200, 404, 404]
    assert [await reads(manager_b, b) for b in (to_a, to_both, to_b)] == [404, 404, 200]
    assert [await reads(manager_ab, b) for b in (to_a, to_both, to_b)] == [200, 200, 200]
