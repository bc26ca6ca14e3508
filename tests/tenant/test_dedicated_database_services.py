"""Option A end to end: a tenant with real branches and students moves, and its people carry on."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import MetaData, Table, func, select

from studyspot.kit.db import Database, dedicated_url
from studyspot.kit.state import kit_state
from tests.conftest import Apps
from tests.fixtures.students import admit, create_library
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, accept_invite, login


async def _rows(db: Database, table: str, tenant_id: uuid.UUID) -> int:
    async with db.engine.connect() as conn:
        reflected = await conn.run_sync(lambda c: Table(table, MetaData(), autoload_with=c))
        query = (
            select(func.count()).select_from(reflected).where(reflected.c.tenant_id == tenant_id)
        )
        return int(await conn.scalar(query) or 0)


async def test_after_the_move_its_students_log_in_and_find_their_records(
    apps: Apps,
    tenant_api: httpx.AsyncClient,
    admin: LoggedIn,
    owner: LoggedIn,
    other_owner: LoggedIn,
) -> None:
    assert owner.tenant_id and other_owner.tenant_id
    library = await create_library(apps, owner)
    record = await admit(apps, owner, library)
    invite = await apps.client("student").post(
        f"/api/v1/students/{record['id']}/invite", headers=owner.headers
    )
    assert invite.status_code == 202, invite.text
    await accept_invite(
        apps, tenant_id=owner.tenant_id, user_table="students", user_id=uuid.UUID(record["id"])
    )
    other_library = await create_library(apps, other_owner, "Gyan Deep Main")
    await admit(apps, other_owner, other_library)

    moved = await tenant_api.post(
        f"/api/v1/tenants/{owner.tenant_id}/dedicated-database", headers=admin.headers
    )
    assert moved.status_code == 200, moved.text
    key = moved.json()["database_key"]
    if apps.dbs.backend == "postgres":
        apps.dbs.extra_pg.append(dedicated_url(apps.dbs.settings(), key))

    state = kit_state(apps.app("tenant"))
    dedicated = await state.tenants.get(key)
    for table in ("students", "libraries"):
        assert await _rows(state.tenants.shared, table, owner.tenant_id) == 0
        assert await _rows(dedicated, table, owner.tenant_id) == 1
        assert await _rows(state.tenants.shared, table, other_owner.tenant_id) == 1

    student = await login(
        apps,
        phone=record["phone"],
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )
    mine = await apps.client("student").get(
        f"/api/v1/students/{record['id']}", headers=student.headers
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["name"] == record["name"]

    again = await login(apps, email=owner.email, password=owner.password)
    libraries = await apps.client("library").get("/api/v1/libraries", headers=again.headers)
    assert libraries.status_code == 200, libraries.text
    assert [item["id"] for item in libraries.json()["items"]] == [str(library)]
    # New work lands in the new database.
    await admit(apps, again, library)
    assert await _rows(dedicated, "students", owner.tenant_id) == 2
    assert await _rows(state.tenants.shared, "students", owner.tenant_id) == 0
