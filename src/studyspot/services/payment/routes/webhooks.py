"""Provider webhooks: no bearer token; the signature over the raw body is the only trust."""

from __future__ import annotations

from fastapi import APIRouter, Request

from studyspot.kit.context import CLIENT_IP_HEADER
from studyspot.kit.errors import problem_responses
from studyspot.kit.state import kit_state
from studyspot.services.payment import webhooks
from studyspot.services.payment.dependencies import Context
from studyspot.services.payment.schemas import WebhookAck

router = APIRouter(prefix="/api/v1/payments", tags=["webhooks"])


def _source(request: Request) -> str:
    """The caller's address: the gateway's resolved client address, else the peer."""
    resolved = request.headers.get(CLIENT_IP_HEADER, "").strip()
    return resolved or (request.client.host if request.client else "unknown")


async def _handle(request: Request, ctx: Context, provider: str) -> WebhookAck:
    state = kit_state(request.app)
    raw = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await webhooks.handle(
        state.core,
        state.tenants,
        ctx,
        provider,
        headers,
        raw,
        refusals=request.app.state.webhook_refusals,
        source=_source(request),
    )


@router.post("/razorpay/webhook", responses=problem_responses(400))
async def razorpay_webhook(request: Request, ctx: Context) -> WebhookAck:
    """Razorpay events (`payment.captured`, `payment.failed`, `order.paid`, `refund.processed`),
    verified with `X-Razorpay-Signature` and the tenant's webhook secret."""
    return await _handle(request, ctx, "razorpay")


@router.post("/cashfree/webhook", responses=problem_responses(400))
async def cashfree_webhook(request: Request, ctx: Context) -> WebhookAck:
    """Cashfree payment and refund webhooks, verified with `x-webhook-signature` over
    `x-webhook-timestamp` + the raw body; stale timestamps are refused."""
    return await _handle(request, ctx, "cashfree")
