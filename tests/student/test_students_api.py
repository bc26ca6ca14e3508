"""The student register as an owner, branch staff and students use it."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select

from studyspot.kit.models import audit_logs
from studyspot.kit.pagination import Page
from studyspot.services.student.client import StudentClient
from studyspot.services.student.schemas import StudentRead
from tests.conftest import Apps
from tests.fixtures.students import (
    aadhaar,
    admit,
    create_staff,
    minor_birth_date,
    owner_with_branches,
    raise_plan_limits,
    student_body,
    unique_phone,
)
from tests.fixtures.users import DEFAULT_PASSWORD, accept_invite, login, register_owner

STUDENTS = "/api/v1/students"


async def test_owner_admits_students_with_normalised_phone_and_sequential_numbers(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    phone = unique_phone()
    first = await admit(
        apps,
        world.owner,
        world.library_a,
        phone=f"+91 {phone[:5]}-{phone[5:]}",
        consent={"whatsapp": True, "sms": False, "email": True, "data_processing": True},
    )
    second = await admit(apps, world.owner, world.library_b)
    assert first["enrollment_number"] == "STU-000001"
    assert second["enrollment_number"] == "STU-000002"
    assert first["phone"] == f"+91{phone}"
    assert first["status"] == "active"
    # Message consent is forwarded to the message service, not kept or shown here.
    assert first["consent"]["data_processing"] is True and "whatsapp" not in first["consent"]
    assert first["consent"]["recorded_by"] == str(world.owner.user_id)
    assert first["consent"]["recorded_by_type"] == "library_owner"
    assert second["consent"]["recorded_at"] is None

    got = await apps.client("student").get(f"{STUDENTS}/{first['id']}", headers=world.owner.headers)
    assert got.status_code == 200
    assert got.json() == first
    # The list answers each student exactly as the single read does.
    listed = await apps.client("student").get(
        f"{STUDENTS}?sort=enrollment_number", headers=world.owner.headers
    )
    assert listed.json()["items"] == [first, second]
    page = Page[StudentRead].model_validate(listed.json())
    assert page.total == 2


async def test_concurrent_admissions_never_share_an_enrollment_number(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    replies = await asyncio.gather(
        *[
            client.post(STUDENTS, json=student_body(world.library_a), headers=world.owner.headers)
            for _ in range(8)
        ]
    )
    assert [r.status_code for r in replies] == [201] * 8
    numbers = sorted(r.json()["enrollment_number"] for r in replies)
    assert numbers == [f"STU-{n:06d}" for n in range(1, 9)]


async def test_minor_without_guardian_is_rejected_and_nothing_is_saved(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    body = student_body(world.library_a, date_of_birth=minor_birth_date())
    resp = await client.post(STUDENTS, json=body, headers=world.owner.headers)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in resp.json()["errors"]}
    assert fields == {"body.guardian_name", "body.guardian_phone"}
    listed = await client.get(STUDENTS, headers=world.owner.headers)
    assert listed.json()["total"] == 0

    body.update(guardian_name="Sunita Sharma", guardian_phone="09812345678")
    ok = await client.post(STUDENTS, json=body, headers=world.owner.headers)
    assert ok.status_code == 201
    assert ok.json()["guardian_phone"] == "+919812345678"
    # Removing the guardian of a minor later is refused just the same.
    cleared = await client.patch(
        f"{STUDENTS}/{ok.json()['id']}", json={"guardian_name": None}, headers=world.owner.headers
    )
    assert cleared.status_code == 422
    assert cleared.json()["errors"][0]["field"] == "body.guardian_name"


async def test_unknown_fields_and_out_of_range_values_are_rejected(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    client = apps.client("student")
    bad_bodies = [
        student_body(world.library_a, tenant_id=str(uuid.uuid4())),
        student_body(world.library_a, enrollment_number="STU-999999"),
        student_body(world.library_a, date_of_birth="1850-01-01"),
        student_body(world.library_a, name=""),
        student_body(world.library_a, name="x" * 121),
        student_body(world.library_a, phone="12345"),
        student_body(world.library_a, email="not-an-email"),
        student_body(world.library_a, gender="robot"),
        student_body(world.library_a, status="expelled"),
        student_body(world.library_a, consent={"whatsapp": "yes"}),
        student_body(world.library_a, id_proof_type="pan", id_proof_number="ABCD1234F"),
        student_body(world.library_a, id_proof_type="aadhaar"),
        student_body(world.library_a, notes="n" * 2001),
    ]
    for body in bad_bodies:
        resp = await client.post(STUDENTS, json=body, headers=world.owner.headers)
        assert resp.status_code == 422, body
        assert resp.json()["code"] == "validation_error"
    for query in ("page_size=500", "page=0", "sort=phone", "status=gone", "q=" + "x" * 101):
        resp = await client.get(f"{STUDENTS}?{query}", headers=world.owner.headers)
        assert resp.status_code == 422, query
    resp = await client.get(f"{STUDENTS}/analytics?months=0", headers=world.owner.headers)
    assert resp.status_code == 422
    assert (await client.get(STUDENTS, headers=world.owner.headers)).json()["total"] == 0


async def test_the_same_phone_twice_is_a_conflict_whatever_its_spelling(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    phone = unique_phone()
    first = await admit(apps, world.owner, world.library_a, phone=phone)
    client = apps.client("student")
    again = await client.post(
        STUDENTS, json=student_body(world.library_b, phone=f"0{phone}"), headers=world.owner.headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "phone_taken"
    other = await admit(apps, world.owner, world.library_a)
    moved = await client.patch(
        f"{STUDENTS}/{other['id']}", json={"phone": f"91{phone}"}, headers=world.owner.headers
    )
    assert moved.status_code == 409
    assert moved.json()["code"] == "phone_taken"
    # The same number at another library business is a different person's concern.
    elsewhere = await owner_with_branches(apps)
    assert (await admit(apps, elsewhere.owner, elsewhere.library_a, phone=phone))["phone"] == first[
        "phone"
    ]


async def test_owner_changes_a_student_and_cannot_clear_required_fields(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a)
    client = apps.client("student")
    url = f"{STUDENTS}/{student['id']}"
    changed = await client.patch(
        url,
        json={
            "name": "Priya S. Sharma",
            "status": "inactive",
            "home_library_id": str(world.library_b),
            "email": None,
            "notes": "Prefers the morning shift",
        },
        headers=world.owner.headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["status"], body["email"]) == ("Priya S. Sharma", "inactive", None)
    assert body["home_library_id"] == str(world.library_b)
    assert body["enrollment_number"] == student["enrollment_number"]
    for field in ("name", "phone", "home_library_id", "status"):
        resp = await client.patch(url, json={field: None}, headers=world.owner.headers)
        assert resp.status_code == 422, field
    unknown_library = await client.patch(
        url, json={"home_library_id": str(uuid.uuid4())}, headers=world.owner.headers
    )
    assert unknown_library.status_code == 422
    assert unknown_library.json()["errors"][0]["field"] == "body.home_library_id"


async def test_search_filters_sorting_and_pagination(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    names = ["Aarav Mehta", "Diya Sharma", "Kabir Sharma", "Meera Nair", "Rohan Gupta"]
    made = []
    for i, name in enumerate(names):
        library = world.library_a if i % 2 == 0 else world.library_b
        made.append(await admit(apps, world.owner, library, name=name))
    await apps.client("student").patch(
        f"{STUDENTS}/{made[4]['id']}", json={"status": "suspended"}, headers=world.owner.headers
    )
    client = apps.client("student")
    headers = world.owner.headers

    async def names_for(query: str) -> list[str]:
        resp = await client.get(f"{STUDENTS}?{query}", headers=headers)
        assert resp.status_code == 200, resp.text
        return [s["name"] for s in resp.json()["items"]]

    assert await names_for("q=sharma&sort=name") == ["Diya Sharma", "Kabir Sharma"]
    assert await names_for("q=SHAR&sort=-name") == ["Kabir Sharma", "Diya Sharma"]
    assert await names_for(f"q={made[3]['phone'][-10:]}") == ["Meera Nair"]
    # Digits find numbers that start or end with them (search_terms.py); the phones are
    # random, so another may share Meera's last four: expect exactly those that do.
    tail = made[3]["phone"][-4:]
    sharing = {
        s["name"]
        for s in made
        if s["phone"].removeprefix("+91").startswith(tail) or s["phone"].endswith(tail)
    }
    assert "Meera Nair" in sharing
    assert set(await names_for(f"q={tail}")) == sharing
    assert await names_for(f"q={made[1]['enrollment_number'].lower()}") == ["Diya Sharma"]
    assert await names_for(f"library_id={world.library_b}&sort=name") == [
        "Diya Sharma",
        "Meera Nair",
    ]
    assert await names_for("status=suspended") == ["Rohan Gupta"]
    assert await names_for("sort=enrollment_number") == names
    assert await names_for("sort=-enrollment_number") == names[::-1]
    assert await names_for("q=100%25") == []

    page2 = await client.get(f"{STUDENTS}?sort=name&page=2&page_size=2", headers=headers)
    assert page2.json()["total"] == 5
    assert [s["name"] for s in page2.json()["items"]] == ["Kabir Sharma", "Meera Nair"]


async def test_owner_cannot_see_other_tenants_students(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a)
    intruder = await register_owner(apps)
    client = apps.client("student")
    url = f"{STUDENTS}/{student['id']}"
    h = intruder.headers
    for method, path, body in [
        ("GET", url, None),
        ("PATCH", url, {"name": "Stolen"}),
        ("DELETE", url, None),
        ("POST", f"{url}/invite", None),
        ("GET", f"{url}/attendance", None),
        ("GET", f"{url}/payments", None),
    ]:
        resp = await client.request(method, path, json=body, headers=h)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["code"] == "student_not_found"
    listed = await client.get(STUDENTS, headers=h)
    assert listed.json()["total"] == 0
    search = await client.get(f"{STUDENTS}?q={student['phone']}", headers=h)
    assert search.json()["items"] == []
    # Pointing a new student at the other tenant's branch finds no such branch.
    foreign = await client.post(STUDENTS, json=student_body(world.library_a), headers=h)
    assert foreign.status_code == 422
    export = await client.get(f"{STUDENTS}/export", headers=h)
    assert export.text.count("\n") == 1
    analytics = await client.get(f"{STUDENTS}/analytics", headers=h)
    assert analytics.json()["total"] == 0
    unchanged = await client.get(url, headers=world.owner.headers)
    assert unchanged.json()["name"] == student["name"]


async def test_staff_of_branch_a_cannot_read_or_change_branch_b(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    in_a = await admit(apps, world.owner, world.library_a, name="Asha In A")
    in_b = await admit(apps, world.owner, world.library_b, name="Bala In B")
    staff = await create_staff(apps, world.owner, [world.library_a])
    client = apps.client("student")
    h = staff.headers

    listed = await client.get(STUDENTS, headers=h)
    assert [s["name"] for s in listed.json()["items"]] == ["Asha In A"]
    assert (await client.get(f"{STUDENTS}/{in_a['id']}", headers=h)).status_code == 200
    b_url = f"{STUDENTS}/{in_b['id']}"
    assert (await client.get(b_url, headers=h)).status_code == 404
    assert (await client.patch(b_url, json={"name": "X"}, headers=h)).status_code == 404
    assert (await client.post(f"{b_url}/invite", headers=h)).status_code == 404
    filtered = await client.get(f"{STUDENTS}?library_id={world.library_b}", headers=h)
    assert filtered.status_code == 403
    assert filtered.json()["code"] == "branch_forbidden"
    into_b = await client.post(STUDENTS, json=student_body(world.library_b), headers=h)
    assert into_b.status_code == 403
    assert into_b.json()["code"] == "branch_forbidden"
    move = await client.patch(
        f"{STUDENTS}/{in_a['id']}", json={"home_library_id": str(world.library_b)}, headers=h
    )
    assert move.status_code == 403
    # Staff admit in their own branch but may not erase, export or import.
    assert (
        await client.post(STUDENTS, json=student_body(world.library_a), headers=h)
    ).status_code == 201
    assert (await client.delete(f"{STUDENTS}/{in_a['id']}", headers=h)).status_code == 403
    assert (await client.get(f"{STUDENTS}/export", headers=h)).status_code == 403
    unchanged = await client.get(b_url, headers=world.owner.headers)
    assert unchanged.json()["name"] == "Bala In B"


async def test_id_proof_is_masked_for_staff_and_shown_to_the_owner(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    number = aadhaar(45678901234)
    student = await admit(
        apps,
        world.owner,
        world.library_a,
        id_proof_type="aadhaar",
        id_proof_number=f"{number[:4]} {number[4:8]} {number[8:]}",
    )
    assert student["id_proof_number"] == number
    assert student["id_proof_masked"] is False
    staff = await create_staff(apps, world.owner, [world.library_a])
    client = apps.client("student")
    seen = await client.get(f"{STUDENTS}/{student['id']}", headers=staff.headers)
    assert seen.json()["id_proof_number"] == "XXXXXXXX" + number[-4:]
    assert seen.json()["id_proof_masked"] is True
    listed = await client.get(STUDENTS, headers=staff.headers)
    assert listed.json()["items"] == [seen.json()]
    assert number not in listed.text


async def test_invited_student_logs_in_and_sees_only_itself(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    me = await admit(
        apps, world.owner, world.library_a, id_proof_type="pan", id_proof_number="ABCDE1234F"
    )
    other = await admit(apps, world.owner, world.library_a)
    client = apps.client("student")
    invite = await client.post(f"{STUDENTS}/{me['id']}/invite", headers=world.owner.headers)
    assert invite.status_code == 202, invite.text
    assert invite.json()["login_created"] is True
    again = await client.post(f"{STUDENTS}/{me['id']}/invite", headers=world.owner.headers)
    assert again.status_code == 202
    assert again.json()["login_created"] is False
    await accept_invite(
        apps, tenant_id=world.tenant_id, user_table="students", user_id=uuid.UUID(me["id"])
    )
    student = await login(
        apps,
        phone=me["phone"],
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=world.owner.tenant_slug,
    )
    mine = await client.get(f"{STUDENTS}/{me['id']}", headers=student.headers)
    assert mine.status_code == 200
    assert mine.json()["has_login"] is True
    assert mine.json()["id_proof_number"] == "XXXXXX234F"
    assert (
        await client.get(f"{STUDENTS}/{other['id']}", headers=student.headers)
    ).status_code == 404
    assert (await client.get(STUDENTS, headers=student.headers)).status_code == 403
    assert (
        await client.patch(f"{STUDENTS}/{me['id']}", json={"name": "Me"}, headers=student.headers)
    ).status_code == 403

    # Suspending the student ends the login.
    suspended = await client.patch(
        f"{STUDENTS}/{me['id']}", json={"status": "suspended"}, headers=world.owner.headers
    )
    assert suspended.status_code == 200
    assert (await client.get(f"{STUDENTS}/{me['id']}", headers=student.headers)).status_code == 401
    refused = await client.post(f"{STUDENTS}/{me['id']}/invite", headers=world.owner.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "student_not_active"


async def test_erasure_blanks_personal_data_keeps_the_number_and_ends_the_login(
    apps: Apps,
) -> None:
    world = await owner_with_branches(apps)
    me = await admit(
        apps, world.owner, world.library_a, id_proof_type="pan", id_proof_number="ABCDE1234F"
    )
    client = apps.client("student")
    await client.post(f"{STUDENTS}/{me['id']}/invite", headers=world.owner.headers)
    await accept_invite(
        apps, tenant_id=world.tenant_id, user_table="students", user_id=uuid.UUID(me["id"])
    )
    student = await login(
        apps,
        phone=me["phone"],
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=world.owner.tenant_slug,
    )

    erased = await client.delete(f"{STUDENTS}/{me['id']}", headers=world.owner.headers)
    assert erased.status_code == 204
    assert (
        await client.get(f"{STUDENTS}/{me['id']}", headers=world.owner.headers)
    ).status_code == 404
    assert (await client.get(f"{STUDENTS}/{me['id']}", headers=student.headers)).status_code == 401
    assert (await client.get(STUDENTS, headers=world.owner.headers)).json()["total"] == 0

    # Receipts still find the student by number, with nothing personal left.
    students = StudentClient(apps.dbs.settings(), caller="payment")
    try:
        kept = await students.get_student(world.tenant_id, uuid.UUID(me["id"]))
    finally:
        await students.close()
    assert kept is not None
    assert (kept.name, kept.phone, kept.email, kept.erased) == ("Erased student", None, None, True)
    assert kept.enrollment_number == me["enrollment_number"]
    # The phone is free for someone new.
    reused = await admit(apps, world.owner, world.library_a, phone=me["phone"])
    assert reused["enrollment_number"] == "STU-000002"

    db = apps.app("student").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        actions = (
            await conn.execute(
                select(audit_logs.c.action, audit_logs.c.actor_id).where(
                    audit_logs.c.resource_id == me["id"]
                )
            )
        ).all()
    assert ("student.erased", world.owner.user_id) in actions


async def test_other_services_data_is_what_they_answer_or_reported_unavailable(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    student = await admit(apps, world.owner, world.library_a)
    client = apps.client("student")
    h = world.owner.headers
    # Never checked in, as the attendance service says (tests/attendance/test_elsewhere.py).
    resp = await client.get(f"{STUDENTS}/{student['id']}/attendance", headers=h)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["items"], resp.json()["total"], resp.json()["no_shows"]) == ([], 0, 0)
    # No bookings and no payments, as those services say (tests/student/test_expiring.py,
    # test_payments.py): nothing expiring, nothing owed, an empty history.
    payments = await client.get(f"{STUDENTS}/{student['id']}/payments", headers=h)
    assert payments.status_code == 200, payments.text
    assert (payments.json()["items"], payments.json()["total"]) == ([], 0)
    owing = await client.get(f"{STUDENTS}?with_dues=true", headers=h)
    assert owing.json()["total"] == 0
    analytics = (await client.get(f"{STUDENTS}/analytics", headers=h)).json()
    assert analytics["expiring_this_week"] == 0
    assert analytics["with_dues"] == 0
    assert analytics["sources"] == {
        "students": "available",
        "bookings": "available",
        "payments": "available",
    }


async def test_analytics_counts_by_status_and_admissions_per_month(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    from studyspot.services.student.service import today_in_india

    today = today_in_india()
    this_month = today.strftime("%Y-%m")
    await admit(apps, world.owner, world.library_a)
    await admit(apps, world.owner, world.library_a, status="alumni")
    await admit(apps, world.owner, world.library_b, admission_date=f"{today.year - 5}-01-10")
    resp = await apps.client("student").get(
        f"{STUDENTS}/analytics?months=3", headers=world.owner.headers
    )
    body = resp.json()
    assert body["total"] == 3
    assert body["counts_by_status"] == {"active": 2, "inactive": 0, "suspended": 0, "alumni": 1}
    assert len(body["new_admissions_by_month"]) == 3
    assert body["new_admissions_by_month"][-1] == {"month": this_month, "count": 2}
    only_b = await apps.client("student").get(
        f"{STUDENTS}/analytics?library_id={world.library_b}", headers=world.owner.headers
    )
    assert only_b.json()["total"] == 1


async def test_admissions_stop_at_the_plan_limit(apps: Apps) -> None:
    world = await owner_with_branches(apps, max_students=2)
    await admit(apps, world.owner, world.library_a)
    await admit(apps, world.owner, world.library_a)
    resp = await apps.client("student").post(
        STUDENTS, json=student_body(world.library_a), headers=world.owner.headers
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "plan_limit_reached"
    await raise_plan_limits(apps, world.tenant_id, max_students=3)
    ok = await apps.client("student").post(
        STUDENTS, json=student_body(world.library_a), headers=world.owner.headers
    )
    assert ok.status_code == 201
    # The refused attempt rolled back its number: no gap in the register.
    assert ok.json()["enrollment_number"] == "STU-000003"


async def test_auth_service_reads_and_edits_a_students_profile(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    me = await admit(apps, world.owner, world.library_a)
    taken = await admit(apps, world.owner, world.library_a)
    students = StudentClient(apps.dbs.settings(), caller="auth")
    sid = uuid.UUID(me["id"])
    try:
        seen = await students.get_student(world.tenant_id, sid)
        assert seen is not None and seen.phone == me["phone"] and not seen.erased
        assert await students.get_student(uuid.uuid4(), sid) is None
        new_phone = unique_phone()
        edited = await students.update_student(
            world.tenant_id, sid, name="Priya Verma", phone=new_phone, clear_email=True
        )
        assert (edited.name, edited.phone, edited.email) == ("Priya Verma", f"+91{new_phone}", None)
        try:
            await students.update_student(world.tenant_id, sid, phone=taken["phone"])
        except Exception as exc:
            assert getattr(exc, "code", None) == "phone_taken"
        else:
            raise AssertionError("a taken phone was accepted")
    finally:
        await students.close()
    after = await apps.client("student").get(f"{STUDENTS}/{sid}", headers=world.owner.headers)
    assert after.json()["name"] == "Priya Verma"


async def test_internal_routes_refuse_user_tokens_and_other_tenants_service_tokens(
    apps: Apps,
) -> None:
    from studyspot.kit.service_auth import issue_service_token

    world = await owner_with_branches(apps)
    me = await admit(apps, world.owner, world.library_a)
    client = apps.client("student")
    url = f"/internal/students/{me['id']}?tenant_id={world.tenant_id}"
    assert (await client.get(url, headers=world.owner.headers)).status_code == 401
    settings = apps.dbs.settings()
    elsewhere = issue_service_token(settings, "auth", uuid.uuid4())
    refused = await client.get(url, headers={"Authorization": f"Bearer {elsewhere}"})
    assert refused.status_code == 403
    own = issue_service_token(settings, "auth", world.tenant_id)
    ok = await client.get(url, headers={"Authorization": f"Bearer {own}"})
    assert ok.status_code == 200
    told = ok.json()
    assert told["enrollment_number"] == me["enrollment_number"]
    assert (told["id"], told["name"], told["phone"], told["status"]) == (
        me["id"],
        me["name"],
        me["phone"],
        me["status"],
    )
    assert (told["tenant_id"], told["erased"], told["minor"]) == (
        str(world.tenant_id),
        False,
        False,
    )
    unknown = f"/internal/students/{uuid.uuid4()}?tenant_id={world.tenant_id}"
    missing = await client.get(unknown, headers={"Authorization": f"Bearer {own}"})
    assert missing.status_code == 404
    openapi = (await client.get("/openapi.json")).json()
    assert not any(path.startswith("/internal") for path in openapi["paths"])


async def test_detailed_health_reports_the_services_students_depend_on(apps: Apps) -> None:
    resp = await apps.client("student").get("/health/detailed")
    assert resp.status_code == 200
    checks = resp.json()["checks"]
    services = (
        "library_service",
        "auth_service",
        "tenant_service",
        "booking_service",
        "payment_service",
        "message_service",
    )
    for name in ("tenant_db", "core_db", *services):
        assert checks[name]["status"] == "up", (name, checks[name])
