"""The platform's revenue view: MRR now and its movements by month."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.services.subscription.invoicing import INDIA
from studyspot.services.subscription.models import MrrMovement, Subscription
from studyspot.services.subscription.schemas import MonthRevenue, RevenueRead

_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")


async def revenue(session: AsyncSession, months: int) -> RevenueRead:
    counts = {
        str(status): int(n)
        for status, n in (
            await session.execute(
                select(Subscription.status, func.count()).group_by(Subscription.status)
            )
        ).all()
    }
    mrr = int(await session.scalar(select(func.coalesce(func.sum(Subscription.mrr_paise), 0))) or 0)
    moved: dict[str, Counter[str]] = defaultdict(Counter)
    converted: Counter[str] = Counter()
    rows = await session.execute(
        select(
            MrrMovement.month, MrrMovement.kind, func.sum(MrrMovement.delta_paise), func.count()
        ).group_by(MrrMovement.month, MrrMovement.kind)
    )
    for month, kind, total, n in rows.all():
        moved[month][kind] += int(total or 0)
        if kind == "new":
            converted[month] += int(n)
    started: Counter[str] = Counter()
    # Trials started: the subscriptions opened on a trial, by the month they were opened.
    opened = await session.scalars(
        select(Subscription.created_at).where(Subscription.trial_used.is_(True))
    )
    for created in opened.all():
        started[created.astimezone(INDIA).strftime("%Y-%m")] += 1
    recent = sorted(set(moved) | set(started), reverse=True)[:months]
    return RevenueRead(
        mrr_paise=mrr,
        arr_paise=12 * mrr,
        tenants_by_status=counts,
        trials=counts.get("trial", 0),
        past_due=counts.get("past_due", 0) + counts.get("grace", 0),
        months=[
            MonthRevenue(
                month=m,
                new_mrr_paise=moved[m]["new"],
                expansion_mrr_paise=moved[m]["expansion"],
                contraction_mrr_paise=moved[m]["contraction"],
                churned_mrr_paise=moved[m]["churn"],
                reactivation_mrr_paise=moved[m]["reactivation"],
                net_new_mrr_paise=sum(moved[m][k] for k in _KINDS),
                trials_started=started[m],
                trials_converted=converted[m],
            )
            for m in recent
        ],
    )
