"""The realtime channel in process: who may hear which topic, tickets used once, the limit
on streams per user, replay after Last-Event-ID exactly once (memory feed and NATS feed),
heartbeats, seat-map changes from bookings, and streams ended at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.kit.events.sources import Sources
from studyspot.kit.realtime import Hub, MemoryFeed, NatsFeed, RealtimeSettings
from studyspot.services.community import stream
from tests.community.helpers import INBOX, community, group_setup, join, post
from tests.community.sse import AppStream
from tests.conftest import Apps
from tests.fixtures.bookings import booked, booking_body, ready_library, student_login
from tests.fixtures.events import NATS_URL, fast_config, running
from tests.fixtures.users import LoggedIn

PATH = stream.STREAM_PATH


@pytest.fixture(autouse=True)
async def _hub_closed(apps: Apps) -> AsyncIterator[None]:
    """In process nothing runs the app's shutdown: close its hub (the outbox tail) here."""
    yield
    await apps.app("community").state.realtime.close()


def fast(**overrides: Any) -> RealtimeSettings:
    return RealtimeSettings(**{"poll_seconds": 0.05, "heartbeat_seconds": 5, **overrides})


def memory_hub(apps: Apps, **overrides: Any) -> Hub:
    app = apps.app("community")
    kit = app.state.kit
    sources = Sources(kit.core, kit.tenants, CoreTenantDirectory(kit.core), refresh_seconds=30)
    settings = fast(**overrides)
    hub = Hub(
        MemoryFeed(sources, (stream.DURABLE,), stream.EPHEMERAL, settings), stream.route, settings
    )
    app.state.realtime = hub
    return hub


async def open_stream(
    apps: Apps, who: LoggedIn | None, *, last: str | None = None, **query: str
) -> AppStream:
    headers = dict(who.headers) if who else {}
    if last is not None:
        headers["Last-Event-ID"] = last
    return await AppStream(apps.app("community"), PATH, headers, **query).open()


async def write_inbox(apps: Apps, who: LoggedIn, library_id: uuid.UUID, text: str) -> str:
    resp = await community(apps).post(
        INBOX,
        json={"library_id": str(library_id), "subject": text, "body": text},
        headers=who.headers,
    )
    assert resp.status_code == 201, resp.text
    thread_id: str = resp.json()["id"]
    return thread_id


async def reply(apps: Apps, who: LoggedIn, thread_id: str, text: str) -> str:
    resp = await community(apps).post(
        f"{INBOX}/{thread_id}/messages", json={"body": text}, headers=who.headers
    )
    assert resp.status_code == 201, resp.text
    message_id: str = resp.json()["id"]
    return message_id


async def test_who_may_hear_which_topic(apps: Apps) -> None:
    memory_hub(apps)
    setup = await group_setup(apps)
    ready, owner = setup.ready, setup.owner
    other = await ready_library(apps, seats=0, students=0, name="Elsewhere")
    student = setup.booked.student
    outsider = setup.unbooked

    refused = await open_stream(apps, None)
    assert refused.status == 401 and refused.problem()["code"] == "missing_token"

    cases: list[tuple[LoggedIn, str, int, str | None]] = [
        (student, "user", 200, None),
        (student, f"user:{student.user_id}", 200, None),
        (student, f"user:{owner.user_id}", 403, "topic_not_allowed"),
        (student, f"library:{ready.library_id}", 403, "topic_not_allowed"),
        (owner, f"library:{ready.library_id}", 200, None),
        # Another tenant's library: refused the same way, nothing learned.
        (owner, f"library:{other.library_id}", 403, "topic_not_allowed"),
        (owner, f"library:{uuid.uuid4()}", 403, "topic_not_allowed"),
        (outsider, f"group:{setup.group_id}", 403, "topic_not_allowed"),
        (owner, f"group:{setup.group_id}", 200, None),
        (other.owner, f"group:{setup.group_id}", 403, "topic_not_allowed"),
        (student, "seats", 422, "validation_error"),
        (student, "library:not-a-uuid", 422, "validation_error"),
        (student, ",".join(["user"] * 21), 422, "validation_error"),
    ]
    for who, topics, status, code in cases:
        opened = await open_stream(apps, who, topics=topics)
        if status == 200:
            assert opened.status == 200, (topics, opened.body)
            assert opened.response_headers["content-type"].startswith("text/event-stream")
            assert opened.response_headers["cache-control"] == "no-cache, no-transform"
            await opened.close()
        else:
            assert opened.status == status, (topics, opened.body)
            assert opened.response_headers["content-type"] == "application/problem+json"
            assert opened.problem()["code"] == code, topics

    # A member of the group hears it once joined.
    assert (await join(apps, student, setup.group_id)).status_code in (200, 201)
    member = await open_stream(apps, student, topics=f"group:{setup.group_id},user")
    assert member.status == 200
    assert (await post(apps, student, setup.group_id, "Anyone for mock test 4?")).status_code == 201
    got = await member.take(1)
    assert got[0].name == "post_created" and got[0].data["group_id"] == setup.group_id
    # No user id of the author travels on the stream.
    assert str(student.user_id) not in str(got[0].data)
    await member.close()


async def test_tickets_are_bound_short_and_used_once(apps: Apps) -> None:
    memory_hub(apps)
    ready = await ready_library(apps, seats=0, students=1)
    student = await student_login(apps, ready, ready.students[0])
    http = community(apps)

    assert (await http.post("/api/v1/events/tickets")).status_code == 401
    denied = await http.post(
        "/api/v1/events/tickets",
        json={"topics": f"library:{ready.library_id}"},
        headers=student.headers,
    )
    assert denied.status_code == 403 and denied.json()["code"] == "topic_not_allowed"
    made = await http.post("/api/v1/events/tickets", json={}, headers=student.headers)
    assert made.status_code == 201, made.text
    ticket = made.json()
    assert ticket["topics"] == [f"user:{student.user_id}"] and ticket["expires_in_seconds"] == 30

    first = await open_stream(apps, None, ticket=ticket["ticket"])
    assert first.status == 200
    again = await open_stream(apps, None, ticket=ticket["ticket"])
    assert again.status == 401 and again.problem()["code"] == "invalid_ticket"
    # A changed byte is not ours.
    forged = ticket["ticket"][:-2] + ("AA" if not ticket["ticket"].endswith("AA") else "BB")
    refused = await open_stream(apps, None, ticket=forged)
    assert refused.status == 401 and refused.problem()["code"] == "invalid_ticket"

    # The ticket's stream hears the student's inbox.
    await write_inbox(apps, student, ready.library_id, "Locker key")
    got = await first.take(1)
    assert got[0].name == "inbox_message" and got[0].id is not None
    await first.close()


async def test_a_sixth_stream_is_refused_until_one_ends(apps: Apps) -> None:
    memory_hub(apps, max_streams_per_user=5)
    ready = await ready_library(apps, seats=0, students=1)
    student = await student_login(apps, ready, ready.students[0])
    opened = [await open_stream(apps, student) for _ in range(5)]
    assert all(s.status == 200 for s in opened)
    sixth = await open_stream(apps, student)
    assert sixth.status == 429
    assert sixth.problem()["code"] == "too_many_streams"
    assert sixth.response_headers["retry-after"] == "5"
    # Another user is not counted against this one.
    assert (await open_stream(apps, ready.owner)).status == 200
    await opened[0].close()
    again = await open_stream(apps, student)
    assert again.status == 200
    for s in [*opened[1:], again]:
        await s.close()
    assert apps.app("community").state.realtime.streams == 1  # the owner's, never closed


async def replay_exactly_once(apps: Apps) -> None:
    """Disconnect, miss two messages, reconnect with Last-Event-ID: those two, once, then
    live ones; the owner's library stream hears the same conversation."""
    ready = await ready_library(apps, seats=0, students=1)
    student = await student_login(apps, ready, ready.students[0])
    owner_stream = await open_stream(apps, ready.owner, topics=f"library:{ready.library_id}")
    first = await open_stream(apps, student)
    thread = await write_inbox(apps, student, ready.library_id, "Wi-Fi password?")
    (seen,) = await first.take(1, wait=10)
    assert seen.name == "inbox_message" and seen.data["thread_id"] == thread
    assert seen.id is not None
    await first.close()

    missed = [await reply(apps, ready.owner, thread, f"answer {i}") for i in range(2)]
    back = await open_stream(apps, student, last=seen.id)
    replayed = await back.take(2, wait=10)
    assert [e.data["message_id"] for e in replayed] == missed
    live = await reply(apps, ready.owner, thread, "answer 2")
    (after,) = await back.take(1, wait=10)
    assert after.data["message_id"] == live
    assert await back.quiet(0.5) == []
    # Every id is distinct and increasing along the stream.
    assert len({e.id for e in [seen, *replayed, after]}) == 4

    # The library side heard all four, in order, and an unknown id is answered with reset.
    heard = await owner_stream.take(4, wait=10)
    assert [e.data["side"] for e in heard] == ["student", "library", "library", "library"]
    unknown = await open_stream(apps, student, last="not-an-id")
    first_event = await unknown.next()
    assert first_event is not None and first_event.name == "reset"
    for s in (back, owner_stream, unknown):
        await s.close()


async def test_replay_after_last_event_id_exactly_once_on_the_memory_feed(apps: Apps) -> None:
    memory_hub(apps)
    await replay_exactly_once(apps)


async def test_replay_after_last_event_id_exactly_once_on_nats(apps: Apps) -> None:
    """The NATS feed reads the stream the relay fills: a worker relays the outboxes."""
    if apps.dbs.backend != "postgres":
        pytest.skip("the NATS deployment runs on PostgreSQL")
    config = fast_config()
    app = apps.app("community")
    settings = fast()
    hub = Hub(
        NatsFeed(NATS_URL, config, stream.DURABLE, stream.EPHEMERAL, settings),
        stream.route,
        settings,
    )
    app.state.realtime = hub
    worker_settings = apps.dbs.settings(nats_url=NATS_URL)
    try:
        async with running(worker_settings, [], config):
            await replay_exactly_once(apps)
            # The ticket ledger is NATS's: shared by every process.
            assert type(hub.tickets).__name__ == "NatsTicketLedger"
    finally:
        await hub.close()
        await _delete_stream(config.stream)


async def _delete_stream(name: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    for remove in (js.delete_stream(name), js.delete_key_value(f"{name}_RT_TICKETS")):
        with contextlib.suppress(Exception):  # already gone
            await remove
    await nc.close()


async def test_a_booking_moves_the_seat_on_the_library_stream(apps: Apps) -> None:
    memory_hub(apps)
    ready = await ready_library(apps, seats=2, students=1)
    seats = await open_stream(apps, ready.owner, topics=f"library:{ready.library_id}")
    made = await booked(apps, ready.owner, booking_body(ready))
    (moved,) = await seats.take(1, wait=5)
    assert moved.name == "seat_changed" and moved.id is None  # ephemeral: never replayed
    assert moved.data["seat_id"] == str(ready.seats[0])
    assert moved.data["booking_id"] == made["id"] and moved.data["change"] == "created"
    await seats.close()


async def test_heartbeats_lifetime_and_shutdown_end_streams(apps: Apps) -> None:
    hub = memory_hub(apps, heartbeat_seconds=0.1, max_stream_seconds=0.6)
    ready = await ready_library(apps, seats=0, students=1)
    short = await open_stream(apps, ready.owner)
    ended = await short.next(wait=5)
    assert ended is not None and ended.name == "end" and ended.data == {"reason": "max_lifetime"}
    assert "heartbeat" in short.parser.comments
    assert await short.next() is None
    await short.close()

    hub.settings.max_stream_seconds = 600
    streams = [await open_stream(apps, ready.owner) for _ in range(3)]
    started = asyncio.get_running_loop().time()
    hub.end_all()
    for s in streams:
        last = await s.next(wait=2)
        assert last is not None and last.data == {"reason": "shutdown"}
        assert await s.next(wait=2) is None
        await s.close()
    assert asyncio.get_running_loop().time() - started < 2
    assert hub.streams == 0
    # A stopping hub takes no new stream.
    assert (await open_stream(apps, ready.owner)).status == 429
