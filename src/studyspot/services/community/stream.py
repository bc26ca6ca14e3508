"""The realtime channel: Server-Sent Events at `/api/v1/events/stream` (docs/realtime.md).

- Topics: `user:<id>` (the caller's own: its inbox), `library:<id>` (owner and staff of
  that branch: seat-map changes, the library side of the inbox), `group:<id>` (members of
  a library group and its library's owner and staff: posts).
- What reaches them: `community.post_created`/`post_removed` of groups and
  `community.inbox_message` (durable: numbered, replayed after `Last-Event-ID`),
  `booking.*` as `seat_changed` on the library topic, and the message service's
  `message.notification_created` as `notification` on its user's topic (both ephemeral:
  never replayed; a console reads its state again when it reconnects).
- Auth: the bearer header, or for browsers (EventSource sets no header) `?ticket=` from
  `POST /api/v1/events/tickets`: signed by this service, 30 s, single use, bound to the
  topics authorised when it was issued. The access token itself never goes in a URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from studyspot.kit.auth import Principal, current_principal
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError, Forbidden, Unauthorized, problem_responses
from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.directory import CoreTenantDirectory
from studyspot.kit.events.event import Event
from studyspot.kit.events.sources import Sources
from studyspot.kit.realtime import (
    Feed,
    Hub,
    InvalidTicket,
    MemoryFeed,
    Message,
    NatsFeed,
    RealtimeSettings,
    Subscriber,
    TicketSigner,
    TooManyStreams,
)
from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.kit.scope import resolve
from studyspot.kit.state import KitState
from studyspot.services.community import events as community_events
from studyspot.services.community import groups, spaces
from studyspot.services.community.access import Viewer
from studyspot.services.community.runtime import Runtime, runtime_of

log = structlog.get_logger("studyspot.community.stream")

STREAM_PATH = "/api/v1/events/stream"
DURABLE = "community.>"
# The message service's in-app notification (its `notifications.NOTIFICATION_CREATED`;
# named here, as a service never imports another's modules).
NOTIFICATION_CREATED = "message.notification_created"
EPHEMERAL = ("booking.>", NOTIFICATION_CREATED)
MAX_TOPICS = 20
# The seat-map topics: a booking that takes, moves or frees a seat.
SEAT_TOPICS = frozenset(
    {
        "booking.created",
        "booking.confirmed",
        "booking.activated",
        "booking.completed",
        "booking.cancelled",
        "booking.expired",
        "booking.transferred",
        "booking.paused",
    }
)


# --- what each event becomes --------------------------------------------------------


def route(event: Event) -> Iterable[Message]:
    """The realtime messages of a domain event. Nothing names an anonymous author: the
    post events carry its label only (`Student 17`), never a user id."""
    p = event.payload
    if event.topic in (community_events.POST_CREATED, community_events.POST_REMOVED):
        if p.get("space") != "group":
            return []  # exam communities: no realtime topic yet (docs/realtime.md)
        created = event.topic == community_events.POST_CREATED
        data: dict[str, Any] = {
            "post_id": p["post_id"],
            "group_id": p["space_id"],
            "library_id": p.get("library_id"),
        }
        if created:
            data |= {
                "author_kind": p["author_kind"],
                "author_label": p["author_label"],
                "anonymous": p["anonymous"],
                "created_at": p["created_at"],
            }
        else:
            data |= {"by_moderator": p["by_moderator"], "removed_at": p["removed_at"]}
        name = "post_created" if created else "post_removed"
        return [Message(frozenset({f"group:{p['space_id']}"}), name, data)]
    if event.topic == community_events.INBOX_MESSAGE:
        data = {
            "thread_id": p["thread_id"],
            "message_id": p["message_id"],
            "library_id": p["library_id"],
            "side": p["side"],
            "created_at": p["created_at"],
        }
        topics = frozenset({f"user:{p['student_id']}", f"library:{p['library_id']}"})
        return [Message(topics, "inbox_message", data)]
    if event.topic == NOTIFICATION_CREATED:
        # Ids only (the title and body stay in the user's feed): the bell reads its count.
        data = {
            "notification_id": p["notification_id"],
            "kind": p["kind"],
            "created_at": p["created_at"],
        }
        return [Message(frozenset({f"user:{p['user_id']}"}), "notification", data)]
    if event.topic in SEAT_TOPICS and p.get("library_id"):
        data = {
            "change": event.topic.removeprefix("booking."),
            "booking_id": p.get("booking_id"),
            "library_id": p["library_id"],
            "seat_id": p.get("seat_id") or p.get("to_seat_id"),
            "from_seat_id": p.get("from_seat_id"),
            "shift_id": p.get("shift_id"),
            "occurred_at": event.occurred_at.isoformat(),
        }
        return [Message(frozenset({f"library:{p['library_id']}"}), "seat_changed", data)]
    return []


# --- the hub of this process ----------------------------------------------------------


def create_hub(kit: KitState, settings: RealtimeSettings | None = None) -> Hub:
    settings = settings or RealtimeSettings()
    config = EventSettings()
    feed: Feed
    if kit.settings.nats_url:
        feed = NatsFeed(kit.settings.nats_url, config, DURABLE, EPHEMERAL, settings)
    else:
        sources = Sources(
            kit.core,
            kit.tenants,
            CoreTenantDirectory(kit.core),
            refresh_seconds=config.sources_refresh_seconds,
        )
        feed = MemoryFeed(sources, (DURABLE,), EPHEMERAL, settings)
    return Hub(feed, route, settings)


def hub_of(app: FastAPI) -> Hub:
    hub: Hub = app.state.realtime
    return hub


async def shutdown(app: FastAPI) -> None:
    await hub_of(app).close()


def _signer(kit: KitState) -> TicketSigner:
    private = kit.settings.service_signing_key("community")
    return TicketSigner(private, private.public_key())


# --- errors -------------------------------------------------------------------------


class TopicNotAllowed(Forbidden):
    code = "topic_not_allowed"


class TooManyStreamsError(AppError):
    status, code = 429, "too_many_streams"


class InvalidTopics(AppError):
    status, code = 422, "validation_error"


class TicketRefused(Unauthorized):
    code = "invalid_ticket"


# --- who may hear what ----------------------------------------------------------------


def _parse(raw: str | None) -> list[tuple[str, uuid.UUID | None]]:
    items = [t.strip() for t in (raw or "user").split(",") if t.strip()]
    if not items or len(items) > MAX_TOPICS:
        raise InvalidTopics(
            f"Name 1 to {MAX_TOPICS} topics",
            errors=[{"field": "topics", "message": f"1 to {MAX_TOPICS} topics"}],
        )
    parsed: list[tuple[str, uuid.UUID | None]] = []
    for item in items:
        kind, _, ident = item.partition(":")
        try:
            if kind not in ("user", "library", "group") or (kind != "user" and not ident):
                raise ValueError(item)
            parsed.append((kind, uuid.UUID(ident) if ident else None))
        except ValueError:
            raise InvalidTopics(
                "A topic is user, user:<id>, library:<id> or group:<id>",
                errors=[{"field": "topics", "message": f"unknown topic {item[:80]!r}"}],
            ) from None
    return parsed


async def authorise(runtime: Runtime, principal: Principal, raw: str | None) -> frozenset[str]:
    """The topics named, if the principal may hear every one (403 otherwise)."""
    wanted = _parse(raw)
    topics: set[str] = set()
    viewer: Viewer | None = None
    for kind, ident in wanted:
        if kind == "user":
            if ident is not None and ident != principal.user_id:
                raise TopicNotAllowed("Only your own user topic")
            topics.add(f"user:{principal.user_id}")
            continue
        assert ident is not None
        if principal.tenant_id is None:
            raise TopicNotAllowed("Library and group topics are inside a tenant")
        if viewer is None:
            viewer = await resolve(Viewer, principal, runtime.upstream.library.staff_library_ids)
        if kind == "library":
            if not viewer.reaches(ident) or (
                await runtime.upstream.find_library(viewer.tenant_id, ident) is None
            ):
                raise TopicNotAllowed("Not a library you work at")
        else:
            await _check_group(runtime, viewer, ident)
        topics.add(f"{kind}:{ident}")
    return frozenset(topics)


async def _check_group(runtime: Runtime, viewer: Viewer, group_id: uuid.UUID) -> None:
    """Members now, and the group's library's owner and staff (the readers of its posts)."""
    db = await runtime.database(viewer)
    try:
        async with unit_of_work(db, tenant_id=viewer.tenant_id, read_only=True) as session:
            group = await groups.visible(session, viewer, group_id)
            if viewer.is_student:
                await spaces.current_member(session, spaces.Space.of_group(group), viewer.user_id)
    except AppError as exc:
        if exc.status in (403, 404):
            raise TopicNotAllowed("Not a group you read") from None
        raise


# --- the response -----------------------------------------------------------------------


def frame(message: Message, hub: Hub) -> bytes:
    lines = []
    if message.seq is not None:
        lines.append(f"id: {hub.feed.format_id(message.seq)}")
    lines.append(f"event: {message.name}")
    lines.append("data: " + json.dumps(message.data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def _end(reason: str) -> bytes:
    return f'event: end\ndata: {{"reason":"{reason}"}}\n\n'.encode()


class EventStreamResponse(Response):
    """`text/event-stream`, unbuffered; ends on disconnect, shutdown, slowness, lifetime."""

    media_type = "text/event-stream"

    def __init__(self, hub: Hub, sub: Subscriber, replayed: list[Message], reset: bool) -> None:
        super().__init__(status_code=200, media_type=self.media_type)
        self.hub = hub
        self.sub = sub
        self.replayed = replayed
        self.reset = reset

    async def _frames(self) -> AsyncIterator[bytes]:
        yield b"retry: 3000\n\n"
        if self.reset:
            yield b"event: reset\ndata: {}\n\n"
        for message in self.replayed:
            yield frame(message, self.hub)
        settings = self.hub.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.max_stream_seconds
        queue = self.sub.queue
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                yield _end("max_lifetime")
                return
            try:
                item = await asyncio.wait_for(
                    queue.get(), min(settings.heartbeat_seconds, remaining)
                )
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if not isinstance(item, Message):
                if self.sub.ended != "gone":
                    yield _end(self.sub.ended or "closed")
                return
            yield frame(item, self.hub)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def listen() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    self.sub.end("gone")
                    return

        listener = asyncio.create_task(listen())
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache, no-transform"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            with contextlib.suppress(OSError):
                async for chunk in self._frames():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
            self.hub.unsubscribe(self.sub)
            log.info("realtime.stream_closed", reason=self.sub.ended)


# --- routes ---------------------------------------------------------------------------

router = APIRouter(tags=["events"])
_bearer = HTTPBearer(auto_error=False)


class TicketBody(WriteModel):
    topics: str | None = Field(default=None, max_length=2000)


class TicketRead(ReadModel):
    ticket: str
    expires_in_seconds: int
    topics: list[str]
    stream_url: str


@router.post(
    "/api/v1/events/tickets",
    response_model=TicketRead,
    status_code=201,
    summary="A stream ticket for a browser's EventSource",
    description=(
        "A short-lived (30 s), single-use ticket for `GET /api/v1/events/stream?ticket=`, "
        "bound to the topics authorised now (`topics` as in the stream, default `user`). "
        "EventSource cannot send an Authorization header, and an access token in a URL "
        "would be logged; a used or expired ticket is refused with 401 `invalid_ticket`."
    ),
    responses=problem_responses(401, 403, 422),
)
async def issue_ticket(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    body: TicketBody | None = None,
) -> TicketRead:
    runtime = runtime_of(request.app)
    topics = await authorise(runtime, principal, body.topics if body else None)
    hub = hub_of(request.app)
    seconds = hub.settings.ticket_seconds
    ticket, _ = _signer(runtime.kit).issue(
        {"sub": str(principal.user_id), "topics": sorted(topics)}, seconds
    )
    return TicketRead(
        ticket=ticket,
        expires_in_seconds=int(seconds),
        topics=sorted(topics),
        stream_url=f"{STREAM_PATH}?ticket={ticket}",
    )


_STREAM_DESCRIPTION = """\
Server-Sent Events for the caller's topics (docs/realtime.md).

- `topics`: comma-separated, default `user`: `user` (your own), `library:<id>` (owner and
  staff of that branch), `group:<id>` (members and the library's staff). Up to 20.
- Auth: `Authorization: Bearer <token>`, or `ticket` from `POST /api/v1/events/tickets`
  (browsers); with a ticket the ticket's topics are used.
- Events: `inbox_message`, `post_created`, `post_removed` (with `id:`, replayed after
  `Last-Event-ID` or `last_event_id`), `seat_changed` and `notification` (a new in-app
  notification on your `user` topic; no id: never replayed), `reset`
  (events after your id are no longer kept: reload), `end` (the stream ends: `reason`
  `max_lifetime`, `shutdown` or `slow`; reconnect with your last id). A comment line
  `: heartbeat` every 15 s.
- Limits: 5 open streams per user per service process (429 `too_many_streams`), at most
  30 minutes per stream (`end` with `max_lifetime`). The stream ends when the client goes
  away or the service stops.
"""


@router.get(
    STREAM_PATH,
    summary="Server-Sent Events: inbox, group posts, seat-map changes, notifications",
    description=_STREAM_DESCRIPTION,
    response_class=EventStreamResponse,
    response_model=None,
    # Said here: FastAPI reads a default status from the response class's signature,
    # which this one does not have, and the document could not be built without it.
    status_code=200,
    responses={
        200: {
            "description": "An event stream (never ends by itself before the max lifetime)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422, 429, 503),
    },
)
async def event_stream(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    topics: Annotated[
        str | None, Query(max_length=2000, description="Comma-separated topics (default user)")
    ] = None,
    ticket: Annotated[
        str | None, Query(max_length=4096, description="A ticket from POST /api/v1/events/tickets")
    ] = None,
    last_event_id: Annotated[
        str | None, Query(max_length=64, description="For clients that cannot set the header")
    ] = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=64)
    ] = None,
) -> EventStreamResponse:
    runtime = runtime_of(request.app)
    hub = hub_of(request.app)
    if ticket is not None and credentials is None:
        user_id, chosen = await _redeem(runtime, hub, ticket)
    else:
        principal = await current_principal(request, credentials)
        user_id, chosen = str(principal.user_id), await authorise(runtime, principal, topics)
    await _started(hub)
    last = last_event_id_header or last_event_id
    after: int | None = None
    reset = False
    if last:
        after = hub.feed.parse_id(last)
        reset = after is None
    try:
        sub = hub.subscribe(user_id, chosen, after)
    except TooManyStreams:
        raise TooManyStreamsError(
            f"At most {hub.settings.max_streams_per_user} open streams per user",
            headers={"Retry-After": "5"},
        ) from None
    try:
        upto = hub.feed.position
        replayed, complete = await hub.replay_for(sub, upto)
    except BaseException:
        hub.unsubscribe(sub)
        raise
    log.info("realtime.stream_opened", topics=len(chosen), replayed=len(replayed))
    return EventStreamResponse(hub, sub, replayed, reset or not complete)


async def _started(hub: Hub) -> None:
    try:
        await hub.ensure_started()
    except Exception as exc:
        log.warning("realtime.unavailable", error=type(exc).__name__)
        raise AppError(
            "The realtime channel is unavailable",
            status=503,
            code="service_unavailable",
            headers={"Retry-After": "5"},
        ) from None


async def _redeem(runtime: Runtime, hub: Hub, ticket: str) -> tuple[str, frozenset[str]]:
    try:
        claims = _signer(runtime.kit).open(ticket)
    except InvalidTicket:
        raise TicketRefused("The stream ticket is invalid or expired") from None
    await _started(hub)
    if not await hub.tickets.use(str(claims["jti"])):
        raise TicketRefused("The stream ticket was used already")
    return str(claims["sub"]), frozenset(str(t) for t in claims["topics"])
