"""Throwaway tenant tables for tests, until the library and student services own real ones.

Two tables like a real service would have: rooms, and notes that belong to a
room and may answer another note (a foreign key to their own table), both with
row-level security as `enable_tenant_rls` sets it up in migrations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from studyspot.kit.migration_helpers import disable_tenant_rls, enable_tenant_rls
from studyspot.kit.settings import to_sync_url


@dataclass(frozen=True)
class Throwaway:
    rooms: str
    notes: str

    @classmethod
    def named(cls) -> Throwaway:
        suffix = uuid.uuid4().hex[:8]
        return cls(f"tt_rooms_{suffix}", f"tt_notes_{suffix}")

    def tables(self, metadata: sa.MetaData | None = None) -> tuple[sa.Table, sa.Table]:
        metadata = metadata or sa.MetaData()
        rooms = sa.Table(
            self.rooms,
            metadata,
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("tenant_id", sa.Uuid(), nullable=False, index=True),
            sa.Column("name", sa.String(60), nullable=False),
        )
        notes = sa.Table(
            self.notes,
            metadata,
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("tenant_id", sa.Uuid(), nullable=False, index=True),
            sa.Column("room_id", sa.Uuid(), sa.ForeignKey(f"{self.rooms}.id"), nullable=False),
            sa.Column("reply_to", sa.Uuid(), sa.ForeignKey(f"{self.notes}.id"), nullable=True),
            sa.Column("body", sa.String(200), nullable=False),
        )
        return rooms, notes

    def create(self, url: str) -> None:
        """Create both tables in the database at `url` the way a migration would."""
        metadata = sa.MetaData()
        self.tables(metadata)
        engine = create_engine(to_sync_url(url))
        try:
            with engine.begin() as conn:
                metadata.create_all(conn)
                with Operations.context(MigrationContext.configure(conn)):
                    enable_tenant_rls(self.rooms)
                    enable_tenant_rls(self.notes)
        finally:
            engine.dispose()

    def drop(self, url: str) -> None:
        engine = create_engine(to_sync_url(url))
        try:
            with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
                for name in (self.notes, self.rooms):
                    if sa.inspect(conn).has_table(name):
                        disable_tenant_rls(name)
                        op.drop_table(name)
        finally:
            engine.dispose()
