"""Paying the platform: Razorpay Subscriptions checkout and its webhook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import structlog
from fastapi import APIRouter, Request
from pydantic import Field

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import problem_responses
from studyspot.kit.schemas import ReadModel, WriteModel
from studyspot.kit.scope import Actor
from studyspot.services.subscription import payments
from studyspot.services.subscription.billing import Notice
from studyspot.services.subscription.dependencies import OwnerWrite, RuntimeDep
from studyspot.services.subscription.runtime import Runtime

router = APIRouter(prefix="/api/v1/subscriptions", tags=["billing"])
log = structlog.get_logger("studyspot.subscription")


class CheckoutRead(ReadModel):
    provider: str
    provider_subscription_id: str
    short_url: str | None
    key_id: str
    plan_code: str
    billing_cycle: str
    amount_paise: int


class UpgradeOrderRead(ReadModel):
    provider: str
    provider_order_id: str
    key_id: str
    amount_paise: int
    to_plan: str
    expires_at: datetime | None = Field(
        description="paid later, the upgrade has lapsed and the payment is refunded"
    )
    checkout_script_url: str = Field(
        max_length=500,
        description="Razorpay Checkout's script: opened with `key_id` and the order id, it "
        "hands back the signed answer for `POST /current/upgrade/verify`",
    )


class CheckoutAnswer(WriteModel):
    """What Razorpay Checkout hands the browser once the owner paid."""

    razorpay_order_id: str = Field(pattern=r"^order_[A-Za-z0-9]{1,40}$")
    razorpay_payment_id: str = Field(pattern=r"^pay_[A-Za-z0-9]{1,40}$")
    razorpay_signature: str = Field(pattern=r"^[0-9a-f]{64}$")


@router.post(
    "/current/upgrade/checkout",
    response_model=UpgradeOrderRead,
    responses=problem_responses(401, 403, 409, 502, 503),
)
async def upgrade_checkout(owner: OwnerWrite, runtime: RuntimeDep) -> UpgradeOrderRead:
    """The upgrade's prorated amount as a Razorpay order, for Checkout (`key_id`, the order
    id). The plan applies once Razorpay captured the payment (`POST /current/upgrade/verify`
    with Checkout's answer, or the `order.paid` webhook), with the platform GST invoice;
    unpaid by `expires_at` the upgrade lapses. 409 when no upgrade waits to be paid online
    (a tenant paying by invoice got an unpaid invoice instead)."""
    made = await payments.upgrade_checkout(
        runtime.kit.core,
        runtime.billing,
        owner.require_tenant(),
        Actor.of(owner),
        runtime.now(),
    )
    return UpgradeOrderRead(
        provider=payments.PROVIDER,
        provider_order_id=made.provider_order_id,
        key_id=made.key_id,
        amount_paise=made.amount_paise,
        to_plan=made.to_plan,
        expires_at=made.expires_at,
        checkout_script_url=runtime.kit.settings.razorpay_checkout_url,
    )


class WebhookAck(ReadModel):
    outcome: str


@router.post(
    "/current/upgrade/verify",
    response_model=WebhookAck,
    responses=problem_responses(400, 401, 403, 409, 422, 502, 503),
)
async def upgrade_verify(
    body: CheckoutAnswer, owner: OwnerWrite, runtime: RuntimeDep
) -> WebhookAck:
    """Checkout's signed answer for the upgrade's order: the payment is fetched from Razorpay
    and, captured, the plan applies at once (`upgrade_paid`; already told by the webhook:
    `duplicate`; the upgrade lapsed meanwhile: `refund_due`, the plan unchanged). 400 when
    the signature does not verify, 409 when the payment is not captured for this order."""
    outcome = await payments.upgrade_verified(
        runtime.kit.core,
        runtime.billing,
        owner.require_tenant(),
        body.razorpay_order_id,
        body.razorpay_payment_id,
        body.razorpay_signature,
        runtime.now(),
    )
    return WebhookAck(outcome=outcome)


@router.post(
    "/current/checkout",
    response_model=CheckoutRead,
    responses=problem_responses(401, 403, 404, 409, 502, 503),
)
async def checkout(owner: OwnerWrite, runtime: RuntimeDep) -> CheckoutRead:
    """Autopay for the chosen plan: a Razorpay subscription whose `short_url` (or Checkout
    with `key_id` and the subscription id) takes the mandate and the first charge. The
    subscription becomes active when Razorpay reports the charge."""
    made = await payments.checkout(
        runtime.kit.core,
        runtime.billing,
        owner.require_tenant(),
        Actor.of(owner),
        runtime.now(),
    )
    return CheckoutRead(
        provider=payments.PROVIDER,
        provider_subscription_id=made.provider_subscription_id,
        short_url=made.short_url,
        key_id=made.key_id,
        plan_code=made.plan_code,
        billing_cycle=made.billing_cycle,
        amount_paise=made.amount_paise,
    )


@router.post("/razorpay/webhook", response_model=WebhookAck, responses=problem_responses(400, 409))
async def razorpay_webhook(request: Request, runtime: RuntimeDep) -> WebhookAck:
    """Razorpay Subscriptions events (`subscription.activated`, `.charged`, `.pending`,
    `.halted`, `.cancelled`), verified with `X-Razorpay-Signature` over the raw body and
    handled once per signed content (a replay answers `duplicate`)."""
    return await _webhook(request, runtime, runtime.billing.verify)


@router.post("/cashfree/webhook", response_model=WebhookAck, responses=problem_responses(400, 409))
async def cashfree_webhook(request: Request, runtime: RuntimeDep) -> WebhookAck:
    """Cashfree's webhooks on StudySpot's own Cashfree account (API version 2023-08-01):
    `PAYMENT_SUCCESS_WEBHOOK` of a message-credit order invoices the sale once
    (`credits_purchased`; a replay answers `duplicate`), other events are `ignored`.
    Verified with `x-webhook-signature` (Base64 HMAC-SHA256 of `x-webhook-timestamp` and
    the raw body, under the client secret) and a timestamp within
    `SUBSCRIPTION_CASHFREE_WEBHOOK_TOLERANCE_SECONDS`; else 400 `signature_invalid` and
    nothing is recorded."""
    return await _webhook(request, runtime, runtime.cashfree.verify)


async def _webhook(
    request: Request, runtime: Runtime, verify: Callable[[Mapping[str, str], bytes], Notice]
) -> WebhookAck:
    raw = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        notice = verify(headers, raw)
    except Exception:
        log.warning("subscription_webhook_refused", reason="signature")
        raise
    async with unit_of_work(runtime.kit.core) as session:
        outcome = await payments.handle(session, notice, runtime.now(), runtime.config)
    return WebhookAck(outcome=outcome)
