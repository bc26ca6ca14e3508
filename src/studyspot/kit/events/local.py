"""The embedded default: consumers read the outbox directly, in this process.

Without a broker, the outbox is the log. The pump hands each unpublished row
to every local consumer that wants its topic; the row is marked published
once all of them have processed it (or none wants it), so the outbox holds
exactly the events some consumer still owes. A consumer that fails leaves the
row unpublished and it comes back after a backoff; the consumers that already
succeeded find their processed-event id and skip it.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from studyspot.kit.events.consumer import Consumer, RetryLater, Targets, deliver
from studyspot.kit.events.event import Event
from studyspot.kit.events.pump import describe

log = structlog.get_logger("studyspot.events")


class ConsumersFailed(Exception):
    def __init__(self, names: list[str]) -> None:
        super().__init__("consumers failed: " + ", ".join(names))
        self.names = names


class LocalDispatch:
    name = "local"

    def __init__(self, consumers: Sequence[Consumer], targets: Targets) -> None:
        self.consumers = list(consumers)
        self.targets = targets

    async def deliver(self, event: Event) -> None:
        failed: list[str] = []
        for consumer in self.consumers:
            if not consumer.wants(event.topic):
                continue
            # Every consumer gets its chance even when an earlier one failed.
            try:
                ran = await deliver(consumer, event, self.targets)
            except RetryLater as exc:
                failed.append(consumer.name)
                log.info(
                    "events.handler_deferred",
                    consumer=consumer.name,
                    event_id=str(event.id),
                    topic=event.topic,
                    reason=describe(exc),
                )
            except Exception as exc:
                failed.append(consumer.name)
                log.warning(
                    "events.handler_failed",
                    consumer=consumer.name,
                    event_id=str(event.id),
                    topic=event.topic,
                    error=describe(exc),
                )
            else:
                log.debug(
                    "events.handled" if ran else "events.duplicate_skipped",
                    consumer=consumer.name,
                    event_id=str(event.id),
                    topic=event.topic,
                )
        if failed:
            raise ConsumersFailed(failed)
