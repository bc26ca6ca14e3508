"""Helpers shared by the library service's tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from studyspot.kit.models import audit_logs
from studyspot.services.library.client import LibraryClient
from tests.conftest import Apps


def library_client(apps: Apps, caller: str = "booking") -> LibraryClient:
    """The client other services use, reaching the in-process library app, as `caller`
    (each internal route accepts only the services that use it: docs/internal-api.md)."""
    return LibraryClient(apps.app("library").state.kit.settings, caller=caller)


async def audit_actions(apps: Apps, tenant_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """The library service's audit entries of a tenant, oldest first."""
    db = apps.app("library").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_logs)
            .where(audit_logs.c.tenant_id == tenant_id)
            .order_by(audit_logs.c.created_at)
        )
        return [dict(r._mapping) for r in rows]
