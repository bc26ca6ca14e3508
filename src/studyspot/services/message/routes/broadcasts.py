"""Broadcasts (`/api/messages/broadcasts`): quote, send, report. Managers and owners."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from studyspot.kit.auth import Principal, TenantSession, require_permission
from studyspot.kit.entitlements import entitlements_of
from studyspot.kit.errors import problem_responses
from studyspot.services.message import broadcasts
from studyspot.services.message.access import ViewerDep
from studyspot.services.message.audience import Audience, Upstreams
from studyspot.services.message.consent import IST
from studyspot.services.message.dependencies import RuntimeDep, TenantDatabase
from studyspot.services.message.runtime import Runtime
from studyspot.services.message.schemas import BroadcastQuote, BroadcastRead, BroadcastRequest

router = APIRouter(prefix="/api/messages/broadcasts", tags=["broadcasts"])

Sender = Annotated[Principal, Depends(require_permission("messages:send"))]


def _request(body: BroadcastRequest) -> broadcasts.Request:
    chosen = body.audience
    return broadcasts.Request(
        body.student_ids,
        body.channel,
        body.category,
        body.title,
        body.body,
        None if chosen is None else Audience(**chosen.model_dump()),
    )


def _upstreams(runtime: Runtime) -> Upstreams:
    students = runtime.dispatcher.students
    payments = runtime.dispatcher.payments
    assert students is not None and payments is not None
    return Upstreams(students, runtime.bookings, payments)


def _today(runtime: Runtime) -> date:
    # Every library keeps India's time: after 18:30 UTC it is already tomorrow there.
    return runtime.dispatcher.clock().astimezone(IST).date()


@router.post(
    "/quote",
    response_model=BroadcastQuote,
    responses=problem_responses(403, 404, 409, 422),
    summary="Who a broadcast would reach and what it would cost, before sending anything",
)
async def quote_broadcast(
    body: BroadcastRequest, who: Sender, viewer: ViewerDep, runtime: RuntimeDep, db: TenantDatabase
) -> BroadcastQuote:
    """409 `channel_not_configured` for a channel that is not set up; 422
    `audience_too_large` past 500 students, `audience_dates_invalid` for a date range
    before today or over 31 days; 404 `library_not_found` for a branch the
    caller does not work at."""
    dispatcher = runtime.dispatcher
    plan, balance = await broadcasts.quote(
        db,
        viewer,
        _request(body),
        _upstreams(runtime),
        await dispatcher.tenant_channel(db, who.require_tenant(), body.channel),
        _today(runtime),
    )
    return BroadcastQuote(
        chosen=plan.chosen,
        reachable=len(plan.deliveries),
        skipped=dict(plan.skipped),
        cost_paise=plan.cost_paise,
        balance_paise=balance,
        affordable=plan.cost_paise <= balance,
    )


@router.post(
    "",
    status_code=201,
    response_model=BroadcastRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send a broadcast: its whole cost is reserved first, or nothing is sent",
)
async def send_broadcast(
    body: BroadcastRequest, who: Sender, viewer: ViewerDep, runtime: RuntimeDep, db: TenantDatabase
) -> BroadcastRead:
    """409 `insufficient_credits` when the balance is short of the whole cost (nothing is
    queued then), `channel_not_configured` for a channel that is not set up."""
    # 403 `plan_limit_reached` (declared) when its paid messages would pass the plan's
    # monthly message credits: nothing reserved or queued then (docs/subscriptions.md).
    dispatcher = runtime.dispatcher
    made, plan = await broadcasts.send(
        db,
        viewer,
        _request(body),
        _upstreams(runtime),
        await dispatcher.tenant_channel(db, who.require_tenant(), body.channel),
        dispatcher.clock(),
        _today(runtime),
        await entitlements_of(dispatcher.kit.core, who.require_tenant()),
    )
    return BroadcastRead(
        id=made.id,
        channel=made.channel,
        category=made.category,
        title=made.title,
        recipients=made.recipients,
        cost_paise=made.cost_paise,
        created_at=made.created_at,
        report={"queued": len(plan.deliveries)} if plan.deliveries else {},
    )


@router.get(
    "/{broadcast_id}",
    response_model=BroadcastRead,
    responses=problem_responses(403, 404),
    summary="A broadcast and how far it got (deliveries by status)",
)
async def get_broadcast(
    broadcast_id: uuid.UUID, who: Sender, viewer: ViewerDep, session: TenantSession
) -> BroadcastRead:
    """Owners read every broadcast; a manager only one sent to their branches alone (404
    `broadcast_not_found` otherwise, as for one that does not exist)."""
    made, counts = await broadcasts.report(session, viewer, broadcast_id)
    return BroadcastRead(
        id=made.id,
        channel=made.channel,
        category=made.category,
        title=made.title,
        recipients=made.recipients,
        cost_paise=made.cost_paise,
        created_at=made.created_at,
        report=counts,
    )
