"""The audit-log writer: one row per security- or money-relevant action.

`record` writes in the caller's transaction, so the entry commits or rolls back
with the change. `record_detached` commits on its own: for outcomes that are
answered with an error (a failed login, a forged webhook) and would otherwise be
rolled back with the request.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.context import request_id_var
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.models import audit_logs, utcnow


def _row(
    action: str,
    resource_type: str,
    resource_id: object | None,
    *,
    tenant_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    actor_type: str | None,
    outcome: str,
    ip: str | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "actor_id": actor_id,
        "actor_type": actor_type,
        "action": action,
        "resource_type": resource_type,
        "resource_id": str(resource_id) if resource_id is not None else None,
        "outcome": outcome,
        "ip": ip,
        "request_id": request_id_var.get() or None,
        "details": details or {},
        "created_at": utcnow(),
    }


async def record(
    session: AsyncSession,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    tenant_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    actor_type: str | None = None,
    outcome: str = "success",
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(audit_logs).values(
            _row(
                action,
                resource_type,
                resource_id,
                tenant_id=tenant_id,
                actor_id=actor_id,
                actor_type=actor_type,
                outcome=outcome,
                ip=ip,
                details=details,
            )
        )
    )


async def record_detached(
    db: Database,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    **kwargs: Any,
) -> None:
    async with unit_of_work(db) as session:
        await record(session, action, resource_type, resource_id, **kwargs)
