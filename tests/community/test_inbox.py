"""The inbox: the student writes to its library, staff answer; receipts and unread counts;
another branch's staff do not learn the thread exists."""

from __future__ import annotations

from tests.community.helpers import INBOX, community, outbox
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login
from tests.fixtures.library import hire_staff


async def test_a_thread_between_a_student_and_its_librarys_staff(apps: Apps) -> None:
    ready = await ready_library(apps, seats=0, students=1, more_branches=True)
    other = await ready_library(apps, owner=ready.owner, seats=0, students=0, name="Branch B")
    student = await student_login(apps, ready, ready.students[0])
    _, staff = await hire_staff(apps, ready.owner, [ready.library_id])
    _, elsewhere = await hire_staff(apps, ready.owner, [other.library_id])
    http = community(apps)

    # The sender comes from the token: a body naming one is refused.
    forged = await http.post(
        INBOX,
        json={
            "library_id": str(ready.library_id),
            "subject": "Fees",
            "body": "Can I pay later?",
            "student_id": str(ready.students[0]),
        },
        headers=student.headers,
    )
    assert forged.status_code == 422
    made = await http.post(
        INBOX,
        json={"library_id": str(ready.library_id), "subject": "Fees", "body": "Can I pay later?"},
        headers=student.headers,
    )
    assert made.status_code == 201, made.text
    thread = made.json()
    assert thread["student_id"] == str(ready.students[0]) and thread["unread_count"] == 0
    path = f"{INBOX}/{thread['id']}"

    listed = (await http.get(INBOX, headers=staff.headers)).json()
    assert [(t["id"], t["unread_count"]) for t in listed["items"]] == [(thread["id"], 1)]
    # Staff of another branch: nothing listed, and the thread is a 404, not a 403.
    assert (await http.get(INBOX, headers=elsewhere.headers)).json()["items"] == []
    for method, url, body in (
        ("get", path, None),
        ("get", f"{path}/messages", None),
        ("post", f"{path}/messages", {"body": "Hello"}),
        ("post", f"{path}/read", None),
    ):
        hidden = await http.request(method, url, json=body, headers=elsewhere.headers)
        assert hidden.status_code == 404 and hidden.json()["code"] == "thread_not_found"
    # A student cannot start a thread with staff's permission set, nor staff as a student.
    assert (
        await http.post(
            INBOX,
            json={"library_id": str(ready.library_id), "subject": "x", "body": "y"},
            headers=staff.headers,
        )
    ).json()["code"] == "students_only"

    answer = await http.post(
        f"{path}/messages", json={"body": "Yes, by the 10th"}, headers=staff.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["side"] == "library"
    assert answer.json()["sender_id"] == str(staff.user_id)
    assert answer.json()["read_by_other_side"] is False

    mine = (await http.get(path, headers=student.headers)).json()
    assert mine["unread_count"] == 1
    messages = (await http.get(f"{path}/messages", headers=student.headers)).json()
    # The student's first message was read by staff when they answered.
    assert [(m["side"], m["read_by_other_side"]) for m in messages["items"]] == [
        ("student", True),
        ("library", False),
    ]
    read = await http.post(f"{path}/read", headers=student.headers)
    assert read.json()["unread_count"] == 0 and read.json()["student_read_at"] is not None
    receipts = (await http.get(f"{path}/messages", headers=staff.headers)).json()
    assert receipts["items"][1]["read_by_other_side"] is True
    assert (await http.get(path, headers=staff.headers)).json()["unread_count"] == 0

    # The owner sees every branch's threads.
    assert (await http.get(INBOX, headers=ready.owner.headers)).json()["total"] == 1
    events = await outbox(apps, "community.inbox_message")
    assert [e["side"] for e in events] == ["student", "library"]
    assert {e["thread_id"] for e in events} == {thread["id"]}


async def test_a_student_cannot_write_to_a_library_that_is_not_of_its_tenant(apps: Apps) -> None:
    ready = await ready_library(apps, seats=0, students=1)
    foreign = await ready_library(apps, seats=0, students=0, name="Elsewhere")
    student = await student_login(apps, ready, ready.students[0])
    resp = await community(apps).post(
        INBOX,
        json={"library_id": str(foreign.library_id), "subject": "Hi", "body": "Hello"},
        headers=student.headers,
    )
    assert resp.status_code == 404 and resp.json()["code"] == "library_not_found"
