"""What every booking reads is bounded: at most 200 fee plans per business and 24 shifts per
library; one more is a 409 problem and nothing is written, even when two tabs race for
the last place."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import func, insert, select

from studyspot.kit.db import unit_of_work
from studyspot.services.library.limits import MAX_FEE_PLANS_PER_TENANT, MAX_SHIFTS_PER_LIBRARY
from studyspot.services.library.models import FeePlan
from tests.conftest import Apps
from tests.fixtures.library import (
    FEE_PLANS,
    LIBRARIES,
    create_fee_plan,
    create_library,
    create_shift,
    fee_plan_body,
)
from tests.fixtures.users import LoggedIn, register_owner


async def _plans_of(apps: Apps, owner: LoggedIn) -> int:
    db = apps.app("library").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id, read_only=True) as session:
        count = await session.scalar(
            select(func.count()).select_from(FeePlan).where(FeePlan.tenant_id == owner.tenant_id)
        )
    return int(count or 0)


async def _fill_plans(apps: Apps, owner: LoggedIn, count: int) -> None:
    """`count` plans written as the API writes them, straight into the table (the limit, not
    199 requests, is what is tested; one made through the API is the template)."""
    made = await create_fee_plan(apps, owner, None, name="Template")
    db = apps.app("library").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=owner.tenant_id) as session:
        row = (
            (
                await session.execute(
                    select(FeePlan.__table__).where(FeePlan.id == uuid.UUID(made["id"]))
                )
            )
            .mappings()
            .one()
        )
        copies = [{**row, "id": uuid.uuid4(), "name": f"Plan {n}"} for n in range(1, count)]
        if copies:
            await session.execute(insert(FeePlan), copies)


async def test_the_200th_fee_plan_is_made_and_the_201st_refused(apps: Apps) -> None:
    owner = await register_owner(apps)
    library = await create_library(apps, owner)
    await _fill_plans(apps, owner, MAX_FEE_PLANS_PER_TENANT - 1)
    # The last one allowed goes through the API like any other.
    await create_fee_plan(apps, owner, library["id"], name="The last one")
    assert await _plans_of(apps, owner) == MAX_FEE_PLANS_PER_TENANT

    more = await apps.client("library").post(
        FEE_PLANS, json=fee_plan_body(library["id"], name="One too many"), headers=owner.headers
    )
    assert more.status_code == 409, more.text
    assert more.headers["content-type"].startswith("application/problem+json")
    assert more.json()["code"] == "count_limit_reached"
    assert more.json()["detail"].startswith("At most 200 fee plans in a business")
    assert "200" in more.json()["detail"]
    assert await _plans_of(apps, owner) == MAX_FEE_PLANS_PER_TENANT

    # Another business is not counted against this one.
    other = await register_owner(apps)
    await create_fee_plan(apps, other, None, name="Their first")


async def test_ten_tabs_racing_for_the_last_plan_make_one(apps: Apps) -> None:
    owner = await register_owner(apps)
    await _fill_plans(apps, owner, MAX_FEE_PLANS_PER_TENANT - 1)
    client = apps.client("library")
    replies: list[httpx.Response] = await asyncio.gather(
        *(
            client.post(FEE_PLANS, json=fee_plan_body(None, name=f"Tab {n}"), headers=owner.headers)
            for n in range(10)
        )
    )
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9, [r.text for r in replies]
    assert await _plans_of(apps, owner) == MAX_FEE_PLANS_PER_TENANT


async def test_the_25th_shift_of_a_library_is_refused(apps: Apps) -> None:
    owner = await register_owner(apps)
    library = await create_library(apps, owner)
    for n in range(MAX_SHIFTS_PER_LIBRARY):
        await create_shift(apps, owner, library["id"], f"Shift {n:02d}", "06:00", "10:00")
    more = await apps.client("library").post(
        f"{LIBRARIES}/{library['id']}/shifts",
        json={"name": "One too many", "start_time": "10:00", "end_time": "14:00"},
        headers=owner.headers,
    )
    assert more.status_code == 409, more.text
    assert more.json()["code"] == "count_limit_reached"
    assert more.json()["detail"].startswith("At most 24 shifts in a library")
    listed = await apps.client("library").get(
        f"{LIBRARIES}/{library['id']}/shifts", params={"page_size": 100}, headers=owner.headers
    )
    assert listed.json()["total"] == MAX_SHIFTS_PER_LIBRARY
