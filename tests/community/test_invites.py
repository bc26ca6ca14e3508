"""Invite links: an expiry and a usage limit, answered 410 Gone; joining is idempotent."""

from __future__ import annotations

from tests.community.helpers import GROUPS, Clock, community, group_setup
from tests.conftest import Apps


async def test_an_expired_or_used_up_link_is_gone_and_joining_twice_uses_it_once(
    apps: Apps,
) -> None:
    setup = await group_setup(apps)
    clock = Clock(apps)
    base = f"{GROUPS}/{setup.group_id}/invites"
    one_use = await community(apps).post(base, json={"max_uses": 1}, headers=setup.owner.headers)
    assert one_use.status_code == 201, one_use.text
    token = one_use.json()["token"]
    by_invite = f"{GROUPS}/join-by-invite"

    first = await community(apps).post(
        by_invite, json={"token": token}, headers=setup.booked.student.headers
    )
    assert first.status_code == 200, first.text
    again = await community(apps).post(
        by_invite, json={"token": token}, headers=setup.booked.student.headers
    )
    assert again.status_code == 200
    assert again.json()["member_id"] == first.json()["member_id"]

    used_up = await community(apps).post(
        by_invite, json={"token": token}, headers=setup.unbooked.headers
    )
    assert used_up.status_code == 410
    assert used_up.headers["content-type"] == "application/problem+json"
    assert used_up.json()["code"] == "invite_used_up"

    hourly = await community(apps).post(
        base, json={"expires_in_hours": 1}, headers=setup.owner.headers
    )
    fresh = hourly.json()["token"]
    # A valid link does not lift the group's rule.
    refused = await community(apps).post(
        by_invite, json={"token": fresh}, headers=setup.unbooked.headers
    )
    assert refused.status_code == 403 and refused.json()["code"] == "no_current_booking"
    clock.advance(hours=2)
    expired = await community(apps).post(
        by_invite, json={"token": fresh}, headers=setup.unbooked.headers
    )
    assert expired.status_code == 410 and expired.json()["code"] == "invite_expired"

    unknown = await community(apps).post(
        by_invite, json={"token": "x" * 43}, headers=setup.unbooked.headers
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "invite_not_found"
    for bad in ({"token": "short"}, {"token": token, "extra": 1}, {"expires_in_hours": 0}):
        resp = await community(apps).post(by_invite, json=bad, headers=setup.unbooked.headers)
        assert resp.status_code == 422
