"""Who changed a tenant, and the audit entry that says so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import Principal


@dataclass(frozen=True)
class Actor:
    actor_id: uuid.UUID | None
    actor_type: str
    ip: str | None = None
    service: str | None = None

    @classmethod
    def of(cls, principal: Principal, ip: str | None) -> Actor:
        return cls(principal.user_id, principal.user_type, ip)

    @classmethod
    def of_service(cls, service: str) -> Actor:
        return cls(None, "service", None, service)

    def audit_kwargs(self) -> dict[str, Any]:
        return {"actor_id": self.actor_id, "actor_type": self.actor_type, "ip": self.ip}


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    tenant_id: uuid.UUID,
    *,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
) -> None:
    """One core audit row about tenant `tenant_id`, in the caller's transaction."""
    details = dict(details or {})
    if actor.service:
        details["service"] = actor.service
    await audit.record(
        session,
        action,
        "tenant",
        tenant_id,
        tenant_id=tenant_id,
        outcome=outcome,
        details=details,
        **actor.audit_kwargs(),
    )
