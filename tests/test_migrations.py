"""Every Alembic branch upgrades, downgrades to nothing and upgrades again, on both backends."""

from __future__ import annotations

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from studyspot.kit import migrate
from studyspot.kit.settings import to_sync_url


def _schema(url: str) -> tuple[set[str], set[str]]:
    """(tables other than alembic's, revisions the database is at)."""
    engine = create_engine(to_sync_url(url))
    try:
        with engine.connect() as conn:
            tables = {t for t in inspect(conn).get_table_names() if t != "alembic_version"}
            heads = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    return tables, heads


def _applied(script: ScriptDirectory, current: set[str]) -> set[str]:
    """Every revision the database's current heads imply, following down and depends-on links."""
    seen: set[str] = set()
    todo = list(current)
    while todo:
        revision = script.get_revision(todo.pop())
        if revision is None or revision.revision in seen:
            continue
        seen.add(revision.revision)
        for link in (revision.down_revision, revision.dependencies):
            if isinstance(link, str):
                todo.append(link)
            elif link:
                todo.extend(link)
    return seen


def _policies(url: str) -> set[str]:
    engine = create_engine(to_sync_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT tablename FROM pg_policies").all()
    finally:
        engine.dispose()
    return {r[0] for r in rows}


@pytest.mark.parametrize("kind", ["core", "tenant"])
def test_every_branch_upgrades_downgrades_and_upgrades_again(
    kind: migrate.Kind, fresh_url: str
) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(kind, fresh_url))
    branch_heads = set(script.get_heads())
    assert branch_heads, "no migrations found"

    migrate.upgrade(kind, fresh_url)
    tables, at = _schema(fresh_url)
    assert branch_heads <= _applied(script, at)
    assert {"audit_logs", "outbox_events", "processed_events"} <= tables
    if kind == "core":
        assert "tenants" in tables
    policies = _policies(fresh_url) if fresh_url.startswith("postgresql") else set()

    migrate.downgrade(kind, fresh_url)
    assert _schema(fresh_url) == (set(), set())
    if fresh_url.startswith("postgresql"):
        assert _policies(fresh_url) == set()

    migrate.upgrade(kind, fresh_url)
    assert _schema(fresh_url) == (tables, at)
    if fresh_url.startswith("postgresql"):
        assert _policies(fresh_url) == policies
