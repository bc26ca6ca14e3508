"""The event backbone: transactional outbox → relay (NATS JetStream) → idempotent consumers.

Services need only this: `Event`, `Consumer` (declared in
`studyspot/services/<name>/consumers.py` as `CONSUMERS`) and `RetryLater`.
The worker lives in `studyspot.kit.events.worker`; docs/events.md explains
topics and guarantees.
"""

from studyspot.kit.events.consumer import Consumer, Handler, RetryLater
from studyspot.kit.events.event import Event

__all__ = ["Consumer", "Event", "Handler", "RetryLater"]
