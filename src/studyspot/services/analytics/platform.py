"""Platform KPIs for the platform's admins and staff, from every tenant's read models.

Row-level security scopes each tenant unit of work, so the platform figures walk
the tenants (`kit.tenancy.tenant_homes`, as the periodic jobs do) and read one
tenant's read models at a time. Months are Indian months (Asia/Kolkata): the
platform's figures do not follow any one library's time zone.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from studyspot.kit.db import TenantDatabases, unit_of_work
from studyspot.kit.state import KitState
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.analytics.kpis import as_of, local_midnight, month_key, months, next_month
from studyspot.services.analytics.models import AnalyticsBooking, AnalyticsMoney

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

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "active_tenants": len(self.tenants),
            "active_libraries": len(self.libraries),
            "bookings": self.bookings,
            "billed_paise": self.billed_paise,
            "collected_paise": self.collected_paise,
        }


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
