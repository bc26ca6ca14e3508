"""The subscription service application (port 3009)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.subscription.billing import RazorpayBilling
from studyspot.services.subscription.cashfree import CashfreeBilling
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.routes import (
    billing,
    current,
    internal,
    invoices,
    plans,
    platform,
)
from studyspot.services.subscription.runtime import Runtime, runtime_of
from studyspot.services.subscription.tasks import Lifecycle


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    config = SubscriptionSettings()
    jobs: list[asyncio.Task[None]] = []

    async def start(app: FastAPI) -> None:
        if config.sweep_seconds > 0:
            lifecycle = runtime_of(app).lifecycle
            lifecycle.stop.clear()
            jobs.append(asyncio.create_task(lifecycle.run(), name="subscription_lifecycle"))

    async def stop(app: FastAPI) -> None:
        runtime_of(app).lifecycle.stop.set()
        await asyncio.gather(*jobs, return_exceptions=True)
        jobs.clear()
        runtime_of(app).billing.close()
        await runtime_of(app).cashfree.close()

    app = create_service_app(
        "subscription",
        [
            plans.router,
            current.router,
            invoices.router,
            platform.router,
            billing.router,
            internal.router,
        ],
        settings=settings,
        description=(
            "How StudySpot earns: versioned platform plans, each tenant's subscription and "
            "entitlements (limits and features every service checks), trials that end, "
            "upgrades with proration, downgrades and cancellations at period end."
        ),
        on_startup=[start],
        on_shutdown=[stop],
    )
    runtime = Runtime(
        app.state.kit,
        config,
        Lifecycle(app.state.kit.core, config),
        RazorpayBilling(config),
        CashfreeBilling(config),
    )
    runtime.lifecycle.clock = runtime.now
    app.state.subscription = runtime
    return app
