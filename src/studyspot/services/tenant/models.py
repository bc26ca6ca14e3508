"""The `tenants` table of the core database.

The kit's identity check reads `id`, `status` and `database_key` of this table
on every request (kit/auth.py), so those three names are a contract.

A tenant's plan, trial and limits are not here: the subscription service owns them
(issue 15; migration core_tenant_0002 dropped the columns this table had for them), and
`status` says only whether the platform lets the tenant work (`active`), has suspended
it, is moving its data or has closed it; a trial is the subscription's status.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyspot.kit.models import CoreBase, IdMixin, TimestampMixin, UTCDateTime

ALL_STATUSES = ("active", "suspended", "migrating", "closed")
# Statuses in which the tenant's users may act (within kit.auth.ACTIVE_TENANT_STATUSES).
SERVING_STATUSES = ("active",)


class Tenant(IdMixin, TimestampMixin, CoreBase):
    __tablename__ = "tenants"
    __table_args__ = (
        UniqueConstraint("slug", name="uq_tenants_slug"),
        UniqueConstraint("database_key", name="uq_tenants_database_key"),
        CheckConstraint(
            "status IN ('active', 'suspended', 'migrating', 'closed')",
            name="ck_tenants_status",
        ),
        Index("ix_tenants_status", "status"),
        Index("ix_tenants_name", "name"),
        Index("ix_tenants_created_at", "created_at"),
    )

    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # NULL: the shared tenant database; otherwise the key of a dedicated one (option A).
    database_key: Mapped[str | None] = mapped_column(String(48), nullable=True)
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    gstin: Mapped[str | None] = mapped_column(String(15), nullable=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suspension_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)

    def __repr__(self) -> str:
        return f"Tenant(id={self.id!s}, slug={self.slug!r}, status={self.status!r})"


def new_database_key() -> str:
    return f"tenant_{uuid.uuid4().hex}"
