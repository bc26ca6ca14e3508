"""Queries over the tenants table, and the conditional updates that change a status."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from studyspot.kit.models import utcnow
from studyspot.kit.repository import Repository
from studyspot.services.tenant.models import Tenant


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TenantsRepository(Repository[Tenant]):
    model = Tenant

    async def get_fresh(self, tenant_id: uuid.UUID) -> Tenant | None:
        """The row as the database has it now, not as this session last saw it."""
        query = (
            select(Tenant).where(Tenant.id == tenant_id).execution_options(populate_existing=True)
        )
        return (await self.session.scalars(query)).first()

    async def get_by_slug(self, slug: str) -> Tenant | None:
        return await self.first(select(Tenant).where(Tenant.slug == slug))

    async def insert(self, tenant: Tenant) -> bool:
        """Insert in a savepoint; False when a unique column (the slug) was taken meanwhile."""
        try:
            async with self.session.begin_nested():
                self.session.add(tenant)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    def search(self, *, text: str | None, statuses: Collection[str]) -> Select[Any]:
        query = select(Tenant)
        if text:
            pattern = _like_pattern(text)
            query = query.where(
                or_(
                    Tenant.name.ilike(pattern, escape="\\"),
                    Tenant.slug.ilike(pattern, escape="\\"),
                    Tenant.contact_email.ilike(pattern, escape="\\"),
                )
            )
        if statuses:
            query = query.where(Tenant.status.in_(list(statuses)))
        return query

    async def transition(
        self, tenant_id: uuid.UUID, *, from_statuses: Collection[str], **values: Any
    ) -> bool:
        """Change the row only if its status is still one of `from_statuses`; True if it won."""
        result = await self.session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id, Tenant.status.in_(list(from_statuses)))
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_if(self, tenant_id: uuid.UUID, *, statuses: Collection[str]) -> bool:
        """Delete a shared-database tenant in one of `statuses`; False if it did not apply
        (another status, or rows of other tables still refer to it)."""
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(
                    delete(Tenant)
                    .where(
                        Tenant.id == tenant_id,
                        Tenant.status.in_(list(statuses)),
                        Tenant.database_key.is_(None),
                    )
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            return False
        return bool(result.rowcount)  # type: ignore[attr-defined]
