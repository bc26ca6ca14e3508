"""The door display, a student's check-in on a phone and the desk's register, in a real
browser against the real system (web/e2e/attendance.mjs).

The owner, a library and a student with a full-day booking from today (open for check-in
all day, so the real clock of the processes never decides the outcome) are made through
the API; the student's password is set from its invitation. In the browser: the owner
creates a door display's key on the register page → the tablet opens the link (the key
in the fragment) and shows the QR, whose URL the test reads from the page → a phone-sized
browser opens that URL, logs the student in and sees the check-in confirmed → the
owner's register shows the student present, checks the student out by hand with a reason
→ the desk scans the student's own code (checked in again) → a scan made offline waits on
the device and is reported a duplicate once uploaded → the owner revokes the display, and
the tablet then shows the refusal, not a code.
Screenshots in var/artefacts/web/attendance-*.png.
"""

from __future__ import annotations

import json

from tests.conftest import Apps
from tests.fixtures.bookings import booking_body, paid, ready_library, student_login, today_in_india
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system


async def test_door_qr_checks_a_student_in_from_a_phone_and_the_register_shows_it(
    console_system: System, apps: Apps
) -> None:
    ready = await ready_library(apps, students=1, name="Gyan Kendra Kothrud")
    student_id = ready.students[0]
    body = booking_body(ready, student=student_id, shift=None, plan="full", start=today_in_india())
    await paid(apps, ready.owner, body)
    student = await student_login(apps, ready, student_id)
    name = (
        await apps.client("student").get(
            f"/api/v1/students/{student_id}", headers=ready.owner.headers
        )
    ).json()["name"]
    assert ready.owner.tenant_slug is not None

    out = await _browser(
        console_system,
        "attendance",
        ready.owner.email,
        DEFAULT_PASSWORD,
        script="e2e/attendance.mjs",
        extra_env={
            "LIBRARY_ID": str(ready.library_id),
            "STUDENT_ID": str(student_id),
            "STUDENT_NAME": name,
            "STUDENT_EMAIL": student.email,
            "STUDENT_PASSWORD": DEFAULT_PASSWORD,
            "TENANT_SLUG": ready.owner.tenant_slug,
            "TZ": "Asia/Kolkata",
        },
    )
    assert "attendance: passed" in out
    results = json.loads((ARTEFACTS / "attendance-results.json").read_text())
    # The QR's URL is this system's check-in page with the door's code in the fragment.
    assert results["qr_url"].startswith(f"{console_system.url}/attendance/check-in#code=d.")

    # What the browser saw is what the service recorded.
    records = await apps.client("attendance").get(
        f"/api/attendance/students/{student_id}", headers=ready.owner.headers
    )
    assert records.status_code == 200, records.text
    # One record for the day: in at the door, out by hand, in again by the desk's scan.
    (day,) = records.json()["items"]
    assert day["kind"] == "attendance"
    assert day["checked_in_at"] is not None and day["checked_out_at"] is None


__all__ = ["console_system"]  # the fixture, imported to be used here
