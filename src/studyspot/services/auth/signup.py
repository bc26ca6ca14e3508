"""A library owner signs up: a tenant on the trial plan, its owner, and a first session."""

from __future__ import annotations

from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.models import utcnow
from studyspot.kit.settings import Settings
from studyspot.services.auth.errors import EmailTaken
from studyspot.services.auth.identity import identity_of, new_password_hash, record
from studyspot.services.auth.models import LibraryOwner
from studyspot.services.auth.repository import AccountRepository
from studyspot.services.auth.schemas import RegisterRequest, RegisterResponse, TenantSummary
from studyspot.services.auth.sessions import start_session
from studyspot.services.auth.transactions import end_reads, on_rollback
from studyspot.services.auth.upstream import TenantClient


async def register(
    session: AsyncSession,
    settings: Settings,
    tenants: TenantClient,
    body: RegisterRequest,
    *,
    ip: str | None,
) -> RegisterResponse:
    accounts = AccountRepository(session)
    # The common failure (e-mail already registered) must not leave a tenant behind.
    if await accounts.owner_email_taken(body.email):
        raise EmailTaken()
    await end_reads(session)
    password_hash = await new_password_hash(settings, body.password)

    # The tenant service makes the tenant; its trial (plan, limits, end date) is the
    # subscription service's, opened from the tenant's creation (kit/entitlements.py).
    tenant = await tenants.create_tenant(
        name=body.business_name, contact_email=body.email, phone=body.phone
    )
    on_rollback(session, partial(tenants.delete_tenant, tenant.id))

    now = utcnow()
    owner = LibraryOwner(
        tenant_id=tenant.id,
        email=body.email,
        name=body.name,
        phone=body.phone,
        password_hash=password_hash,
        is_active=True,
        last_login_at=now,
    )
    try:
        await accounts.add(owner)
    except IntegrityError:
        # Another signup with this e-mail won the race since the check above.
        raise EmailTaken() from None
    who = identity_of(owner)
    tokens, _ = await start_session(session, settings, who, now=now)
    await record(session, "auth.register", who=who, ip=ip, details={"tenant_slug": tenant.slug})
    return RegisterResponse(
        **tokens.model_dump(),
        tenant=TenantSummary(
            id=tenant.id, slug=tenant.slug, name=tenant.name, status=tenant.status
        ),
    )
