"""Rules for library staff: the owner hires them for branches; their login lives in auth.

Every change that the login must know (name, e-mail, phone, role, active) is
written here first (flushed, so our unique indexes speak first) and then sent
to the auth service; if auth refuses, the request fails and our transaction
rolls back. Creating a person also creates the login and sends the
set-password link; if the link cannot be sent, the new login is erased again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.auth import forget_identity
from studyspot.kit.errors import Unprocessable
from studyspot.kit.models import utcnow
from studyspot.kit.pagination import PageParams, paginate, sort_clause
from studyspot.kit.service_client import inside_transaction
from studyspot.services.library.access import Viewer
from studyspot.services.library.client import StaffRecord
from studyspot.services.library.errors import (
    BranchForbidden,
    LibraryNotFound,
    StaffInactive,
    StaffLoginTaken,
    StaffNotFound,
)
from studyspot.services.library.limits import check_quota, lock_quota
from studyspot.services.library.models import LibraryStaff, StaffAssignment
from studyspot.services.library.repository import LibraryRepository, StaffRepository, violates
from studyspot.services.library.schemas.staff import StaffCreate, StaffRead, StaffUpdate
from studyspot.services.library.upstream import STAFF_TABLE, Upstream

log = structlog.get_logger("studyspot.library.staff")
_SORTABLE = {"name": LibraryStaff.name, "created_at": LibraryStaff.created_at}


def staff_read(staff: LibraryStaff, library_ids: Sequence[uuid.UUID]) -> StaffRead:
    return StaffRead(
        id=staff.id,
        name=staff.name,
        email=staff.email,
        phone=staff.phone,
        role="manager" if staff.role == "manager" else "staff",
        library_ids=sorted(library_ids),
        is_active=staff.is_active,
        invited_at=staff.invited_at,
        created_at=staff.created_at,
        updated_at=staff.updated_at,
    )


async def _check_libraries(
    session: AsyncSession, tenant_id: uuid.UUID, library_ids: Sequence[uuid.UUID]
) -> None:
    found = await LibraryRepository(session, tenant_id).existing_ids(library_ids)
    missing = [str(i) for i in library_ids if i not in found]
    if missing:
        raise Unprocessable(
            "Unknown libraries",
            errors=[
                {"field": "body.library_ids", "message": f"{i} is not a library of yours"}
                for i in missing
            ],
        )


async def _logins_free(
    repo: StaffRepository, values: dict[str, Any], besides: uuid.UUID | None
) -> None:
    for field in ("email", "phone"):
        value = values.get(field)
        if value is not None and await repo.login_taken(field, value, besides=besides):
            raise StaffLoginTaken(field)


async def _flush_or_conflict(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        for field in ("email", "phone"):
            if violates(exc, f"uq_library_staff_tenant_id_{field}", f"library_staff.{field}"):
                raise StaffLoginTaken(field) from exc
        raise


# A staff member's login lives in auth's core database, another database than this unit of
# work's: it is written once the row here was checked and flushed (a taken email or phone
# fails first), and erased again when the row is not kept.
_LOGIN_WITH_ROW = "the staff member's login, in the core database, follows their row"


async def _erase_login(upstream: Upstream, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> None:
    try:
        with inside_transaction(_LOGIN_WITH_ROW):
            await upstream.auth.delete_credential(
                tenant_id=tenant_id, user_table=STAFF_TABLE, user_id=staff_id
            )
    except Exception:
        # The request fails with its own error; operators learn of the stray login here.
        log.warning("staff_login_orphaned", staff_id=str(staff_id), tenant_id=str(tenant_id))


async def _one_more_active(
    session: AsyncSession, viewer: Viewer, repo: StaffRepository, upstream: Upstream
) -> None:
    """The plan's staff limit (active staff) allows one more, or 403 `plan_limit_reached`.

    The entitlements are read before the tenant's staff quota lock; the count and the
    insert (or activation) then happen under it, like libraries and seats."""
    entitlements = await upstream.entitlements(viewer.tenant_id)
    await lock_quota(session, viewer.tenant_id, "staff")
    check_quota("staff", await repo.count_active(), 1, entitlements)


async def create_staff(
    session: AsyncSession, viewer: Viewer, body: StaffCreate, upstream: Upstream
) -> StaffRead:
    await _check_libraries(session, viewer.tenant_id, body.library_ids)
    repo = StaffRepository(session, viewer.tenant_id)
    values = body.model_dump(exclude={"library_ids"})
    await _logins_free(repo, values, None)
    await _one_more_active(session, viewer, repo, upstream)
    staff = LibraryStaff(
        **values, is_active=True, tenant_id=viewer.tenant_id, created_by=viewer.user_id
    )
    session.add(staff)
    await _flush_or_conflict(session)
    await repo.set_libraries(staff.id, body.library_ids)
    with inside_transaction(_LOGIN_WITH_ROW):
        await upstream.auth.create_credential(
            tenant_id=viewer.tenant_id,
            user_table=STAFF_TABLE,
            user_id=staff.id,
            name=staff.name,
            email=staff.email,
            phone=staff.phone,
            roles=[staff.role],
            is_active=True,
        )
    try:
        with inside_transaction(_LOGIN_WITH_ROW):
            await upstream.auth.send_set_password_link(
                tenant_id=viewer.tenant_id, user_table=STAFF_TABLE, user_id=staff.id
            )
        staff.invited_at = utcnow()
        await session.flush()
        await viewer.record(
            session,
            "staff.created",
            "library_staff",
            staff.id,
            details={"role": staff.role, "library_ids": sorted(str(i) for i in body.library_ids)},
        )
    except Exception:
        # Our rows roll back with this error; the login must not outlive them.
        await _erase_login(upstream, viewer.tenant_id, staff.id)
        raise
    return staff_read(staff, body.library_ids)


async def _visible_staff(
    repo: StaffRepository, viewer: Viewer, staff_id: uuid.UUID
) -> tuple[LibraryStaff, list[uuid.UUID]]:
    staff = await repo.get(staff_id)
    if staff is None:
        raise StaffNotFound()
    library_ids = (await repo.library_ids([staff.id]))[staff.id]
    if viewer.library_ids is not None and not viewer.library_ids.intersection(library_ids):
        raise BranchForbidden("This person does not work at your branches")
    return staff, library_ids


async def get_staff(session: AsyncSession, viewer: Viewer, staff_id: uuid.UUID) -> StaffRead:
    staff, library_ids = await _visible_staff(
        StaffRepository(session, viewer.tenant_id), viewer, staff_id
    )
    return staff_read(staff, library_ids)


async def list_staff(
    session: AsyncSession,
    viewer: Viewer,
    paging: PageParams,
    *,
    library_id: uuid.UUID | None,
    role: str | None,
    is_active: bool | None,
    q: str | None,
    sort: str | None,
) -> tuple[list[StaffRead], int]:
    """The owner sees everyone; a manager the people of their own branches."""
    repo = StaffRepository(session, viewer.tenant_id)
    if library_id is not None:
        library = await LibraryRepository(session, viewer.tenant_id).get(library_id)
        if library is None:
            raise LibraryNotFound()
        viewer.check_library(library)
        query = repo.working_at([library_id])
    elif viewer.library_ids is not None:
        query = repo.working_at(viewer.library_ids)
    else:
        query = repo.select()
    if role is not None:
        query = query.where(LibraryStaff.role == role)
    if is_active is not None:
        query = query.where(LibraryStaff.is_active.is_(is_active))
    if q:
        needle = q.lower()
        query = query.where(
            or_(
                func.lower(LibraryStaff.name).contains(needle, autoescape=True),
                func.lower(LibraryStaff.email).contains(needle, autoescape=True),
                LibraryStaff.phone.contains(needle, autoescape=True),
            )
        )
    order = sort_clause(sort, _SORTABLE, [LibraryStaff.name, LibraryStaff.id])
    people, total = await paginate(session, query, paging, order)
    branches = await repo.library_ids([p.id for p in people])
    return [staff_read(p, branches[p.id]) for p in people], total


async def update_staff(
    session: AsyncSession,
    viewer: Viewer,
    staff_id: uuid.UUID,
    body: StaffUpdate,
    upstream: Upstream,
) -> StaffRead:
    repo = StaffRepository(session, viewer.tenant_id)
    staff, library_ids = await _visible_staff(repo, viewer, staff_id)
    changes = body.changes()
    changes.pop("library_ids", None)
    email = changes.get("email", staff.email)
    phone = changes.get("phone", staff.phone)
    if email is None and phone is None:
        raise Unprocessable(
            "A staff member needs an email or a phone to log in",
            errors=[{"field": "body", "message": "keep an email or a phone"}],
        )
    await _logins_free(repo, changes, staff.id)
    if changes.get("is_active") is True and not staff.is_active:
        await _one_more_active(session, viewer, repo, upstream)
    if body.library_ids is not None:
        await _check_libraries(session, viewer.tenant_id, body.library_ids)
        await repo.set_libraries(staff.id, body.library_ids)
        library_ids = list(body.library_ids)
    for key, value in changes.items():
        setattr(staff, key, value)
    await _flush_or_conflict(session)
    login_changes: dict[str, Any] = {
        k: v for k, v in changes.items() if k in ("name", "email", "phone", "is_active")
    }
    if "role" in changes:
        login_changes["roles"] = [changes["role"]]
    if login_changes:
        with inside_transaction(_LOGIN_WITH_ROW):
            await upstream.auth.update_credential(
                tenant_id=viewer.tenant_id,
                user_table=STAFF_TABLE,
                user_id=staff.id,
                **login_changes,
            )
        if changes.get("is_active") is False:
            forget_identity(staff.id)
    if changes or body.library_ids is not None:
        fields = sorted([*changes, *(["library_ids"] if body.library_ids is not None else [])])
        await viewer.record(
            session,
            "staff.deactivated" if changes.get("is_active") is False else "staff.updated",
            "library_staff",
            staff.id,
            details={"fields": fields},
        )
    return staff_read(staff, library_ids)


async def delete_staff(
    session: AsyncSession, viewer: Viewer, staff_id: uuid.UUID, upstream: Upstream
) -> None:
    """Remove the person and erase their login (which ends their sessions)."""
    repo = StaffRepository(session, viewer.tenant_id)
    staff, _ = await _visible_staff(repo, viewer, staff_id)
    await repo.delete(staff)
    # Erasing a login twice is fine, so a retry after a failed commit still works.
    with inside_transaction(_LOGIN_WITH_ROW):
        await upstream.auth.delete_credential(
            tenant_id=viewer.tenant_id, user_table=STAFF_TABLE, user_id=staff_id
        )
    forget_identity(staff_id)
    await viewer.record(session, "staff.deleted", "library_staff", staff_id)


async def send_invite(
    session: AsyncSession, viewer: Viewer, staff_id: uuid.UUID, upstream: Upstream
) -> StaffRead:
    repo = StaffRepository(session, viewer.tenant_id)
    staff, library_ids = await _visible_staff(repo, viewer, staff_id)
    if not staff.is_active:
        raise StaffInactive()
    with inside_transaction(_LOGIN_WITH_ROW):
        await upstream.auth.send_set_password_link(
            tenant_id=viewer.tenant_id, user_table=STAFF_TABLE, user_id=staff.id
        )
    staff.invited_at = utcnow()
    await session.flush()
    await viewer.record(session, "staff.invited", "library_staff", staff.id)
    return staff_read(staff, library_ids)


# --- internal: the auth service asks for a staff member's profile (`/api/users/me`) -------


async def staff_record(
    session: AsyncSession, tenant_id: uuid.UUID, staff_id: uuid.UUID
) -> StaffRecord:
    repo = StaffRepository(session, tenant_id)
    staff = await repo.get(staff_id)
    if staff is None:
        raise StaffNotFound()
    library_ids = (await repo.library_ids([staff.id]))[staff.id]
    return _record(staff, tenant_id, library_ids)


def _record(
    staff: LibraryStaff, tenant_id: uuid.UUID, library_ids: Sequence[uuid.UUID]
) -> StaffRecord:
    return StaffRecord(
        id=staff.id,
        tenant_id=tenant_id,
        name=staff.name,
        email=staff.email,
        phone=staff.phone,
        role="manager" if staff.role == "manager" else "staff",
        library_ids=sorted(library_ids),
        is_active=staff.is_active,
    )


async def staff_of_library(
    session: AsyncSession, tenant_id: uuid.UUID, library_id: uuid.UUID
) -> list[StaffRecord]:
    """The active staff assigned to a branch (managers and desk), by name: whom the message
    service tells about the branch's admissions and payments."""
    repo = StaffRepository(session, tenant_id)
    rows = await repo.all(
        repo.select()
        .join(StaffAssignment, StaffAssignment.staff_id == LibraryStaff.id)
        .where(
            StaffAssignment.tenant_id == tenant_id,
            StaffAssignment.library_id == library_id,
            LibraryStaff.is_active.is_(True),
        )
        .order_by(LibraryStaff.name, LibraryStaff.id)
    )
    branches = await repo.library_ids([row.id for row in rows])
    return [_record(row, tenant_id, branches[row.id]) for row in rows]


async def update_own_profile(
    session: AsyncSession, tenant_id: uuid.UUID, staff_id: uuid.UUID, changes: dict[str, Any]
) -> StaffRecord:
    """Name and phone a staff member changed through auth; auth updates its login itself."""
    repo = StaffRepository(session, tenant_id)
    staff = await repo.get(staff_id)
    if staff is None:
        raise StaffNotFound()
    await _logins_free(repo, changes, staff.id)
    for key, value in changes.items():
        setattr(staff, key, value)
    await _flush_or_conflict(session)
    if changes:
        await audit.record(
            session,
            "staff.profile_updated",
            "library_staff",
            staff.id,
            tenant_id=tenant_id,
            actor_id=staff.id,
            actor_type="library_staff",
            details={"fields": sorted(changes)},
        )
    return await staff_record(session, tenant_id, staff_id)
