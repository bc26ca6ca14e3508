"""Payment links at the desk in a real browser against the real system (web/e2e/paylinks.mjs).

The owner, the library (seats A1-A4, a morning shift, a weekly ₹500 plan) and the
Razorpay and Cashfree accounts at the local fakes are made through the API; the fakes
are told the gateway's webhook URLs, so that paying a link on its (fake) page sends the
signed webhook the real provider would. Everything else happens in the console.
Screenshots in var/artefacts/web/paylinks-*.png.
"""

from __future__ import annotations

import json

from tests.conftest import Apps
from tests.fixtures.library import owner_with_limits, unique_mobile
from tests.fixtures.users import DEFAULT_PASSWORD
from tests.web.test_console_bookings import (
    PAYMENTS,
    Desk,
    _connect_providers,
    _library,
    desk_system,
)
from tests.web.test_console_flow import ARTEFACTS, _browser

__all__ = ["desk_system"]


async def test_desk_sends_razorpay_and_cashfree_links_sees_them_paid_and_cancels_one(
    desk_system: Desk, apps: Apps
) -> None:
    """A Razorpay link for ₹500 (QR, copy, WhatsApp to the student's mobile) is paid on its
    page → its signed `payment_link.paid` reaches the gateway → the desk shows the receipt;
    a Cashfree link likewise through `PAYMENT_LINK_EVENT`; a third link is cancelled at the
    desk, which then takes cash. Each webhook was delivered once and accepted."""
    owner = await owner_with_limits(apps)
    await _library(apps, owner)
    await _connect_providers(apps, owner, desk_system)
    gateway = desk_system.system.url
    desk_system.razorpay.webhook_url = f"{gateway}{PAYMENTS}/razorpay/webhook"
    desk_system.cashfree.webhook_url = f"{gateway}{PAYMENTS}/cashfree/webhook"

    env = {f"PHONE_{n}": unique_mobile() for n in (1, 2, 3)}
    out = await _browser(
        desk_system.system,
        "paylinks",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/paylinks.mjs",
        extra_env=env,
    )
    assert "paylinks: passed" in out
    results = json.loads((ARTEFACTS / "paylinks-results.json").read_text())
    assert desk_system.razorpay.deliveries == [200]
    assert desk_system.cashfree.deliveries == [200]
    # What the providers were asked for: the plan's price, and the links' states now.
    links = desk_system.razorpay.links
    paid = next(link for link in links.values() if link["short_url"] == results["razorpay_link"])
    assert (paid["amount"], paid["status"]) == (50_000, "paid")
    cancelled = next(
        link for link in links.values() if link["short_url"] == results["cancelled_link"]
    )
    assert cancelled["status"] == "cancelled"
    (cashfree,) = desk_system.cashfree.links.values()
    assert (cashfree["link_amount"], cashfree["link_status"]) == (500, "PAID")
