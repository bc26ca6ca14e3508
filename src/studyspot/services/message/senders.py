"""A tenant's own sender accounts: its SMTP relay, MSG91 or Twilio account or WhatsApp number.

When a tenant has one for a channel, its messages on that channel go through it
instead of the platform's provider. The secret of each (SMTP password, MSG91 auth
key, Twilio auth token, WhatsApp access token; the WhatsApp app secret) is stored only as ciphertext
under the kit's `SecretBox`, as the payment service stores provider keys, bound to
`message:<tenant>:<channel>:<field>`, so a ciphertext copied into another tenant's
row does not open there. No response, log line or audit entry holds a secret:
the owner sees only whether one is stored.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit import audit
from studyspot.kit.crypto import DecryptionError, SecretBox
from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.errors import AppError, NotFound, Unprocessable
from studyspot.kit.models import utcnow
from studyspot.services.message.channels.base import ChannelProvider
from studyspot.services.message.channels.email import SmtpEmail
from studyspot.services.message.channels.msg91 import Msg91Sms
from studyspot.services.message.channels.twilio import TwilioSms
from studyspot.services.message.channels.whatsapp import WhatsAppCloud
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.models import (
    SenderAccount,
    TenantMessageSettings,
    WebhookRoute,
)

log = structlog.get_logger("studyspot.message")

# Channel → the providers a tenant may bring for it (one account per channel).
PROVIDERS_OF_CHANNEL = {
    "email": ("smtp",),
    "sms": ("msg91", "twilio"),
    "whatsapp": ("whatsapp_cloud",),
}
# Providers whose callbacks come to a webhook address of the account's own (Twilio's name
# the business in the URL each message or number carries; SMTP has none).
OWN_WEBHOOK_PROVIDERS = frozenset({"whatsapp_cloud", "msg91"})
# 16 random bytes, URL-safe base64: what a webhook address's id looks like.
WEBHOOK_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


class SenderAccountNotFound(NotFound):
    code = "sender_account_not_found"


class SmtpHostRefused(Unprocessable):
    code = "smtp_host_refused"


class WebhookNotFound(NotFound):
    """The same answer for an id that never existed, one of a removed account and one of
    another channel: the address says nothing about which accounts exist."""

    code = "webhook_not_found"


def _context(tenant_id: uuid.UUID, channel: str, field: str) -> str:
    return f"message:{tenant_id}:{channel}:{field}"


def check_smtp_host(host: str, *, allow_private: bool) -> None:
    """A tenant's relay must be on the internet, not this platform's own network.

    Refuses loopback, private, link-local and reserved IP literals and `localhost`
    (unless `MESSAGE_TENANT_SMTP_PRIVATE_HOSTS` allows them, for development and
    tests). A name that resolves to such an address later is not caught here.
    """
    if allow_private:
        return
    name = host.strip().rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost") or name.endswith(".internal"):
        raise SmtpHostRefused("The SMTP host must be a public relay, not a local name")
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return
    if not address.is_global:
        raise SmtpHostRefused("The SMTP host must be a public relay, not a private address")


@dataclass(frozen=True)
class SenderSave:
    channel: str
    settings: dict[str, Any]
    # None keeps the stored one (so the owner may change the host without retyping).
    secret: str | None
    webhook_secret: str | None
    provider: str = ""  # "": the channel's first (smtp, msg91, whatsapp_cloud)

    @property
    def provider_name(self) -> str:
        return self.provider or PROVIDERS_OF_CHANNEL[self.channel][0]


async def list_accounts(session: AsyncSession, tenant_id: uuid.UUID) -> list[SenderAccount]:
    rows = await session.scalars(
        select(SenderAccount)
        .where(SenderAccount.tenant_id == tenant_id)
        .order_by(SenderAccount.channel)
    )
    return list(rows)


async def _find(session: AsyncSession, tenant_id: uuid.UUID, channel: str) -> SenderAccount | None:
    found: SenderAccount | None = await session.scalar(
        select(SenderAccount).where(
            SenderAccount.tenant_id == tenant_id, SenderAccount.channel == channel
        )
    )
    return found


async def save_account(
    session: AsyncSession,
    box: SecretBox,
    tenant_id: uuid.UUID,
    save: SenderSave,
    *,
    actor_id: uuid.UUID,
    actor_type: str,
) -> SenderAccount:
    """Create or replace the tenant's account for a channel. A new account needs its secret."""
    account = await _find(session, tenant_id, save.channel)
    # Another provider's secret means nothing to this one (an MSG91 key is no Twilio token).
    if save.secret is None and (account is None or account.provider != save.provider_name):
        raise Unprocessable(
            "A new sender account needs its secret",
            errors=[{"field": "body.secret", "message": "is required for a new account"}],
        )
    if account is None:
        account = SenderAccount(channel=save.channel, provider=save.provider_name, settings={})
        account.tenant_id = tenant_id
        session.add(account)
    elif account.provider != save.provider_name:
        account.provider = save.provider_name
        account.webhook_secret_ciphertext = None
        # Another provider's address and token mean nothing to this one.
        account.webhook_id = account.webhook_token_ciphertext = None
    account.settings = dict(save.settings)
    if account.webhook_id is None and account.provider in OWN_WEBHOOK_PROVIDERS:
        # Made once, here, and never changed while the account stays this provider's.
        account.webhook_id = secrets.token_urlsafe(16)
        account.webhook_token_ciphertext = box.encrypt(
            secrets.token_urlsafe(32), context=_context(tenant_id, save.channel, "webhook_token")
        )
    if save.secret is not None:
        account.secret_ciphertext = box.encrypt(
            save.secret, context=_context(tenant_id, save.channel, "secret")
        )
    if save.webhook_secret is not None:
        account.webhook_secret_ciphertext = box.encrypt(
            save.webhook_secret, context=_context(tenant_id, save.channel, "webhook_secret")
        )
    await session.flush()
    await audit.record(
        session,
        "message.sender_account_saved",
        "message_sender_account",
        account.id,
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_type=actor_type,
        # Which secrets changed, never their values.
        details={
            "channel": save.channel,
            "secret_changed": save.secret is not None,
            "webhook_secret_changed": save.webhook_secret is not None,
        },
    )
    return account


async def delete_account(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    channel: str,
    *,
    actor_id: uuid.UUID,
    actor_type: str,
) -> None:
    account = await _find(session, tenant_id, channel)
    if account is None:
        raise SenderAccountNotFound(f"No sender account of this business for {channel}")
    await session.delete(account)
    await audit.record(
        session,
        "message.sender_account_deleted",
        "message_sender_account",
        account.id,
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_type=actor_type,
        details={"channel": channel},
    )


def _opened(box: SecretBox, account: SenderAccount, field: str, sealed: str | None) -> str:
    if sealed is None:
        return ""
    return box.decrypt(sealed, context=_context(account.tenant_id, account.channel, field))


def webhook_token(box: SecretBox, account: SenderAccount) -> str:
    """The token made for the account's webhook address ("" before it has one)."""
    return _opened(box, account, "webhook_token", account.webhook_token_ciphertext)


async def add_webhook_route(core: Database, account: SenderAccount) -> None:
    """Record whose account the webhook address names, in the core database and in its own
    transaction, before the account's own is committed: if that one fails, the route names
    an id no account holds, which answers 404 like any other."""
    if account.webhook_id is None:
        return
    async with unit_of_work(core) as session:
        found = await session.get(WebhookRoute, account.webhook_id)
        if found is None:
            session.add(
                WebhookRoute(
                    webhook_id=account.webhook_id,
                    tenant_id=account.tenant_id,
                    channel=account.channel,
                    created_at=utcnow(),
                )
            )


@dataclass(frozen=True)
class Hooked:
    """The business whose account a webhook address names."""

    tenant_id: uuid.UUID
    db: Database


async def hooked_account(
    core: Database, tenants: TenantDatabases, webhook_id: str, channel: str, provider: str
) -> Hooked:
    """The business whose `provider` account holds `webhook_id` now (WebhookNotFound for
    anything else: no such id, another channel's, an account removed or replaced)."""
    missing = WebhookNotFound("No such webhook address")
    if not WEBHOOK_ID.fullmatch(webhook_id):
        raise missing
    async with unit_of_work(core, read_only=True) as session:
        route = await session.get(WebhookRoute, webhook_id)
    if route is None or route.channel != channel:
        raise missing
    try:
        db = await tenants.for_tenant(core, route.tenant_id)
    except AppError as exc:
        raise missing from exc
    async with unit_of_work(db, tenant_id=route.tenant_id, read_only=True) as session:
        account = await _find(session, route.tenant_id, channel)
    if account is None or account.provider != provider or account.webhook_id != webhook_id:
        raise missing
    return Hooked(route.tenant_id, db)


def tenant_config(
    box: SecretBox, platform: MessageSettings, account: SenderAccount
) -> MessageSettings:
    """The platform's settings with this account's in place of the channel's provider.

    The operator's extra CA bundle (`MESSAGE_SMTP_CA_FILE`) is trusted for tenants'
    relays too; the base URLs of MSG91 and WhatsApp stay the platform's.
    """
    secret = _opened(box, account, "secret", account.secret_ciphertext)
    s = account.settings
    update: dict[str, Any]
    if account.channel == "email":
        update = {
            "smtp_host": s["host"],
            "smtp_port": s["port"],
            "smtp_security": s["security"],
            "smtp_username": s.get("username") or "",
            "smtp_password": secret,
            "email_from": s["from_address"],
            # The business's relay sends under its own domain: our bounce address as its
            # envelope sender would fail its SPF and DMARC, so its bounces (and its relay's
            # events) stay its own.
            "bounce_domain": "",
            "sendgrid_event_public_key": "",
        }
    elif account.provider == "twilio":
        update = {
            "sms_provider": "twilio",
            "twilio_account_sid": s["account_sid"],
            "twilio_auth_token": secret,
            "twilio_from": s["sender"],
        }
    elif account.channel == "sms":
        update = {
            "sms_provider": "msg91",
            "msg91_auth_key": secret,
            "msg91_sender": s["sender"],
            "msg91_entity_id": s["entity_id"],
            "msg91_flows_json": s["flows_json"],
            # The account's own URL token, never the platform's ("": reports refused).
            "msg91_webhook_token": webhook_token(box, account),
        }
    else:
        update = {
            "whatsapp_phone_number_id": s["phone_number_id"],
            "whatsapp_access_token": secret,
            "whatsapp_app_secret": _opened(
                box, account, "webhook_secret", account.webhook_secret_ciphertext
            ),
            "whatsapp_verify_token": webhook_token(box, account),
        }
    return platform.model_copy(update=update)


def provider_for(config: MessageSettings, channel: str) -> ChannelProvider:
    if channel == "email":
        return SmtpEmail(config)
    if channel == "sms":
        return TwilioSms(config) if config.sms_provider == "twilio" else Msg91Sms(config)
    return WhatsAppCloud(config)


@dataclass
class _Built:
    stamp: datetime
    provider: ChannelProvider | None


class TenantChannels:
    """Providers built from tenants' own accounts, kept while the account is unchanged."""

    def __init__(self, box: SecretBox | None) -> None:
        self.box = box
        self._built: dict[tuple[uuid.UUID, str], _Built] = {}

    async def of_tenant(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        platform: MessageSettings,
        defaults: dict[str, ChannelProvider],
    ) -> dict[str, ChannelProvider]:
        """The platform's providers with the tenant's own in their place where it has one.

        An account whose secret no longer opens (the encryption key was lost) leaves
        that channel unconfigured for the tenant, not sent under the platform's name.
        """
        if self.box is None:
            return defaults
        found = dict(defaults)
        seen: set[str] = set()
        for account in await list_accounts(session, tenant_id):
            seen.add(account.channel)
            key = (tenant_id, account.channel)
            built = self._built.get(key)
            if built is None or built.stamp != account.updated_at:
                if built is not None and built.provider is not None:
                    await built.provider.close()
                built = _Built(account.updated_at, self._build(platform, account))
                self._built[key] = built
            if built.provider is None:
                found.pop(account.channel, None)
            else:
                found[account.channel] = built.provider
        for key in [k for k in self._built if k[0] == tenant_id and k[1] not in seen]:
            gone = self._built.pop(key)
            if gone.provider is not None:
                await gone.provider.close()
        return found

    def _build(self, platform: MessageSettings, account: SenderAccount) -> ChannelProvider | None:
        assert self.box is not None
        try:
            return provider_for(tenant_config(self.box, platform, account), account.channel)
        except DecryptionError:
            log.warning(
                "message.sender_account_unreadable",
                tenant_id=str(account.tenant_id),
                channel=account.channel,
            )
            return None

    async def close(self) -> None:
        for built in self._built.values():
            if built.provider is not None:
                await built.provider.close()
        self._built.clear()


async def fallback_order(
    session: AsyncSession, tenant_id: uuid.UUID, platform: list[str]
) -> tuple[list[str], bool]:
    """The order the business's channels are tried in, and whether it chose it."""
    found = await session.scalar(
        select(TenantMessageSettings.fallback_order).where(
            TenantMessageSettings.tenant_id == tenant_id
        )
    )
    return (list(found), True) if found else (platform, False)


async def save_fallback_order(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    order: list[str],
    *,
    actor_id: uuid.UUID,
    actor_type: str,
    now: datetime,
) -> None:
    row = await session.scalar(
        select(TenantMessageSettings).where(TenantMessageSettings.tenant_id == tenant_id)
    )
    if row is None:
        row = TenantMessageSettings(fallback_order=order, updated_at=now, updated_by=actor_id)
        row.tenant_id = tenant_id
        session.add(row)
    else:
        row.fallback_order, row.updated_at, row.updated_by = order, now, actor_id
    await session.flush()
    await audit.record(
        session,
        "message.fallback_order_saved",
        "message_tenant_settings",
        row.id,
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_type=actor_type,
        details={"fallback_order": order},
    )
