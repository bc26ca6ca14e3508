"""Logins: library owners, staff and students at `/api/auth/login`, platform users at v1."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.permissions import UserType
from studyspot.kit.settings import Settings
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.errors import AccountInactive, InvalidCredentials, TenantSuspended
from studyspot.services.auth.identity import (
    find_by_login,
    identity_of,
    password_matches,
    record,
    standing,
)
from studyspot.services.auth.repository import AccountRepository, AccountRow
from studyspot.services.auth.schemas import LoginRequest, PlatformLoginRequest, TokenResponse
from studyspot.services.auth.sessions import start_session
from studyspot.services.auth.throttle import LoginKeys, Throttle, login_keys
from studyspot.services.auth.upstream import TenantClient


async def resolve_tenant(tenants: TenantClient, slug: str | None) -> uuid.UUID | None:
    """The tenant a staff or student login names (None: no such tenant)."""
    if slug is None:
        return None
    tenant = await tenants.find_tenant_by_slug(slug)
    return tenant.id if tenant is not None else None


async def login(
    session: AsyncSession,
    settings: Settings,
    config: AuthSettings,
    body: LoginRequest,
    *,
    tenant_id: uuid.UUID | None,
    ip: str | None,
    now: datetime,
) -> TokenResponse:
    """Log in a library owner, staff member or student.

    `tenant_id` is what `body.tenant_slug` resolved to (None when unknown or not needed).
    """
    login_name = body.login_name
    attempt: dict[str, Any] = {"user_type": body.user_type, "login": login_name}
    if body.tenant_slug:
        attempt["tenant_slug"] = body.tenant_slug
    lookup = partial(
        find_by_login,
        AccountRepository(session),
        UserType(body.user_type),
        tenant_id=tenant_id,
        email=body.email,
        phone=body.phone,
    )
    return await _login(
        session,
        Throttle(session, settings, config),
        settings,
        lookup,
        password=body.password,
        keys=login_keys(body.user_type, body.tenant_slug, login_name, ip),
        attempt=attempt,
        tenant_id=tenant_id,
        ip=ip,
        now=now,
    )


async def platform_login(
    session: AsyncSession,
    settings: Settings,
    config: AuthSettings,
    body: PlatformLoginRequest,
    *,
    ip: str | None,
    now: datetime,
) -> TokenResponse:
    return await _login(
        session,
        Throttle(session, settings, config),
        settings,
        partial(AccountRepository(session).platform_by_email, body.email),
        password=body.password,
        keys=login_keys("platform", None, body.email, ip),
        attempt={"user_type": "platform", "login": body.email},
        tenant_id=None,
        ip=ip,
        now=now,
    )


async def _login(
    session: AsyncSession,
    throttle: Throttle,
    settings: Settings,
    lookup: Callable[[], Awaitable[AccountRow | None]],
    *,
    password: str,
    keys: LoginKeys,
    attempt: dict[str, Any],
    tenant_id: uuid.UUID | None,
    ip: str | None,
    now: datetime,
) -> TokenResponse:
    throttled = await throttle.attempt(keys, now)
    if throttled is not None:
        await record(
            session,
            "auth.login",
            who=None,
            ip=ip,
            outcome="failure",
            tenant_id=tenant_id,
            details={**attempt, "reason": "rate_limited"},
        )
        raise throttled

    row = await lookup()
    if not await password_matches(settings, row, password):
        await throttle.failed(keys, now)
        await record(
            session,
            "auth.login",
            who=identity_of(row) if row is not None else None,
            ip=ip,
            outcome="failure",
            tenant_id=tenant_id,
            details={**attempt, "reason": "invalid_credentials"},
        )
        raise InvalidCredentials()
    assert row is not None
    # The password is right: whoever typed it owns the login, whatever its standing.
    await throttle.succeeded(keys)
    who = identity_of(row)
    refused = await standing(session, who)
    if refused is not None:
        await record(
            session,
            "auth.login",
            who=who,
            ip=ip,
            outcome="failure",
            details={**attempt, "reason": refused},
        )
        raise AccountInactive() if refused == "account_inactive" else TenantSuspended()

    row.last_login_at = now
    tokens, _ = await start_session(session, settings, who, now=now)
    await record(session, "auth.login", who=who, ip=ip, details=attempt)
    return tokens
