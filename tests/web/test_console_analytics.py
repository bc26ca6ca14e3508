"""The analytics dashboard in a real browser against the real system (web/e2e/analytics.mjs).

The owner, a library and a booking from today confirmed at the desk are made through the
API; the system's worker projects the events into the analytics read models (the test
waits until the service answers with them). In the browser: Analytics in the navigation →
this month's row shows the booking's charge billed and the freshness line → the trend
charts' bars carry the API's billed, collected and booked occupancy → the ageing table,
the open dues page with the unpaid booking and the 7 x 24 heatmap → the KPI CSV download
with its header row → the page in Hindi. Screenshots in var/artefacts/web/analytics-*.png.
"""

from __future__ import annotations

import asyncio
import json
import time

from tests.conftest import Apps
from tests.fixtures.bookings import booking_body, paid, ready_library, today_in_india
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system


def rupees(paise: int) -> str:
    """The console's `formatPaise`: ₹1,50,000.00 (Indian grouping)."""
    digits, rest = str(paise // 100), paise % 100
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return "₹" + ",".join([*groups, tail]) + f".{rest:02d}"


async def test_the_dashboard_shows_what_the_events_made(console_system: System, apps: Apps) -> None:
    assert rupees(15_000_000) == "₹1,50,000.00" and rupees(50_000) == "₹500.00"
    ready = await ready_library(apps, students=1, name="Gyan Kendra Kothrud")
    day = today_in_india()
    body = booking_body(ready, student=ready.students[0], shift=None, plan="full", start=day)
    booking = await paid(apps, ready.owner, body)
    month = f"{day.year:04d}-{day.month:02d}"

    # The worker of the running system delivers the outbox to the analytics consumer.
    deadline = time.monotonic() + 60
    while True:
        resp = await apps.client("analytics").get(
            f"/api/v1/analytics/libraries/{ready.library_id}/kpis",
            params={"from": month, "to": month},
            headers=ready.owner.headers,
        )
        assert resp.status_code == 200, resp.text
        whole = next(r for r in resp.json()["rows"] if r["shift_id"] is None)
        # Billing and occupancy are projected from different events, which the worker may
        # deliver apart: wait for both (a bar once showed 0.2688 where the API had said 0).
        if whole["billed_paise"] == booking["total_paise"] and whole["booked_occupancy"] > 0:
            break
        assert time.monotonic() < deadline, resp.text
        await asyncio.sleep(0.5)

    dues = await apps.client("analytics").get(
        f"/api/v1/analytics/libraries/{ready.library_id}/dues",
        params={"page_size": 20},
        headers=ready.owner.headers,
    )
    assert dues.status_code == 200, dues.text
    # Confirmed at the desk, not paid: the month's one open due.
    assert [i["booking_id"] for i in dues.json()["items"]] == [booking["id"]]
    numbers = {
        "billed_paise": whole["billed_paise"],
        "collected_paise": whole["collected_paise"],
        "booked_occupancy": whole["booked_occupancy"],
        "due_booking_id": booking["id"],
        "dues_total": dues.json()["total"],
    }
    out = await _browser(
        console_system,
        "analytics",
        ready.owner.email,
        DEFAULT_PASSWORD,
        script="e2e/analytics.mjs",
        extra_env={
            "LIBRARY_ID": str(ready.library_id),
            "MONTH": month,
            "BILLED": rupees(booking["total_paise"]),
            "API_NUMBERS": json.dumps(numbers),
            "TZ": "Asia/Kolkata",
        },
    )
    assert "analytics: passed" in out
    results = json.loads((ARTEFACTS / "analytics-results.json").read_text())
    assert results["csv_header"].startswith("month,shift_id")
    assert results["axe"]["analytics"] is not None
    assert results["chart"]["billed"]["value"] == str(booking["total_paise"])


__all__ = ["console_system"]  # the fixture, imported to be used here
