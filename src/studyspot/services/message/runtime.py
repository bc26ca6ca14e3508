"""What the message service keeps per application: settings, providers, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from studyspot.kit.settings import Settings
from studyspot.services.message.config import MessageSettings
from studyspot.services.message.dispatch import Dispatcher
from studyspot.services.message.upstream import BookingClient, LibraryClient, SubscriptionClient


@dataclass
class Runtime:
    settings: Settings
    config: MessageSettings
    dispatcher: Dispatcher
    mailbox: Path
    # Staff members' branches, for limiting them to their branches' students.
    library: LibraryClient
    # Who holds a place or whose plan runs out, for a broadcast's audience.
    bookings: BookingClient
    # The platform's merchant, through which credits are bought.
    subscriptions: SubscriptionClient


async def request_runtime(request: Request) -> Runtime:
    found: Runtime = request.app.state.message
    return found
