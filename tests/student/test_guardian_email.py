"""The guardian's e-mail on the student record: validated and stored in lower case, in the
answer, the import and the export, cleared by erasure."""

from __future__ import annotations

import csv
import io
import uuid

from tests.conftest import Apps
from tests.fixtures.students import (
    admit,
    csv_bytes,
    minor_birth_date,
    owner_with_branches,
    register_rows,
    student_body,
)

STUDENTS = "/api/v1/students"


async def test_guardian_email_is_validated_stored_and_cleared(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    h = world.owner.headers
    student = await admit(
        apps,
        world.owner,
        world.library_a,
        date_of_birth=minor_birth_date(),
        guardian_name="Ravi Sharma",
        guardian_phone="9876501234",
        guardian_email="Ravi.Sharma@Example.COM",
    )
    assert student["guardian_email"] == "ravi.sharma@example.com"
    got = await client.get(f"{STUDENTS}/{student['id']}", headers=h)
    assert got.json()["guardian_email"] == "ravi.sharma@example.com"
    for bad in ("not-an-email", "a@" + "b" * 250 + ".in", "ravi sharma@example.com"):
        resp = await client.post(
            STUDENTS, json=student_body(world.library_a, guardian_email=bad), headers=h
        )
        assert resp.status_code == 422, bad
        assert [e["field"] for e in resp.json()["errors"]] == ["body.guardian_email"]

    cleared = await client.patch(
        f"{STUDENTS}/{student['id']}", json={"guardian_email": None}, headers=h
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["guardian_email"] is None
    changed = await client.patch(
        f"{STUDENTS}/{student['id']}", json={"guardian_email": "maa@example.com"}, headers=h
    )
    assert changed.json()["guardian_email"] == "maa@example.com"
    erased = await client.delete(f"{STUDENTS}/{student['id']}", headers=h)
    assert erased.status_code == 204


async def test_guardian_email_is_imported_and_exported(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    h = world.owner.headers
    header = ("name", "phone", "guardian_email")
    rows = [{k: v for k, v in r.items() if k in header} for r in register_rows(2, start=900)]
    rows[0]["guardian_email"] = "Parent@Example.com"
    bad = [dict(rows[1], guardian_email="nobody")]
    refused = await client.post(
        f"{STUDENTS}/import?library_id={world.library_a}&dry_run=true",
        files={"file": ("r.csv", csv_bytes(bad, header), "text/csv")},
        headers=h,
    )
    assert refused.status_code == 200, refused.text
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(2, "guardian_email")]

    done = await client.post(
        f"{STUDENTS}/import?library_id={world.library_a}",
        files={"file": ("r.csv", csv_bytes(rows, header), "text/csv")},
        headers=h,
    )
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 2
    exported = await client.get(f"{STUDENTS}/export", headers=h)
    found = {r["phone"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    assert found["+91" + rows[0]["phone"]]["guardian_email"] == "parent@example.com"
    assert found["+91" + rows[1]["phone"]]["guardian_email"] == ""
    assert uuid.UUID(found["+91" + rows[0]["phone"]]["id"])
