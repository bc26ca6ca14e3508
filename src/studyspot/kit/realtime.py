"""Realtime fan-out: domain events to long-lived client streams (SSE), across processes.

One interface, `Feed`, delivers the domain events a process wants, in order, to one
listener (the process's `Hub`), and replays the durable ones after a position:

- `NatsFeed` (NATS_URL set): the durable events are read from the JetStream stream the
  outbox relay fills (`STUDYSPOT`, subjects `studyspot.<topic>`, bounded by
  `EVENTS_STREAM_MAX_AGE_DAYS`) through an ordered consumer; a position is the stream
  sequence, and a replay reads the stream from there. Ephemeral events (seat-map changes)
  are plain core-NATS subscriptions to the same subjects: nothing is kept for them.
  Every process sees every event: two processes behind the gateway fan out the same.
- `MemoryFeed` (embedded default): the process tails the outbox tables itself, the way
  the embedded relay reads them, and keeps the last `REALTIME_REPLAY_BUFFER` durable
  events in memory; a position is `<epoch>-<n>` of this process's life, so an id from
  another process (or before a restart) is recognised as unknown and answered with a
  reset rather than a wrong replay.

The `Hub` maps each event to realtime topics (`route`, the service's own), hands it to
the subscribers of those topics, and joins replay and live delivery without a gap or a
duplicate: a subscriber is registered (live events queue) at position P, the replay reads
(after, P], and live durable events at or below `after` are skipped.

See docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import or_, select

from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.event import Event
from studyspot.kit.events.pump import describe
from studyspot.kit.events.sources import Source, Sources
from studyspot.kit.events.topics import matches, subject
from studyspot.kit.models import outbox_events
from studyspot.kit.serving import on_exit_requested

log = structlog.get_logger("studyspot.realtime")


class RealtimeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REALTIME_", env_file=".env", extra="ignore", case_sensitive=False
    )

    heartbeat_seconds: float = Field(default=15, gt=0, le=300)
    max_streams_per_user: int = Field(default=5, ge=1, le=100_000)
    # A stream ends after this long (the client reconnects with its last id): no stream,
    # and no fuzzer's request, lives for ever.
    max_stream_seconds: float = Field(default=1800, gt=0, le=86_400)
    ticket_seconds: float = Field(default=30, gt=0, le=300)
    # Memory feed: durable events kept for replay, and the outbox poll interval.
    replay_buffer: int = Field(default=1000, ge=1, le=1_000_000)
    poll_seconds: float = Field(default=0.2, gt=0, le=10)
    # At most this many events replayed on one reconnect; beyond it the client is reset.
    replay_limit: int = Field(default=1000, ge=1, le=100_000)
    # Events queued for one slow stream before it is ended (it reconnects and replays).
    queue_size: int = Field(default=512, ge=1, le=100_000)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A domain event as a feed delivers it; `seq` is None for an ephemeral one."""

    seq: int | None
    event: Event


@dataclass(frozen=True, slots=True)
class Replay:
    envelopes: list[Envelope]
    # False: some events after the position are gone (expired, or an unknown position).
    complete: bool


Listener = Callable[[Envelope], None]


class Feed(ABC):
    """The domain events of the whole system, as one process sees them."""

    kind: str
    position: int = 0  # the last durable seq handed to the listener

    @abstractmethod
    async def start(self, listener: Listener) -> None:
        """Begin delivering, in order, every event after the current position."""

    @abstractmethod
    async def replay(self, after: int, upto: int) -> Replay:
        """The durable envelopes with after < seq <= upto, in order."""

    @abstractmethod
    def format_id(self, seq: int) -> str: ...

    @abstractmethod
    def parse_id(self, text: str) -> int | None:
        """The position an event id names, or None when it is not one of this feed's."""

    @abstractmethod
    async def close(self) -> None: ...


def _wanted(patterns: Sequence[str], topic: str) -> bool:
    return any(matches(p, topic) for p in patterns)


class MemoryFeed(Feed):
    """Tails every outbox (core, shared tenant, dedicated ones) of this deployment.

    Rows are read by `seq`. A seq skipped by one read (on PostgreSQL a lower seq may commit
    after a higher one) is asked for again for `GAP_SECONDS`; a transaction that commits
    later than that is not seen. On SQLite writes are serial, so there are no such gaps.
    """

    kind = "memory"
    GAP_SECONDS = 30.0

    def __init__(
        self,
        sources: Sources,
        durable: Sequence[str],
        ephemeral: Sequence[str],
        settings: RealtimeSettings,
    ) -> None:
        self.sources = sources
        self.durable = tuple(durable)
        self.ephemeral = tuple(ephemeral)
        self.settings = settings
        self.epoch = secrets.token_hex(4)
        self.position = 0
        self._buffer: deque[Envelope] = deque(maxlen=settings.replay_buffer)
        self._listener: Listener | None = None
        self._last: dict[str, int] = {}
        self._gaps: dict[str, dict[int, float]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def start(self, listener: Listener) -> None:
        self._listener = listener
        for source in await self.sources.all():
            self._last[source.name] = await self._max_seq(source)
        self._task = asyncio.create_task(self._run(), name="realtime-outbox-tail")

    async def _max_seq(self, source: Source) -> int:
        db = await self.sources.database(source)
        async with db.reader.connect() as conn:
            query = select(outbox_events.c.seq).order_by(outbox_events.c.seq.desc()).limit(1)
            found = (await conn.execute(query)).scalar()
        return int(found or 0)

    def publish(self, event: Event) -> None:
        """Hand one event to the listener (numbered when durable)."""
        if _wanted(self.durable, event.topic):
            self.position += 1
            envelope = Envelope(self.position, event)
            self._buffer.append(envelope)
        elif _wanted(self.ephemeral, event.topic):
            envelope = Envelope(None, event)
        else:
            return
        if self._listener is not None:
            self._listener(envelope)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.poll()
            except Exception as exc:
                log.warning("realtime.outbox_poll_failed", error=describe(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.poll_seconds)

    async def poll(self) -> int:
        """One read of every outbox; the number of events handed on."""
        count = 0
        for source in await self.sources.all():
            last = self._last.get(source.name)
            if last is None:  # a dedicated database that appeared: from its end on
                self._last[source.name] = await self._max_seq(source)
                continue
            gaps = self._gaps.setdefault(source.name, {})
            now = time.monotonic()
            for seq in [s for s, t in gaps.items() if now - t > self.GAP_SECONDS]:
                del gaps[seq]
            wanted = outbox_events.c.seq > last
            if gaps:
                wanted = or_(wanted, outbox_events.c.seq.in_(list(gaps)))
            db = await self.sources.database(source)
            query = select(outbox_events).where(wanted).order_by(outbox_events.c.seq).limit(1000)
            async with db.reader.connect() as conn:
                rows = (await conn.execute(query)).all()
            top = last
            for row in rows:
                if row.seq > top:
                    if row.seq - top <= 1000:  # a larger jump is a sequence's cache, not a gap
                        for missing in range(top + 1, row.seq):
                            gaps[missing] = now
                    top = row.seq
                else:
                    gaps.pop(row.seq, None)
                if _wanted((*self.durable, *self.ephemeral), row.topic):
                    self.publish(Event.from_row(row))
                    count += 1
            self._last[source.name] = top
        return count

    async def replay(self, after: int, upto: int) -> Replay:
        kept = [e for e in self._buffer if e.seq is not None and after < e.seq <= upto]
        oldest = self._buffer[0].seq if self._buffer else self.position + 1
        complete = (oldest is not None and after + 1 >= oldest) or after >= upto
        return Replay(kept, complete)

    def format_id(self, seq: int) -> str:
        return f"{self.epoch}-{seq}"

    def parse_id(self, text: str) -> int | None:
        epoch, _, number = text.partition("-")
        if epoch != self.epoch or not number.isdigit():
            return None
        seq = int(number)
        return seq if seq <= self.position else None

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class NatsFeed(Feed):
    """The relay's JetStream stream (durable topics) and core NATS subjects (ephemeral)."""

    kind = "nats"

    def __init__(
        self,
        url: str,
        config: EventSettings,
        durable: str,
        ephemeral: Sequence[str],
        settings: RealtimeSettings,
    ) -> None:
        self.url = url
        self.config = config
        self.durable = durable
        self.ephemeral = tuple(ephemeral)
        self.settings = settings
        self.position = 0
        self._listener: Listener | None = None
        self._nc: Any = None
        self._js: Any = None
        self._subs: list[Any] = []
        self.tickets: TicketLedger | None = None

    async def start(self, listener: Listener) -> None:
        from nats.js.api import ConsumerConfig, DeliverPolicy

        from studyspot.kit.events.nats_bus import connect, ensure_stream

        self._listener = listener
        # Not at once: a request waits for this (503 when the broker cannot be reached).
        async with asyncio.timeout(5):
            self._nc = await connect(self.url, asyncio.Event(), self.config)
        self._js = self._nc.jetstream()
        # The worker makes it too; whoever comes first, with the same configuration.
        await ensure_stream(self._js, self.config)
        info = await self._js.stream_info(self.config.stream)
        self.position = int(info.state.last_seq)
        self._subs.append(
            await self._js.subscribe(
                subject(self.config.subject_prefix, self.durable),
                stream=self.config.stream,
                ordered_consumer=True,
                cb=self._on_durable,
                config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                    opt_start_seq=self.position + 1,
                ),
            )
        )
        for pattern in self.ephemeral:
            self._subs.append(
                await self._nc.subscribe(
                    subject(self.config.subject_prefix, pattern), cb=self._on_ephemeral
                )
            )
        self.tickets = NatsTicketLedger(self._js, self.config, self.settings)

    def _decode(self, data: bytes) -> Event | None:
        try:
            return Event.decode(data)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("realtime.malformed_message", error=describe(exc))
            return None

    async def _on_durable(self, msg: Any) -> None:
        seq = int(msg.metadata.sequence.stream)
        event = self._decode(msg.data)
        if seq <= self.position:
            return
        self.position = seq
        if event is not None and self._listener is not None:
            self._listener(Envelope(seq, event))

    async def _on_ephemeral(self, msg: Any) -> None:
        event = self._decode(msg.data)
        if event is not None and self._listener is not None:
            self._listener(Envelope(None, event))

    async def replay(self, after: int, upto: int) -> Replay:
        import nats.js.errors

        if after >= upto:
            return Replay([], True)
        info = await self._js.stream_info(self.config.stream)
        complete = after + 1 >= int(info.state.first_seq)
        found: list[Envelope] = []
        seq = after + 1
        filter_subject = subject(self.config.subject_prefix, self.durable)
        while seq <= upto:
            if len(found) >= self.settings.replay_limit:
                return Replay(found, False)
            try:
                raw = await self._js.get_msg(
                    self.config.stream, seq=seq, subject=filter_subject, next=True
                )
            except nats.js.errors.NotFoundError:
                break
            if raw.seq is None or raw.seq > upto:
                break
            event = self._decode(raw.data or b"")
            if event is not None:
                found.append(Envelope(int(raw.seq), event))
            seq = int(raw.seq) + 1
        return Replay(found, complete)

    def format_id(self, seq: int) -> str:
        return str(seq)

    def parse_id(self, text: str) -> int | None:
        if not text.isdigit() or len(text) > 19:
            return None
        return int(text)

    async def close(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()


# --- stream tickets -------------------------------------------------------------------


class InvalidTicket(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TicketSigner:
    """Short-lived stream tickets: claims signed with the service's own Ed25519 key, so any
    process of the service opens them; single use is the ledger's business."""

    def __init__(self, private: Ed25519PrivateKey, public: Ed25519PublicKey) -> None:
        self._private = private
        self._public = public

    def issue(self, claims: dict[str, Any], seconds: float) -> tuple[str, float]:
        expires = time.time() + seconds
        body = {**claims, "exp": expires, "jti": secrets.token_urlsafe(12)}
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(raw)}.{_b64(self._private.sign(raw))}", expires

    def open(self, ticket: str) -> dict[str, Any]:
        if len(ticket) > 4096 or ticket.count(".") != 1:
            raise InvalidTicket("malformed")
        body, signature = ticket.split(".")
        try:
            raw, sig = _unb64(body), _unb64(signature)
            self._public.verify(sig, raw)
            claims = json.loads(raw)
        except (ValueError, InvalidSignature) as exc:
            raise InvalidTicket("not ours") from exc
        if not isinstance(claims, dict) or float(claims.get("exp", 0)) < time.time():
            raise InvalidTicket("expired")
        return claims


class TicketLedger(ABC):
    @abstractmethod
    async def use(self, jti: str) -> bool:
        """True the first time a ticket id is used, False after."""


class MemoryTicketLedger(TicketLedger):
    """One process (the embedded default): used ids kept until they would have expired."""

    def __init__(self, settings: RealtimeSettings) -> None:
        self.settings = settings
        self._used: dict[str, float] = {}

    async def use(self, jti: str) -> bool:
        now = time.monotonic()
        if len(self._used) > 10_000:
            for key in [k for k, t in self._used.items() if t < now]:
                del self._used[key]
        if jti in self._used:
            return False
        self._used[jti] = now + self.settings.ticket_seconds + 5
        return True


class NatsTicketLedger(TicketLedger):
    """Every process: a JetStream key-value bucket; `create` succeeds once per key."""

    def __init__(self, js: Any, config: EventSettings, settings: RealtimeSettings) -> None:
        self.js = js
        self.bucket = f"{config.stream}_RT_TICKETS"
        self.settings = settings
        self._kv: Any = None

    async def use(self, jti: str) -> bool:
        import nats.js.errors
        from nats.js.api import KeyValueConfig

        if self._kv is None:
            self._kv = await self.js.create_key_value(
                KeyValueConfig(bucket=self.bucket, ttl=self.settings.ticket_seconds + 30)
            )
        try:
            await self._kv.create(jti, b"1")
        except nats.js.errors.KeyWrongLastSequenceError:
            return False
        return True


# --- the hub --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    """What a stream sends: an SSE `event` name and JSON `data`, for some topics."""

    topics: frozenset[str]
    name: str
    data: dict[str, Any]
    seq: int | None = None


Route = Callable[[Event], Iterable[Message]]


class TooManyStreams(Exception):
    pass


_END = object()


@dataclass(eq=False)
class Subscriber:
    key: str
    topics: frozenset[str]
    after: int | None
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    ended: str | None = None  # why it was ended by the hub
    registered: bool = True

    def offer(self, message: Message) -> None:
        if self.ended is not None:
            return
        if message.seq is not None and self.after is not None and message.seq <= self.after:
            return  # already replayed (or seen before the reconnect)
        if self.queue.full():
            self.end("slow")
            return
        self.queue.put_nowait(message)

    def end(self, why: str) -> None:
        if self.ended is not None:
            return
        self.ended = why
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(_END)


class Hub:
    """One per process: the feed's events to this process's streams."""

    def __init__(self, feed: Feed, route: Route, settings: RealtimeSettings) -> None:
        self.feed = feed
        self.route = route
        self.settings = settings
        self.tickets: TicketLedger = MemoryTicketLedger(settings)
        self._by_topic: dict[str, set[Subscriber]] = {}
        self._per_key: dict[str, int] = {}
        self._started = False
        self._lock = asyncio.Lock()
        self._unregister: Callable[[], None] = lambda: None
        self.closing = False

    @property
    def streams(self) -> int:
        return sum(self._per_key.values())

    async def ensure_started(self) -> None:
        if self._started:
            return
        async with self._lock:
            if self._started:
                return
            await self.feed.start(self._on_envelope)
            ledger = getattr(self.feed, "tickets", None)
            if isinstance(ledger, TicketLedger):
                self.tickets = ledger
            self._started = True
            # Streams never end by themselves: end them the moment a stop is asked for.
            self._unregister = on_exit_requested(self.end_all)
            log.info("realtime.started", feed=self.feed.kind)

    def _on_envelope(self, envelope: Envelope) -> None:
        try:
            messages = list(self.route(envelope.event))
        except Exception as exc:
            log.warning("realtime.route_failed", topic=envelope.event.topic, error=describe(exc))
            return
        for message in messages:
            if envelope.seq is not None:
                message = Message(message.topics, message.name, message.data, envelope.seq)
            targets: set[Subscriber] = set()
            for topic in message.topics:
                targets.update(self._by_topic.get(topic, ()))
            for sub in targets:
                sub.offer(message)

    def subscribe(self, key: str, topics: frozenset[str], after: int | None) -> Subscriber:
        """Register a stream (its live events queue from now); TooManyStreams past the limit."""
        if self.closing:
            raise TooManyStreams("shutting down")
        if self._per_key.get(key, 0) >= self.settings.max_streams_per_user:
            raise TooManyStreams(key)
        sub = Subscriber(key, topics, after, asyncio.Queue(self.settings.queue_size))
        self._per_key[key] = self._per_key.get(key, 0) + 1
        for topic in topics:
            self._by_topic.setdefault(topic, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if not sub.registered:
            return
        sub.registered = False
        for topic in sub.topics:
            subs = self._by_topic.get(topic)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_topic[topic]
        left = self._per_key.get(sub.key, 0) - 1
        if left > 0:
            self._per_key[sub.key] = left
        else:
            self._per_key.pop(sub.key, None)
        sub.end("closed")

    async def replay_for(self, sub: Subscriber, upto: int) -> tuple[list[Message], bool]:
        """The durable messages for `sub` after its position up to `upto` (registration)."""
        if sub.after is None:
            return [], True
        replay = await self.feed.replay(sub.after, upto)
        out: list[Message] = []
        for envelope in replay.envelopes:
            for message in self.route(envelope.event):
                if message.topics & sub.topics:
                    out.append(Message(message.topics, message.name, message.data, envelope.seq))
        return out, replay.complete

    def end_all(self, why: str = "shutdown") -> None:
        """End every stream now (the process is stopping)."""
        self.closing = True
        for subs in list(self._by_topic.values()):
            for sub in list(subs):
                sub.end(why)

    async def close(self) -> None:
        self.end_all()
        self._unregister()
        if self._started:
            await self.feed.close()
