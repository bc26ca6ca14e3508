"""The library service's OpenAPI document is precise, and odd requests get precise answers."""

from __future__ import annotations

from typing import Any

from tests.conftest import Apps
from tests.fixtures.library import LIBRARIES, create_library
from tests.fixtures.users import register_owner


def _doc(apps: Apps) -> dict[str, Any]:
    doc: dict[str, Any] = apps.app("library").openapi()
    return doc


def _schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    found: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


async def test_every_write_refuses_unknown_fields_and_documents_its_problems(apps: Apps) -> None:
    doc = _doc(apps)
    assert not [p for p in doc["paths"] if p.startswith("/internal")]
    writes = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if "requestBody" not in op:
                continue
            writes += 1
            assert _schema(doc, op)["additionalProperties"] is False, (method, path)
            for status in ("400", "401", "403", "422", "500"):
                content = op["responses"][status]["content"]
                assert "application/problem+json" in content, (method, path, status)
    assert writes == 11


async def test_the_document_carries_ranges_formats_and_enums(apps: Apps) -> None:
    schemas = _doc(apps)["components"]["schemas"]
    bulk = schemas["SeatBulkCreate"]["properties"]
    assert bulk["from"]["maximum"] == 99_999 and bulk["to"]["minimum"] == 0
    library = schemas["LibraryCreate"]["properties"]
    assert library["pincode"]["pattern"] == "^[1-9][0-9]{5}$"
    assert "MH" in schemas["IndianState"]["enum"] and len(schemas["IndianState"]["enum"]) == 36
    plan = schemas["FeePlanCreate"]["properties"]
    assert plan["gst_rate_percent"]["enum"] == [0, 5, 12, 18, 28]
    assert plan["price_paise"]["maximum"] == 100_000_000
    assert plan["full_day"]["type"] == "boolean"


async def test_wrong_json_types_are_422_not_coerced(apps: Apps) -> None:
    owner = await register_owner(apps)
    lid = (await create_library(apps, owner))["id"]
    client = apps.client("library")
    for path, body in (
        (f"{LIBRARIES}/{lid}/seats", {"label": "A1", "floor": False}),
        (f"{LIBRARIES}/{lid}/seats", {"label": "A1", "row": "1", "column": 1}),
        (f"{LIBRARIES}/{lid}/shifts", {"name": "Full", "is_full_day": "yes"}),
        (f"{LIBRARIES}/{lid}/seats/bulk", {"from": 1.5, "to": 3}),
    ):
        resp = await client.post(path, json=body, headers=owner.headers)
        assert resp.status_code == 422, (path, body, resp.text)
    broken = await client.post(
        f"{LIBRARIES}/{lid}/seats",
        content=b"\xff\xfe{",
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert broken.status_code in (400, 422)
    assert broken.headers["content-type"] == "application/problem+json"


async def test_an_unsupported_method_names_every_allowed_one(apps: Apps) -> None:
    owner = await register_owner(apps)
    client = apps.client("library")
    listing = await client.request("PUT", LIBRARIES, headers=owner.headers)
    assert listing.status_code == 405 and listing.headers["allow"] == "GET, POST"
    # Not mistaken for PATCH /api/v1/libraries/{library_id}.
    occupancy = await client.patch(
        f"{LIBRARIES}/realtime-occupancy", json={}, headers=owner.headers
    )
    assert occupancy.status_code == 405 and occupancy.headers["allow"] == "GET"
    not_an_id = await client.get(f"{LIBRARIES}/not-a-uuid", headers=owner.headers)
    assert not_an_id.status_code == 404
