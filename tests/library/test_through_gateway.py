"""Branches, seats, shifts, plans and staff as users reach them: through the gateway,
every service a real process."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import create_engine, select

from studyspot.kit.models import outbox_events
from studyspot.kit.settings import to_sync_url
from studyspot.services.auth.client import DEV_LINK_KEY, LinkBox
from tests.fixtures.library import fee_plan_body, library_body
from tests.fixtures.system import System, system, system_processes  # noqa: F401  (fixtures)
from tests.fixtures.users import DEFAULT_PASSWORD


async def _register(http: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, Any]]:
    resp = await http.post(
        "/api/auth/register",
        json={
            "email": f"gw-lib-{uuid.uuid4().hex[:10]}@example.com",
            "password": DEFAULT_PASSWORD,
            "name": "Asha Verma",
            "business_name": "Gateway Reading Room",
        },
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return {"Authorization": f"Bearer {body['access_token']}"}, body


def _set_password_token(running: System, user_id: str) -> str:
    """The one-time token the auth process wrote to its outbox for the message service."""
    engine = create_engine(to_sync_url(running.dbs.core_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(outbox_events.c.payload)
                .where(outbox_events.c.topic == "auth.set_password_requested")
                .order_by(outbox_events.c.seq.desc())
            )
            for (payload,) in rows:
                if str(payload.get("user_id")) == user_id:
                    return LinkBox(DEV_LINK_KEY).open(payload)
    finally:
        engine.dispose()
    raise AssertionError("no set-password link was sent")


async def test_owner_sets_up_a_branch_and_hires_staff_through_the_gateway(
    system: System,  # noqa: F811
) -> None:
    async with system.client(timeout=60) as http:
        owner, registered = await _register(http)
        made = await http.post("/api/v1/libraries", json=library_body(), headers=owner)
        assert made.status_code == 201, made.text
        lid = made.json()["id"]
        seats = await http.post(
            f"/api/v1/libraries/{lid}/seats/bulk",
            json={"prefix": "A", "from": 1, "to": 60},
            headers=owner,
        )
        assert seats.status_code == 201 and seats.json()["created"] == 60
        night = await http.post(
            f"/api/v1/libraries/{lid}/shifts",
            json={"name": "Night", "start_time": "22:00", "end_time": "06:00"},
            headers=owner,
        )
        assert night.json()["crosses_midnight"] is True
        plan = await http.post("/api/fee-plans", json=fee_plan_body(lid), headers=owner)
        assert plan.status_code == 201, plan.text
        assert plan.json()["price_breakup"]["total_paise"] == 150_000

        occupancy = await http.get("/api/v1/libraries/realtime-occupancy", headers=owner)
        report = occupancy.json()
        # The booking service, a process of its own, answered: nothing booked yet.
        assert report["sources"]["bookings"] == "live"
        assert report["libraries"][0]["seats_total"] == 60
        assert (report["libraries"][0]["booked"], report["libraries"][0]["free"]) == (0, 60)

        email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
        hired = await http.post(
            "/api/v1/libraries/staff",
            json={"name": "Ravi", "email": email, "role": "staff", "library_ids": [lid]},
            headers=owner,
        )
        assert hired.status_code == 201, hired.text
        token = _set_password_token(system, hired.json()["id"])
        chosen = await http.post(
            "/api/auth/reset-password", json={"token": token, "new_password": DEFAULT_PASSWORD}
        )
        assert chosen.status_code == 204, chosen.text
        logged_in = await http.post(
            "/api/auth/login",
            json={
                "email": email,
                "password": DEFAULT_PASSWORD,
                "user_type": "library_staff",
                "tenant_slug": registered["tenant"]["slug"],
            },
        )
        assert logged_in.status_code == 200, logged_in.text
        staff = {"Authorization": f"Bearer {logged_in.json()['access_token']}"}
        seen = await http.get("/api/v1/libraries", headers=staff)
        assert [lib["id"] for lib in seen.json()["items"]] == [lid]

        stranger, _ = await _register(http)
        hidden = await http.get(f"/api/v1/libraries/{lid}", headers=stranger)
        assert hidden.status_code == 404 and hidden.json()["code"] == "library_not_found"

        off = await http.patch(
            f"/api/v1/libraries/staff/{hired.json()['id']}",
            json={"is_active": False},
            headers=owner,
        )
        assert off.status_code == 200
        assert (await http.get("/api/v1/libraries", headers=staff)).status_code == 401
