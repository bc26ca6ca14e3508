"""The dispatcher: sends deliveries that are due, one short transaction on each side.

For each delivery: claim it (a conditional UPDATE that takes a lease and
counts the attempt) and render it in one unit of work; talk to the provider
with no transaction open; record the outcome in another unit of work, only if
the claim is still ours. A dispatcher that dies after the send leaves the
claim to run out, and the delivery is sent again (at least once): the e-mail's
Message-ID is the delivery id, so a mail client shows one message.

Every instance of the service runs it (`MESSAGE_DISPATCH_SECONDS`); the claim
makes that safe. Platform deliveries live in the core database, tenants' in
their tenant databases, each walked in its own scoped unit of work.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.crypto import DecryptionError
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.entitlements import (
    EntitlementNotFound,
    Entitlements,
    PlanLimitReached,
    entitlements_of,
)
from studyspot.kit.errors import AppError
from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.message import credits
from studyspot.services.message.channels.base import (
    Attachment,
    ChannelProvider,
    Outgoing,
    SendFailed,
)
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.consent import (
    SuppressionReason,
    not_before,
    refusal,
    suppress,
)
from studyspot.services.message.credits import PAID_CHANNELS
from studyspot.services.message.fallback import REGISTERED_TEMPLATE_CHANNELS, fall_back
from studyspot.services.message.fanout import fan_out, pending
from studyspot.services.message.guardians import GUARDIAN_KIND, link_variables
from studyspot.services.message.links import PAGE_OF_KIND
from studyspot.services.message.models import Delivery, DeliveryStatus, PlatformDelivery
from studyspot.services.message.overrides import override_for
from studyspot.services.message.reminders import remind
from studyspot.services.message.repository import DeliveryModel, DeliveryRepository
from studyspot.services.message.senders import TenantChannels, fallback_order
from studyspot.services.message.templates import kind_of, parameters, render, text_channel
from studyspot.services.message.unsubscribe import Unsubscribe, link_for
from studyspot.services.message.upstream import (
    AuthClient,
    LibraryClient,
    LinkBox,
    PaymentClient,
    StudentClient,
)

log = structlog.get_logger("studyspot.message")


@dataclass(frozen=True)
class _Final:
    """An outcome decided without asking a provider."""

    status: DeliveryStatus
    code: str


# Permanent failures that say the address must not be written to again, and why.
SUPPRESSING_FAILURES: dict[str, SuppressionReason] = {
    "recipient_refused": "bounce",  # the relay says the mailbox does not exist
    "sms_invalid_number": "bounce",
    "sms_recipient_stopped": "stop",  # the person replied STOP to the SMS sender
}


def backoff(attempt: int, config: MessageSettings) -> float:
    """Seconds before attempt `attempt + 1`: doubling from the base, capped, ±20 % jitter."""
    doubled: float = config.retry_base_seconds * 2.0 ** max(attempt - 1, 0)
    return min(config.retry_max_seconds, doubled) * random.uniform(0.8, 1.2)


@dataclass
class Dispatcher:
    kit: KitState
    config: MessageSettings
    channels: dict[str, ChannelProvider]
    links: LinkBox
    # Contact details of students, for fanning their notifications out (None: no fan-out).
    students: StudentClient | None = None
    # Open dues for fee reminders (None: no fee reminders).
    payments: PaymentClient | None = None
    # The tenant's owners, for notices about the business's own account (None: not told).
    owners: AuthClient | None = None
    # Who works at a branch, for the news of a branch (with `owners`; None: not told).
    library: LibraryClient | None = None
    # Replaceable so that tests move time instead of sleeping.
    clock: Callable[[], datetime] = field(default=utcnow)
    # Providers of tenants' own sender accounts (no SecretBox: the platform's only).
    tenant_channels: TenantChannels = field(default_factory=lambda: TenantChannels(None))

    async def channels_for(
        self, session: AsyncSession, tenant_id: uuid.UUID | None
    ) -> dict[str, ChannelProvider]:
        """The providers a tenant's messages go through: its own accounts, else the platform's."""
        if tenant_id is None:
            return self.channels
        return await self.tenant_channels.of_tenant(session, tenant_id, self.config, self.channels)

    async def tenant_channel(
        self, db: Database, tenant_id: uuid.UUID, channel: str
    ) -> ChannelProvider | None:
        async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
            return (await self.channels_for(session, tenant_id)).get(channel)

    async def run_once(self) -> int:
        """Every database once; the number of deliveries attempted."""
        attempted = await self._run_database(self.kit.core, None, PlatformDelivery)
        for home in await tenant_homes(self.kit.core):
            try:
                db = await self.kit.tenants.get(home.database_key)
                if self.payments is not None:
                    await remind(db, home.tenant_id, self.payments, self.clock())
                await self._fan_out(db, home.tenant_id)
                attempted += await self._run_database(db, home.tenant_id, Delivery)
            except Exception as exc:
                # One tenant's trouble must not hold back everyone else's messages.
                log.warning(
                    "message.dispatch_failed",
                    tenant_id=str(home.tenant_id),
                    error=type(exc).__name__,
                )
        return attempted

    async def _fan_out(self, db: Database, tenant_id: uuid.UUID) -> None:
        if self.students is None and self.owners is None:
            return
        async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
            waiting = await pending(session, tenant_id, self.config.dispatch_batch)
            channels = await self.channels_for(session, tenant_id) if waiting else {}
            chosen, _ = await fallback_order(session, tenant_id, self.config.channel_order())
        order = [c for c in chosen if c in channels]
        for notification_id in waiting:
            await fan_out(
                db,
                tenant_id,
                notification_id,
                self.students,
                self.clock(),
                order,
                self.owners,
                self.library,
            )

    async def _run_database(
        self, db: Database, tenant_id: uuid.UUID | None, model: DeliveryModel
    ) -> int:
        async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
            due = await DeliveryRepository(session, tenant_id, model).due(
                self.clock(), self.config.dispatch_batch
            )
        for delivery_id in due:
            await self.deliver(db, tenant_id, model, delivery_id)
        return len(due)

    async def _entitlements(self, tenant_id: uuid.UUID | None) -> Entitlements | None:
        """The tenant's plan (its monthly message credits), read before any unit of work."""
        if tenant_id is None:
            return None
        try:
            return await entitlements_of(self.kit.core, tenant_id)
        except EntitlementNotFound:
            return None

    async def deliver(
        self,
        db: Database,
        tenant_id: uuid.UUID | None,
        model: DeliveryModel,
        delivery_id: uuid.UUID,
    ) -> bool:
        """One attempt at one delivery; False if another dispatcher had it."""
        now = self.clock()
        lease = now + timedelta(seconds=self.config.send_lease_seconds)
        entitlements = await self._entitlements(tenant_id)
        async with unit_of_work(db, tenant_id=tenant_id) as session:
            repo = DeliveryRepository(session, tenant_id, model)
            row = await repo.claim(delivery_id, now, lease)
            if row is None:
                return False
            attempt = row.attempts
            prepared = await self._prepare(session, tenant_id, row, now)
            if isinstance(prepared, _Final):
                await repo.settle(
                    delivery_id, attempt, now, status=prepared.status, last_error=prepared.code
                )
                await self._settled(repo, delivery_id, now)
                return True
            provider, outgoing = prepared
            document = _document_of(row, provider.channel)
            if tenant_id is not None and provider.channel in PAID_CHANNELS:
                cost = provider.cost_paise(outgoing)
                try:
                    held = await credits.reserve(
                        session, tenant_id, delivery_id, cost, now, entitlements
                    )
                except PlanLimitReached:
                    held, short = False, "plan_limit_reached"
                else:
                    short = "insufficient_credits"
                if not held:
                    await repo.settle(
                        delivery_id,
                        attempt,
                        now,
                        status=DeliveryStatus.skipped,
                        last_error=short,
                    )
                    await self._settled(repo, delivery_id, now)
                    return True
                await repo.settle(delivery_id, attempt, now, cost_paise=cost)
        # No transaction is open while the provider (and the payment service) is asked.
        values: dict[str, Any]
        try:
            if document is not None and tenant_id is not None:
                outgoing = await self._attach(tenant_id, outgoing, document)
            accepted = await provider.send(outgoing)
        except SendFailed as failure:
            values = self._failed(attempt, failure, outgoing.category)
        else:
            values = {
                "status": DeliveryStatus.sent,
                "provider": accepted.provider,
                "provider_message_id": accepted.provider_message_id,
                "sent_at": self.clock(),
                "last_error": None,
            }
        async with unit_of_work(db, tenant_id=tenant_id) as session:
            repo = DeliveryRepository(session, tenant_id, model)
            settled = await repo.settle(delivery_id, attempt, self.clock(), **values)
            reason = SUPPRESSING_FAILURES.get(str(values.get("last_error")))
            if (
                settled
                and tenant_id is not None
                and reason is not None
                and values["status"] == DeliveryStatus.failed
            ):
                # Nothing more is sent to this address (the person's other channels still are).
                await suppress(
                    session,
                    tenant_id,
                    channel=provider.channel,
                    address=outgoing.to,
                    reason=reason,
                    by=None,
                    now=self.clock(),
                )
            if settled:
                await self._settled(repo, delivery_id, self.clock())
        log.info(
            "message.attempted",
            delivery_id=str(delivery_id),
            channel=provider.channel,
            status=str(values["status"]),
            attempt=attempt,
            recorded=settled,
        )
        return True

    async def _attach(self, tenant_id: uuid.UUID, outgoing: Outgoing, number: str) -> Outgoing:
        """The invoice (or receipt) the message names, as the payment service renders it.
        Not reachable now: the e-mail waits for a retry rather than going without it."""
        if self.payments is None:
            return outgoing
        try:
            data = await self.payments.invoice_pdf(tenant_id, number)
        except AppError as exc:
            raise SendFailed("invoice_unavailable") from exc
        if data is None:
            log.warning("message.invoice_missing", delivery_id=str(outgoing.delivery_id))
            return outgoing
        filename = number.replace("/", "-") + ".pdf"
        attached = Attachment(filename=filename, content_type="application/pdf", data=data)
        return replace(outgoing, attachments=(*outgoing.attachments, attached))

    async def _settled(
        self, repo: DeliveryRepository, delivery_id: uuid.UUID, now: datetime
    ) -> None:
        """After an attempt: spend or give back its credits, and fall back if it failed."""
        row = await repo.get(delivery_id, fresh=True)
        if not isinstance(row, Delivery):
            return
        if row.status == DeliveryStatus.sent:
            await credits.capture(repo.session, row.tenant_id, row.id, now)
        elif row.status != DeliveryStatus.queued:  # failed, dead, skipped, expired
            await credits.release(repo.session, row.tenant_id, row.id, now)
        await fall_back(repo.session, row, now)

    def _failed(self, attempt: int, failure: SendFailed, category: str) -> dict[str, Any]:
        if failure.permanent:
            return {"status": DeliveryStatus.failed, "last_error": failure.code}
        if attempt >= self.config.max_attempts:
            return {"status": DeliveryStatus.dead, "last_error": failure.code}
        return {
            "status": DeliveryStatus.queued,
            "last_error": failure.code,
            "next_attempt_at": not_before(
                category, self.clock() + timedelta(seconds=backoff(attempt, self.config))
            ),
        }

    async def _prepare(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID | None,
        row: Delivery | PlatformDelivery,
        now: datetime,
    ) -> _Final | tuple[ChannelProvider, Outgoing]:
        if row.expires_at is not None and row.expires_at <= now:
            return _Final(DeliveryStatus.expired, "expired_before_sending")
        provider = (await self.channels_for(session, tenant_id)).get(row.channel)
        if provider is None:
            return _Final(DeliveryStatus.failed, "channel_not_configured")
        category = kind_of(row.kind).category
        override = None
        if tenant_id is not None:
            # Consent withdrawn or the address suppressed since this was queued: not sent.
            why = await refusal(
                session,
                tenant_id,
                user_id=row.recipient_user_id,
                channel=row.channel,
                address=row.recipient,
                category=category,
            )
            if why is not None:
                return _Final(DeliveryStatus.skipped, why)
            override = await override_for(session, tenant_id, row.kind, row.channel, row.language)
        variables = {k: v for k, v in row.variables.items() if k != "purpose"}
        if row.sealed_secret is not None:
            try:
                secret = self.links.open(
                    {
                        "token_sealed": row.sealed_secret,
                        "purpose": row.variables.get("purpose"),
                        "user_id": str(row.recipient_user_id),
                    }
                )
            except DecryptionError:
                # Sealed under a key this service does not hold (a rotation gone wrong).
                return _Final(DeliveryStatus.failed, "link_unreadable")
            base = self.config.public_url.rstrip("/")
            variables["link"] = f"{base}{PAGE_OF_KIND[row.kind]}?token={secret}"
            if row.expires_at is not None:
                variables["expires_at"] = row.expires_at.isoformat()
        if row.kind == GUARDIAN_KIND and isinstance(row, Delivery):
            # The consent link is made now from its request, never stored.
            consent_link = await link_variables(
                session, row, self.config.public_url, self.config.link_encryption_key
            )
            if consent_link is None:
                return _Final(DeliveryStatus.failed, "guardian_request_missing")
            variables.update(consent_link)
        # WhatsApp and SMS send the provider's registered template; ours gives the text
        # (logs, SMS segments) from the in-app or e-mail wording.
        channel = (
            row.channel
            if row.channel not in REGISTERED_TEMPLATE_CHANNELS
            else text_channel(row.kind)
        )
        try:
            rendered = render(row.kind, channel, row.language, variables, override=override)
        except AppError as exc:
            return _Final(DeliveryStatus.failed, exc.code)
        text, headers = rendered.text, {}
        if (
            row.channel == "email"
            and category != "transactional"
            and tenant_id is not None
            and row.recipient_user_id is not None
        ):
            link = link_for(
                self.config.public_url,
                self.config.link_encryption_key,
                Unsubscribe(tenant_id, row.recipient_user_id, row.channel, category),
            )
            # RFC 8058 one-click, and the same link for a person reading the message.
            headers = {
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            text += f"\n--\nTo stop these messages: {link}\n"
        return provider, Outgoing(
            delivery_id=row.id,
            to=row.recipient,
            subject=rendered.subject,
            text=text,
            headers=headers,
            category=category,
            kind=row.kind,
            language=row.language,
            parameters=parameters(row.kind, variables),
            reference=f"{tenant_id}:{row.id}" if tenant_id is not None else f"platform:{row.id}",
        )


# Kinds whose e-mail carries the document they name (its number in `invoice_number`).
_DOCUMENT_KINDS = frozenset({"payment_receipt"})


def _document_of(row: Delivery | PlatformDelivery, channel: str) -> str | None:
    """The number of the invoice or receipt a receipt's e-mail attaches, read while the
    row is loaded (the PDF is fetched after the transaction closes)."""
    if channel != "email" or row.kind not in _DOCUMENT_KINDS:
        return None
    number = row.variables.get("invoice_number")
    return number if isinstance(number, str) and number else None


async def run_forever(dispatcher: Dispatcher, period: float, stop: asyncio.Event) -> None:
    """Rounds every `period` seconds until `stop` is set; a failed round is logged."""
    while not stop.is_set():
        try:
            await dispatcher.run_once()
        except Exception as exc:
            log.error("message.dispatcher_failed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=period)
        except TimeoutError:
            continue
