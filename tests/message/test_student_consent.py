"""The message service alone keeps message consent: what an admission form, a change at
the desk or an import says per channel is forwarded (`student.consent_recorded`) and
recorded here as `reminders` consent, once however often the event is handed over, and
never over an answer recorded here later; the student record keeps no channel flags."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from studyspot.kit.db import unit_of_work
from studyspot.kit.errors import AppError
from studyspot.kit.events import Event
from studyspot.kit.models import outbox_events
from studyspot.services.message.consumers import on_student_consent
from tests.conftest import Apps
from tests.fixtures.messages import run_consumers
from tests.fixtures.students import admit, csv_bytes, owner_with_branches, register_rows
from tests.fixtures.users import LoggedIn

CONSENTS = "/api/messages/consents"
HEADER = ("name", "phone", "email", "consent_whatsapp", "consent_sms", "consent_email")


async def _answers(apps: Apps, who: LoggedIn, student_id: str) -> dict[tuple[str, str], Any]:
    resp = await apps.client("message").get(f"{CONSENTS}/{student_id}", headers=who.headers)
    assert resp.status_code == 200, resp.text
    return {(c["channel"], c["purpose"]): c for c in resp.json()}


def _granted(answers: dict[tuple[str, str], Any]) -> dict[str, bool]:
    return {ch: answers[(ch, "reminders")]["granted"] for ch in ("whatsapp", "sms", "email")}


async def _last_consent_event(apps: Apps) -> Event:
    db = apps.app("message").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(outbox_events)
                .where(outbox_events.c.topic == "student.consent_recorded")
                .order_by(outbox_events.c.seq.desc())
                .limit(1)
            )
        ).one()
    return Event.from_row(row)


async def test_admission_consent_is_recorded_by_the_message_service_only(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(
        apps,
        world.owner,
        world.library_a,
        consent={"whatsapp": True, "sms": False, "email": True, "data_processing": True},
    )
    assert set(student["consent"]) == {
        "data_processing",
        "recorded_at",
        "recorded_by",
        "recorded_by_type",
    }
    untouched = await admit(apps, world.owner, world.library_a)
    await run_consumers(apps)

    answers = await _answers(apps, world.owner, student["id"])
    assert set(answers) == {("whatsapp", "reminders"), ("sms", "reminders"), ("email", "reminders")}
    assert _granted(answers) == {"whatsapp": True, "sms": False, "email": True}
    email = answers[("email", "reminders")]
    assert email["notice_version"] == "student-record"
    assert email["recorded_by"] == str(world.owner.user_id)
    assert email["recorded_by_type"] == "library_owner"
    # A form that said nothing about consent records nothing.
    assert await _answers(apps, world.owner, untouched["id"]) == {}

    # Handed over again (a redelivery below the processed-event ledger): the same rows.
    event = await _last_consent_event(apps)
    db = apps.app("message").state.kit.tenants.shared
    async with unit_of_work(db, tenant_id=world.owner.tenant_id) as session:
        await on_student_consent(event, session)
    assert await _answers(apps, world.owner, student["id"]) == answers

    # The student withdraws by the message service; a late copy of the form's event
    # does not put the old answer back.
    withdrawn = await apps.client("message").put(
        f"{CONSENTS}/{student['id']}",
        json={
            "channel": "whatsapp",
            "purpose": "reminders",
            "granted": False,
            "notice_version": "v2",
        },
        headers=world.owner.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    async with unit_of_work(db, tenant_id=world.owner.tenant_id) as session:
        await on_student_consent(event, session)
    after = await _answers(apps, world.owner, student["id"])
    assert _granted(after) == {"whatsapp": False, "sms": False, "email": True}
    assert after[("whatsapp", "reminders")]["notice_version"] == "v2"


async def test_a_change_at_the_desk_is_forwarded(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a)
    resp = await apps.client("student").patch(
        f"/api/v1/students/{student['id']}",
        json={"consent": {"whatsapp": False, "sms": True, "email": False}},
        headers=world.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    assert "sms" not in resp.json()["consent"]
    await run_consumers(apps)
    answers = await _answers(apps, world.owner, student["id"])
    assert _granted(answers) == {"whatsapp": False, "sms": True, "email": False}


async def test_imported_consent_is_forwarded_and_exported_per_channel(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    rows = [{k: v for k, v in row.items() if k in HEADER} for row in register_rows(3, start=700)]
    rows[0] |= {"consent_whatsapp": "yes", "consent_sms": "no", "consent_email": "yes"}
    rows[1] |= {"consent_whatsapp": "no", "consent_sms": "yes", "consent_email": "no"}
    client = apps.client("student")
    resp = await client.post(
        f"/api/v1/students/import?library_id={world.library_a}",
        files={"file": ("register.csv", csv_bytes(rows, HEADER), "text/csv")},
        headers=world.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 3
    # Admitted with no answer at all: nothing recorded, empty cells.
    silent = (await admit(apps, world.owner, world.library_b))["id"]
    await run_consumers(apps)
    listed = (
        await client.get("/api/v1/students?sort=enrollment_number", headers=world.owner.headers)
    ).json()["items"]
    granted = [_granted(await _answers(apps, world.owner, s["id"])) for s in listed[:3]]
    assert granted == [
        {"whatsapp": True, "sms": False, "email": True},
        {"whatsapp": False, "sms": True, "email": False},
        # The file had the columns, so a row that left them empty answered no.
        {"whatsapp": False, "sms": False, "email": False},
    ]
    # A later answer at the desk is what the export shows.
    withdrawn = await apps.client("message").put(
        f"{CONSENTS}/{listed[0]['id']}",
        json={"channel": "email", "purpose": "reminders", "granted": False, "notice_version": "v3"},
        headers=world.owner.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text

    exported = await client.get("/api/v1/students/export", headers=world.owner.headers)
    assert exported.status_code == 200
    table = list(csv.DictReader(io.StringIO(exported.text)))
    channels = ("consent_whatsapp", "consent_sms", "consent_email")
    by_id = {row["id"]: tuple(row[c] for c in channels) for row in table}
    assert [by_id[s["id"]] for s in listed[:3]] == [
        ("true", "false", "false"),
        ("false", "true", "false"),
        ("false", "false", "false"),
    ]
    assert by_id[silent] == ("", "", "")

    # The exported file imports as it is, answers included, in another tenant.
    other = await owner_with_branches(apps)
    reimported = await client.post(
        f"/api/v1/students/import?library_id={other.library_a}",
        files={"file": ("students.csv", exported.content, "text/csv")},
        headers=other.owner.headers,
    )
    assert reimported.status_code == 200, reimported.text
    assert reimported.json()["imported"] == 4
    await run_consumers(apps)
    again = (
        await client.get("/api/v1/students?sort=enrollment_number", headers=other.owner.headers)
    ).json()["items"]
    assert _granted(await _answers(apps, other.owner, again[1]["id"])) == {
        "whatsapp": False,
        "sms": True,
        "email": False,
    }


async def test_the_export_waits_for_the_message_service_rather_than_leave_consent_out(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await owner_with_branches(apps)
    await admit(apps, world.owner, world.library_a)
    upstream = apps.app("student").state.student_upstream

    async def down(*_: object) -> object:
        raise AppError("The message service is not answering", status=503)

    monkeypatch.setattr(upstream.message, "reminder_consents", down)
    exported = await apps.client("student").get(
        "/api/v1/students/export", headers=world.owner.headers
    )
    assert exported.status_code == 503, exported.text
