"""Passwords: forgotten (reset link), first set (invite link), and changed by the user.

A link carries a single-use secret with an expiry, stored hashed. Until the
message service delivers them, the secret travels only in an outbox event for
it; no response ever contains it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal
from studyspot.kit.models import utcnow
from studyspot.kit.outbox import publish
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import hash_opaque_token, new_opaque_token
from studyspot.services.auth.errors import InvalidOneTimeToken, WrongPassword
from studyspot.services.auth.identity import (
    account_of,
    find_by_login,
    identity_of,
    new_password_hash,
    password_matches,
    record,
)
from studyspot.services.auth.models import OneTimeToken
from studyspot.services.auth.repository import (
    AccountRepository,
    AccountRow,
    OneTimeTokenRepository,
)
from studyspot.services.auth.schemas import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    ResetPasswordRequest,
    TokenResponse,
)
from studyspot.services.auth.sessions import end_all_sessions, start_session
from studyspot.services.auth.throttle import Throttle, login_keys


@dataclass(frozen=True)
class LinkKind:
    purpose: str
    topic: str


RESET = LinkKind("password_reset", "auth.password_reset_requested")
INVITE = LinkKind("invite", "auth.set_password_requested")


async def send_link(
    session: AsyncSession, row: AccountRow, kind: LinkKind, *, ttl: timedelta, now: datetime
) -> None:
    """Store a new single-use link for `row` and hand its secret to the message service."""
    who = identity_of(row)
    links = OneTimeTokenRepository(session)
    await links.retire_unused(who.user_table, who.user_id, now)
    secret = new_opaque_token()
    await links.add(
        OneTimeToken(
            token_hash=hash_opaque_token(secret),
            purpose=kind.purpose,
            user_id=who.user_id,
            user_table=who.user_table,
            tenant_id=who.tenant_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await publish(
        session,
        kind.topic,
        {
            "purpose": kind.purpose,
            "token": secret,
            "expires_at": (now + ttl).isoformat(),
            "user_id": str(who.user_id),
            "user_type": who.user_type.value,
            "tenant_id": str(who.tenant_id) if who.tenant_id else None,
            "name": who.name,
            "email": who.email,
            "phone": getattr(row, "phone", None),
        },
        tenant_id=who.tenant_id,
    )


async def forgot_password(
    session: AsyncSession,
    settings: Settings,
    body: ForgotPasswordRequest,
    *,
    tenant_id: uuid.UUID | None,
    ip: str | None,
) -> None:
    """Send a reset link if the account exists and is active; answer the same either way."""
    row = await find_by_login(
        AccountRepository(session),
        body.user_type,
        tenant_id=tenant_id,
        email=body.email,
        phone=body.phone,
    )
    if row is None or not row.is_active:
        return
    ttl = timedelta(seconds=settings.password_reset_ttl_seconds)
    await send_link(session, row, RESET, ttl=ttl, now=utcnow())
    await record(session, "auth.password_reset_requested", who=identity_of(row), ip=ip)


async def reset_password(
    session: AsyncSession, settings: Settings, body: ResetPasswordRequest, *, ip: str | None
) -> None:
    """Set the password a reset or invite link was sent for; every session of the user ends."""
    now = utcnow()
    links = OneTimeTokenRepository(session)
    link = await links.by_hash(hash_opaque_token(body.token))
    if link is None or not await links.consume(link.id, now):
        raise InvalidOneTimeToken()
    row = await AccountRepository(session).by_token_subject(
        link.user_table, link.user_id, link.tenant_id
    )
    if row is None or not row.is_active:
        raise InvalidOneTimeToken()
    row.password_hash = await new_password_hash(settings, body.new_password)
    who = identity_of(row)
    await links.retire_unused(who.user_table, who.user_id, now)
    await end_all_sessions(session, who)
    await record(session, "auth.password_set", who=who, ip=ip, details={"via": link.purpose})


async def change_password(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    body: ChangePasswordRequest,
    *,
    ip: str | None,
) -> TokenResponse:
    """Change the caller's password: every other session ends, this one goes on with new tokens."""
    row = await account_of(session, principal)
    who = identity_of(row)
    now = utcnow()
    # A stolen access token must not become a way to guess the password: same throttle as login.
    throttle = Throttle(session, settings)
    keys = login_keys("password_change", None, str(who.user_id), ip)
    throttled = await throttle.refusal(keys, now)
    if throttled is not None:
        await record(
            session,
            "auth.password_change",
            who=who,
            ip=ip,
            outcome="failure",
            details={"reason": "rate_limited"},
        )
        raise throttled
    if not await password_matches(settings, row, body.current_password):
        await throttle.failed(keys, now)
        await record(
            session,
            "auth.password_change",
            who=who,
            ip=ip,
            outcome="failure",
            details={"reason": "wrong_password"},
        )
        raise WrongPassword()
    await throttle.succeeded(keys)
    row.password_hash = await new_password_hash(settings, body.new_password)
    await end_all_sessions(session, who)
    await record(session, "auth.password_change", who=who, ip=ip)
    tokens, _ = await start_session(session, settings, who, now=now)
    return tokens
