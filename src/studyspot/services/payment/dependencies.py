"""Typed dependencies of the payment routes: the caller with its reach, the shared context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from studyspot.kit.auth import CurrentPrincipal
from studyspot.kit.db import Database
from studyspot.kit.scope import StaffBranches, scope_dependencies
from studyspot.kit.state import kit_state
from studyspot.services.payment.access import Caller
from studyspot.services.payment.context import PaymentContext


async def get_context(request: Request) -> PaymentContext:
    ctx: PaymentContext = request.app.state.payment
    return ctx


Context = Annotated[PaymentContext, Depends(get_context)]


async def _staff_branches(ctx: Context) -> StaffBranches:
    return ctx.upstream.library.staff_library_ids


caller_with = scope_dependencies(Caller, _staff_branches)

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
