"""What the subscription service keeps per application: settings, clock, lifecycle job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI, Request

from studyspot.kit.models import utcnow
from studyspot.kit.state import KitState
from studyspot.services.subscription.billing import RazorpayBilling
from studyspot.services.subscription.cashfree import CashfreeBilling
from studyspot.services.subscription.config import SubscriptionSettings
from studyspot.services.subscription.tasks import Lifecycle


@dataclass
class Runtime:
    kit: KitState
    config: SubscriptionSettings
    lifecycle: Lifecycle
    billing: RazorpayBilling
    # The platform's Cashfree account (message credits only).
    cashfree: CashfreeBilling
    # Replaceable so that tests move time (tests/fixtures/subscriptions.py), never sleep.
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()


def runtime_of(app: FastAPI) -> Runtime:
    found: Runtime = app.state.subscription
    return found


async def request_runtime(request: Request) -> Runtime:
    return runtime_of(request.app)
