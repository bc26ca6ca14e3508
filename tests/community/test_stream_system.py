"""The realtime channel as deployed: every service its own process on PostgreSQL and NATS
JetStream, two community processes behind one gateway, the event worker relaying.

- A message posted through either community process reaches SSE clients connected
  through the gateway (to one process or the other): fan-out crosses processes by NATS.
- Disconnect, miss messages, reconnect with Last-Event-ID through the gateway (to any
  process): the missed ones exactly once, then live ones.
- A ticket issued by one process is redeemed by the other once, and refused after.
- A booking made through the booking service moves the seat on a connected seat-map
  stream within a second (the relay's idle poll is 0.25 s here; docs/realtime.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import nats
import pytest

from tests.community.attachments import HTML, MIB, assert_served_safely, multipart, pdf_of
from tests.community.sse import HttpStream, SseEvent
from tests.fixtures.databases import DbSet
from tests.fixtures.events import NATS_URL
from tests.fixtures.system import ROOT, System, free_port
from tests.payment.test_flows_through_gateway import Branch, book, open_branch

pytestmark = pytest.mark.slow

STREAM = "/api/v1/events/stream"
INBOX = "/api/groups/inbox/threads"
SMALL_POOLS = {"DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2"}
COMMUNITIES = ("community#1", "community#2")


@pytest.fixture(scope="module")
async def realtime_system(dbs: DbSet) -> AsyncIterator[System]:
    if dbs.backend != "postgres":
        pytest.skip("the multi-process deployment runs on PostgreSQL with NATS")
    tag = uuid.uuid4().hex[:12]
    stream = f"SSRT_{tag}"
    system = System(
        dbs,
        env={
            "NATS_URL": NATS_URL,
            "EVENTS_STREAM": stream,
            "EVENTS_SUBJECT_PREFIX": f"ssrt_{tag}",
            "EVENTS_POLL_MAX_SECONDS": "0.25",
            **SMALL_POOLS,
        },
    )
    # Two community processes; the gateway balances between them.
    system.plan.services["community"] = [free_port(), free_port()]
    specs, worker_spec, gateway_spec = system.plan.specs()
    for spec in [*specs, gateway_spec] + ([worker_spec] if worker_spec else []):
        spec.cwd = ROOT
    system._specs = {s.name: s for s in specs}
    system._worker_spec = worker_spec
    system._gateway_spec = gateway_spec
    assert set(COMMUNITIES) <= set(system.services)
    await system.start_all()
    try:
        yield system
    finally:
        await system.close()
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        for remove in (js.delete_stream(stream), js.delete_key_value(f"{stream}_RT_TICKETS")):
            with contextlib.suppress(Exception):
                await remove
        await nc.close()


async def _stream(
    system: System, headers: dict[str, str], *, query: str = "", last: str | None = None
) -> HttpStream:
    client = system.client()
    if last is not None:
        headers = {**headers, "Last-Event-ID": last}
    opened = await HttpStream(client, f"{STREAM}{query}", headers).open()
    assert opened.status == 200, opened.status
    assert opened.response_headers["content-type"].startswith("text/event-stream")
    return opened


async def _take(stream: HttpStream, n: int, name: str, wait: float = 10) -> list[SseEvent]:
    got: list[SseEvent] = []
    while len(got) < n:
        event = await stream.next(wait)
        assert event is not None, f"stream ended after {got}"
        if event.name == name:
            got.append(event)
    return got


async def _post(url: str, path: str, headers: dict[str, str], body: dict[str, str]) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as direct:
        resp = await direct.post(path, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    made: str = resp.json()["id"]
    return made


async def test_fan_out_across_processes_replay_once_tickets_and_the_seat_map(
    realtime_system: System, clean_dbs: DbSet
) -> None:
    system = realtime_system
    async with system.client() as http:
        branch: Branch = await open_branch(http, clean_dbs)

    one, two = (system.service_url(name) for name in COMMUNITIES)
    # Two streams opened one after the other: the gateway puts them on different processes.
    first = await _stream(system, branch.student)
    second = await _stream(system, branch.student)
    thread = await _post(
        one,
        INBOX,
        branch.student,
        {"library_id": branch.library_id, "subject": "Locker", "body": "Hi"},
    )
    reply_through_two = await _post(
        two, f"{INBOX}/{thread}/messages", branch.owner, {"body": "Yes"}
    )
    for stream in (first, second):
        heard = await _take(stream, 2, "inbox_message")
        assert [e.data["side"] for e in heard] == ["student", "library"]
        assert heard[1].data["message_id"] == reply_through_two
    last_seen = heard[1].id
    assert last_seen is not None and last_seen.isdigit()
    await first.close()
    await second.close()

    # Missed while away, posted through each process; then back through the gateway.
    missed = [
        await _post(url, f"{INBOX}/{thread}/messages", branch.owner, {"body": f"later {i}"})
        for i, url in enumerate((one, two))
    ]
    await asyncio.sleep(1.0)  # relayed and fanned out while nobody listened
    back = await _stream(system, branch.student, last=last_seen)
    replayed = await _take(back, 2, "inbox_message")
    assert [e.data["message_id"] for e in replayed] == missed
    live = await _post(one, f"{INBOX}/{thread}/messages", branch.owner, {"body": "live"})
    (after,) = await _take(back, 1, "inbox_message")
    assert after.data["message_id"] == live
    with contextlib.suppress(TimeoutError):
        extra = await back.next(1.5)
        assert extra is None or extra.name != "inbox_message", extra
    await back.close()

    # A ticket issued by one process is used once, on whichever process the gateway picks.
    async with httpx.AsyncClient(base_url=one, timeout=30) as direct:
        issued = await direct.post("/api/v1/events/tickets", json={}, headers=branch.student)
    assert issued.status_code == 201, issued.text
    url = issued.json()["stream_url"]
    async with system.client() as http:
        for attempt in range(2):
            async with http.stream("GET", url) as resp:
                if attempt == 0:
                    assert resp.status_code == 200
                else:
                    await resp.aread()
                    assert resp.status_code == 401
                    assert resp.json()["code"] == "invalid_ticket"

    # The seat map: the owner's library stream hears the student's booking within a second.
    seats = await _stream(system, branch.owner, query=f"?topics=library:{branch.library_id}")
    async with system.client() as http:
        booking = await book(http, branch, "morning")
        booked_at = time.monotonic()
    (moved,) = await _take(seats, 1, "seat_changed", wait=5)
    elapsed = time.monotonic() - booked_at
    assert moved.data["booking_id"] == booking["id"]
    assert moved.data["seat_id"] == branch.seat_id and moved.id is None
    assert elapsed < 1.0, f"the seat moved after {elapsed:.2f} s"
    await seats.close()

    # Stopping a community process with a stream open ends the stream at once (`end` with
    # `shutdown`, not after uvicorn's graceful wait) and the process is gone in seconds.
    async with httpx.AsyncClient(base_url=one, timeout=30) as direct:
        held = await HttpStream(direct, STREAM, branch.student).open()
        assert held.status == 200
        started = time.monotonic()
        code = await system.processes[COMMUNITIES[0]].stop(grace=10)
        took = time.monotonic() - started
        ended = await _take(held, 1, "end", wait=5)
        await held.close()
    assert ended[0].data == {"reason": "shutdown"}
    assert took < 3.0, f"stopping took {took:.1f} s (exit {code})"


async def test_attachments_through_the_gateway_on_either_process(
    realtime_system: System, clean_dbs: DbSet
) -> None:
    """The upload routes take a post's files through the gateway (its upload body limit, not
    the 1 MiB of other requests); the service refuses past its own limits; a file written
    by one community process is served by the other (one storage)."""
    system = realtime_system
    await system.restore()  # the test before stops a community process
    async with system.client() as http:
        branch: Branch = await open_branch(http, clean_dbs)
        made = await http.post(
            INBOX,
            json={"library_id": branch.library_id, "subject": "Fees", "body": "Receipt"},
            headers=branch.student,
        )
        assert made.status_code == 201, made.text
        upload = f"{INBOX}/{made.json()['id']}/messages/upload"
        sent = await http.post(
            upload,
            **multipart("Receipt", ("receipt.pdf", pdf_of(2 * MIB), "application/pdf")),
            headers=branch.student,
        )
        assert sent.status_code == 201, sent.text
        (file,) = sent.json()["attachments"]
        # Over 1 MiB as JSON on a route that is not an upload: the gateway's 413.
        plain = await http.post(
            upload.removesuffix("/upload"),
            json={"body": "x" * (MIB + 1000)},
            headers=branch.student,
        )
        assert plain.status_code == 413 and plain.json()["code"] == "payload_too_large"
        too_large = await http.post(
            upload,
            **multipart("Big", ("big.pdf", pdf_of(10 * MIB + 1), "application/pdf")),
            headers=branch.student,
        )
        assert too_large.status_code == 413, too_large.text
        assert too_large.json()["code"] == "attachment_too_large"
        page = await http.post(
            upload, **multipart("Page", ("a.pdf", HTML, "application/pdf")), headers=branch.student
        )
        assert page.status_code == 415 and page.json()["code"] == "unsupported_attachment_type"
        through_gateway = await http.get(file["download_path"], headers=branch.owner)
        assert_served_safely(through_gateway, "application/pdf")
        assert through_gateway.content == pdf_of(2 * MIB)
    for name in COMMUNITIES:
        async with httpx.AsyncClient(base_url=system.service_url(name), timeout=30) as direct:
            got = await direct.get(file["download_path"], headers=branch.owner)
        assert_served_safely(got, "application/pdf")
        assert got.content == pdf_of(2 * MIB)
