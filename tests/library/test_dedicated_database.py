"""A tenant moved to a database of its own (option A) keeps its branches, plans and staff."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from studyspot.kit.db import dedicated_url
from studyspot.services.library.models import Library
from tests.conftest import Apps
from tests.fixtures.library import FEE_PLANS, LIBRARIES, hire_staff, library_with_everything
from tests.fixtures.users import create_platform_user, login, register_owner
from tests.library.helpers import library_client


async def test_branches_plans_and_staff_follow_the_tenant_to_its_own_database(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    setup = await library_with_everything(apps, owner, seats=5)
    person, _ = await hire_staff(apps, owner, [setup.library_id], role="manager")

    admin = await create_platform_user(apps)
    moved = await apps.client("tenant").post(
        f"/api/v1/tenants/{owner.tenant_id}/dedicated-database", headers=admin.headers
    )
    assert moved.status_code == 200, moved.text
    key = moved.json()["database_key"]
    if apps.dbs.backend == "postgres":
        apps.dbs.extra_pg.append(dedicated_url(apps.dbs.settings(), key))

    shared = apps.app("library").state.kit.tenants.shared
    async with shared.engine.connect() as conn:
        left = await conn.scalar(
            select(func.count()).select_from(Library).where(Library.tenant_id == owner.tenant_id)
        )
    assert left == 0

    again = await login(apps, email=owner.email, password=owner.password)
    client = apps.client("library")
    seats = await client.get(f"{LIBRARIES}/{setup.library_id}/seats", headers=again.headers)
    assert seats.json()["total"] == 5
    plans = await client.get(FEE_PLANS, headers=again.headers)
    assert plans.json()["total"] == 2
    more = await client.post(
        f"{LIBRARIES}/{setup.library_id}/seats", json={"label": "B1"}, headers=again.headers
    )
    assert more.status_code == 201

    # Internal calls name only the tenant; they find its new database.
    lib = library_client(apps)
    record = await library_client(apps, "payment").get_library(
        owner.tenant_id, uuid.UUID(setup.library_id)
    )
    assert record is not None and record.name == setup.library["name"]
    staff = await lib.get_staff(owner.tenant_id, uuid.UUID(person["id"]))
    assert staff is not None and staff.role == "manager"
    plan = await lib.mark_fee_plan_used(owner.tenant_id, uuid.UUID(setup.full_day_plan["id"]))
    assert plan.used_at is not None
