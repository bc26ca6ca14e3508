"""The console's live pages, in a real browser against the real system
(web/e2e/community.mjs): the seat map and the inbox moved by the realtime stream
(`/api/v1/events/stream` through the gateway, docs/realtime.md), and the groups page.

The owner, a library (seats A1.., shifts, plans) and a student with a full-day booking
from today (so that it may write and post) are made through the in-process apps; the
owner's and the student's tokens for the browser script's own calls come from logging
in through the running system's gateway. In one page, never reloaded: a booking made
through the gateway turns A2 held and then booked on the open seat map within seconds
(its polling is 60 s while the stream is live); the student's message appears in the
open inbox with 1 unread; the owner's reply reaches the student; a group is created,
posted in as the library and the post pinned; a notification put in the owner's feed
(as the message service puts one) raises the bell's count within seconds. Afterwards the
services' own answers are checked here. One running system for the module, one browser run (about 40 s).
Screenshots in var/artefacts/web/community-*.png.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from studyspot.kit.db import unit_of_work
from studyspot.services.message import notifications
from tests.conftest import Apps
from tests.fixtures.bookings import (
    booking_body,
    paid,
    ready_library,
    student_login,
    today_in_india,
    tomorrow,
)
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system


async def _gateway_token(system: System, body: dict[str, str]) -> str:
    async with system.client() as http:
        resp = await http.post("/api/auth/login", json={**body, "password": DEFAULT_PASSWORD})
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["access_token"]
    return token


async def _notify_when_the_bell_waits(apps: Apps, owner: LoggedIn) -> None:
    """Once the browser says it watches the bell, a notice in the owner's feed, written as
    the message service writes every notification (`notifications.notify`)."""
    ready = ARTEFACTS / "community-bell-ready"
    deadline = asyncio.get_running_loop().time() + 200
    while not ready.exists():
        if asyncio.get_running_loop().time() > deadline:
            return  # the browser failed before; its own failure is the one to report
        await asyncio.sleep(0.1)
    assert owner.tenant_id is not None
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
        made = await notifications.notify(
            session,
            owner.tenant_id,
            event_id=uuid.uuid4(),
            kind="notice",
            user_id=owner.user_id,
            user_type="library_owner",
            variables={"name": "Asha", "title": "Water off on Sunday", "body": "Carry bottles."},
            now=datetime.now(UTC),
        )
    assert made is not None


async def test_seat_map_and_inbox_move_live_and_the_owner_runs_a_group(
    console_system: System, apps: Apps
) -> None:
    ready = await ready_library(apps, students=2, name="Gyan Kendra Kothrud")
    writer = ready.students[0]
    await paid(
        apps,
        ready.owner,
        booking_body(ready, student=writer, shift=None, plan="full", start=today_in_india()),
    )
    student = await student_login(apps, ready, writer)
    owner = ready.owner
    assert owner.tenant_slug is not None
    owner_token = await _gateway_token(
        console_system, {"email": owner.email, "user_type": "library_owner"}
    )
    student_token = await _gateway_token(
        console_system,
        {"email": student.email, "user_type": "student", "tenant_slug": owner.tenant_slug},
    )
    # The booking the test makes while the owner watches: seat A2, the morning shift.
    live_booking = booking_body(
        ready, student=ready.students[1], seat=ready.seats[1], shift="morning", start=tomorrow()
    )

    (ARTEFACTS / "community-bell-ready").unlink(missing_ok=True)
    out, _ = await asyncio.gather(
        _browser(
            console_system,
            "community",
            owner.email,
            DEFAULT_PASSWORD,
            script="e2e/community.mjs",
            extra_env={
                "LIBRARY_ID": str(ready.library_id),
                "SHIFT_ID": str(ready.shifts["morning"]),
                "DATE": tomorrow().isoformat(),
                "OWNER_TOKEN": owner_token,
                "STUDENT_TOKEN": student_token,
                "BOOKING_BODY": json.dumps(live_booking),
            },
        ),
        _notify_when_the_bell_waits(apps, owner),
    )
    assert "community: passed" in out
    results = json.loads((ARTEFACTS / "community-results.json").read_text())
    # Live, not polled: the map polls every 60 s (15 s offline) and moved within seconds.
    assert results["seat_ms"]["held"] < 8_000 and results["seat_ms"]["booked"] < 8_000
    assert results["inbox_ms"] < 8_000
    assert results["bell_ms"] < 8_000  # the bell polls every 5 minutes while live

    # What the page showed is what the services recorded.
    thread_id = uuid.UUID(results["thread_id"])
    inbox = apps.client("community")
    thread = await inbox.get(f"/api/groups/inbox/threads/{thread_id}", headers=owner.headers)
    assert thread.status_code == 200, thread.text
    assert thread.json()["unread_count"] == 0  # opened in the page: read by the library
    # The student reads the reply; the owner's side then sees its receipt.
    marked = await inbox.post(
        f"/api/groups/inbox/threads/{thread_id}/read", headers=student.headers
    )
    assert marked.status_code == 200, marked.text
    messages = await inbox.get(
        f"/api/groups/inbox/threads/{thread_id}/messages", headers=owner.headers
    )
    assert [(m["side"], m["read_by_other_side"]) for m in messages.json()["items"]] == [
        ("student", True),
        ("library", True),
    ]

    groups = await inbox.get(
        "/api/groups", params={"library_id": str(ready.library_id)}, headers=owner.headers
    )
    (group,) = groups.json()["items"]
    assert (group["name"], group["allow_anonymous"]) == ("UPSC Prelims 2027", True)
    pinned = await inbox.get(
        f"/api/groups/{group['id']}/posts", params={"pinned": "true"}, headers=owner.headers
    )
    (post,) = pinned.json()["items"]
    assert post["author"]["kind"] == "library"
    assert post["body"] == "Mock test on Sunday at 9:00 in the hall."


__all__ = ["console_system"]  # the fixture, imported to be used here
