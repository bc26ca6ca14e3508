"""Importing a register (CSV/.xlsx) and exporting it again."""

from __future__ import annotations

import csv
import io
import time
import uuid

from tests.conftest import Apps
from tests.fixtures.students import (
    admit,
    create_staff,
    csv_bytes,
    owner_with_branches,
    register_rows,
    xlsx_bytes,
)

IMPORT = "/api/v1/students/import"


def upload(data: bytes, name: str = "register.csv") -> dict[str, tuple[str, bytes, str]]:
    kind = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return {"file": (name, data, kind)}


async def test_5000_rows_with_3_bad_ones_dry_run_all_or_nothing_and_skip(apps: Apps) -> None:
    world = await owner_with_branches(apps, max_students=6000)
    rows = register_rows(5000)
    rows[99]["phone"] = "12345"  # line 101
    rows[2499]["date_of_birth"] = "2015-03-01"  # line 2501: a minor without a guardian
    rows[4998]["email"] = "no-at-sign"  # line 5000
    data = csv_bytes(rows)
    client = apps.client("student")
    h = world.owner.headers
    base = f"{IMPORT}?library_id={world.library_a}"

    started = time.monotonic()
    dry = await client.post(f"{base}&dry_run=true", files=upload(data), headers=h)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["total_rows"], report["valid_rows"], report["imported"]) == (5000, 4997, 0)
    assert sorted({e["line"] for e in report["errors"]}) == [101, 2501, 5000]
    assert {(e["line"], e["field"]) for e in report["errors"]} >= {
        (101, "phone"),
        (2501, "guardian_name"),
        (5000, "email"),
    }

    strict = await client.post(base, files=upload(data), headers=h)
    assert strict.status_code == 422
    assert strict.json()["code"] == "import_has_errors"
    assert {e["field"].split(".")[1] for e in strict.json()["errors"]} == {"101", "2501", "5000"}
    assert (await client.get("/api/v1/students", headers=h)).json()["total"] == 0

    skipping = await client.post(f"{base}&skip_invalid=true", files=upload(data), headers=h)
    assert skipping.status_code == 200, skipping.text
    assert skipping.json()["imported"] == 4997
    listed = await client.get("/api/v1/students?sort=enrollment_number", headers=h)
    assert listed.json()["total"] == 4997
    first = listed.json()["items"][0]
    assert (first["enrollment_number"], first["name"]) == ("STU-000001", "Student 0")
    assert first["home_library_id"] == str(world.library_a)
    last = await client.get("/api/v1/students?sort=-enrollment_number&page_size=1", headers=h)
    assert last.json()["items"][0]["enrollment_number"] == "STU-004997"
    assert time.monotonic() - started < 60


async def test_phones_already_registered_or_repeated_are_reported_as_duplicates(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    rows = register_rows(4)
    existing = await admit(apps, world.owner, world.library_a, phone=rows[1]["phone"])
    rows[3]["phone"] = rows[0]["phone"]
    client = apps.client("student")
    resp = await client.post(
        f"{IMPORT}?library_id={world.library_a}&dry_run=true",
        files=upload(csv_bytes(rows)),
        headers=world.owner.headers,
    )
    report = resp.json()
    assert report["valid_rows"] == 2
    assert report["duplicates"] == [
        {
            "line": 3,
            "phone": existing["phone"],
            "duplicate_of_line": None,
            "existing_enrollment_number": existing["enrollment_number"],
        },
        {
            "line": 5,
            "phone": "+91" + rows[0]["phone"],
            "duplicate_of_line": 2,
            "existing_enrollment_number": None,
        },
    ]


async def test_an_import_that_would_pass_the_plan_limit_is_refused(apps: Apps) -> None:
    world = await owner_with_branches(apps, max_students=3)
    await admit(apps, world.owner, world.library_a)
    client = apps.client("student")
    for query in ("dry_run=true", "dry_run=false"):
        resp = await client.post(
            f"{IMPORT}?library_id={world.library_a}&{query}",
            files=upload(csv_bytes(register_rows(3))),
            headers=world.owner.headers,
        )
        assert resp.status_code == 403, query
        assert resp.json()["code"] == "plan_limit_reached"
    assert (await client.get("/api/v1/students", headers=world.owner.headers)).json()["total"] == 1


async def test_xlsx_register_imports_like_csv(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    rows = [
        {"name": "Anil Rao", "phone": 9876501234, "gender": "Male"},
        {"name": "Meena Iyer", "phone": 9876501235, "date_of_birth": "14/02/1999"},
    ]
    resp = await apps.client("student").post(
        f"{IMPORT}?library_id={world.library_b}",
        files=upload(xlsx_bytes(rows), "register.xlsx"),
        headers=world.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 2
    listed = await apps.client("student").get(
        "/api/v1/students?q=meena", headers=world.owner.headers
    )
    meena = listed.json()["items"][0]
    assert (meena["phone"], meena["date_of_birth"]) == ("+919876501235", "1999-02-14")


async def test_import_file_problems_and_foreign_branches_are_refused(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    h = world.owner.headers
    bad_header = await client.post(
        f"{IMPORT}?library_id={world.library_a}",
        files=upload(b"name,phone,salary\nA,9876543210,1\n"),
        headers=h,
    )
    assert bad_header.status_code == 422
    assert bad_header.json()["code"] == "invalid_import_file"
    too_big = await client.post(
        f"{IMPORT}?library_id={world.library_a}",
        files=upload(b"name,phone\n" + b"x" * (5 * 1024 * 1024)),
        headers=h,
    )
    assert too_big.status_code == 413
    unknown = await client.post(
        f"{IMPORT}?library_id={uuid.uuid4()}", files=upload(csv_bytes(register_rows(1))), headers=h
    )
    assert unknown.status_code == 422
    manager = await create_staff(apps, world.owner, [world.library_a], role="manager")
    other_branch = await client.post(
        f"{IMPORT}?library_id={world.library_b}",
        files=upload(csv_bytes(register_rows(1))),
        headers=manager.headers,
    )
    assert other_branch.status_code == 403
    assert (await client.get("/api/v1/students", headers=h)).json()["total"] == 0


async def test_export_streams_csv_that_imports_again(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    await admit(apps, world.owner, world.library_a, name="=HYPERLINK(evil)")
    await admit(
        apps,
        world.owner,
        world.library_b,
        name="Kabir Sharma",
        id_proof_type="pan",
        id_proof_number="ABCDE1234F",
    )
    client = apps.client("student")
    resp = await client.get("/api/v1/students/export", headers=world.owner.headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["enrollment_number"] for r in rows] == ["STU-000001", "STU-000002"]
    assert rows[0]["name"] == "'=HYPERLINK(evil)"
    assert rows[1]["id_proof_number"] == "ABCDE1234F"

    manager = await create_staff(apps, world.owner, [world.library_b], role="manager")
    theirs = await client.get("/api/v1/students/export", headers=manager.headers)
    their_rows = list(csv.DictReader(io.StringIO(theirs.text)))
    assert [r["name"] for r in their_rows] == ["Kabir Sharma"]
    assert their_rows[0]["id_proof_number"] == "XXXXXX234F"

    # The owner's file is a valid register for another library business.
    elsewhere = await owner_with_branches(apps)
    again = await client.post(
        f"{IMPORT}?library_id={elsewhere.library_a}",
        files=upload(resp.content, "export.csv"),
        headers=elsewhere.owner.headers,
    )
    assert again.status_code == 200, again.text
    assert again.json()["imported"] == 2
    names = await client.get("/api/v1/students?sort=name", headers=elsewhere.owner.headers)
    assert [s["name"] for s in names.json()["items"]] == ["=HYPERLINK(evil)", "Kabir Sharma"]
