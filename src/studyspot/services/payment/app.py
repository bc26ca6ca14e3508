"""The payment service application (port 3007)."""

from __future__ import annotations

from fastapi import FastAPI

from studyspot.kit import periodic
from studyspot.kit.app import create_service_app
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.payment import tasks
from studyspot.services.payment import webhooks as webhooks_service
from studyspot.services.payment.config import PaymentSettings
from studyspot.services.payment.context import PaymentContext
from studyspot.services.payment.routes import (
    accounts,
    collections,
    internal,
    invoices,
    payments,
    webhooks,
)


def create_app(
    settings: Settings | None = None, payment_settings: PaymentSettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    ctx = PaymentContext.create(settings, payment_settings)

    async def start_reconciler(app: FastAPI) -> None:
        interval = ctx.settings.reconcile_interval_seconds
        if interval:
            state = app.state.kit
            app.state.payment_reconciler = periodic.start(
                lambda: tasks.reconcile_round(state.core, state.tenants, ctx),
                interval,
                "payment_reconcile",
                core=state.core,
            )

    async def shut_down(app: FastAPI) -> None:
        await periodic.stop(getattr(app.state, "payment_reconciler", None))
        await ctx.close()

    app = create_service_app(
        "payment",
        # Fixed paths (accounts, dues, webhooks, invoices/{id}) before `/{payment_id}`.
        [
            accounts.router,
            collections.router,
            webhooks.router,
            invoices.router,
            payments.router,
            internal.router,
        ],
        settings=settings,
        description=(
            "Payments of bookings: at the desk, by UPI to the library's own VPA, through "
            "Razorpay or Cashfree; refunds, dues, GST invoices and reconciliation."
        ),
        on_startup=[start_reconciler],
        on_shutdown=[shut_down],
    )
    app.state.payment = ctx
    app.state.webhook_refusals = webhooks_service.Refusals(app.state.kit.metrics)
    return app
