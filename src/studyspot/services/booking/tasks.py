"""Background jobs of the booking service: expire holds, move bookings along the calendar,
announce renewals, offer freed places to the waitlist, prune idempotency keys.

`Sweeper.run` loops every `BOOKING_SWEEP_SECONDS` inside each booking process
(started by the app; several instances may sweep at once — every change is a
conditional UPDATE, so exactly one of them wins each). Each tenant is swept in
its own scoped unit of work (row-level security is forced on tenant tables).
Jobs take ids and open their own sessions; none holds a transaction while it
asks another service.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import structlog

from studyspot.kit import periodic
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.idempotency import prune_expired
from studyspot.kit.tenancy import tenant_homes
from studyspot.services.booking.repository import BookingRepository, WaitlistRepository
from studyspot.services.booking.runtime import Runtime
from studyspot.services.booking.service.holds import expire_hold
from studyspot.services.booking.service.lifecycle import advance_by_calendar, announce_renewals
from studyspot.services.booking.service.waitlist import Offer, offer_places
from studyspot.services.booking.upstream import FeePlanRecord

log = structlog.get_logger("studyspot.booking")
BATCH = 500


@dataclass
class SweepResult:
    expired: int = 0
    advanced: int = 0
    renewals_announced: int = 0
    offers: list[Offer] = field(default_factory=list)


async def sweep_tenant(runtime: Runtime, db: Database, tenant_id: uuid.UUID) -> SweepResult:
    """Every periodic job for one tenant; offers last, so that expired holds make room first."""
    now = runtime.now()
    result = SweepResult()
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        for booking_id in await BookingRepository(session, tenant_id).due_holds(now, BATCH):
            if await expire_hold(session, tenant_id, booking_id, now) is not None:
                result.expired += 1
        result.advanced = await advance_by_calendar(session, tenant_id, now, limit=BATCH)
        result.renewals_announced = await announce_renewals(
            session, tenant_id, now, runtime.config.renewal_window_days, limit=BATCH
        )
        libraries = await WaitlistRepository(session, tenant_id).libraries_waiting()
    for library_id in libraries:
        result.offers.extend(await offer_library(runtime, db, tenant_id, library_id))
    await prune_expired(db, tenant_id, now)
    return result


async def offer_library(
    runtime: Runtime, db: Database, tenant_id: uuid.UUID, library_id: uuid.UUID
) -> list[Offer]:
    """Offer a library's free places to its waiting students (catalog and plans asked first)."""
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        waiting = await WaitlistRepository(session, tenant_id).waiting_in(library_id)
        plan_ids = sorted({e.fee_plan_id for e in waiting})
    if not plan_ids:
        return []
    up = runtime.upstream
    catalog = await up.library.get_catalog(tenant_id, library_id)
    if catalog is None:
        return []
    plans: dict[uuid.UUID, FeePlanRecord | None] = {}
    for plan_id in plan_ids:
        plans[plan_id] = catalog.fee_plan(plan_id) or await up.library.get_fee_plan(
            tenant_id, plan_id
        )
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        return await offer_places(session, tenant_id, catalog, plans, runtime.now(), runtime.config)


async def offer_library_quietly(
    runtime: Runtime, db_key: str | None, tenant_id: uuid.UUID, library_id: uuid.UUID
) -> None:
    """`offer_library` after a request freed a place; a failure waits for the next sweep."""
    try:
        db = await runtime.kit.tenants.get(db_key)
        await offer_library(runtime, db, tenant_id, library_id)
    except Exception as exc:
        log.warning("booking.offer_after_change_failed", error=type(exc).__name__)


class Sweeper:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop = asyncio.Event()

    async def run_once(self) -> SweepResult:
        total = SweepResult()
        for home in await tenant_homes(self.runtime.kit.core):
            try:
                db = await self.runtime.kit.tenants.get(home.database_key)
                part = await sweep_tenant(self.runtime, db, home.tenant_id)
            except Exception as exc:
                # One tenant's trouble must not stop the others' holds from expiring.
                log.warning(
                    "booking.sweep_failed", tenant_id=str(home.tenant_id), error=type(exc).__name__
                )
                continue
            total.expired += part.expired
            total.advanced += part.advanced
            total.renewals_announced += part.renewals_announced
            total.offers.extend(part.offers)
        return total

    async def run(self) -> None:
        period = self.runtime.config.sweep_seconds
        while not self.stop.is_set():
            try:
                await periodic.once(self.runtime.kit.core, "booking_sweep", period, self.run_once)
            except Exception as exc:
                log.error("booking.sweeper_failed", error=type(exc).__name__)
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=period)
            except TimeoutError:
                continue
