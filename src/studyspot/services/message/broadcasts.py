"""Broadcasts: one announcement to chosen students over one channel, paid for up front.

The cost is known before anything is sent: each reachable student's message
is rendered and priced (SMS by segments). Sending reserves the whole cost in
one conditional UPDATE (after its paid messages were counted against the plan's
monthly message credits, also one conditional UPDATE: 403 `plan_limit_reached` past
them), so a broadcast larger than the balance is refused
(409 `insufficient_credits`) before a single delivery exists; then one
delivery per student is queued, with its share of the reservation in the
ledger, so that each one that fails gives its own share back. Consent and
suppression are respected per student (reminders and promotional messages
need consent), and quiet hours hold the whole broadcast until they end.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.entitlements import Entitlements
from studyspot.kit.errors import Conflict, NotFound
from studyspot.services.message import audience, credits
from studyspot.services.message.access import Viewer, visible
from studyspot.services.message.audience import Audience, Upstreams
from studyspot.services.message.channels.base import ChannelProvider, Outgoing
from studyspot.services.message.consent import not_before, refusal
from studyspot.services.message.fanout import addresses_of, minor_refusal
from studyspot.services.message.models import Broadcast, CreditEntry, Delivery, DeliveryStatus
from studyspot.services.message.preferences import language_of
from studyspot.services.message.templates import parameters, render
from studyspot.services.message.upstream import InternalStudent, StudentClient

KIND_OF_CATEGORY = {"promotional": "announcement", "reminders": "notice"}
Category = Literal["promotional", "reminders"]


class InsufficientCredits(Conflict):
    code = "insufficient_credits"


@dataclass(frozen=True)
class Request:
    # Named students, or an audience chosen by library, shift, booking status or dues.
    student_ids: list[uuid.UUID] | None
    channel: str
    category: Category
    title: str
    body: str
    audience: Audience | None = None


@dataclass
class Planned:
    student_id: uuid.UUID
    address: str
    language: str
    variables: dict[str, str]
    cost_paise: int


@dataclass
class Plan:
    deliveries: list[Planned] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    # Students the request named or its audience chose (before consent and addresses).
    chosen: int = 0

    @property
    def cost_paise(self) -> int:
        return sum(p.cost_paise for p in self.deliveries)


def _address(student: InternalStudent | None, channel: str) -> str | None:
    return addresses_of(student).get(channel)


async def _students(
    client: StudentClient, viewer: Viewer, ids: list[uuid.UUID]
) -> dict[uuid.UUID, InternalStudent | None]:
    """Asked before any transaction opens (no other service is called inside one). A
    student of a branch the caller does not work at counts as one that does not exist."""
    found = {sid: await client.get_student(viewer.tenant_id, sid) for sid in dict.fromkeys(ids)}
    return visible(viewer, found)


async def recipients(
    viewer: Viewer, request: Request, up: Upstreams, today: date
) -> dict[uuid.UUID, InternalStudent | None]:
    """The students a request names or its audience chooses, asked of the services that
    own them before any transaction opens; the audience's limits are checked here, before
    anything is priced, reserved or written."""
    if request.audience is not None:
        return await audience.choose(viewer, request.audience, up, today)
    return await _students(up.students, viewer, request.student_ids or [])


async def _plan(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    request: Request,
    students: dict[uuid.UUID, InternalStudent | None],
    provider: ChannelProvider | None,
) -> Plan:
    plan = Plan(chosen=len(students))
    kind = KIND_OF_CATEGORY[request.category]
    for student_id, student in students.items():
        too_young = minor_refusal(student, request.category)
        if too_young is not None:
            plan.skipped[too_young] += 1
            continue
        address = _address(student, request.channel)
        if student is None or address is None:
            plan.skipped["no_address"] += 1
            continue
        why = await refusal(
            session,
            tenant_id,
            user_id=student_id,
            channel=request.channel,
            address=address,
            category=request.category,
            minor=student.minor,
        )
        if why is not None:
            plan.skipped[why] += 1
            continue
        language = await language_of(session, tenant_id, student_id)
        variables = {"name": student.name, "title": request.title, "body": request.body}
        text_channel = "email" if request.channel == "email" else "in_app"
        rendered = render(kind, text_channel, language, variables)
        cost = 0
        if provider is not None and request.channel in credits.PAID_CHANNELS:
            cost = provider.cost_paise(
                Outgoing(
                    delivery_id=uuid.uuid4(),
                    to=address,
                    text=rendered.text,
                    category=request.category,
                    kind=kind,
                    language=language,
                    parameters=parameters(kind, variables),
                )
            )
        plan.deliveries.append(Planned(student_id, address, language, variables, cost))
    return plan


def _branches(request: Request, students: dict[uuid.UUID, InternalStudent | None]) -> list[str]:
    """The branches a broadcast was meant for: its audience's library and the home branch
    of each student it chose."""
    chosen = {str(s.home_library_id) for s in students.values() if s is not None}
    if request.audience is not None and request.audience.library_id is not None:
        chosen.add(str(request.audience.library_id))
    return sorted(chosen)


def _require(provider: ChannelProvider | None, channel: str) -> None:
    if provider is None:
        raise Conflict(f"{channel} is not set up", code="channel_not_configured")


async def quote(
    db: Database,
    viewer: Viewer,
    request: Request,
    up: Upstreams,
    provider: ChannelProvider | None,
    today: date,
) -> tuple[Plan, int]:
    """What the broadcast would reach and cost, and the balance now; nothing is written.
    A channel that is not set up is refused as sending it would be."""
    tenant_id = viewer.tenant_id
    _require(provider, request.channel)
    students = await recipients(viewer, request, up, today)
    async with unit_of_work(db, tenant_id=tenant_id, read_only=True) as session:
        plan = await _plan(session, tenant_id, request, students, provider)
        return plan, await credits.balance(session, tenant_id)


async def send(
    db: Database,
    viewer: Viewer,
    request: Request,
    up: Upstreams,
    provider: ChannelProvider | None,
    now: datetime,
    today: date,
    entitlements: Entitlements | None = None,
) -> tuple[Broadcast, Plan]:
    """Queue the broadcast: its paid messages are counted against the plan's monthly
    message credits (403 `plan_limit_reached` past them), then its whole cost is taken
    from the balance (409 `insufficient_credits`), or nothing is written."""
    who = viewer.principal
    tenant_id = viewer.tenant_id
    _require(provider, request.channel)
    students = await recipients(viewer, request, up, today)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        plan = await _plan(session, tenant_id, request, students, provider)
        total = plan.cost_paise
        paid = sum(1 for planned in plan.deliveries if planned.cost_paise)
        await credits.count_monthly(session, tenant_id, entitlements, paid, now)
        if total and not await credits.take(session, tenant_id, total, now):
            raise InsufficientCredits(
                f"This broadcast costs {total} paise; the balance is "
                f"{await credits.balance(session, tenant_id)} paise"
            )
        broadcast = Broadcast(
            tenant_id=tenant_id,
            channel=request.channel,
            category=request.category,
            title=request.title,
            body=request.body,
            recipients=len(plan.deliveries),
            cost_paise=total,
            library_ids=_branches(request, students),
            created_by=who.user_id,
            created_at=now,
        )
        session.add(broadcast)
        await session.flush()
        due = not_before(request.category, now)
        for planned in plan.deliveries:
            delivery = Delivery(
                tenant_id=tenant_id,
                event_id=broadcast.id,
                kind=KIND_OF_CATEGORY[request.category],
                channel=request.channel,
                recipient=planned.address,
                recipient_user_id=planned.student_id,
                language=planned.language,
                variables=planned.variables,
                status=DeliveryStatus.queued,
                attempts=0,
                next_attempt_at=due,
                fallbacks=[],
                cost_paise=planned.cost_paise or None,
            )
            session.add(delivery)
            await session.flush()
            if planned.cost_paise:
                session.add(
                    CreditEntry(
                        tenant_id=tenant_id,
                        entry="reserve",
                        amount_paise=-planned.cost_paise,
                        delivery_id=delivery.id,
                        created_by=who.user_id,
                        created_at=now,
                    )
                )
        await session.flush()
        return broadcast, plan


def _may_read(viewer: Viewer, broadcast: Broadcast) -> bool:
    """Owners read every report; a manager one whose branches are all theirs, so its counts
    never tell about students of a branch they do not work at."""
    if viewer.every_branch:
        return True
    branches = {uuid.UUID(b) for b in broadcast.library_ids}
    return bool(branches) and all(viewer.in_branches(b) for b in branches)


async def report(
    session: AsyncSession, viewer: Viewer, broadcast_id: uuid.UUID
) -> tuple[Broadcast, dict[str, int]]:
    """404 `broadcast_not_found` for one of another tenant or of a branch the caller does
    not manage, as for one that does not exist."""
    tenant_id = viewer.tenant_id
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.tenant_id == tenant_id, Broadcast.id == broadcast_id)
    )
    if broadcast is None or not _may_read(viewer, broadcast):
        raise NotFound("No such broadcast", code="broadcast_not_found")
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.tenant_id == tenant_id, Delivery.event_id == broadcast_id)
        .group_by(Delivery.status)
    )
    return broadcast, {str(status): int(n) for status, n in rows.all()}
