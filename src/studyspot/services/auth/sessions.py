"""Sessions: an access token plus a rotating refresh token, and the end of them.

A refresh token is exchanged once. Each exchange issues the next token of the
same family; presenting an exchanged token again means a copy of it exists
somewhere else, so the whole family is revoked (the thief's and the user's).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal, forget_identity
from studyspot.kit.models import utcnow
from studyspot.kit.permissions import Role, permissions_for
from studyspot.kit.settings import Settings
from studyspot.kit.tokens import hash_opaque_token, issue_access_token, new_opaque_token
from studyspot.services.auth.errors import InvalidRefreshToken
from studyspot.services.auth.identity import Identity, account_of, identity_of, record, standing
from studyspot.services.auth.models import RefreshToken
from studyspot.services.auth.repository import (
    AccountRepository,
    AccountRow,
    RefreshTokenRepository,
)
from studyspot.services.auth.schemas import TokenResponse, UserSummary

_STANDING_DETAIL = {
    "account_inactive": "This account is deactivated",
    "tenant_suspended": "This library's account is suspended",
}


async def start_session(
    session: AsyncSession,
    settings: Settings,
    who: Identity,
    *,
    now: datetime,
    family_id: uuid.UUID | None = None,
) -> tuple[TokenResponse, uuid.UUID]:
    """Tokens for `who`, and the id of the stored refresh token (a new family unless given)."""
    secret = new_opaque_token()
    stored = RefreshToken(
        id=uuid.uuid4(),
        token_hash=hash_opaque_token(secret),
        family_id=family_id or uuid.uuid4(),
        user_id=who.user_id,
        user_table=who.user_table,
        tenant_id=who.tenant_id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    session.add(stored)
    await session.flush()
    access, expires = issue_access_token(
        settings,
        user_id=who.user_id,
        email=who.email or "",
        user_type=who.user_type.value,
        user_table=who.user_table,
        tenant_id=who.tenant_id,
        roles=list(who.roles),
        permissions=permissions_for(who.roles),
        now=now,
    )
    tokens = TokenResponse(
        access_token=access,
        refresh_token=secret,
        expires_in=int((expires - now).total_seconds()),
        user=UserSummary(
            id=who.user_id,
            email=who.email,
            name=who.name,
            user_type=who.user_type,
            tenant_id=who.tenant_id,
            roles=[Role(r) for r in who.roles],
        ),
    )
    return tokens, stored.id


async def refresh(
    session: AsyncSession, settings: Settings, presented: str, *, ip: str | None
) -> TokenResponse:
    now = utcnow()
    tokens = RefreshTokenRepository(session)
    current = await tokens.by_hash(hash_opaque_token(presented))
    if current is None:
        raise InvalidRefreshToken()
    if current.used_at is not None:
        await _revoke_reused(session, tokens, current, now, ip)
    if current.revoked_at is not None or current.expires_at <= now:
        raise InvalidRefreshToken()
    row = await AccountRepository(session).by_token_subject(
        current.user_table, current.user_id, current.tenant_id
    )
    if row is None:
        raise InvalidRefreshToken()
    who = identity_of(row)
    refused = await standing(session, who)
    if refused is not None:
        await record(
            session, "auth.refresh", who=who, ip=ip, outcome="failure", details={"reason": refused}
        )
        raise InvalidRefreshToken(_STANDING_DETAIL[refused], code=refused)
    issued, next_id = await start_session(
        session, settings, who, now=now, family_id=current.family_id
    )
    if not await tokens.mark_used(current.id, next_id, now):
        # Another request exchanged it between our read and now: that is reuse too.
        await _revoke_reused(session, tokens, current, now, ip)
    return issued


async def _revoke_reused(
    session: AsyncSession,
    tokens: RefreshTokenRepository,
    reused: RefreshToken,
    now: datetime,
    ip: str | None,
) -> NoReturn:
    await tokens.revoke_family(reused.family_id, now)
    row = await AccountRepository(session).by_token_subject(
        reused.user_table, reused.user_id, reused.tenant_id
    )
    await record(
        session,
        "auth.refresh_token_reused",
        who=identity_of(row) if row is not None else None,
        ip=ip,
        outcome="failure",
        tenant_id=reused.tenant_id,
        details={"family_id": str(reused.family_id)},
    )
    raise InvalidRefreshToken(
        "This refresh token was already used; every session it started is ended",
        code="refresh_token_reused",
    )


async def logout(session: AsyncSession, presented: str, *, ip: str | None) -> None:
    """End the session the token belongs to (its whole family); unknown or already ended
    tokens change nothing, and the answer is the same."""
    tokens = RefreshTokenRepository(session)
    current = await tokens.by_hash(hash_opaque_token(presented))
    if current is None or current.revoked_at is not None:
        return
    await tokens.revoke_family(current.family_id, utcnow())
    row = await AccountRepository(session).by_token_subject(
        current.user_table, current.user_id, current.tenant_id
    )
    if row is not None:
        await record(session, "auth.logout", who=identity_of(row), ip=ip)


async def end_all_sessions(session: AsyncSession, row: AccountRow, now: datetime) -> int:
    """End every session of the account: its refresh tokens are revoked, and the access
    tokens issued before `now` are refused by the identity check of every request."""
    who = identity_of(row)
    row.sessions_valid_after = now
    await session.flush()
    forget_identity(who.user_id)
    return await RefreshTokenRepository(session).revoke_user(who.user_table, who.user_id, now)


async def logout_everywhere(
    session: AsyncSession, principal: Principal, *, ip: str | None, now: datetime
) -> None:
    """The caller ends every session of its own, this one included (a lost phone)."""
    row = await account_of(session, principal)
    ended = await end_all_sessions(session, row, now)
    await record(
        session, "auth.logout_all", who=identity_of(row), ip=ip, details={"refresh_tokens": ended}
    )
