"""Logins of students and library staff, managed by the services that own those people.

The student service and the library service call these (internal routes) when
they create, change, invite or erase one of their users; auth keeps only what
a login needs and never the profile.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.auth import forget_identity
from studyspot.kit.errors import Conflict, Unprocessable
from studyspot.kit.models import utcnow
from studyspot.kit.service_auth import CallerNotAccepted, ServiceCaller
from studyspot.services.auth.client import (
    CredentialCreate,
    CredentialCreated,
    CredentialRead,
    CredentialTable,
    CredentialUpdate,
    LinkBox,
    check_roles,
)
from studyspot.services.auth.errors import (
    CredentialsExist,
    CredentialsNotFound,
    LoginTaken,
    TenantMismatch,
)
from studyspot.services.auth.models import UserCredential
from studyspot.services.auth.password_resets import INVITE, send_link
from studyspot.services.auth.repository import (
    AccountRepository,
    OneTimeTokenRepository,
    RefreshTokenRepository,
)
from studyspot.services.auth.sessions import end_all_sessions

_LOGIN_FIELDS = ("email", "phone")


# Who owns the people behind each kind of login: only that service manages them, so a
# leaked student-service key cannot, say, reset a desk manager's login.
_OWNER = {"students": "student", "library_staff": "library"}


def _acts_for(caller: ServiceCaller, tenant_id: uuid.UUID, user_table: str) -> None:
    # A service token bound to a tenant may only touch that tenant's logins.
    if caller.tenant_id is not None and caller.tenant_id != tenant_id:
        raise TenantMismatch()
    if _OWNER.get(user_table) != caller.service:
        raise CallerNotAccepted(f"The {caller.service} service does not manage {user_table}")


def read(row: UserCredential) -> CredentialRead:
    return CredentialRead(
        user_id=row.user_id,
        user_table=row.user_table,
        tenant_id=row.tenant_id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        roles=row.roles,
        is_active=row.is_active,
        has_password=row.password_hash is not None,
    )


async def _check_login_free(
    accounts: AccountRepository,
    tenant_id: uuid.UUID,
    user_table: str,
    values: dict[str, str | None],
    *,
    other_than: uuid.UUID | None = None,
) -> None:
    for field in _LOGIN_FIELDS:
        value = values.get(field)
        if value and await accounts.login_taken(
            tenant_id, user_table, field, value, other_than=other_than
        ):
            raise LoginTaken(field)


async def _flush_or_taken(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        # Lost a race with another write of the same e-mail or phone since the check.
        raise LoginTaken("e-mail or phone") from None


async def create(
    session: AsyncSession, caller: ServiceCaller, body: CredentialCreate
) -> CredentialCreated:
    _acts_for(caller, body.tenant_id, body.user_table)
    accounts = AccountRepository(session)
    if await accounts.credential(body.tenant_id, body.user_table, body.user_id) is not None:
        raise CredentialsExist()
    await _check_login_free(
        accounts, body.tenant_id, body.user_table, {"email": body.email, "phone": body.phone}
    )
    session.add(
        UserCredential(
            user_id=body.user_id,
            user_table=body.user_table,
            tenant_id=body.tenant_id,
            name=body.name,
            email=body.email,
            phone=body.phone,
            roles=[r.value for r in body.roles],
            is_active=body.is_active,
        )
    )
    await _flush_or_taken(session)
    await record(
        session,
        "auth.credentials_created",
        body.user_table,
        body.user_id,
        tenant_id=body.tenant_id,
        actor_type=f"service:{caller.service}",
    )
    return CredentialCreated(user_id=body.user_id, user_table=body.user_table)


async def _existing(
    session: AsyncSession, user_table: str, user_id: uuid.UUID, tenant_id: uuid.UUID
) -> UserCredential:
    row = await AccountRepository(session).credential(
        tenant_id, user_table, user_id, for_update=True
    )
    if row is None:
        raise CredentialsNotFound()
    return row


async def update(
    session: AsyncSession,
    caller: ServiceCaller,
    user_table: CredentialTable,
    user_id: uuid.UUID,
    body: CredentialUpdate,
) -> CredentialRead:
    _acts_for(caller, body.tenant_id, user_table)
    changes = body.model_dump(include=body.model_fields_set - {"tenant_id"})
    if changes.get("roles") is not None:
        try:
            roles = check_roles(user_table, body.roles or [])
        except ValueError as exc:
            raise Unprocessable(errors=[{"field": "body.roles", "message": str(exc)}]) from None
        changes["roles"] = [r.value for r in roles]
    for field in ("name", "roles", "is_active"):
        if field in changes and changes[field] is None:
            raise Unprocessable(errors=[{"field": f"body.{field}", "message": "cannot be null"}])
    row = await _existing(session, user_table, user_id, body.tenant_id)
    await _check_login_free(
        AccountRepository(session), body.tenant_id, user_table, changes, other_than=user_id
    )
    was_active, old_roles = row.is_active, sorted(row.roles)
    for field, value in changes.items():
        setattr(row, field, value)
    await _flush_or_taken(session)
    if was_active != row.is_active or sorted(row.roles) != old_roles:
        # Tokens carry the roles, and a reactivation must not revive tokens of before the
        # deactivation: every session ends, access tokens at their next request.
        await end_all_sessions(session, row, utcnow())
    await record(
        session,
        "auth.credentials_updated",
        user_table,
        user_id,
        tenant_id=body.tenant_id,
        actor_type=f"service:{caller.service}",
        details={"fields": sorted(changes)},
    )
    return read(row)


async def send_set_password_link(
    session: AsyncSession,
    caller: ServiceCaller,
    user_table: CredentialTable,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    *,
    ttl: timedelta,
    box: LinkBox,
) -> None:
    _acts_for(caller, tenant_id, user_table)
    row = await _existing(session, user_table, user_id, tenant_id)
    if not row.is_active:
        raise Conflict(
            "This login is deactivated; activate it before inviting", code="account_inactive"
        )
    await send_link(session, row, INVITE, ttl=ttl, now=utcnow(), box=box)
    await record(
        session,
        "auth.invite_sent",
        user_table,
        user_id,
        tenant_id=tenant_id,
        actor_type=f"service:{caller.service}",
    )


async def erase(
    session: AsyncSession,
    caller: ServiceCaller,
    user_table: CredentialTable,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
) -> None:
    """Forget the login and everything tied to it; erasing twice is fine."""
    _acts_for(caller, tenant_id, user_table)
    accounts = AccountRepository(session)
    row = await accounts.credential(tenant_id, user_table, user_id, for_update=True)
    if row is None:
        return
    await RefreshTokenRepository(session).delete_user(user_table, user_id)
    await OneTimeTokenRepository(session).delete_user(user_table, user_id)
    await accounts.delete_credential(row)
    forget_identity(user_id)
    await record(
        session,
        "auth.credentials_erased",
        user_table,
        user_id,
        tenant_id=tenant_id,
        actor_type=f"service:{caller.service}",
    )
