"""Platform admins and staff. The first admin comes from `studyspot admin create`."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.schemas import WriteModel
from studyspot.kit.settings import Settings
from studyspot.services.auth.errors import EmailTaken
from studyspot.services.auth.fields import Email, Name
from studyspot.services.auth.identity import new_password_hash
from studyspot.services.auth.models import PlatformAdmin, PlatformStaff
from studyspot.services.auth.repository import AccountRepository
from studyspot.services.auth.schemas import NewPassword


class PlatformUserCreate(WriteModel):
    email: Email
    name: Name
    password: NewPassword
    staff: bool = False


async def create_platform_user(
    session: AsyncSession, settings: Settings, data: PlatformUserCreate, *, actor: str
) -> uuid.UUID:
    accounts = AccountRepository(session)
    # One e-mail names one platform user, whichever of the two tables it is in.
    if await accounts.platform_by_email(data.email) is not None:
        raise EmailTaken()
    model = PlatformStaff if data.staff else PlatformAdmin
    user = model(
        email=data.email,
        name=data.name,
        password_hash=await new_password_hash(settings, data.password),
        is_active=True,
    )
    try:
        await accounts.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    await record(
        session,
        "auth.platform_user_created",
        model.__tablename__,
        user.id,
        actor_type=actor,
        details={"email": data.email},
    )
    return user.id
