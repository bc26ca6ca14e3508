"""Helpers of the auth tests: logins made the way other services make them, table reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.sql import ColumnElement

from studyspot.kit.models import audit_logs, outbox_events, utcnow
from studyspot.services.auth.app import create_app
from studyspot.services.auth.client import AuthClient
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.models import LoginFailure, OneTimeToken
from tests.conftest import Apps
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, accept_invite, login, random_email

Table = Literal["students", "library_staff"]
ROLES: dict[str, list[str]] = {"students": ["student"], "library_staff": ["staff"]}
USER_TYPES = {"students": "student", "library_staff": "library_staff"}


# The service that manages each kind of login, and so calls auth about it.
MANAGER: dict[str, str] = {"students": "student", "library_staff": "library"}


def auth_client(apps: Apps, table: Table = "students") -> AuthClient:
    """The client the student (or, for staff, library) service uses, on the in-process auth."""
    return AuthClient(apps.app("auth").state.kit.settings, caller=MANAGER[table])


async def member_login(
    apps: Apps,
    owner: LoggedIn,
    table: Table = "students",
    *,
    email: str | None = None,
    phone: str | None = None,
    roles: list[str] | None = None,
    password: str | None = DEFAULT_PASSWORD,
) -> uuid.UUID:
    """A student or staff login of `owner`'s tenant, as its service makes it; with a password
    chosen through the invite link unless `password` is None."""
    assert owner.tenant_id is not None
    user_id = uuid.uuid4()
    client = auth_client(apps, table)
    try:
        await client.create_credential(
            tenant_id=owner.tenant_id,
            user_table=table,
            user_id=user_id,
            name="Priya Sharma",
            email=email if email is not None or phone is not None else random_email("member"),
            phone=phone,
            roles=roles or ROLES[table],
        )
    finally:
        await client.close()
    if password is not None:
        await accept_invite(
            apps, tenant_id=owner.tenant_id, user_table=table, user_id=user_id, password=password
        )
    return user_id


async def member_session(
    apps: Apps, owner: LoggedIn, table: Table = "students", **kw: Any
) -> LoggedIn:
    email = kw.pop("email", None) or random_email("member")
    await member_login(apps, owner, table, email=email, **kw)
    return await login(
        apps,
        email=email,
        password=DEFAULT_PASSWORD,
        user_type=USER_TYPES[table],
        tenant_slug=owner.tenant_slug,
    )


async def count(apps: Apps, table: Any, *where: ColumnElement[bool]) -> int:
    core = apps.app("auth").state.kit.core
    async with core.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def audit_rows(apps: Apps, action: str, **equal: Any) -> list[dict[str, Any]]:
    core = apps.app("auth").state.kit.core
    query = select(audit_logs).where(audit_logs.c.action == action)
    for column, value in equal.items():
        query = query.where(audit_logs.c[column] == value)
    async with core.engine.connect() as conn:
        return [
            dict(r._mapping) for r in await conn.execute(query.order_by(audit_logs.c.created_at))
        ]


async def outbox_count(apps: Apps, topic: str) -> int:
    return await count(apps, outbox_events, outbox_events.c.topic == topic)


async def shift(apps: Apps, column: Any, by: timedelta) -> None:
    # Row by row: date arithmetic in SQL is spelled differently by every database.
    table = column.table
    core = apps.app("auth").state.kit.core
    async with core.engine.begin() as conn:
        rows = (await conn.execute(select(table.c.id, column))).all()
        for row_id, at in rows:
            await conn.execute(update(table).where(table.c.id == row_id).values({column: at - by}))


async def age_login_failures(apps: Apps, by: timedelta) -> None:
    """Let time pass for the per-address throttle: every recorded failure happened `by` earlier."""
    await shift(apps, LoginFailure.__table__.c.created_at, by)


class AuthClock:
    """The auth service's clock (throttle, cooldowns, sessions), moved by a test, never slept."""

    def __init__(self, apps: Apps) -> None:
        self.now = utcnow()
        apps.app("auth").state.auth_clock = lambda: self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def expire_links(apps: Apps, by: timedelta = timedelta(days=8)) -> None:
    """Let time pass for reset and invite links."""
    await shift(apps, OneTimeToken.__table__.c.expires_at, by)


async def tenant_count(apps: Apps) -> int:
    core = apps.app("auth").state.kit.core
    async with core.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM tenants")) or 0)


async def suspend_tenant(apps: Apps, tenant_id: uuid.UUID, admin: LoggedIn) -> None:
    resp = await apps.client("tenant").post(
        f"/api/v1/tenants/{tenant_id}/suspend",
        json={"reason": "unpaid platform invoice"},
        headers=admin.headers,
    )
    assert resp.status_code == 200, resp.text


@asynccontextmanager
async def other_auth_app(
    apps: Apps, *, auth_settings: AuthSettings | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A second auth instance on the same databases, with other settings."""
    app: FastAPI = create_app(apps.dbs.settings(**overrides), auth_settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://auth2.test") as client:
            yield client
    finally:
        await app.state.auth_upstream.close()
        await app.state.kit.core.dispose()
        await app.state.kit.tenants.dispose()
