"""The event a consumer receives, and its wire form on JetStream."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    topic: str
    tenant_id: uuid.UUID | None
    payload: dict[str, Any]
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Event:
        """From a selected outbox_events row."""
        return cls(
            id=row.id,
            topic=row.topic,
            tenant_id=row.tenant_id,
            payload=dict(row.payload),
            occurred_at=row.created_at,
        )

    def encode(self) -> bytes:
        return json.dumps(
            {
                "id": str(self.id),
                "topic": self.topic,
                "tenant_id": str(self.tenant_id) if self.tenant_id else None,
                "payload": self.payload,
                "occurred_at": self.occurred_at.isoformat(),
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Event:
        """Raises ValueError (or KeyError/TypeError) on a message that is not an event."""
        raw = json.loads(data)
        tenant = raw["tenant_id"]
        occurred = datetime.fromisoformat(raw["occurred_at"])
        if occurred.tzinfo is None:
            raise ValueError("occurred_at without offset")
        if not isinstance(raw["payload"], dict) or not isinstance(raw["topic"], str):
            raise ValueError("malformed event")
        return cls(
            id=uuid.UUID(raw["id"]),
            topic=raw["topic"],
            tenant_id=uuid.UUID(tenant) if tenant else None,
            payload=raw["payload"],
            occurred_at=occurred,
        )
