"""Platform KPIs for the platform's admins and staff, from every tenant's read models.

Row-level security scopes each tenant unit of work, so the platform figures walk
the tenants (`kit.tenancy.tenant_homes`, as the periodic jobs do) and read one
tenant's read models at a time. Months are Indian months (Asia/Kolkata): the
platform's figures do not follow any one library's time zone.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import TenantDatabases, unit_of_work
from studyspot.kit.state import KitState
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.analytics.kpis import as_of, local_midnight, month_key, months, next_month
from studyspot.services.analytics.models import (
    AnalyticsBooking,
    AnalyticsCapacity,
    AnalyticsCredits,
    AnalyticsMoney,
    AnalyticsMrr,
)

INDIA = ZoneInfo("Asia/Kolkata")
TOP_TENANTS = 10


@dataclass
class Month:
    month: str
    tenants: set[uuid.UUID] = field(default_factory=set)
    libraries: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)
    bookings: int = 0
    billed_paise: int = 0
    collected_paise: int = 0
    active_seats: int = 0
    mrr_paise: int = 0
    message_credits_used: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "active_tenants": len(self.tenants),
            "active_libraries": len(self.libraries),
            "bookings": self.bookings,
            "billed_paise": self.billed_paise,
            "collected_paise": self.collected_paise,
            "active_seats": self.active_seats,
            "mrr_paise": self.mrr_paise,
            "message_credits_used": self.message_credits_used,
        }


K = TypeVar("K")


def at_month_ends(
    changes: Iterable[tuple[K, datetime, uuid.UUID, int]], ends: Sequence[datetime]
) -> list[int]:
    """For each instant of `ends` (ascending), the sum over keys of each key's value as of
    its last change before that instant: whole-state events, whatever order they came in."""
    ordered = sorted(changes, key=lambda c: (c[1], str(c[2])))
    held: dict[K, int] = {}
    out, at = [], 0
    for end in ends:
        while at < len(ordered) and ordered[at][1] < end:
            held[ordered[at][0]] = ordered[at][3]
            at += 1
        out.append(sum(held.values()))
    return out


@dataclass
class Platform:
    as_of: datetime | None
    tenants_by_status: dict[str, int]
    months: list[dict[str, object]]
    top_tenants: list[dict[str, object]]


async def platform(kit: KitState, first: date, last: date) -> Platform:
    span = months(first, last)
    since = local_midnight(span[0], INDIA)
    until = local_midnight(next_month(span[-1]), INDIA)
    period_end = next_month(span[-1]) - timedelta(days=1)
    rows = {month_key(m): Month(month_key(m)) for m in span}
    ends = [local_midnight(next_month(m), INDIA) for m in span]
    totals: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    statuses: Counter[str] = Counter()
    latest: datetime | None = None
    tenants: TenantDatabases = kit.tenants
    for home in await tenant_homes(kit.core):
        statuses[home.status] += 1
        db = await tenants.get(home.database_key)
        tid = home.tenant_id
        async with unit_of_work(db, tenant_id=tid, read_only=True) as session:
            seen = await as_of(session, tid)
            if seen is not None and (latest is None or seen > latest):
                latest = seen
            # Bookings billed (the owner KPIs' rule): started in the month, not an expired
            # hold, not cancelled before it was confirmed.
            billed = await session.execute(
                select(
                    AnalyticsBooking.library_id,
                    AnalyticsBooking.start_date,
                    AnalyticsBooking.charged_paise,
                ).where(
                    AnalyticsBooking.tenant_id == tid,
                    AnalyticsBooking.start_date >= span[0],
                    AnalyticsBooking.start_date <= period_end,
                    AnalyticsBooking.status != "expired",
                    (AnalyticsBooking.status != "cancelled") | AnalyticsBooking.confirmed,
                )
            )
            for library_id, start, charged in billed.all():
                if start is None:
                    continue
                row = rows[month_key(start)]
                row.tenants.add(tid)
                if library_id is not None:
                    row.libraries.add((tid, library_id))
                row.bookings += 1
                row.billed_paise += charged
                totals[tid]["bookings"] += 1
                totals[tid]["billed_paise"] += charged
            money = await session.execute(
                select(AnalyticsMoney.kind, AnalyticsMoney.amount_paise, AnalyticsMoney.at).where(
                    AnalyticsMoney.tenant_id == tid,
                    AnalyticsMoney.at >= since,
                    AnalyticsMoney.at < until,
                )
            )
            for kind, amount, at in money.all():
                net = amount if kind == "captured" else -amount
                rows[month_key(at.astimezone(INDIA).date())].collected_paise += net
                totals[tid]["collected_paise"] += net
            await _platform_figures(session, tid, rows, ends, until)
    ranked = sorted(
        totals.items(),
        key=lambda kv: (-kv[1]["collected_paise"], -kv[1]["billed_paise"], str(kv[0])),
    )
    top = [
        {
            "tenant_id": tid,
            "bookings": counts["bookings"],
            "billed_paise": counts["billed_paise"],
            "collected_paise": counts["collected_paise"],
        }
        for tid, counts in ranked[:TOP_TENANTS]
    ]
    return Platform(
        latest, dict(sorted(statuses.items())), [r.as_dict() for r in rows.values()], top
    )


async def _platform_figures(
    session: AsyncSession,
    tid: uuid.UUID,
    rows: dict[str, Month],
    ends: Sequence[datetime],
    until: datetime,
) -> None:
    """The tenant's seats in service and MRR at each month's end, and its credits used."""
    capacity = await session.execute(
        select(
            AnalyticsCapacity.library_id,
            AnalyticsCapacity.at,
            AnalyticsCapacity.id,
            AnalyticsCapacity.active_seats,
        ).where(AnalyticsCapacity.tenant_id == tid, AnalyticsCapacity.at < until)
    )
    seats = at_month_ends([(r[0], r[1], r[2], r[3]) for r in capacity.all()], ends)
    mrr = await session.execute(
        select(
            AnalyticsMrr.subscription_id, AnalyticsMrr.at, AnalyticsMrr.id, AnalyticsMrr.mrr_paise
        ).where(AnalyticsMrr.tenant_id == tid, AnalyticsMrr.at < until)
    )
    revenue = at_month_ends([(r[0], r[1], r[2], r[3]) for r in mrr.all()], ends)
    for row, n, paise in zip(rows.values(), seats, revenue, strict=True):
        row.active_seats += n
        row.mrr_paise += paise
    credits = await session.execute(
        select(AnalyticsCredits.month, func.sum(AnalyticsCredits.credits))
        .where(AnalyticsCredits.tenant_id == tid, AnalyticsCredits.month.in_(list(rows)))
        .group_by(AnalyticsCredits.month)
    )
    for month, used in credits.all():
        rows[month].message_credits_used += int(used or 0)
