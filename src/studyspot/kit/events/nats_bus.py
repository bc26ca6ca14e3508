"""NATS JetStream: the stream, the relay's publisher, and durable pull consumers.

- One stream (`EVENTS_STREAM`, default STUDYSPOT) holds subjects
  `<prefix>.<topic>`; file storage, limits retention (`stream_max_age_days`),
  so a consumer deployed later still reads what the stream retains.
- The relay publishes each outbox row with `Nats-Msg-Id` = the event id and
  waits for the stream's acknowledgement before marking the row: a
  re-publish after a crash inside the duplicate window is dropped by
  JetStream, a later one by the consumers' processed-event ledger.
- Each (consumer, topic pattern) is a durable pull consumer with explicit
  acks: ack after the handler's transaction committed, nak with a growing
  delay when it failed, so JetStream redelivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from studyspot.kit.events.config import EventSettings
from studyspot.kit.events.consumer import Consumer, RetryLater, Targets, deliver
from studyspot.kit.events.event import Event
from studyspot.kit.events.pump import PERSISTENT_FAILURE, Unavailable, describe, sleep_or_stop
from studyspot.kit.events.topics import durable_suffix, subject

log = structlog.get_logger("studyspot.events")

MSG_ID = "Nats-Msg-Id"
_PUBLISH_TIMEOUT = 5.0

# Errors that say "the broker is not reachable now", as opposed to "this message is refused".
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nats.errors.TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoRespondersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
)


def _logging_callback(event: str) -> Callable[[], Awaitable[None]]:
    async def callback() -> None:
        log.warning(event)

    return callback


async def _on_error(exc: Exception) -> None:
    log.warning("events.nats_error", error=describe(exc))


async def connect(url: str, stop: asyncio.Event, config: EventSettings) -> NATS | None:
    """Connect, retrying with backoff until it works or `stop` is set (then None).

    Once connected the client reconnects by itself forever; the URL is never
    logged because it may carry credentials.
    """
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            nc: NATS = await nats.connect(
                servers=[u.strip() for u in url.split(",") if u.strip()],
                name="studyspot-worker",
                connect_timeout=2,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                error_cb=_on_error,
                disconnected_cb=_logging_callback("events.nats_disconnected"),
                reconnected_cb=_logging_callback("events.nats_reconnected"),
            )
        except Exception as exc:
            delay = min(max(config.retry_delay(attempt), 0.5), 30.0)
            log.warning(
                "events.nats_connect_failed",
                attempt=attempt,
                retry_in_seconds=round(delay, 2),
                error=describe(exc),
            )
            if await sleep_or_stop(stop, delay):
                return None
            continue
        log.info("events.nats_connected")
        return nc
    return None


def stream_config(config: EventSettings) -> StreamConfig:
    return StreamConfig(
        name=config.stream,
        subjects=[subject(config.subject_prefix, ">")],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=config.stream_max_age_days * 86_400,
        duplicate_window=config.duplicate_window_seconds,
        num_replicas=config.stream_replicas,
    )


async def ensure_stream(js: JetStreamContext, config: EventSettings) -> None:
    wanted = stream_config(config)
    try:
        await js.add_stream(config=wanted)
    except nats.js.errors.BadRequestError:
        # It exists with another configuration (e.g. a changed retention): align it.
        await js.update_stream(config=wanted)


class JetStreamPublisher:
    """The relay's sink: an outbox row is delivered once the stream acknowledged it."""

    name = "jetstream"

    def __init__(self, nc: NATS, js: JetStreamContext, config: EventSettings) -> None:
        self.nc = nc
        self.js = js
        self.config = config

    async def deliver(self, event: Event) -> None:
        if not self.nc.is_connected:
            raise Unavailable("not connected to NATS")
        try:
            await self.js.publish(
                subject(self.config.subject_prefix, event.topic),
                event.encode(),
                timeout=_PUBLISH_TIMEOUT,
                stream=self.config.stream,
                headers={MSG_ID: str(event.id)},
            )
        except _UNAVAILABLE as exc:
            raise Unavailable(describe(exc)) from exc


def durable_name(consumer: Consumer, pattern: str) -> str:
    return f"{consumer.name}-{durable_suffix(pattern)}"


class PullConsumer:
    """One durable pull consumer: a consumer's subscription to one topic pattern."""

    def __init__(
        self,
        js: JetStreamContext,
        consumer: Consumer,
        pattern: str,
        targets: Targets,
        config: EventSettings,
        stop: asyncio.Event,
    ) -> None:
        self.js = js
        self.consumer = consumer
        self.pattern = pattern
        self.targets = targets
        self.config = config
        self.stop = stop
        self.durable = durable_name(consumer, pattern)

    def _consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.config.ack_wait_seconds,
            max_deliver=-1,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=subject(self.config.subject_prefix, self.pattern),
        )

    async def run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            sub: Any = None
            try:
                sub = await self.js.pull_subscribe(
                    subject(self.config.subject_prefix, self.pattern),
                    durable=self.durable,
                    stream=self.config.stream,
                    config=self._consumer_config(),
                )
                failures = 0
                await self._consume(sub)
            except Exception as exc:
                failures += 1
                delay = min(max(self.config.retry_delay(failures), 0.2), 30.0)
                log.warning(
                    "events.pull_consumer_failed",
                    durable=self.durable,
                    retry_in_seconds=round(delay, 2),
                    error=describe(exc),
                )
                if await sleep_or_stop(self.stop, delay):
                    break
            finally:
                if sub is not None:
                    try:
                        await sub.unsubscribe()
                    except Exception as exc:
                        log.debug("events.unsubscribe_failed", error=describe(exc))

    async def _consume(self, sub: Any) -> None:
        while not self.stop.is_set():
            try:
                msgs: list[Msg] = await sub.fetch(
                    self.config.fetch_batch, timeout=self.config.poll_max_seconds
                )
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                if self.stop.is_set():
                    # Hand it back now rather than after ack_wait, for the next worker.
                    await msg.nak()
                    continue
                await self.handle(msg)

    async def handle(self, msg: Msg) -> None:
        try:
            event = Event.decode(msg.data)
        except (ValueError, KeyError, TypeError) as exc:
            # Not written by our relay: redelivering it would fail forever.
            log.error(
                "events.malformed_message",
                durable=self.durable,
                subject=msg.subject,
                error=describe(exc),
            )
            await msg.term()
            return
        fields = {
            "consumer": self.consumer.name,
            "event_id": str(event.id),
            "topic": event.topic,
        }
        delivered = msg.metadata.num_delivered or 1
        try:
            ran = await deliver(self.consumer, event, self.targets)
        except RetryLater as exc:
            delay = self.config.retry_delay(delivered)
            log.info(
                "events.handler_deferred",
                **fields,
                retry_in_seconds=round(delay, 2),
                reason=describe(exc),
            )
            await msg.nak(delay=delay)
            return
        except Exception as exc:
            delay = self.config.retry_delay(delivered)
            report = log.error if delivered >= PERSISTENT_FAILURE else log.warning
            report(
                "events.handler_failed",
                **fields,
                deliveries=delivered,
                retry_in_seconds=round(delay, 2),
                error=describe(exc),
            )
            await msg.nak(delay=delay)
            return
        # After the commit: a crash before this ack only causes a redelivery
        # that the processed-event ledger turns into a no-op.
        await msg.ack()
        log.debug("events.handled" if ran else "events.duplicate_skipped", **fields)
