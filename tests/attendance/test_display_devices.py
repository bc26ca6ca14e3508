"""A door display's key reads its one library's code and nothing else, until revoked."""

from __future__ import annotations

from tests.conftest import Apps
from tests.fixtures.attendance import ATTENDANCE
from tests.fixtures.bookings import ready_library


async def test_a_display_key_reads_only_its_librarys_code_until_revoked(apps: Apps) -> None:
    ready = await ready_library(apps, more_branches=True)
    other = await ready_library(apps, owner=ready.owner, name="Second Branch")
    client = apps.client("attendance")
    made = await client.post(
        f"{ATTENDANCE}/display-devices",
        json={"library_id": str(ready.library_id), "name": "Front door"},
        headers=ready.owner.headers,
    )
    assert made.status_code == 201, made.text
    key = {"X-Display-Key": made.json()["display_key"]}

    mine = await client.get(f"{ATTENDANCE}/libraries/{ready.library_id}/display-code", headers=key)
    assert mine.status_code == 200, mine.text
    theirs = await client.get(
        f"{ATTENDANCE}/libraries/{other.library_id}/display-code", headers=key
    )
    assert theirs.status_code == 404
    # Not a login: every other route wants a bearer token.
    register = await client.get(f"{ATTENDANCE}/libraries/{ready.library_id}/register", headers=key)
    assert register.status_code == 401
    listed = await client.get(f"{ATTENDANCE}/display-devices", headers=ready.owner.headers)
    assert "display_key" not in listed.json()[0]

    revoked = await client.post(
        f"{ATTENDANCE}/display-devices/{made.json()['id']}/revoke", headers=ready.owner.headers
    )
    assert revoked.status_code == 204
    after = await client.get(f"{ATTENDANCE}/libraries/{ready.library_id}/display-code", headers=key)
    assert (after.status_code, after.json()["code"]) == (401, "invalid_display_key")
