"""Library groups: a place at the library to join, moderation by the library's side."""

from __future__ import annotations

from tests.community.helpers import (
    GROUPS,
    Clock,
    audit_actions,
    community,
    group_setup,
    join,
    outbox,
    post,
)
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library
from tests.fixtures.library import hire_staff


async def test_only_a_student_holding_a_place_joins_and_joining_is_idempotent(apps: Apps) -> None:
    setup = await group_setup(apps)
    refused = await join(apps, setup.unbooked, setup.group_id)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "no_current_booking"

    first = await join(apps, setup.booked.student, setup.group_id, display_name="Asha")
    assert first.status_code == 200, first.text
    again = await join(apps, setup.booked.student, setup.group_id, display_name="Asha")
    assert again.json()["member_id"] == first.json()["member_id"]
    assert again.json()["number"] == first.json()["number"] == 1

    # Not a member: no posting, no reading.
    assert (await post(apps, setup.unbooked, setup.group_id, "hi")).json()["code"] == (
        "not_a_member"
    )
    made = await post(apps, setup.booked.student, setup.group_id, "Is the AC fixed?")
    assert made.status_code == 201, made.text
    assert made.json()["author"] == {
        "kind": "student",
        "member_id": first.json()["member_id"],
        "label": "Asha",
        "anonymous": False,
        "user_id": str(setup.booked.student_id),
    }
    events = await outbox(apps, "community.post_created")
    assert [e["post_id"] for e in events] == [made.json()["id"]]
    assert events[0]["author_user_id"] == str(setup.booked.student_id)

    # Leaving is idempotent; a member who left neither posts nor reads, and comes back
    # with its number.
    for _ in range(2):
        left = await community(apps).post(
            f"{GROUPS}/{setup.group_id}/leave", headers=setup.booked.student.headers
        )
        assert left.status_code == 204
    listed = await community(apps).get(
        f"{GROUPS}/{setup.group_id}/posts", headers=setup.booked.student.headers
    )
    assert listed.json()["code"] == "not_a_member"
    back = await join(apps, setup.booked.student, setup.group_id)
    assert back.json()["number"] == 1


async def test_moderators_remove_pin_mute_and_block_and_each_is_audited(apps: Apps) -> None:
    setup = await group_setup(apps)
    clock = Clock(apps)
    student = setup.booked.student
    member = (await join(apps, student, setup.group_id)).json()
    _, staff = await hire_staff(apps, setup.owner, [setup.ready.library_id])
    first = (await post(apps, student, setup.group_id, "first")).json()
    second = (await post(apps, student, setup.group_id, "second")).json()
    base = f"{GROUPS}/{setup.group_id}"

    # A student cannot moderate; remove another's post: 403.
    assert (
        await community(apps).post(f"{base}/posts/{first['id']}/pin", headers=student.headers)
    ).status_code == 403

    pinned = await community(apps).post(f"{base}/posts/{first['id']}/pin", headers=staff.headers)
    assert pinned.status_code == 200 and pinned.json()["pinned_at"] is not None
    only_pinned = await community(apps).get(
        f"{base}/posts", params={"pinned": "true"}, headers=student.headers
    )
    assert [p["id"] for p in only_pinned.json()["items"]] == [first["id"]]

    removed = await community(apps).delete(f"{base}/posts/{second['id']}", headers=staff.headers)
    assert removed.status_code == 204
    again = await community(apps).delete(f"{base}/posts/{second['id']}", headers=staff.headers)
    assert again.json()["code"] == "post_not_found"
    assert [e["post_id"] for e in await outbox(apps, "community.post_removed")] == [second["id"]]

    muted = await community(apps).post(
        f"{base}/members/{member['member_id']}/mute",
        json={"minutes": 60, "reason": "spam"},
        headers=staff.headers,
    )
    assert muted.status_code == 200, muted.text
    refused = await post(apps, student, setup.group_id, "still here")
    assert refused.status_code == 403 and refused.json()["code"] == "member_muted"
    clock.advance(minutes=61)
    assert (await post(apps, student, setup.group_id, "back")).status_code == 201

    blocked = await community(apps).post(
        f"{base}/members/{member['member_id']}/block", json={}, headers=setup.owner.headers
    )
    assert blocked.json()["blocked"] is True
    refused = await post(apps, student, setup.group_id, "let me in")
    assert refused.status_code == 403 and refused.json()["code"] == "member_blocked"
    await community(apps).post(f"{base}/leave", headers=student.headers)
    assert (await join(apps, student, setup.group_id)).json()["code"] == "member_blocked"

    actions = [a for a, _ in await audit_actions(apps)]
    for action in (
        "community.post_pinned",
        "community.post_removed",
        "community.member_mute",
        "community.member_block",
    ):
        assert action in actions


async def test_staff_of_another_branch_neither_see_nor_moderate_the_group(apps: Apps) -> None:
    ready = await ready_library(apps, students=0, more_branches=True)
    other = await ready_library(apps, owner=ready.owner, students=0, name="Other branch")
    _, elsewhere = await hire_staff(apps, ready.owner, [other.library_id])
    made = await community(apps).post(
        GROUPS,
        json={"library_id": str(ready.library_id), "name": "Circle"},
        headers=ready.owner.headers,
    )
    group_id = made.json()["id"]
    seen = await community(apps).get(f"{GROUPS}/{group_id}", headers=elsewhere.headers)
    assert seen.status_code == 404 and seen.json()["code"] == "group_not_found"
    listed = await community(apps).get(GROUPS, headers=elsewhere.headers)
    assert listed.json()["items"] == []
    invite = await community(apps).post(
        f"{GROUPS}/{group_id}/invites", json={}, headers=elsewhere.headers
    )
    assert invite.status_code == 404
    # Nor may they make a group for a branch they do not work at.
    refused = await community(apps).post(
        GROUPS,
        json={"library_id": str(ready.library_id), "name": "Mine"},
        headers=elsewhere.headers,
    )
    assert refused.status_code == 404 and refused.json()["code"] == "library_not_found"


async def test_bad_input_is_a_problem_never_a_500(apps: Apps) -> None:
    setup = await group_setup(apps)
    await join(apps, setup.booked.student, setup.group_id)
    headers = setup.booked.student.headers
    cases: list[tuple[str, str, object]] = [
        ("post", f"{GROUPS}/{setup.group_id}/posts", {"body": ""}),
        ("post", f"{GROUPS}/{setup.group_id}/posts", {"body": "x" * 4001}),
        ("post", f"{GROUPS}/{setup.group_id}/posts", {"body": "hi", "author_id": "x"}),
        ("post", f"{GROUPS}/{setup.group_id}/posts", {"body": "nul \u0000 byte"}),
        # A JSON escape of a lone surrogate, as a client may send it.
        ("post", f"{GROUPS}/{setup.group_id}/posts", b'{"body": "lone \\ud800 surrogate"}'),
        ("post", f"{GROUPS}/{setup.group_id}/join", {"display_name": "two\nlines"}),
        ("post", f"{GROUPS}/{setup.group_id}/join", {"display_name": "y" * 61}),
        ("get", f"{GROUPS}/{setup.group_id}/posts?after=not-a-cursor", None),
        ("get", f"{GROUPS}/{setup.group_id}/posts?limit=101", None),
        ("get", f"{GROUPS}/not-a-uuid", None),
    ]
    for method, path, body in cases:
        if isinstance(body, bytes):
            raw = {**headers, "Content-Type": "application/json"}
            resp = await community(apps).request(method, path, content=body, headers=raw)
        else:
            resp = await community(apps).request(method, path, json=body, headers=headers)
        assert resp.status_code in (404, 422), (path, resp.status_code, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
