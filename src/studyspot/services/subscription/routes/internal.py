"""Internal API of the subscription service (docs/internal-api.md): service tokens only.

The message service sells its credits through StudySpot's merchant code here
(`credit_sales.py`): which of the platform's accounts are set up, the Razorpay or Cashfree
order, and the checkout's end (Razorpay's signed answer, or Cashfree's order asked of
Cashfree) checked and invoiced.
"""

from __future__ import annotations

from fastapi import APIRouter

from studyspot.kit.errors import problem_responses
from studyspot.kit.service_auth import InternalCaller, TenantMismatch, accept_callers
from studyspot.services.subscription import credit_sales
from studyspot.services.subscription.client import (
    CreditOrder,
    CreditOrderCheck,
    CreditOrderRequest,
    CreditPaymentCheck,
    CreditProviders,
    CreditsPurchased,
)
from studyspot.services.subscription.dependencies import RuntimeDep

router = APIRouter(prefix="/internal/subscriptions", include_in_schema=False)


def _same_tenant(caller: InternalCaller, tenant_id: object) -> None:
    if caller.tenant_id is not None and caller.tenant_id != tenant_id:
        raise TenantMismatch()


@router.post(
    "/credit-orders",
    responses=problem_responses(403, 422, 502, 503),
    dependencies=[accept_callers("message")],
)
async def credit_order(
    body: CreditOrderRequest, caller: InternalCaller, runtime: RuntimeDep
) -> CreditOrder:
    """An order on StudySpot's Razorpay or Cashfree account for a credit pack (409
    `credit_provider_not_configured` for a provider chosen but not set up, 503
    `billing_not_configured` when neither is)."""
    _same_tenant(caller, body.tenant_id)
    return await credit_sales.order(runtime.billing, runtime.cashfree, body, runtime.kit.settings)


@router.get(
    "/credit-providers",
    responses=problem_responses(403),
    dependencies=[accept_callers("message")],
)
async def credit_providers(caller: InternalCaller, runtime: RuntimeDep) -> CreditProviders:
    """The platform's accounts credits can be paid through, the default first."""
    return CreditProviders(providers=credit_sales.providers(runtime.billing, runtime.cashfree))


@router.post(
    "/credit-orders/confirm",
    responses=problem_responses(403, 409, 422, 502, 503),
    dependencies=[accept_callers("message")],
)
async def credit_confirmed(
    body: CreditOrderCheck, caller: InternalCaller, runtime: RuntimeDep
) -> CreditsPurchased:
    """A Cashfree checkout ended: 409 when the order is not this purchase or has no
    successful payment for its amount; else the sale, invoiced once."""
    _same_tenant(caller, body.tenant_id)
    return await credit_sales.paid_by_cashfree(
        runtime.kit.core, runtime.cashfree, body, runtime.now()
    )


@router.post(
    "/credit-orders/verify",
    responses=problem_responses(400, 403, 409, 422, 502, 503),
    dependencies=[accept_callers("message")],
)
async def credit_paid(
    body: CreditPaymentCheck, caller: InternalCaller, runtime: RuntimeDep
) -> CreditsPurchased:
    """Checkout's answer: 400 `signature_invalid`, 409 when the order is not this purchase
    or the payment is not captured for it; else the sale, invoiced once."""
    _same_tenant(caller, body.tenant_id)
    return await credit_sales.paid_by_checkout(
        runtime.kit.core, runtime.billing, body, runtime.now()
    )
