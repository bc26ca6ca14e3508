"""Exam communities: platform admins keep the list; every student of the platform joins,
posts and reads, seeing other tenants' members by display name only."""

from __future__ import annotations

from tests.community.helpers import COMMUNITIES, audit_actions, community, outbox
from tests.conftest import Apps
from tests.fixtures.bookings import ready_library, student_login
from tests.fixtures.users import create_platform_user


async def test_students_of_two_tenants_meet_in_a_community_kept_by_platform_admins(
    apps: Apps,
) -> None:
    first = await ready_library(apps, seats=0, students=1)
    second = await ready_library(apps, seats=0, students=1, name="Second tenant")
    asha = await student_login(apps, first, first.students[0])
    ravi = await student_login(apps, second, second.students[0])
    admin = await create_platform_user(apps)
    http = community(apps)

    # Owners hold communities:* of their tenant, not the platform's list.
    refused = await http.post(
        COMMUNITIES, json={"slug": "ssc-cgl", "name": "SSC CGL"}, headers=first.owner.headers
    )
    assert refused.status_code == 403
    made = await http.post(
        COMMUNITIES, json={"slug": "ssc-cgl", "name": "SSC CGL"}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    taken = await http.post(
        COMMUNITIES, json={"slug": "ssc-cgl", "name": "Again"}, headers=admin.headers
    )
    assert taken.status_code == 409 and taken.json()["code"] == "community_slug_taken"
    bad = await http.post(
        COMMUNITIES, json={"slug": "Not A Slug", "name": "x"}, headers=admin.headers
    )
    assert bad.status_code == 422
    cid = made.json()["id"]
    base = f"{COMMUNITIES}/{cid}"

    listed = await http.get(COMMUNITIES, params={"page_size": 200}, headers=ravi.headers)
    assert cid in [c["id"] for c in listed.json()["items"]]
    first_join = await http.post(
        f"{base}/join", json={"display_name": "Asha K"}, headers=asha.headers
    )
    assert first_join.status_code == 200, first_join.text
    again = await http.post(f"{base}/join", json={}, headers=asha.headers)
    assert again.json()["member_id"] == first_join.json()["member_id"]
    assert (await http.post(f"{base}/join", json={}, headers=ravi.headers)).json()["number"] == 2
    anonymous = await http.post(f"{base}/join", json={"anonymous": True}, headers=ravi.headers)
    assert anonymous.json()["code"] == "anonymity_not_allowed"
    not_student = await http.post(f"{base}/join", json={}, headers=first.owner.headers)
    assert not_student.status_code == 403

    for n in range(3):
        resp = await http.post(f"{base}/posts", json={"body": f"Post {n}"}, headers=asha.headers)
        assert resp.status_code == 201, resp.text
    page = (await http.get(f"{base}/posts", params={"limit": 2}, headers=ravi.headers)).json()
    assert [p["body"] for p in page["items"]] == ["Post 2", "Post 1"]
    assert all(
        p["author"] == {**p["author"], "label": "Asha K", "user_id": None} for p in page["items"]
    )
    rest = (
        await http.get(
            f"{base}/posts", params={"limit": 2, "after": page["next_after"]}, headers=ravi.headers
        )
    ).json()
    assert [p["body"] for p in rest["items"]] == ["Post 0"] and rest["next_after"] is None
    assert len(await outbox(apps, "community.post_created", core=True)) == 3

    # A platform admin removes a post (audited); a student may remove only its own.
    victim = page["items"][0]["id"]
    assert (await http.delete(f"{base}/posts/{victim}", headers=ravi.headers)).json()["code"] == (
        "not_your_post"
    )
    assert (await http.delete(f"{base}/posts/{victim}", headers=admin.headers)).status_code == 204
    assert ("community.post_removed", victim) in await audit_actions(apps, core=True)

    # Leaving, then closing the community.
    assert (await http.post(f"{base}/leave", headers=ravi.headers)).status_code == 204
    assert (await http.post(f"{base}/posts", json={"body": "x"}, headers=ravi.headers)).json()[
        "code"
    ] == "not_a_member"
    closed = await http.patch(base, json={"active": False}, headers=admin.headers)
    assert closed.json()["active"] is False
    assert (await http.post(f"{base}/join", json={}, headers=ravi.headers)).json()["code"] == (
        "community_closed"
    )
    assert (await http.get(base, headers=ravi.headers)).status_code == 404
    assert (await http.get(base, headers=admin.headers)).status_code == 200
