"""Declarative bases, column types and the kit's own tables.

`CoreBase` maps tables of the core database, `TenantBase` tables of tenant
databases. Every tenant table carries `tenant_id` (TenantMixin). The audit log,
the outbox and the consumers' processed-event ledger exist in both kinds of
database, so that each is written in the same transaction as the change it
describes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both engines (SQLite drops the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class TenantBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class TenantMixin:
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)


def _audit_table(metadata: MetaData) -> Table:
    return Table(
        "audit_logs",
        metadata,
        Column("id", Uuid, primary_key=True, default=uuid.uuid4),
        Column("tenant_id", Uuid, nullable=True),
        Column("actor_id", Uuid, nullable=True),
        Column("actor_type", String(32), nullable=True),
        Column("action", String(64), nullable=False),
        Column("resource_type", String(64), nullable=False),
        Column("resource_id", String(64), nullable=True),
        Column("outcome", String(16), nullable=False, default="success"),
        Column("ip", String(64), nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("details", JSON, nullable=False, default=dict),
        Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
        Index(None, "tenant_id", "created_at"),
    )


def _outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox_events",
        metadata,
        # Position for ordered reading; the event id is what consumers deduplicate on.
        Column(
            "seq",
            BigInteger().with_variant(Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        Column("id", Uuid, nullable=False, unique=True, default=uuid.uuid4),
        Column("tenant_id", Uuid, nullable=True),
        Column("topic", String(128), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
        # Set once the relay has it acknowledged by JetStream (or, on the embedded
        # default, once every local consumer has processed it).
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        # A failed delivery is retried no earlier than this (exponential backoff).
        Column("next_attempt_at", UTCDateTime(), nullable=True),
        Index(None, "published_at", "seq"),
    )


def _processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        # Lets a tenant's ledger move with its rows to a dedicated database (option A).
        Column("tenant_id", Uuid, nullable=True),
        Column("processed_at", UTCDateTime(), nullable=False, default=utcnow),
        Index(None, "processed_at"),
    )


core_audit_logs = _audit_table(CoreBase.metadata)
core_outbox = _outbox_table(CoreBase.metadata)
core_processed_events = _processed_events_table(CoreBase.metadata)
tenant_audit_logs = _audit_table(TenantBase.metadata)
tenant_outbox = _outbox_table(TenantBase.metadata)
tenant_processed_events = _processed_events_table(TenantBase.metadata)

# The DML is identical for both kinds; the kit writes through these.
audit_logs = core_audit_logs
outbox_events = core_outbox
processed_events = core_processed_events
