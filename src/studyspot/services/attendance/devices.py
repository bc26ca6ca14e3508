"""Door display devices: an owner creates one per tablet, for one library; it may then read
that library's display code and nothing else, until the owner revokes it.

The key is `sdk1.<tenant>.<device>.<secret>`: the tenant and device ids say where to look,
the secret (32 random bytes) proves it; only its SHA-256 is stored, and it is shown once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.services.attendance.access import Display, Viewer
from studyspot.services.attendance.errors import DeviceNotFound, InvalidDisplayKey
from studyspot.services.attendance.models import DisplayDevice
from studyspot.services.attendance.runtime import Runtime
from studyspot.services.attendance.schemas import DeviceCreate, DeviceCreated, DeviceRead

PREFIX = "sdk1"
# last_used_at is refreshed at most this often (a tablet asks every 30 s).
TOUCH_EVERY = timedelta(minutes=10)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create(session: AsyncSession, viewer: Viewer, body: DeviceCreate) -> DeviceCreated:
    secret = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    device = DisplayDevice(
        id=uuid.uuid4(),
        tenant_id=viewer.tenant_id,
        library_id=body.library_id,
        name=body.name,
        token_hash=_hash(secret),
        created_by=viewer.user_id,
    )
    session.add(device)
    await session.flush()
    await audit.record(
        session,
        "attendance.display_device_created",
        "attendance_display_device",
        device.id,
        details={"library_id": str(body.library_id), "name": body.name},
        **viewer.audit_actor(),
    )
    key = f"{PREFIX}.{viewer.tenant_id.hex}.{device.id.hex}.{secret}"
    return DeviceCreated(**DeviceRead.model_validate(device).model_dump(), display_key=key)


async def listing(session: AsyncSession, viewer: Viewer) -> list[DeviceRead]:
    query = select(DisplayDevice).where(DisplayDevice.tenant_id == viewer.tenant_id)
    if viewer.library_ids is not None:
        query = query.where(DisplayDevice.library_id.in_(sorted(viewer.library_ids)))
    rows = await session.scalars(query.order_by(DisplayDevice.created_at, DisplayDevice.id))
    return [DeviceRead.model_validate(d) for d in rows]


async def revoke(session: AsyncSession, viewer: Viewer, device_id: uuid.UUID) -> None:
    device = (
        await session.scalars(
            select(DisplayDevice).where(
                DisplayDevice.tenant_id == viewer.tenant_id, DisplayDevice.id == device_id
            )
        )
    ).first()
    if device is None or not viewer.can_see_library(device.library_id):
        raise DeviceNotFound()
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        await audit.record(
            session,
            "attendance.display_device_revoked",
            "attendance_display_device",
            device.id,
            **viewer.audit_actor(),
        )


async def authenticate(runtime: Runtime, key: str) -> Display:
    """The device behind `key`, if the key is genuine and not revoked (401 otherwise)."""
    parts = key.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise InvalidDisplayKey()
    try:
        tenant_id, device_id = uuid.UUID(hex=parts[1]), uuid.UUID(hex=parts[2])
    except ValueError as exc:
        raise InvalidDisplayKey() from exc
    try:
        db = await runtime.kit.tenants.for_tenant(runtime.kit.core, tenant_id)
    except AppError as exc:
        if exc.status == 404:
            raise InvalidDisplayKey() from exc
        raise
    now = runtime.now()
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        device = (
            await session.scalars(
                select(DisplayDevice).where(
                    DisplayDevice.tenant_id == tenant_id, DisplayDevice.id == device_id
                )
            )
        ).first()
        if (
            device is None
            or device.revoked_at is not None
            or not hmac.compare_digest(device.token_hash, _hash(parts[3]))
        ):
            raise InvalidDisplayKey()
        if device.last_used_at is None or now - device.last_used_at > TOUCH_EVERY:
            await session.execute(
                update(DisplayDevice)
                .where(DisplayDevice.tenant_id == tenant_id, DisplayDevice.id == device_id)
                .values(last_used_at=now)
            )
        return Display(device.id, tenant_id, device.library_id)
