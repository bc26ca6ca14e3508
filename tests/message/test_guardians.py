"""Students under 18 are reached through their guardian's phone, and never sent promotional
messages; adults as before."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from studyspot.services.student.internal import is_minor
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import ReadyLibrary, add_student, ready_library
from tests.fixtures.library import unique_mobile
from tests.fixtures.messages import Clock, dispatcher, grant_credits, use_smtp
from tests.fixtures.smtp import smtp_server
from tests.fixtures.students import minor_birth_date

BROADCASTS = "/api/messages/broadcasts"


@pytest.mark.parametrize(
    ("born", "today", "minor"),
    [
        (date(2008, 12, 7), date(2026, 12, 6), True),  # the day before the 18th birthday
        (date(2008, 12, 6), date(2026, 12, 6), False),  # the birthday itself
        (date(2008, 2, 29), date(2026, 2, 28), True),  # 29 February counts from 1 March
        (date(2008, 2, 29), date(2026, 3, 1), False),
        (None, date(2026, 12, 6), False),  # no date of birth: treated as an adult
    ],
)
def test_under_18_is_counted_in_whole_years(born: date | None, today: date, minor: bool) -> None:
    assert is_minor(born, today) is minor


async def _consent(apps: Apps, ready: ReadyLibrary, student_id: uuid.UUID, purpose: str) -> None:
    for channel in ("sms", "email"):
        resp = await apps.client("message").put(
            f"/api/messages/consents/{student_id}",
            json={"channel": channel, "purpose": purpose, "granted": True, "notice_version": "v2"},
            headers=ready.owner.headers,
        )
        assert resp.status_code == 200, resp.text


def _broadcast(students: list[uuid.UUID], channel: str, category: str) -> dict[str, Any]:
    return {
        "student_ids": [str(s) for s in students],
        "channel": channel,
        "category": category,
        "title": "Closed on Monday",
        "body": "The library is closed on Monday.",
    }


async def test_a_minors_reminder_goes_to_the_guardian_and_promotions_to_no_one(
    apps: Apps, msg91: FakeMsg91
) -> None:
    ready = await ready_library(apps, students=0)
    guardian = unique_mobile()
    minor = await add_student(
        apps,
        ready.owner,
        ready.library_id,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone=guardian,
    )
    adult = await add_student(apps, ready.owner, ready.library_id)
    for student in (minor, adult):
        await _consent(apps, ready, student, "reminders")
        await _consent(apps, ready, student, "promotional")
    await grant_credits(apps, ready.owner, 1_000)
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    client = apps.client("message")

    promo = await client.post(
        f"{BROADCASTS}/quote",
        json=_broadcast([minor, adult], "sms", "promotional"),
        headers=ready.owner.headers,
    )
    assert promo.json()["reachable"] == 1 and promo.json()["skipped"] == {"minor": 1}
    # By e-mail this minor is not reached at all: the record has no guardian e-mail.
    by_email = await client.post(
        f"{BROADCASTS}/quote",
        json=_broadcast([minor, adult], "email", "reminders"),
        headers=ready.owner.headers,
    )
    assert by_email.json()["reachable"] == 1 and by_email.json()["skipped"] == {"no_address": 1}

    sent = await client.post(
        BROADCASTS, json=_broadcast([minor, adult], "sms", "reminders"), headers=ready.owner.headers
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == 2
    await dispatcher(apps).run_once()
    numbers = {str(s["recipients"][0]["mobiles"]) for s in msg91.sent}
    adult_phone = (
        await apps.client("student").get(f"/api/v1/students/{adult}", headers=ready.owner.headers)
    ).json()["phone"]
    assert numbers == {"91" + guardian, adult_phone.lstrip("+")}  # the guardian, not the minor


async def test_a_minors_email_goes_to_the_guardians_email_and_promotions_to_no_one(
    apps: Apps,
) -> None:
    ready = await ready_library(apps, students=0)
    tag = uuid.uuid4().hex[:8]
    guardian_email, own_email = f"ravi-{tag}@example.com", f"anu-{tag}@example.com"
    minor = await add_student(
        apps,
        ready.owner,
        ready.library_id,
        email=own_email,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone=unique_mobile(),
        guardian_email=guardian_email.upper(),
    )
    await _consent(apps, ready, minor, "reminders")
    await _consent(apps, ready, minor, "promotional")
    await grant_credits(apps, ready.owner, 1_000)
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India
    client = apps.client("message")

    promo = await client.post(
        f"{BROADCASTS}/quote",
        json=_broadcast([minor], "email", "promotional"),
        headers=ready.owner.headers,
    )
    assert promo.json()["reachable"] == 0 and promo.json()["skipped"] == {"minor": 1}
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        sent = await client.post(
            BROADCASTS, json=_broadcast([minor], "email", "reminders"), headers=ready.owner.headers
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["recipients"] == 1
        await dispatcher(apps).run_once()
        assert [m["Subject"] for m in inbox.to(guardian_email)] == ["Closed on Monday"]
        assert inbox.to(own_email) == []
        # A promotional broadcast by e-mail reaches no one under 18, guardian included.
        refused = await client.post(
            BROADCASTS,
            json=_broadcast([minor], "email", "promotional"),
            headers=ready.owner.headers,
        )
        await dispatcher(apps).run_once()
        assert refused.status_code != 201 or refused.json()["recipients"] == 0, refused.text
        assert len(inbox.to(guardian_email)) == 1 and inbox.to(own_email) == []
