"""The message service application (port 3010)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from studyspot.kit import periodic
from studyspot.kit.app import create_service_app
from studyspot.kit.crypto import SecretBox
from studyspot.kit.settings import Settings, get_settings
from studyspot.services.message import credit_purchases
from studyspot.services.message.channels.email import MAILBOX_DIR
from studyspot.services.message.channels.registry import providers
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.dispatch import Dispatcher, run_forever
from studyspot.services.message.routes import (
    broadcasts,
    consent,
    credits,
    deliveries,
    guardians,
    internal,
    notifications,
    senders,
    templates,
    unsubscribe,
    usage,
    webhooks,
)
from studyspot.services.message.runtime import Runtime
from studyspot.services.message.senders import TenantChannels
from studyspot.services.message.upstream import (
    DEV_LINK_KEY,
    AuthClient,
    BookingClient,
    LibraryClient,
    LinkBox,
    PaymentClient,
    StudentClient,
    SubscriptionClient,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    config = MessageSettings()
    if settings.environment == "production" and config.link_encryption_key == DEV_LINK_KEY:
        raise RuntimeError("AUTH_LINK_ENCRYPTION_KEY must be set in production")
    channels = providers(settings, config)
    students = StudentClient(settings, caller="message")
    payments = PaymentClient(settings, caller="message")
    owners = AuthClient(settings, caller="message")
    library = LibraryClient(settings, caller="message")
    bookings = BookingClient(settings, caller="message")
    subscriptions = SubscriptionClient(settings, caller="message")
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start_dispatcher(app: FastAPI) -> None:
        stop.clear()
        runtime: Runtime = app.state.message
        if config.dispatch_seconds:
            tasks.append(
                asyncio.create_task(
                    run_forever(runtime.dispatcher, config.dispatch_seconds, stop),
                    name="message_dispatcher",
                )
            )
        if config.credit_sweep_seconds:
            # Unpaid credit purchases marked abandoned: one instance per period.
            tasks.append(
                periodic.start(
                    lambda: credit_purchases.sweep_abandoned(
                        app.state.kit, runtime.config, runtime.dispatcher.clock
                    ),
                    config.credit_sweep_seconds,
                    credit_purchases.SWEEP_JOB,
                    core=app.state.kit.core,
                )
            )

    async def stop_dispatcher(_: FastAPI) -> None:
        stop.set()
        for task in tasks:
            if task.get_name() == credit_purchases.SWEEP_JOB:
                task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
            tasks.clear()
        for provider in channels.values():
            await provider.close()
        await app.state.message.dispatcher.tenant_channels.close()
        await students.close()
        await payments.close()
        await owners.close()
        await library.close()
        await bookings.close()
        await subscriptions.close()

    app = create_service_app(
        "message",
        [
            broadcasts.router,
            deliveries.router,
            notifications.router,
            templates.router,
            consent.router,
            credits.router,
            usage.router,
            senders.router,
            senders.settings_router,
            unsubscribe.router,
            guardians.router,
            webhooks.router,
            internal.router,
        ],
        settings=settings,
        description=(
            "Delivers what the other services announce: reset and invite links by e-mail "
            "(SMTP, or the development mailbox), booking news in each user's in-app feed and "
            "by e-mail, in English or Hindi, with owners' own wording, consent and "
            "suppressions, and a delivery log per tenant."
        ),
        on_startup=[start_dispatcher],
        on_shutdown=[stop_dispatcher],
    )
    dispatcher = Dispatcher(
        app.state.kit,
        config,
        channels,
        LinkBox(config.link_encryption_key),
        students,
        payments,
        tenant_channels=TenantChannels(SecretBox.from_settings(settings)),
        owners=owners,
        library=library,
    )
    app.state.message = Runtime(
        settings,
        config,
        dispatcher,
        settings.data_dir / MAILBOX_DIR,
        library,
        bookings,
        subscriptions,
    )
    return app
