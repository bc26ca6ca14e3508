"""The move: every existing tenant keeps its plan, trial end and limits in its subscription."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from studyspot.kit.migrate import alembic_config


def test_existing_tenants_keep_their_plan_and_limits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'core.db'}"
    cfg = alembic_config("core", url)
    command.upgrade(cfg, "core_tenant_0001")
    engine = create_engine(url)
    trial_end = datetime(2026, 12, 20, 10, 30, tzinfo=UTC)
    tenants = {
        uuid.uuid4(): ("trial", trial_end, 1, 100, 200),
        uuid.uuid4(): ("enterprise", None, 7, 900, 5000),
    }
    with engine.begin() as conn:
        for tid, (plan, ends, libs, seats, students) in tenants.items():
            conn.execute(
                text(
                    "INSERT INTO tenants (id, slug, name, status, contact_email, plan_code, "
                    "trial_ends_at, max_libraries, max_seats, max_students, created_at, "
                    "updated_at) VALUES (:id, :slug, 'T', :status, 'a@b.in', :plan, :ends, "
                    ":libs, :seats, :students, :now, :now)"
                ),
                {
                    "id": tid.hex,
                    "slug": tid.hex[:10],
                    "status": "trial" if plan == "trial" else "active",
                    "plan": plan,
                    "ends": ends.isoformat() if ends else None,
                    "libs": libs,
                    "seats": seats,
                    "students": students,
                    "now": "2026-12-06 10:00:00.000000",
                },
            )
    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT tenant_id, plan_code, status, trial_ends_at, max_libraries, max_seats, "
                "max_students, overage_percent FROM subscriptions"
            )
        ).all()
    found = {uuid.UUID(r[0]): r[1:] for r in rows}
    assert len(found) == 2
    for tid, (plan, ends, libs, seats, students) in tenants.items():
        got = found[tid]
        assert (got[0], got[3], got[4], got[5], got[6]) == (plan, libs, seats, students, 0)
        assert got[1] == ("trial" if plan == "trial" else "active")
        assert (got[2] is None) == (ends is None)
    command.downgrade(cfg, "core_subscription@base")
    engine.dispose()
