"""A tenant's own provider keys: stored encrypted, read back only to call the provider.

The ciphertext is bound to `payment:<tenant>:<provider>:<field>`, so a
ciphertext copied into another tenant's row does not decrypt: tenant A's keys
are never used for tenant B even if rows were mixed up.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record
from studyspot.kit.crypto import DecryptionError, SecretBox
from studyspot.kit.repository import TenantRepository
from studyspot.services.payment.errors import ProviderNotConfigured
from studyspot.services.payment.models import ProviderAccount
from studyspot.services.payment.providers.base import Credentials


def _context(tenant_id: uuid.UUID, provider: str, field: str) -> str:
    return f"payment:{tenant_id}:{provider}:{field}"


class Accounts(TenantRepository[ProviderAccount]):
    model = ProviderAccount

    async def find(self, provider: str) -> ProviderAccount | None:
        return await self.first(self.select().where(ProviderAccount.provider == provider))

    async def all_accounts(self) -> list[ProviderAccount]:
        return await self.all(self.select().order_by(ProviderAccount.provider))


async def save_account(
    session: AsyncSession,
    box: SecretBox,
    tenant_id: uuid.UUID,
    provider: str,
    *,
    public_id: str,
    display_name: str | None,
    secret: str | None,
    webhook_secret: str | None,
    actor_id: uuid.UUID,
    actor_type: str,
) -> ProviderAccount:
    repo = Accounts(session, tenant_id)
    account = await repo.find(provider)
    if account is None:
        account = ProviderAccount(provider=provider, public_id=public_id, is_active=True)
        account.tenant_id = tenant_id
        session.add(account)
    account.public_id = public_id
    account.display_name = display_name
    account.is_active = True
    account.secret_ciphertext = (
        box.encrypt(secret, context=_context(tenant_id, provider, "secret")) if secret else None
    )
    account.webhook_secret_ciphertext = (
        box.encrypt(webhook_secret, context=_context(tenant_id, provider, "webhook_secret"))
        if webhook_secret
        else None
    )
    await session.flush()
    await record(
        session,
        "payment_account.saved",
        "payment_provider_account",
        account.id,
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_type=actor_type,
        # Which keys changed, never their values.
        details={
            "provider": provider,
            "has_secret": bool(secret),
            "has_webhook_secret": bool(webhook_secret),
        },
    )
    return account


async def delete_account(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    provider: str,
    *,
    actor_id: uuid.UUID,
    actor_type: str,
) -> bool:
    repo = Accounts(session, tenant_id)
    account = await repo.find(provider)
    if account is None:
        return False
    await session.delete(account)
    await record(
        session,
        "payment_account.deleted",
        "payment_provider_account",
        account.id,
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_type=actor_type,
        details={"provider": provider},
    )
    return True


def credentials_of(box: SecretBox, account: ProviderAccount) -> Credentials:
    tenant_id, provider = account.tenant_id, account.provider
    try:
        secret = (
            box.decrypt(account.secret_ciphertext, context=_context(tenant_id, provider, "secret"))
            if account.secret_ciphertext
            else None
        )
        webhook_secret = (
            box.decrypt(
                account.webhook_secret_ciphertext,
                context=_context(tenant_id, provider, "webhook_secret"),
            )
            if account.webhook_secret_ciphertext
            else None
        )
    except DecryptionError as exc:
        raise ProviderNotConfigured(
            f"The stored {provider} keys cannot be read; enter them again"
        ) from exc
    return Credentials(account.public_id, secret, webhook_secret, account.display_name)


async def load_credentials(
    session: AsyncSession, box: SecretBox, tenant_id: uuid.UUID, provider: str
) -> Credentials:
    account = await Accounts(session, tenant_id).find(provider)
    if account is None or not account.is_active or account.tenant_id != tenant_id:
        raise ProviderNotConfigured(f"This library has not set up {provider} payments")
    return credentials_of(box, account)
