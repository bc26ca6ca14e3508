"""Tenant isolation: another tenant's owner and student see nothing of a tenant's groups
and inbox, whatever they ask for by id."""

from __future__ import annotations

from tests.community.helpers import GROUPS, INBOX, community, group_setup, join, post
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login


async def test_a_second_tenant_sees_nothing_of_the_firsts_groups_and_inbox(apps: Apps) -> None:
    setup = await group_setup(apps)
    await join(apps, setup.booked.student, setup.group_id)
    made = (await post(apps, setup.booked.student, setup.group_id, "Mock test at 9")).json()
    thread = (
        await community(apps).post(
            INBOX,
            json={"library_id": str(setup.ready.library_id), "subject": "AC", "body": "Too cold"},
            headers=setup.booked.student.headers,
        )
    ).json()
    invite = (
        await community(apps).post(
            f"{GROUPS}/{setup.group_id}/invites", json={}, headers=setup.owner.headers
        )
    ).json()

    second = await ready_library(apps, seats=0, students=1, name="Second tenant")
    their_student = await student_login(apps, second, second.students[0])
    secrets = (setup.group_id, made["id"], thread["id"], str(setup.ready.library_id))
    for who in (second.owner, their_student):
        http = community(apps)
        for path in (GROUPS, INBOX):
            listed = await http.get(path, headers=who.headers)
            assert listed.status_code == 200 and listed.json()["items"] == []
        for method, path, body in (
            ("get", f"{GROUPS}/{setup.group_id}", None),
            ("get", f"{GROUPS}/{setup.group_id}/posts", None),
            ("get", f"{GROUPS}/{setup.group_id}/members", None),
            ("post", f"{GROUPS}/{setup.group_id}/join", {}),
            ("post", f"{GROUPS}/{setup.group_id}/posts", {"body": "hi"}),
            ("post", f"{GROUPS}/{setup.group_id}/posts/{made['id']}/pin", None),
            ("delete", f"{GROUPS}/{setup.group_id}/posts/{made['id']}", None),
            ("post", f"{GROUPS}/{setup.group_id}/invites", {}),
            ("post", f"{GROUPS}/join-by-invite", {"token": invite["token"]}),
            ("get", f"{INBOX}/{thread['id']}", None),
            ("get", f"{INBOX}/{thread['id']}/messages", None),
            ("post", f"{INBOX}/{thread['id']}/messages", {"body": "hi"}),
        ):
            resp = await http.request(method, path, json=body, headers=who.headers)
            # 404 whatever the caller's role, or 403 for what its role never allows.
            assert resp.status_code in (403, 404), (method, path, resp.status_code, resp.text)
            if resp.status_code == 403:
                assert resp.json()["code"] in ("permission_denied", "students_only")
            for secret in secrets:
                assert secret not in resp.text
        # Nor can the owner make a group for the first tenant's library.
    refused = await community(apps).post(
        GROUPS,
        json={"library_id": str(setup.ready.library_id), "name": "Taken over"},
        headers=second.owner.headers,
    )
    assert refused.status_code == 404
