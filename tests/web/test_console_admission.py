"""The desk's admission form in a real browser against the real system (web/e2e/admission.mjs):
a minor is admitted with the guardian's name, mobile and e-mail, and the reminders the
student agreed to per channel; the API then holds the guardian and the message service
the consent, and the student's page shows the consent request the message service sent to
the guardian. Screenshots in var/artefacts/web/admission-*.png."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import Apps
from tests.fixtures.bookings import today_in_india
from tests.fixtures.databases import DbSet
from tests.fixtures.library import owner_with_limits, unique_mobile
from tests.fixtures.messages import run_consumers
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD
from tests.web.test_console_bookings import _library
from tests.web.test_console_flow import WEB, _browser, _require_tools


@pytest.fixture
async def console_only(dbs: DbSet, tmp_path: Path) -> AsyncIterator[System]:
    if dbs.backend != "sqlite":
        pytest.skip("the browser flow runs on the embedded default (SQLite) only")
    _require_tools()
    dist = tmp_path / "dist"
    shutil.copytree(WEB / "dist", dist)
    system = System(dbs, env={"GATEWAY_CONSOLE_DIR": str(dist)})
    await system.start_all()
    try:
        yield system
    finally:
        await system.close()


async def test_the_desk_admits_a_minor_with_the_guardian_and_the_reminders_agreed_to(
    console_only: System, apps: Apps
) -> None:
    owner = await owner_with_limits(apps)
    await _library(apps, owner)
    today = today_in_india()
    minor_dob = date(today.year - 15, 6, 1)
    phone, guardian = unique_mobile(), unique_mobile()
    out = await _browser(
        console_only,
        "admission",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/admission.mjs",
        extra_env={
            "PHONE": phone,
            "GUARDIAN_PHONE": guardian,
            "MINOR_DOB": minor_dob.isoformat(),
            "TZ": "Asia/Kolkata",
        },
    )
    assert "admission: passed" in out

    found = await apps.client("student").get(
        "/api/v1/students", params={"q": phone}, headers=owner.headers
    )
    [student] = found.json()["items"]
    record = (
        await apps.client("student").get(f"/api/v1/students/{student['id']}", headers=owner.headers)
    ).json()
    assert record["name"] == "Aarav Mehta"
    assert record["date_of_birth"] == minor_dob.isoformat()
    assert (record["guardian_name"], record["guardian_phone"], record["guardian_email"]) == (
        "Sunita Mehta",
        "+91" + guardian,
        "sunita.mehta@example.in",
    )
    await run_consumers(apps)
    consents = await apps.client("message").get(
        f"/api/messages/consents/{student['id']}", headers=owner.headers
    )
    granted = {c["channel"]: c["granted"] for c in consents.json() if c["purpose"] == "reminders"}
    assert granted == {"whatsapp": True, "sms": True, "email": False}
    # Reminders to this minor wait for the guardian, whom the message service asked.
    guardian_state = await apps.client("message").get(
        f"/api/messages/guardian-consents/{student['id']}", headers=owner.headers
    )
    asked = guardian_state.json()
    assert (asked["minor"], asked["answers"]) == (True, [])
    assert asked["request"]["contact"] == "sunita.mehta@example.in"
