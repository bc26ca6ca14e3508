"""A library with a booked student, a group, and the community service's clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from studyspot.kit.models import audit_logs, outbox_events
from studyspot.services.community.runtime import runtime_of
from tests.conftest import Apps
from tests.fixtures.attendance import Booked, booked_student
from tests.fixtures.bookings import ReadyLibrary, ready_library, student_login, tomorrow
from tests.fixtures.users import LoggedIn

GROUPS = "/api/groups"
COMMUNITIES = "/api/communities"
INBOX = "/api/groups/inbox/threads"


class Clock:
    """The community service's clock, moved by a test instead of waiting."""

    def __init__(self, apps: Apps) -> None:
        self.now = datetime.now(UTC)
        runtime_of(apps.app("community")).clock = lambda: self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def community(apps: Apps) -> httpx.AsyncClient:
    return apps.client("community")


@dataclass
class GroupSetup:
    ready: ReadyLibrary
    group: dict[str, Any]
    booked: Booked  # students[0], holding a place from tomorrow
    unbooked: LoggedIn  # students[1], no booking

    @property
    def owner(self) -> LoggedIn:
        return self.ready.owner

    @property
    def group_id(self) -> str:
        return str(self.group["id"])


async def make_group(
    apps: Apps, who: LoggedIn, library_id: uuid.UUID, **fields: Any
) -> dict[str, Any]:
    body = {"library_id": str(library_id), "name": "Kothrud study circle", **fields}
    resp = await community(apps).post(GROUPS, json=body, headers=who.headers)
    assert resp.status_code == 201, resp.text
    made: dict[str, Any] = resp.json()
    return made


async def group_setup(apps: Apps, **group_fields: Any) -> GroupSetup:
    ready = await ready_library(apps)
    group = await make_group(apps, ready.owner, ready.library_id, **group_fields)
    booked = await booked_student(apps, ready, start=tomorrow())
    unbooked = await student_login(apps, ready, ready.students[1])
    return GroupSetup(ready, group, booked, unbooked)


async def join(apps: Apps, who: LoggedIn, group_id: str, **body: Any) -> httpx.Response:
    return await community(apps).post(f"{GROUPS}/{group_id}/join", json=body, headers=who.headers)


async def post(apps: Apps, who: LoggedIn, group_id: str, text: str) -> httpx.Response:
    return await community(apps).post(
        f"{GROUPS}/{group_id}/posts", json={"body": text}, headers=who.headers
    )


async def outbox(apps: Apps, topic: str, *, core: bool = False) -> list[dict[str, Any]]:
    kit = apps.app("community").state.kit
    db = kit.core if core else kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox_events.c.payload)
            .where(outbox_events.c.topic == topic)
            .order_by(outbox_events.c.seq)
        )
        return [dict(r[0]) for r in rows]


async def audit_actions(apps: Apps, *, core: bool = False) -> list[tuple[str, str | None]]:
    kit = apps.app("community").state.kit
    db = kit.core if core else kit.tenants.shared
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(audit_logs.c.action, audit_logs.c.resource_id)
            .where(audit_logs.c.action.like("community.%"))
            .order_by(audit_logs.c.created_at)
        )
        return [(r[0], r[1]) for r in rows]
