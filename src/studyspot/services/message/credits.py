"""Credits for the paid channels: an account per tenant and an append-only ledger.

    grant   +N   credits granted by a platform admin
    purchase +N  credits bought from StudySpot and paid (`credit_purchases.py`), once
                 per purchase (its id in `delivery_id`, the ledger's unique key)
    reserve -N   a paid message taken for sending (N = its price, SMS by segments)
    capture  0   the provider accepted it: the reservation is spent
    release +N   it failed for good (or was skipped after reserving): N comes back

The ledger's amounts sum to the balance.

Besides the wallet, the plan's **monthly message credits** (kit/entitlements.py, a hard
limit: they cost the platform money): every paid message taken for sending counts one
credit in its month (India time) in `message_credit_months`, by one conditional UPDATE
(`used + n <= limit`), before the wallet is touched; past the limit nothing is reserved
(403 `plan_limit_reached` for a broadcast, the delivery skipped with that code for a
message the dispatcher takes). A message that then fails still counts in its month.
 A reservation is one conditional
UPDATE (`balance >= N`), so concurrent senders can never overdraw the
account (the database's CHECK is the second wall). Each of reserve, capture
and release is written at most once per delivery (unique key), so a retry or
a repeated callback cannot count twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import unit_of_work
from studyspot.kit.entitlements import Entitlements, PlanLimitReached, check_limit
from studyspot.kit.outbox import publish
from studyspot.kit.pagination import PageParams, paginate
from studyspot.kit.state import KitState
from studyspot.services.message.consent import IST
from studyspot.services.message.models import CreditAccount, CreditEntry, CreditMonth
from studyspot.services.message.upsert import insert_once

PAID_CHANNELS = frozenset({"sms", "whatsapp"})
CREDITS_COUNTED = "message.credits_counted"


class CreditsCounted(BaseModel):
    """`message.credits_counted`: the month's plan credits used moved by `credits`."""

    month: str = Field(
        pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, India time", examples=["2026-12"]
    )
    credits: int = Field(description="Messages counted; negative when given back")


async def _account(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> None:
    await insert_once(
        session,
        CreditAccount,
        {"id": uuid.uuid4(), "tenant_id": tenant_id, "balance_paise": 0, "updated_at": now},
        ("tenant_id",),
    )


async def balance(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(CreditAccount.balance_paise).where(CreditAccount.tenant_id == tenant_id)
    )
    return int(found or 0)


async def ledger_sum(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(CreditEntry.amount_paise), 0)).where(
            CreditEntry.tenant_id == tenant_id
        )
    )
    return int(total or 0)


async def _add(
    session: AsyncSession, tenant_id: uuid.UUID, amount: int, now: datetime, *, floor: int = 0
) -> bool:
    """balance += amount, unless that would leave less than `floor`; True if it did."""
    await _account(session, tenant_id, now)
    done = await session.execute(
        update(CreditAccount)
        .where(
            CreditAccount.tenant_id == tenant_id,
            CreditAccount.balance_paise + amount >= floor,
        )
        .values(balance_paise=CreditAccount.balance_paise + amount, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _entry(
    tenant_id: uuid.UUID,
    entry: str,
    amount: int,
    now: datetime,
    *,
    delivery_id: uuid.UUID | None = None,
    note: str | None = None,
    by: uuid.UUID | None = None,
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "entry": entry,
        "amount_paise": amount,
        "delivery_id": delivery_id,
        "note": note,
        "created_by": by,
        "created_at": now,
    }


async def grant(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    amount: int,
    *,
    by: uuid.UUID,
    note: str,
    now: datetime,
) -> int:
    await _add(session, tenant_id, amount, now)
    session.add(CreditEntry(**_entry(tenant_id, "grant", amount, now, note=note, by=by)))
    await session.flush()
    return await balance(session, tenant_id)


async def purchased(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    purchase_id: uuid.UUID,
    amount: int,
    *,
    by: uuid.UUID,
    note: str,
    now: datetime,
) -> bool:
    """A paid purchase's credits, once: the entry is unique per (tenant, purchase, entry),
    and the balance moves only when this call wrote it. True if it did."""
    entry = _entry(tenant_id, "purchase", amount, now, delivery_id=purchase_id, note=note, by=by)
    if not await insert_once(session, CreditEntry, entry, ("tenant_id", "delivery_id", "entry")):
        return False
    await _add(session, tenant_id, amount, now)
    return True


async def reserve(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    delivery_id: uuid.UUID,
    amount: int,
    now: datetime,
    entitlements: Entitlements | None = None,
) -> bool:
    """Hold `amount` for this delivery; False (nothing held) if the balance is short.

    The message first counts one of the plan's monthly message credits (403
    `plan_limit_reached`, nothing held, past them); a short balance gives it back."""
    if amount <= 0:
        return True
    held = await session.scalar(
        select(CreditEntry.id).where(
            CreditEntry.tenant_id == tenant_id,
            CreditEntry.delivery_id == delivery_id,
            CreditEntry.entry == "reserve",
        )
    )
    if held is not None:
        return True  # by an earlier attempt (the claim on the delivery keeps others out)
    await count_monthly(session, tenant_id, entitlements, 1, now)
    if not await _add(session, tenant_id, -amount, now):
        await _uncount(session, tenant_id, 1, now)
        return False
    session.add(CreditEntry(**_entry(tenant_id, "reserve", -amount, now, delivery_id=delivery_id)))
    await session.flush()
    return True


async def _reserved(session: AsyncSession, tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> int:
    rows = await session.execute(
        select(CreditEntry.entry, CreditEntry.amount_paise).where(
            CreditEntry.tenant_id == tenant_id, CreditEntry.delivery_id == delivery_id
        )
    )
    entries = {str(entry): int(amount) for entry, amount in rows.all()}
    if "reserve" not in entries or "capture" in entries or "release" in entries:
        return 0
    return -int(entries["reserve"])


async def capture(
    session: AsyncSession, tenant_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> None:
    if await _reserved(session, tenant_id, delivery_id):
        await insert_once(
            session,
            CreditEntry,
            _entry(tenant_id, "capture", 0, now, delivery_id=delivery_id),
            ("tenant_id", "delivery_id", "entry"),
        )


async def release(
    session: AsyncSession, tenant_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> None:
    held = await _reserved(session, tenant_id, delivery_id)
    if held and await insert_once(
        session,
        CreditEntry,
        _entry(tenant_id, "release", held, now, delivery_id=delivery_id),
        ("tenant_id", "delivery_id", "entry"),
    ):
        await _add(session, tenant_id, held, now)


async def entries(
    session: AsyncSession, tenant_id: uuid.UUID, params: PageParams
) -> tuple[list[CreditEntry], int]:
    query = select(CreditEntry).where(CreditEntry.tenant_id == tenant_id)
    return await paginate(session, query, params, [CreditEntry.created_at.desc(), CreditEntry.id])


async def grant_to_tenant(
    kit: KitState, tenant_id: uuid.UUID, amount: int, *, by: uuid.UUID, note: str, now: datetime
) -> int:
    """A grant by the platform, in the tenant's own database (404 for an unknown tenant)."""
    db = await kit.tenants.for_tenant(kit.core, tenant_id)
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        return await grant(session, tenant_id, amount, by=by, note=note, now=now)


async def take(session: AsyncSession, tenant_id: uuid.UUID, amount: int, now: datetime) -> bool:
    """Take `amount` off the balance at once (a broadcast's whole cost), or nothing if it is
    short; the caller writes the matching reserve entries, one per delivery."""
    return await _add(session, tenant_id, -amount, now)


def month_of(now: datetime) -> str:
    """The month (India time) a paid message counts in, `YYYY-MM`."""
    return now.astimezone(IST).strftime("%Y-%m")


async def used_this_month(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> int:
    found = await session.scalar(
        select(CreditMonth.used).where(
            CreditMonth.tenant_id == tenant_id, CreditMonth.month == month_of(now)
        )
    )
    return int(found or 0)


async def count_monthly(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    entitlements: Entitlements | None,
    messages: int,
    now: datetime,
) -> None:
    """Count `messages` paid messages against the plan's monthly credits, or raise 403
    `plan_limit_reached` (nothing counted) when they would pass it.

    One conditional UPDATE, so two senders at once cannot both take the last credits."""
    if messages <= 0:
        return
    limit = None if entitlements is None else entitlements.limits.get("message_credits")
    month = month_of(now)
    await insert_once(
        session,
        CreditMonth,
        {"id": uuid.uuid4(), "tenant_id": tenant_id, "month": month, "used": 0, "updated_at": now},
        ("tenant_id", "month"),
    )
    query = update(CreditMonth).where(
        CreditMonth.tenant_id == tenant_id, CreditMonth.month == month
    )
    if limit is not None:
        query = query.where(CreditMonth.used + messages <= limit)
    done = await session.execute(
        query.values(used=CreditMonth.used + messages, updated_at=now).execution_options(
            synchronize_session=False
        )
    )
    if done.rowcount == 1:  # type: ignore[attr-defined]
        await _counted(session, tenant_id, month, messages)
        return
    assert entitlements is not None
    used = await used_this_month(session, tenant_id, now)
    check_limit(entitlements, "message_credits", used, messages)  # raises, naming the upgrade
    raise PlanLimitReached(f"Limit message_credits: {used} used this month")  # pragma: no cover


async def _uncount(
    session: AsyncSession, tenant_id: uuid.UUID, messages: int, now: datetime
) -> None:
    """Give back what `count_monthly` counted in this same transaction (nothing was sent)."""
    await session.execute(
        update(CreditMonth)
        .where(CreditMonth.tenant_id == tenant_id, CreditMonth.month == month_of(now))
        .values(used=CreditMonth.used - messages)
        .execution_options(synchronize_session=False)
    )
    await _counted(session, tenant_id, month_of(now), -messages)


async def _counted(session: AsyncSession, tenant_id: uuid.UUID, month: str, credits: int) -> None:
    """`message.credits_counted`: the plan's monthly credits used moved by `credits` (negative
    when given back), for the platform's figures (the analytics service)."""
    payload = CreditsCounted(month=month, credits=credits)
    await publish(session, CREDITS_COUNTED, payload.model_dump(mode="json"), tenant_id=tenant_id)
