"""The move: every existing tenant keeps its plan, trial end and limits in its subscription,
and keeps them when the tenants table loses its own copy (core_tenant_0002)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, create_engine, inspect, text

from studyspot.kit.migrate import alembic_config


def _insert_tenant(conn: Connection, tid: uuid.UUID, values: tuple[Any, ...]) -> None:
    plan, ends, libs, seats, students = values
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
        for tid, values in tenants.items():
            _insert_tenant(conn, tid, values)
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


def test_invoices_keep_their_rate_and_an_unpaid_upgrade_invoice_stays_unpaid(
    tmp_path: Path,
) -> None:
    """core_subscription_0006: every invoice so far was issued at 18 %; an upgrade invoiced
    to a tenant paying by invoice and not paid yet is `unpaid`, every other one `paid` on
    the day it was issued; an upgrade from before keeps no plan version (it applied at
    once) and never lapses."""
    url = f"sqlite:///{tmp_path / 'core.db'}"
    cfg = alembic_config("core", url)
    command.upgrade(cfg, "core_subscription_0005")
    engine = create_engine(url)
    tenant, sub = uuid.uuid4(), uuid.uuid4()
    period, upgrade = uuid.uuid4(), uuid.uuid4()
    issued = "2026-12-01 10:00:00.000000"
    with engine.begin() as conn:
        for number, invoice_id in enumerate((period, upgrade), start=1):
            conn.execute(
                text(
                    "INSERT INTO subscription_invoices (id, tenant_id, subscription_id, "
                    "financial_year, number, invoice_number, plan_code, billing_cycle, "
                    "period_start, period_end, reference, supplier_gstin, place_of_supply, "
                    "taxable_paise, cgst_paise, sgst_paise, igst_paise, total_paise, issued_at) "
                    "VALUES (:id, :tenant, :sub, '2026-27', :n, :number, 'starter', 'monthly', "
                    ":at, :at, 'ref', '29AAACS0000A1Z9', '29', 84661, 7620, 7619, 0, 99900, :at)"
                ),
                {
                    "id": invoice_id.hex,
                    "tenant": tenant.hex,
                    "sub": sub.hex,
                    "n": number,
                    "number": f"SS/2026-27/{number:06d}",
                    "at": issued,
                },
            )
        conn.execute(
            text(
                "INSERT INTO subscription_upgrade_charges (id, tenant_id, subscription_id, "
                "from_plan, to_plan, amount_paise, status, invoice_id, created_at) VALUES "
                "(:id, :tenant, :sub, 'free', 'starter', 99900, 'invoiced', :invoice, :at)"
            ),
            {
                "id": uuid.uuid4().hex,
                "tenant": tenant.hex,
                "sub": sub.hex,
                "invoice": upgrade.hex,
                "at": issued,
            },
        )
    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, gst_rate_bps, status, paid_at FROM subscription_invoices")
        ).all()
        charge = conn.execute(
            text("SELECT to_plan_version, expires_at FROM subscription_upgrade_charges")
        ).one()
    found = {uuid.UUID(r[0]): r[1:] for r in rows}
    assert found[period][:2] == (1800, "paid") and found[period][2] is not None
    assert found[upgrade] == (1800, "unpaid", None)
    assert tuple(charge) == (None, None)
    command.downgrade(cfg, "core_subscription_0005")
    engine.dispose()


def test_dropping_the_tenant_plan_columns_keeps_every_tenants_plan_and_limits(
    tmp_path: Path,
) -> None:
    """core_tenant_0002: a tenant opened by core_subscription_0001 keeps its subscription
    as it is now (here a platform admin's later override); one that signed up since and
    was never opened gets its subscription from its tenant row before the columns go;
    `trial` tenants become `active`. The downgrade refills the columns from the
    subscriptions."""
    url = f"sqlite:///{tmp_path / 'core.db'}"
    cfg = alembic_config("core", url)
    command.upgrade(cfg, "core_tenant_0001")
    engine = create_engine(url)
    trial_end = datetime(2026, 12, 20, 10, 30, tzinfo=UTC)
    moved, overridden = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        _insert_tenant(conn, moved, ("professional", None, 5, 500, 1500))
        _insert_tenant(conn, overridden, ("trial", trial_end, 1, 100, 200))
    command.upgrade(cfg, "core_subscription@head")
    signed_up = {
        uuid.uuid4(): ("trial", trial_end, 1, 100, 200),
        uuid.uuid4(): ("enterprise", None, 7, 900, 5000),
    }
    with engine.begin() as conn:
        for tid, values in signed_up.items():
            _insert_tenant(conn, tid, values)
        # Since the move, limits are changed on the subscription: it wins over the row.
        conn.execute(
            text(
                "UPDATE subscriptions SET max_students = 350, max_seats = NULL "
                "WHERE tenant_id = :tid"
            ),
            {"tid": overridden.hex},
        )
    command.upgrade(cfg, "heads")
    expected = {
        moved: ("professional", "active", False, 5, 500, 1500),
        overridden: ("trial", "trial", True, 1, None, 350),
        **{
            tid: (plan, "trial" if plan == "trial" else "active", ends is not None, *limits)
            for tid, (plan, ends, *limits) in signed_up.items()
        },
    }
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("tenants")}
        subs = conn.execute(
            text(
                "SELECT tenant_id, plan_code, status, trial_ends_at, max_libraries, max_seats, "
                "max_students FROM subscriptions"
            )
        ).all()
        statuses = {r[0] for r in conn.execute(text("SELECT status FROM tenants")).all()}
    assert not columns & {"plan_code", "trial_ends_at", "max_libraries", "max_seats"}
    assert "max_students" not in columns
    found = {uuid.UUID(r[0]): (r[1], r[2], r[3] is not None, r[4], r[5], r[6]) for r in subs}
    assert found == expected
    assert statuses == {"active"}

    command.downgrade(cfg, "core_tenant_0001")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, plan_code, status, trial_ends_at, max_libraries, max_seats, "
                "max_students FROM tenants"
            )
        ).all()
    restored = {uuid.UUID(r[0]): tuple(r[1:]) for r in rows}
    for tid, (plan, status, has_end, libs, seats, students) in expected.items():
        got = restored[tid]
        assert (got[0], got[1], got[2] is not None) == (plan, status, has_end)
        assert got[3:] == (libs, 1_000_000 if seats is None else seats, students)
    command.downgrade(cfg, "core_subscription@base")
    engine.dispose()
