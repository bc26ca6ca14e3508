"""The audit entry that says who changed a tenant (`Actor`: the kit's, kit/scope.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.scope import Actor


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
