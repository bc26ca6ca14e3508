"""Typed dependencies of the payment routes: the caller with its reach, the shared context."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from studyspot.kit.auth import CurrentPrincipal, Principal, require_any_permission
from studyspot.kit.db import Database
from studyspot.kit.permissions import UserType
from studyspot.kit.state import kit_state
from studyspot.services.payment.access import Caller
from studyspot.services.payment.context import PaymentContext


def get_context(request: Request) -> PaymentContext:
    ctx: PaymentContext = request.app.state.payment
    return ctx


Context = Annotated[PaymentContext, Depends(get_context)]


def caller_with(*permissions: str) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """The caller with the branches it reaches, if it holds one of `permissions` (403 otherwise)."""
    checked = require_any_permission(*permissions)

    async def _caller(ctx: Context, principal: Principal = Depends(checked)) -> Caller:
        tenant_id = principal.require_tenant()
        if principal.user_type == UserType.student:
            return Caller(principal, tenant_id, frozenset(), student_id=principal.user_id)
        if principal.user_type == UserType.library_staff:
            branches = await ctx.upstream.staff_library_ids(tenant_id, principal.user_id)
            return Caller(principal, tenant_id, branches)
        return Caller(principal, tenant_id, None)

    _caller.__name__ = "caller_" + "_or_".join(p.replace(":", "_") for p in permissions)
    return _caller


PaymentsCreate = Annotated[Caller, Depends(caller_with("payments:create", "payments:create:self"))]
# Staff taking money at the desk (payment links): students hold only `payments:create:self`.
PaymentsDesk = Annotated[Caller, Depends(caller_with("payments:create"))]
PaymentsRead = Annotated[Caller, Depends(caller_with("payments:read", "payments:read:self"))]
PaymentsStaffRead = Annotated[Caller, Depends(caller_with("payments:read"))]
PaymentsVerify = Annotated[Caller, Depends(caller_with("payments:verify"))]
PaymentsRefund = Annotated[Caller, Depends(caller_with("payments:refund"))]
PaymentsConfigure = Annotated[Caller, Depends(caller_with("payments:configure"))]
InvoicesRead = Annotated[Caller, Depends(caller_with("invoices:read", "invoices:read:self"))]


async def tenant_database(request: Request, principal: CurrentPrincipal) -> Database:
    """The caller's tenant database, for work that must commit on its own (claims, audits)."""
    return await kit_state(request.app).tenants.get(principal.db_key)


TenantDatabase = Annotated[Database, Depends(tenant_database)]
