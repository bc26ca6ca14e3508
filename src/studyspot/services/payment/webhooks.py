"""Provider webhooks: unauthenticated routes whose trust comes only from the signature.

1. Find OUR record of the order the body names (the body is not trusted yet;
   it only says where to look): the order route gives the tenant, the
   tenant's own payments table the payment.
2. Verify the signature over the raw body with THAT tenant's secret. Forged or
   stale → 400, nothing changed. Every refusal is counted in
   `payment_webhooks_refused_total`; the first of each source (the caller's
   address) in a minute is also audited on its own, so forgeries sent in bulk
   cannot flood the audit log.
3. In one transaction: lock the payment, record the event's key (a redelivery
   stops here), apply the state change. The key comes from the signed body,
   never from an unsigned header.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.audit import record_detached
from studyspot.kit.db import Database, TenantDatabases, unit_of_work
from studyspot.kit.metrics import ServiceMetrics
from studyspot.kit.once import OncePerWindow
from studyspot.kit.scope import Actor
from studyspot.services.payment import lifecycle
from studyspot.services.payment.accounts import load_credentials
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.errors import InvalidSignature, ProviderNotConfigured
from studyspot.services.payment.models import Payment
from studyspot.services.payment.providers.base import (
    SignatureInvalid,
    WebhookEvent,
    WebhookLocator,
)
from studyspot.services.payment.repository import Receipts, Refunds, add_route, route_of
from studyspot.services.payment.schemas import WebhookAck


@dataclass(frozen=True)
class Located:
    db: Database
    tenant_id: uuid.UUID
    payment_id: uuid.UUID
    # Found through one of our payment links: the webhook is about the order the provider
    # made for the link when the student paid it, not about an order of ours.
    via_link: bool = False


async def locate_payment(
    core: Database, tenants: TenantDatabases, provider: str, locator: WebhookLocator
) -> Located | None:
    """The tenant from the order route, then OUR payment row in that tenant's database.

    Three ways, each through `payment_order_routes`:
    1. the order (or link) the body names is ours;
    2. it is the provider's order for one of our links, which the body names
       (`locator.link_id`): the link's route, and the payment whose link it is;
    3. it is such an order recorded when the link's own webhook was processed (its route
       was added then): the payment captured with the provider payment id the body names.
    """
    order_id = locator.provider_order_id
    async with unit_of_work(tenants.shared) as session:
        tenant_id = await route_of(session, provider, order_id) if order_id else None
        link_tenant = (
            await route_of(session, provider, locator.link_id)
            if tenant_id is None and locator.link_id
            else None
        )
    if tenant_id is not None:
        assert order_id is not None
        db = await tenants.for_tenant(core, tenant_id)
        async with unit_of_work(db, tenant_id=tenant_id) as session:
            payment_id = await _payment_id(session, tenant_id, provider, order_id=order_id)
            if payment_id is not None:
                return Located(db, tenant_id, payment_id)
            if locator.provider_payment_id:
                payment_id = await _payment_id(
                    session, tenant_id, provider, paid_by=locator.provider_payment_id
                )
        return Located(db, tenant_id, payment_id, via_link=True) if payment_id else None
    if link_tenant is not None:
        assert locator.link_id is not None
        db = await tenants.for_tenant(core, link_tenant)
        async with unit_of_work(db, tenant_id=link_tenant) as session:
            payment_id = await _payment_id(session, link_tenant, provider, order_id=locator.link_id)
        return Located(db, link_tenant, payment_id, via_link=True) if payment_id else None
    return None


async def _payment_id(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    provider: str,
    *,
    order_id: str | None = None,
    paid_by: str | None = None,
) -> uuid.UUID | None:
    """Our payment with that provider order (or link) id, or captured with that payment id."""
    query = select(Payment.id).where(Payment.tenant_id == tenant_id, Payment.provider == provider)
    if order_id is not None:
        query = query.where(Payment.provider_order_id == order_id)
    else:
        query = query.where(Payment.provider_payment_id == paid_by)
    found: uuid.UUID | None = await session.scalar(query.limit(1))
    return found


class Refusals:
    """Refused webhooks: every one counted, at most one audited per source and minute."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.counter = metrics.counter(
            "payment_webhooks_refused_total",
            "Provider webhooks refused (unknown order, bad or stale signature)",
            ["provider", "reason"],
        )
        self.audited = OncePerWindow(60.0)

    async def refused(
        self, db: Database, provider: str, located: Located | None, reason: str, source: str
    ) -> None:
        self.counter.labels(provider, reason).inc()
        if not self.audited.first(source):
            return
        await record_detached(
            db,
            "payment.webhook_refused",
            "payment",
            located.payment_id if located else None,
            tenant_id=located.tenant_id if located else None,
            actor_type=f"provider:{provider}",
            outcome="refused",
            ip=source[:64] or None,
            details={"provider": provider, "reason": reason},
        )


async def handle(
    core: Database,
    tenants: TenantDatabases,
    ctx: PaymentContext,
    provider_name: str,
    headers: Mapping[str, str],
    raw_body: bytes,
    *,
    refusals: Refusals,
    source: str,
) -> WebhookAck:
    provider = ctx.providers.named(provider_name)
    locator = provider.locate(raw_body)
    located = await locate_payment(core, tenants, provider_name, locator)
    if located is None:
        await refusals.refused(tenants.shared, provider_name, None, "unknown_order", source)
        raise InvalidSignature("The webhook names no payment of ours", code="unknown_payment")
    try:
        async with unit_of_work(located.db, tenant_id=located.tenant_id) as session:
            credentials = await load_credentials(session, ctx.box, located.tenant_id, provider_name)
        event = provider.verify_webhook(credentials, headers, raw_body, time.time())
    except (SignatureInvalid, ProviderNotConfigured) as exc:
        reason = "stale" if "stale" in str(exc) else "signature"
        await refusals.refused(located.db, provider_name, located, reason, source)
        raise InvalidSignature("The webhook signature does not verify") from None
    if located.via_link and event.kind == "failed":
        # One attempt on the link's page failed; the link stays open for another try (its
        # own `.cancelled` / `.expired` event, or the reconciler, closes the payment).
        event = replace(event, kind="ignored")
    if event.kind == "captured" and event.link_order_id and not located.via_link:
        # The order the provider made for the paid link: its own webhooks (payment
        # captured, order paid) may follow, and find the tenant through this route.
        async with unit_of_work(tenants.shared) as session:
            await add_route(session, provider_name, event.link_order_id, located.tenant_id)
    return await apply(located, provider_name, event)


async def apply(located: Located, provider_name: str, event: WebhookEvent) -> WebhookAck:
    actor = Actor(None, f"provider:{provider_name}")
    async with unit_of_work(located.db, tenant_id=located.tenant_id) as session:
        payment = await lifecycle.locked_payment(session, located.tenant_id, located.payment_id)
        refund = None
        if event.kind in ("refund_processed", "refund_failed") and event.provider_refund_id:
            refund = await Refunds(session, located.tenant_id).by_provider_id(
                event.provider_refund_id
            )
            if refund is None or refund.payment_id != payment.id:
                # Not (yet) ours: the reconciliation job settles pending refunds anyway,
                # so nothing is recorded and a redelivery may still apply it.
                return WebhookAck(status="ignored")
        receipts = Receipts(session, located.tenant_id)
        if not await receipts.first_time(
            provider_name, event.event_key, event.event_type, payment.id
        ):
            return WebhookAck(status="duplicate")
        if event.kind == "captured":
            await lifecycle.capture(session, payment, actor=actor, settlement=event.settlement)
        elif event.kind == "failed":
            reason = event.settlement.reason if event.settlement else None
            await lifecycle.fail(session, payment, reason=reason, actor=actor)
        elif event.kind == "refund_processed" and refund is not None:
            await lifecycle.refund_processed(session, payment, refund, actor=actor)
        elif event.kind == "refund_failed" and refund is not None:
            await lifecycle.refund_failed(session, payment, refund, actor=actor)
        else:
            return WebhookAck(status="ignored")
    return WebhookAck(status="processed")
