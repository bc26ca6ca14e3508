"""The register as a user reaches it: through the gateway, every service a real process."""

from __future__ import annotations

import csv
import io

import httpx

from tests.fixtures.library import library_body
from tests.fixtures.students import IMPORT_HEADER, csv_bytes, register_rows, student_body
from tests.fixtures.system import System, system, system_processes  # noqa: F401  (fixtures)


async def _owner(http: httpx.AsyncClient, n: int) -> tuple[dict[str, str], str]:
    resp = await http.post(
        "/api/auth/register",
        json={
            "email": f"gw-owner-{n}-{id(http)}@example.com",
            "password": "correct-horse-1",
            "name": "Asha Verma",
            "business_name": f"Gateway Library {n}",
        },
    )
    assert resp.status_code == 201, resp.text
    headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    library = await http.post("/api/v1/libraries", json=library_body(), headers=headers)
    assert library.status_code == 201, library.text
    return headers, library.json()["id"]


async def test_owner_admits_imports_searches_and_exports_through_the_gateway(
    system: System,  # noqa: F811
) -> None:
    async with system.client(timeout=60) as http:
        owner, library_id = await _owner(http, 1)
        admitted = await http.post(
            "/api/v1/students", json=student_body(library_id, name="Kabir Sharma"), headers=owner
        )
        assert admitted.status_code == 201, admitted.text
        assert admitted.headers["x-request-id"]

        # A register bigger than the gateway's default 1 MiB body limit still gets
        # through; its 1,000 rows without a valid phone are skipped (the trial
        # plan allows 200 students).
        rows = register_rows(1190)
        for n, row in enumerate(rows):
            row["notes"] = "Prefers the corner seat near the window. " * 25
            if n >= 190:
                row["phone"] = "12345"
        data = csv_bytes(rows, header=(*IMPORT_HEADER, "notes"))
        assert len(data) > 1024 * 1024
        imported = await http.post(
            f"/api/v1/students/import?library_id={library_id}&skip_invalid=true",
            files={"file": ("register.csv", data, "text/csv")},
            headers=owner,
        )
        assert imported.status_code == 200, imported.text
        assert imported.json()["imported"] == 190
        assert len(imported.json()["errors"]) == 1000

        found = await http.get("/api/v1/students?q=sharma", headers=owner)
        assert [s["name"] for s in found.json()["items"]] == ["Kabir Sharma"]
        listed = await http.get("/api/v1/students?page_size=1", headers=owner)
        assert listed.json()["total"] == 191

        export = await http.get("/api/v1/students/export", headers=owner)
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        assert len(list(csv.DictReader(io.StringIO(export.text)))) == 191

        other, _ = await _owner(http, 2)
        stranger = await http.get(f"/api/v1/students/{admitted.json()['id']}", headers=other)
        assert stranger.status_code == 404
        assert stranger.json()["code"] == "student_not_found"
