"""Passwords: forgotten (reset link), first set (invite link), and changed by the user.

A link carries a single-use secret with an expiry, stored hashed. The secret
travels only in an outbox event for the message service, sealed with a key only
that service shares (`client.LinkBox`); no response or log ever contains it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal
from studyspot.kit.outbox import publish
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import hash_opaque_token, new_opaque_token
from studyspot.services.auth.client import LinkBox
from studyspot.services.auth.config import AuthSettings
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
    session: AsyncSession,
    row: AccountRow,
    kind: LinkKind,
    *,
    ttl: timedelta,
    now: datetime,
    box: LinkBox,
) -> None:
    """Store a new single-use link for `row` and hand its secret, sealed, to the message
    service: the outbox row (and NATS) carry only `token_sealed`."""
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
            "token_sealed": box.seal(secret, purpose=kind.purpose, user_id=who.user_id),
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
    config: AuthSettings,
    body: ForgotPasswordRequest,
    *,
    tenant_id: uuid.UUID | None,
    ip: str | None,
    now: datetime,
    box: LinkBox,
) -> None:
    """Send a reset link if the account exists and is active; answer the same either way.

    At most one link per account per AUTH_FORGOT_PASSWORD_COOLDOWN_SECONDS, so the
    form cannot be used to flood someone's phone or inbox; the link sent last
    still works meanwhile.
    """
    accounts = AccountRepository(session)
    row = await find_by_login(
        accounts, body.user_type, tenant_id=tenant_id, email=body.email, phone=body.phone
    )
    if row is None or not row.is_active:
        return
    # Concurrent requests for one account queue here, so only one of them sends.
    await accounts.lock(row)
    who = identity_of(row)
    last = await OneTimeTokenRepository(session).last_sent(
        who.user_table, who.user_id, RESET.purpose
    )
    if last is not None and now - last < timedelta(seconds=config.forgot_password_cooldown_seconds):
        await record(
            session,
            "auth.password_reset_requested",
            who=who,
            ip=ip,
            outcome="failure",
            details={"reason": "cooldown"},
        )
        return
    ttl = timedelta(seconds=settings.password_reset_ttl_seconds)
    await send_link(session, row, RESET, ttl=ttl, now=now, box=box)
    await record(session, "auth.password_reset_requested", who=who, ip=ip)


async def reset_password(
    session: AsyncSession,
    settings: Settings,
    body: ResetPasswordRequest,
    *,
    ip: str | None,
    now: datetime,
) -> None:
    """Set the password a reset or invite link was sent for; every session of the user ends."""
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
    await end_all_sessions(session, row, now)
    await record(session, "auth.password_set", who=who, ip=ip, details={"via": link.purpose})


async def confirm_password(
    session: AsyncSession,
    settings: Settings,
    config: AuthSettings,
    row: AccountRow,
    given: str,
    *,
    action: str,
    ip: str | None,
    now: datetime,
) -> None:
    """Check the signed-in user's current password before a change of password or of a login
    channel (a reset link goes to the phone or e-mail: whoever changes it owns the account).

    A stolen access token must not become a way to guess the password: the same
    progressive throttle as a login, keyed on the user.
    """
    who = identity_of(row)
    throttle = Throttle(session, settings, config)
    keys = login_keys("password_check", None, str(who.user_id), ip)
    throttled = await throttle.attempt(keys, now)
    if throttled is not None:
        await record(
            session, action, who=who, ip=ip, outcome="failure", details={"reason": "rate_limited"}
        )
        raise throttled
    if not await password_matches(settings, row, given):
        await throttle.failed(keys, now)
        await record(
            session, action, who=who, ip=ip, outcome="failure", details={"reason": "wrong_password"}
        )
        raise WrongPassword()
    await throttle.succeeded(keys)


async def change_password(
    session: AsyncSession,
    settings: Settings,
    config: AuthSettings,
    principal: Principal,
    body: ChangePasswordRequest,
    *,
    ip: str | None,
    now: datetime,
) -> TokenResponse:
    """Change the caller's password: every other session ends, this one goes on with new tokens."""
    row = await account_of(session, principal)
    who = identity_of(row)
    await confirm_password(
        session,
        settings,
        config,
        row,
        body.current_password,
        action="auth.password_change",
        ip=ip,
        now=now,
    )
    row.password_hash = await new_password_hash(settings, body.new_password)
    await end_all_sessions(session, row, now)
    await record(session, "auth.password_change", who=who, ip=ip)
    tokens, _ = await start_session(session, settings, who, now=now)
    return tokens
