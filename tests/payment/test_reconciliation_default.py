"""Reconciliation runs in every payment process unless switched off.

A webhook can be lost (provider outage, a bug on our side); with the periodic
job off by default such money stayed unrecorded until someone ran the command.
"""

from __future__ import annotations

import asyncio

import pytest

from studyspot.services.payment.app import create_app
from studyspot.services.payment.config import PaymentSettings
from tests.conftest import Apps
from tests.fixtures.payments import Fakes, Tenant, connect_cashfree, created, get_payment


def test_periodic_reconciliation_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_RECONCILE_INTERVAL_SECONDS", raising=False)
    settings = PaymentSettings(_env_file=None)
    assert 0 < settings.reconcile_interval_seconds <= 900


async def test_a_lost_webhook_is_settled_by_the_running_service_on_its_own(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_cashfree(apps, tenant, fakes)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.student, booking, "cashfree")
    fakes.cashfree.pay(payment["checkout"]["order_id"])  # paid; its webhook never comes

    service = create_app(
        apps.dbs.settings(),
        PaymentSettings(reconcile_interval_seconds=1, reconcile_after_minutes=0),
    )
    async with service.router.lifespan_context(service):
        for _ in range(100):
            if (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured":
                break
            await asyncio.sleep(0.1)
    await service.state.kit.tenants.dispose()
    await service.state.kit.core.dispose()
    assert (await get_payment(apps, tenant.owner, payment["id"]))["status"] == "captured"
