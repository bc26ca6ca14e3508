"""`GET /internal/students`: the active, live students of some branches, for the message
service's broadcast audience; other callers are refused."""

from __future__ import annotations

from studyspot.kit.service_auth import issue_service_token
from studyspot.services.student.client import StudentClient
from tests.conftest import Apps
from tests.fixtures.students import admit, owner_with_branches


async def test_the_message_service_lists_the_active_students_of_branches(apps: Apps) -> None:
    world = await owner_with_branches(apps)
    in_a = [await admit(apps, world.owner, world.library_a) for _ in range(2)]
    in_b = await admit(apps, world.owner, world.library_b)
    gone = await admit(apps, world.owner, world.library_a)
    erased = await apps.client("student").delete(
        f"/api/v1/students/{gone['id']}", headers=world.owner.headers
    )
    assert erased.status_code == 204, erased.text

    students = StudentClient(apps.dbs.settings(), caller="message")
    try:
        first = await students.active_students(world.tenant_id, [world.library_a], limit=1)
        both = await students.active_students(
            world.tenant_id, [world.library_a, world.library_b], limit=10
        )
        every = await students.active_students(world.tenant_id, None, limit=10)
    finally:
        await students.close()
    assert first.total == 2 and len(first.items) == 1
    assert str(first.items[0].id) == min(s["id"] for s in in_a)  # in id order
    expected = sorted(s["id"] for s in [*in_a, in_b])
    assert sorted(str(s.id) for s in both.items) == expected and both.total == 3
    assert sorted(str(s.id) for s in every.items) == expected

    client = apps.client("student")
    settings = apps.dbs.settings()
    own = {"Authorization": f"Bearer {issue_service_token(settings, 'message', world.tenant_id)}"}
    url = f"/internal/students?tenant_id={world.tenant_id}&limit=10"
    bad = await client.get(f"{url}&library_ids=not-a-uuid", headers=own)
    assert bad.status_code == 422
    too_many = await client.get(f"{url}&limit=1001", headers=own)
    assert too_many.status_code == 422
    other = {"Authorization": f"Bearer {issue_service_token(settings, 'payment', world.tenant_id)}"}
    assert (await client.get(url, headers=other)).status_code == 403
