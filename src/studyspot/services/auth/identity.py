"""Who a stored account is (type, table, tenant, roles), whatever table it lives in."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import (
    ACTIVE_TENANT_STATUSES,
    IdentityStatus,
    Principal,
    read_identity_status,
)
from studyspot.kit.errors import Unauthorized
from studyspot.kit.passwords import dummy_hash, hash_password, verify_password
from studyspot.kit.permissions import USER_TABLES, Role, UserType
from studyspot.kit.settings import Settings
from studyspot.services.auth.models import (
    LibraryOwner,
    PlatformAdmin,
    UserCredential,
)
from studyspot.services.auth.repository import AccountRepository, AccountRow

TABLE_USER_TYPES: dict[str, UserType] = {table: kind for kind, table in USER_TABLES.items()}
# A tenant being moved to its own database is still this tenant's: its users keep their sessions.
_USABLE_TENANT_STATUSES = ACTIVE_TENANT_STATUSES | {"migrating"}


@dataclass(frozen=True)
class Identity:
    user_id: uuid.UUID
    user_type: UserType
    tenant_id: uuid.UUID | None
    email: str | None
    name: str
    roles: tuple[str, ...]

    @property
    def user_table(self) -> str:
        return USER_TABLES[self.user_type]


def identity_of(row: AccountRow) -> Identity:
    if isinstance(row, UserCredential):
        kind = TABLE_USER_TYPES[row.user_table]
        return Identity(row.user_id, kind, row.tenant_id, row.email, row.name, tuple(row.roles))
    if isinstance(row, LibraryOwner):
        roles: tuple[str, ...] = (Role.library_owner.value,)
        return Identity(row.id, UserType.library_owner, row.tenant_id, row.email, row.name, roles)
    if isinstance(row, PlatformAdmin):
        roles = (Role.platform_admin.value,)
        return Identity(row.id, UserType.platform_admin, None, row.email, row.name, roles)
    roles = (Role.platform_staff.value,)
    return Identity(row.id, UserType.platform_staff, None, row.email, row.name, roles)


def identity_of_principal(principal: Principal) -> Identity:
    """The identity a verified access token names."""
    return Identity(
        principal.user_id,
        UserType(principal.user_type),
        principal.tenant_id,
        principal.email or None,
        "",
        principal.roles,
    )


async def account_of(session: AsyncSession, principal: Principal) -> AccountRow:
    """The stored account behind a verified access token."""
    row = await AccountRepository(session).by_token_subject(
        principal.user_table, principal.user_id, principal.tenant_id
    )
    if row is None:  # the kit found the account a moment ago; it was erased since
        raise Unauthorized("This account no longer exists", code="account_inactive")
    return row


async def find_by_login(
    accounts: AccountRepository,
    user_type: UserType,
    *,
    tenant_id: uuid.UUID | None,
    email: str | None,
    phone: str | None,
) -> AccountRow | None:
    """The account a login form names; None when there is none (or no such tenant)."""
    if user_type is UserType.library_owner:
        return await accounts.owner_by_email(email) if email else None
    if user_type in (UserType.platform_admin, UserType.platform_staff):
        row = await accounts.platform_by_email(email) if email else None
        return row if row is not None and identity_of(row).user_type is user_type else None
    if tenant_id is None:
        return None
    return await accounts.credential_by_login(
        tenant_id, USER_TABLES[user_type], email=email, phone=phone
    )


async def password_matches(settings: Settings, row: AccountRow | None, password: str) -> bool:
    """Check a password at the full bcrypt cost even when there is no account or no password.

    bcrypt runs in a worker thread: at production cost it takes a quarter of a
    second, which would stall every other request of this process.
    """
    stored = row.password_hash if row is not None else None
    matched = await asyncio.to_thread(
        verify_password, password, stored or dummy_hash(settings.bcrypt_rounds)
    )
    return matched and stored is not None


async def new_password_hash(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(hash_password, password, settings.bcrypt_rounds)


async def standing(session: AsyncSession, who: Identity) -> str | None:
    """Why this user may not have a session now (`account_inactive`, `tenant_suspended`), or None.

    The same check the kit makes on every request, so a login or refresh never
    hands out a token the next request would refuse.
    """
    status: IdentityStatus = await read_identity_status(
        session, who.user_table, who.user_id, who.tenant_id
    )
    if not status.active:
        return "account_inactive"
    if who.tenant_id is not None and status.tenant_status not in _USABLE_TENANT_STATUSES:
        return "tenant_suspended"
    return None


async def record(
    session: AsyncSession,
    action: str,
    *,
    who: Identity | None,
    ip: str | None,
    outcome: str = "success",
    tenant_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit row about a user (`who`), or about an attempt that matched no user.

    Only a success names `who` as the actor: a failed attempt on an account is
    not known to come from its owner.
    """
    acted = who if who is not None and outcome == "success" else None
    await audit.record(
        session,
        action,
        who.user_table if who else "login",
        who.user_id if who else None,
        tenant_id=who.tenant_id if who else tenant_id,
        actor_id=acted.user_id if acted else None,
        actor_type=acted.user_type.value if acted else None,
        outcome=outcome,
        ip=ip,
        details=details,
    )
