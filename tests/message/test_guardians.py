"""Students under 18 are reached through their guardian's phone, and never sent promotional
messages; adults as before. A minor's consent is asked of the guardian: a request with a
signed, expiring link to a plain page where the guardian grants or refuses reminders per
channel; only that answer lets a minor's reminders go out, and the guardian withdraws it as
easily."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from studyspot.kit.db import unit_of_work
from studyspot.services.message import guardians
from studyspot.services.message.models import Delivery, GuardianRequest
from studyspot.services.message.webhooks import apply_replies
from studyspot.services.student.internal import is_minor
from tests.conftest import Apps
from tests.fakes.msg91 import FakeMsg91
from tests.fixtures.bookings import ReadyLibrary, add_student, ready_library
from tests.fixtures.library import unique_mobile
from tests.fixtures.messages import (
    Clock,
    deliver_messages,
    dispatcher,
    grant_credits,
    guardian_answers,
    run_consumers,
    use_smtp,
)
from tests.fixtures.smtp import smtp_server
from tests.fixtures.students import create_library, minor_birth_date
from tests.fixtures.users import register_owner
from tests.message.test_notifications import _renewal_due

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
    # A minor's reminders need the guardian's own answer (the desk's above does not count).
    await guardian_answers(apps, ready.tenant_id, minor, sms="grant", email="grant")
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
    # Not reached on the desk's word: the guardian's answer is what counts for a minor.
    quote = await apps.client("message").post(
        f"{BROADCASTS}/quote",
        json=_broadcast([minor], "email", "reminders"),
        headers=ready.owner.headers,
    )
    assert quote.json()["skipped"] == {"no_consent": 1}
    await guardian_answers(apps, ready.tenant_id, minor, email="grant")
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


PAGE = "/api/messages/guardian-consent"
ASKED = "May we send"
DESK_CONSENT = {"whatsapp": True, "sms": True, "email": True, "data_processing": True}


async def _branch(apps: Apps) -> ReadyLibrary:
    """An owner and one library: all a message needs (no seats, shifts or plans)."""
    owner = await register_owner(apps)
    return ReadyLibrary(owner, await create_library(apps, owner), [], [], {})


def _state_url(student_id: uuid.UUID) -> str:
    return f"/api/messages/guardian-consents/{student_id}"


async def _minor(apps: Apps, ready: ReadyLibrary, **contact: str) -> uuid.UUID:
    return await add_student(
        apps,
        ready.owner,
        ready.library_id,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone=contact.pop("guardian_phone", unique_mobile()),
        consent=DESK_CONSENT,
        **contact,
    )


def _token(mail_text: str) -> str:
    link = re.search(r"https?://\S+/api/messages/guardian-consent\?token=\S+", mail_text)
    assert link is not None, mail_text
    return parse_qs(urlsplit(link.group(0)).query)["token"][0]


async def _requests(apps: Apps, ready: ReadyLibrary, student_id: uuid.UUID) -> list[Delivery]:
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=ready.tenant_id, read_only=True) as session:
        rows = await session.scalars(
            select(Delivery).where(
                Delivery.tenant_id == ready.tenant_id,
                Delivery.recipient_user_id == student_id,
                Delivery.kind == guardians.GUARDIAN_KIND,
            )
        )
        return list(rows)


async def test_the_guardian_grants_by_the_link_and_then_gets_the_reminders(apps: Apps) -> None:
    ready = await _branch(apps)
    tag = uuid.uuid4().hex[:8]
    guardian, own = f"ravi-{tag}@example.com", f"anu-{tag}@example.com"
    minor = await _minor(apps, ready, email=own, guardian_email=guardian)
    client = apps.client("message")
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        [asked] = [m for m in inbox.to(guardian) if ASKED in str(m["Subject"])]
        assert inbox.to(own) == []  # never the minor
    assert "List-Unsubscribe" not in asked  # transactional
    token = _token(asked.get_content())

    assert len(await _requests(apps, ready, minor)) == 1  # one request, to the guardian
    # The desk's answer at admission does not count for a minor (the broadcast quote above
    # shows it): reminders wait for the guardian's.
    clock = Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))  # 11:30 in India

    page = await client.get(PAGE, params={"token": token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Priya Sharma" in page.text and 'name="email" value="grant"' in page.text
    assert "promotional" not in page.text.lower().split("<form")[1]  # never offered
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    assert state["answers"] == []  # looking changed nothing
    assert state["request"]["reason"] == "admitted" and state["request"]["contact"] == guardian

    saved = await client.post(PAGE, params={"token": token}, data={"email": "grant"})
    assert saved.status_code == 200, saved.text
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    [answer] = state["answers"]
    assert answer["channel"] == "email" and answer["granted"] is True
    assert (answer["via"], answer["contact"], answer["notice_version"]) == (
        "link",
        guardian,
        guardians.NOTICE_VERSION,
    )
    assert state["minor"] is True and state["policy"] == "guardian_only"
    assert state["request"]["answered_at"] is not None

    await _renewal_due(apps, ready, minor)
    clock.advance(hours=1)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        [reminder] = [m for m in inbox.to(guardian) if "runs out" in str(m["Subject"])]
        assert inbox.to(own) == []
    # Withdrawing is as easy: the reminder's unsubscribe link withdraws the guardian's answer.
    unsubscribe = str(reminder["List-Unsubscribe"]).strip("<>")
    done = await client.post(
        "/api/messages/unsubscribe",
        params={"token": parse_qs(urlsplit(unsubscribe).query)["token"][0]},
    )
    assert done.status_code == 200, done.text
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    assert [(a["granted"], a["via"]) for a in state["answers"]] == [(False, "unsubscribe")]
    await _renewal_due(apps, ready, minor)
    clock.advance(hours=1)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        assert inbox.to(guardian) == []


async def test_a_bad_link_records_nothing_and_a_refusal_or_stop_sends_no_reminder(
    apps: Apps,
) -> None:
    ready = await _branch(apps)
    tag = uuid.uuid4().hex[:8]
    guardian, phone = f"sita-{tag}@example.com", unique_mobile()
    minor = await _minor(apps, ready, guardian_email=guardian, guardian_phone=phone)
    await run_consumers(apps)
    [delivery] = await _requests(apps, ready, minor)
    assert (delivery.channel, delivery.recipient) == ("email", guardian)
    assert [c for c, _ in delivery.fallbacks] == ["whatsapp", "sms"]
    kit = apps.app("message").state.kit
    async with unit_of_work(kit.tenants.shared, tenant_id=ready.tenant_id) as session:
        request = await session.scalar(
            select(GuardianRequest).where(GuardianRequest.student_id == minor)
        )
        assert request is not None
        session.expunge(request)
    config = dispatcher(apps).config
    token = _token(guardians.link_for(config.public_url, config.link_encryption_key, request))
    client = apps.client("message")

    # An altered or expired link, or a form that is not one: 4xx and nothing recorded.
    request.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    expired = _token(guardians.link_for(config.public_url, config.link_encryption_key, request))
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad, status, code in (
        (forged, 400, "invalid_guardian_link"),
        (expired, 410, "guardian_link_expired"),
    ):
        looked = await client.get(PAGE, params={"token": bad})
        assert (looked.status_code, looked.json()["code"]) == (status, code)
        posted = await client.post(PAGE, params={"token": bad}, data={"email": "grant"})
        assert (posted.status_code, posted.json()["code"]) == (status, code)
    for form in ({"email": "yes"}, {}, {"email": "grant", "promotional": "grant"}):
        wrong = await client.post(PAGE, params={"token": token}, data=form)
        assert wrong.status_code == 422, form
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    assert state["answers"] == [] and state["request"]["answered_at"] is None

    refused = await client.post(PAGE, params={"token": token}, data={"email": "refuse"})
    assert refused.status_code == 200, refused.text
    Clock(apps, datetime(2030, 1, 6, 6, 0, tzinfo=UTC))
    await _renewal_due(apps, ready, minor)
    with smtp_server() as inbox:
        use_smtp(apps, inbox)
        await deliver_messages(apps)
        assert inbox.to(guardian) == []

    # SMS granted, then the guardian's phone replies STOP: withdrawn for the minor.
    granted = await client.post(PAGE, params={"token": token}, data={"sms": "grant"})
    assert granted.status_code == 200
    async with unit_of_work(kit.tenants.shared, tenant_id=ready.tenant_id) as session:
        session.add(
            Delivery(
                tenant_id=ready.tenant_id,
                event_id=uuid.uuid4(),
                kind="renewal_due",
                channel="sms",
                recipient=phone,
                recipient_user_id=minor,
                language="en",
                variables={},
                status="sent",
                attempts=1,
                next_attempt_at=datetime.now(UTC),
                fallbacks=[],
            )
        )
    assert await apply_replies(kit, "sms", [phone], datetime.now(UTC), True) == 1
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    assert {a["channel"]: (a["granted"], a["via"]) for a in state["answers"]} == {
        "email": (False, "link"),
        "sms": (False, "stop"),
    }


async def test_adults_are_not_asked_and_the_desk_resends_once_a_day(apps: Apps) -> None:
    ready = await _branch(apps)
    adult = await add_student(apps, ready.owner, ready.library_id, consent=DESK_CONSENT)
    minor = await _minor(apps, ready)  # no guardian e-mail: asked on the guardian's phone
    await run_consumers(apps)
    assert await _requests(apps, ready, adult) == []
    [asked] = await _requests(apps, ready, minor)
    assert asked.channel == "whatsapp" and [c for c, _ in asked.fallbacks] == ["sms"]
    client = apps.client("message")
    state = (await client.get(_state_url(adult), headers=ready.owner.headers)).json()
    assert (state["minor"], state["request"]) == (False, None)
    not_minor = await client.post(f"{_state_url(adult)}/resend", headers=ready.owner.headers)
    assert (not_minor.status_code, not_minor.json()["code"]) == (409, "not_a_minor")

    too_soon = await client.post(f"{_state_url(minor)}/resend", headers=ready.owner.headers)
    assert too_soon.status_code == 429 and too_soon.json()["code"] == "rate_limited"
    assert 0 < int(too_soon.headers["Retry-After"]) <= 24 * 3600

    # A new guardian phone at the desk asks again, once for that change.
    changed = await apps.client("student").patch(
        f"/api/v1/students/{minor}",
        json={"guardian_phone": unique_mobile()},
        headers=ready.owner.headers,
    )
    assert changed.status_code == 200, changed.text
    await run_consumers(apps)
    await run_consumers(apps)
    assert len(await _requests(apps, ready, minor)) == 2
    state = (await client.get(_state_url(minor), headers=ready.owner.headers)).json()
    assert state["request"]["reason"] == "guardian_changed"
    assert state["resend_available_at"] is not None
    kit = apps.app("message").state.kit
    async with unit_of_work(kit.tenants.shared, tenant_id=ready.tenant_id) as session:
        await session.execute(
            update(GuardianRequest)
            .where(GuardianRequest.student_id == minor)
            .values(requested_at=datetime.now(UTC) - timedelta(hours=25))
        )
    resent = await client.post(f"{_state_url(minor)}/resend", headers=ready.owner.headers)
    assert resent.status_code == 201, resent.text
    assert resent.json()["request"]["reason"] == "resend"
    assert resent.json()["resend_available_at"] is not None

    other = await register_owner(apps)
    for method, path in (("GET", _state_url(minor)), ("POST", f"{_state_url(minor)}/resend")):
        hidden = await client.request(method, path, headers=other.headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "student_not_found")


async def test_two_resends_at_once_ask_the_guardian_once(apps: Apps) -> None:
    """The second resend waits for the first's transaction and then finds its request
    (429), instead of both finding the last request old enough and both sending."""
    ready = await _branch(apps)
    minor = await _minor(apps, ready)
    await run_consumers(apps)
    kit = apps.app("message").state.kit
    db = kit.tenants.shared
    async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
        await session.execute(
            update(GuardianRequest)
            .where(GuardianRequest.student_id == minor)
            .values(requested_at=datetime.now(UTC) - timedelta(hours=25))
        )
    students = apps.app("message").state.message.dispatcher.students
    student = await students.get_student(ready.tenant_id, minor)
    first_asked, let_first_commit = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
            await guardians.resend(session, ready.tenant_id, student, None, datetime.now(UTC))
            first_asked.set()
            await let_first_commit.wait()  # still uncommitted while the second one runs

    async def second() -> str:
        await first_asked.wait()
        try:
            async with unit_of_work(db, tenant_id=ready.tenant_id) as session:
                await guardians.resend(session, ready.tenant_id, student, None, datetime.now(UTC))
        except guardians.ResendTooSoon:
            return "too soon"
        return "sent"

    one = asyncio.create_task(first())
    other = asyncio.create_task(second())
    await first_asked.wait()
    await asyncio.sleep(0.5)  # the second is waiting for the lock now, or already done
    let_first_commit.set()
    await one
    assert await other == "too soon"
    assert len(await _requests(apps, ready, minor)) == 2
