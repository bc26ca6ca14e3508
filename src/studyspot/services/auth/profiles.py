"""`/api/users/me`: the caller's profile, read from the table its token's userTable names.

Owners and platform users live in auth's own tables. Students and staff are
people of the student and library services: their profile comes from there,
and auth keeps their login (name, phone) in step when they change it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from studyspot.kit.auth import Principal
from studyspot.kit.driver_reads import fetch_mappings
from studyspot.kit.errors import NotFound, Unauthorized, Unprocessable
from studyspot.kit.permissions import Role, UserType, permissions_for
from studyspot.kit.settings import Settings
from studyspot.services.auth.client import OwnerContact
from studyspot.services.auth.config import AuthSettings
from studyspot.services.auth.errors import LoginTaken
from studyspot.services.auth.identity import (
    account_of,
    identity_of,
    identity_of_principal,
    record,
)
from studyspot.services.auth.models import LibraryOwner, PlatformAdmin, PlatformStaff
from studyspot.services.auth.password_resets import confirm_password
from studyspot.services.auth.repository import AccountRepository, AccountRow
from studyspot.services.auth.schemas import MeUpdate, OwnerMe, PlatformMe, StaffMe, StudentMe
from studyspot.services.auth.transactions import end_reads
from studyspot.services.auth.upstream import InternalStudent, StaffRecord, Upstream

MeAnswer = OwnerMe | PlatformMe | StudentMe | StaffMe
_PEOPLE_OF_OTHER_SERVICES = (UserType.student, UserType.library_staff)


async def read_me(session: AsyncSession, principal: Principal, upstream: Upstream) -> MeAnswer:
    if principal.user_type in _PEOPLE_OF_OTHER_SERVICES:
        return await _person_of_other_service(session, principal, upstream, {})
    return _own_me(await account_of(session, principal))


# An owner's own profile, the console's first request on every page load: one row read on
# the driver outside a transaction (kit/driver_reads.py), answered as JSON directly.
_OWNER_PROFILE = select(
    LibraryOwner.id,
    LibraryOwner.email,
    LibraryOwner.name,
    LibraryOwner.phone,
    LibraryOwner.tenant_id,
    LibraryOwner.created_at,
    LibraryOwner.last_login_at,
).where(
    LibraryOwner.id == bindparam("uid", type_=Uuid),
    LibraryOwner.tenant_id == bindparam("tid", type_=Uuid),
)
_OWNER_ROLES = [Role.library_owner.value]
_OWNER_PERMISSIONS = permissions_for(_OWNER_ROLES)


async def owner_me(reader: AsyncEngine, principal: Principal) -> dict[str, Any]:
    """`OwnerMe` of the owner behind `principal`, as a dict for orjson."""
    async with reader.connect() as conn:
        rows = await fetch_mappings(
            conn, _OWNER_PROFILE, {"uid": principal.user_id, "tid": principal.tenant_id}
        )
    if not rows:  # the kit found the account a moment ago; it was erased since
        raise Unauthorized("This account no longer exists", code="account_inactive")
    row = rows[0]
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "phone": row["phone"],
        "tenant_id": row["tenant_id"],
        "roles": _OWNER_ROLES,
        "permissions": _OWNER_PERMISSIONS,
        "user_type": UserType.library_owner.value,
        "created_at": row["created_at"],
        "last_login_at": row["last_login_at"],
    }


# Login and reset channels: changing one needs the current password.
_CHANNELS = ("phone", "email")


async def update_me(
    session: AsyncSession,
    settings: Settings,
    config: AuthSettings,
    principal: Principal,
    upstream: Upstream,
    body: MeUpdate,
    *,
    ip: str | None,
    now: datetime,
) -> MeAnswer:
    changes = body.model_dump(include=body.model_fields_set - {"current_password"})
    if any(field in changes for field in _CHANNELS):
        if body.current_password is None:
            raise Unprocessable(
                "The current password is required to change the phone",
                errors=[{"field": "body.current_password", "message": "is required with phone"}],
            )
        await confirm_password(
            session,
            settings,
            config,
            await account_of(session, principal),
            body.current_password,
            action="auth.profile_updated",
            ip=ip,
            now=now,
        )
    answer: MeAnswer
    if principal.user_type in _PEOPLE_OF_OTHER_SERVICES:
        if "phone" in changes and changes["phone"] is None:
            raise Unprocessable(
                errors=[{"field": "body.phone", "message": "may be changed but not removed"}]
            )
        answer = await _person_of_other_service(session, principal, upstream, changes)
    else:
        row = await account_of(session, principal)
        if "phone" in changes and not isinstance(row, LibraryOwner):
            raise Unprocessable(
                errors=[{"field": "body.phone", "message": "platform users have no phone"}]
            )
        for field, value in changes.items():
            setattr(row, field, value)
        await session.flush()
        answer = _own_me(row)
    if changes:
        await record(
            session,
            "auth.profile_updated",
            who=identity_of_principal(principal),
            ip=ip,
            details={"fields": sorted(changes)},
        )
    return answer


def _own_me(row: AccountRow) -> MeAnswer:
    who = identity_of(row)
    roles = [Role(r) for r in who.roles]
    common = {
        "id": who.user_id,
        "email": who.email,
        "name": who.name,
        "tenant_id": who.tenant_id,
        "roles": roles,
        "permissions": permissions_for(who.roles),
    }
    if isinstance(row, LibraryOwner):
        return OwnerMe(
            **common,
            user_type="library_owner",
            phone=row.phone,
            created_at=row.created_at,
            last_login_at=row.last_login_at,
        )
    assert isinstance(row, PlatformAdmin | PlatformStaff)
    return PlatformMe(
        **common,
        user_type=who.user_type.value,
        phone=None,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


async def _person_of_other_service(
    session: AsyncSession, principal: Principal, upstream: Upstream, changes: dict[str, Any]
) -> StudentMe | StaffMe:
    """Read (and with `changes`, change) a student's or staff member's profile in its service."""
    tenant_id = principal.require_tenant()
    accounts = AccountRepository(session)
    if changes.get("phone") and await accounts.login_taken(
        tenant_id, principal.user_table, "phone", changes["phone"], other_than=principal.user_id
    ):
        raise LoginTaken("phone")
    await end_reads(session)

    profile: InternalStudent | StaffRecord | None
    if principal.user_type == UserType.student:
        if changes:
            profile = await upstream.student.update_student(tenant_id, principal.user_id, **changes)
        else:
            profile = await upstream.student.get_student(tenant_id, principal.user_id)
    elif changes:
        profile = await upstream.library.update_staff(tenant_id, principal.user_id, **changes)
    else:
        profile = await upstream.library.get_staff(tenant_id, principal.user_id)
    if profile is None:
        raise NotFound("This profile no longer exists", code="profile_not_found")
    name, phone = profile.name, profile.phone

    credential = await accounts.credential(tenant_id, principal.user_table, principal.user_id)
    if credential is None:
        raise Unauthorized("This account no longer exists", code="account_inactive")
    if (credential.name, credential.phone) != (name, phone):
        # Keep the login in step with the profile the other service now holds.
        credential.name, credential.phone = name, phone
        try:
            await session.flush()
        except IntegrityError:
            raise LoginTaken("phone") from None
    roles = [Role(r) for r in credential.roles]
    common = {
        "id": principal.user_id,
        "name": name,
        "phone": phone,
        "tenant_id": tenant_id,
        "roles": roles,
        "permissions": permissions_for(credential.roles),
    }
    if isinstance(profile, InternalStudent):
        return StudentMe(
            **common,
            user_type="student",
            email=profile.email,
            status=profile.status,
            enrollment_number=profile.enrollment_number,
            home_library_id=profile.home_library_id,
        )
    return StaffMe(
        **common,
        user_type="library_staff",
        email=profile.email,
        role=profile.role,
        library_ids=list(profile.library_ids),
    )


async def tenant_owners(session: AsyncSession, tenant_id: uuid.UUID) -> list[OwnerContact]:
    """The tenant's active owners, oldest first: whom the message service tells about the
    business's own StudySpot account (trial, billing)."""
    rows = await session.scalars(
        select(LibraryOwner)
        .where(LibraryOwner.tenant_id == tenant_id, LibraryOwner.is_active.is_(True))
        .order_by(LibraryOwner.created_at, LibraryOwner.id)
    )
    return [OwnerContact(id=r.id, name=r.name, email=r.email, phone=r.phone) for r in rows]
