"""Staff and students of a library business have no say over the tenant itself."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Apps
from tests.fixtures.students import admit, create_library, create_staff
from tests.fixtures.users import DEFAULT_PASSWORD, LoggedIn, accept_invite, login


async def _student(apps: Apps, owner: LoggedIn, library_id: uuid.UUID) -> LoggedIn:
    assert owner.tenant_id
    student = await admit(apps, owner, library_id)
    invite = await apps.client("student").post(
        f"/api/v1/students/{student['id']}/invite", headers=owner.headers
    )
    assert invite.status_code == 202, invite.text
    await accept_invite(
        apps, tenant_id=owner.tenant_id, user_table="students", user_id=uuid.UUID(student["id"])
    )
    return await login(
        apps,
        phone=student["phone"],
        password=DEFAULT_PASSWORD,
        user_type="student",
        tenant_slug=owner.tenant_slug,
    )


async def test_staff_and_students_cannot_read_or_change_their_tenant(
    apps: Apps, tenant_api: httpx.AsyncClient, owner: LoggedIn
) -> None:
    library = await create_library(apps, owner)
    desk = await create_staff(apps, owner, [library])
    manager = await create_staff(apps, owner, [library], role="manager")
    student = await _student(apps, owner, library)
    own = f"/api/v1/tenants/{owner.tenant_id}"
    for who in (desk, manager, student):
        for method, path, body in (
            ("GET", "/api/v1/tenants/me", None),
            ("PATCH", "/api/v1/tenants/me", {"name": "Taken over"}),
            ("GET", "/api/v1/tenants", None),
            ("GET", own, None),
            ("GET", f"{own}/audit-logs", None),
            ("POST", f"{own}/suspend", {"reason": "prank"}),
        ):
            resp = await tenant_api.request(method, path, json=body, headers=who.headers)
            assert resp.status_code == 403, (who.email, method, path, resp.text)
            assert resp.json()["code"] == "permission_denied"
    name = (await tenant_api.get("/api/v1/tenants/me", headers=owner.headers)).json()["name"]
    assert name == "Lakshya Library"
