"""The seat map kept per process (service/map_cache.py) is never older than the truth.

Every change is made after a map of the same period is kept, and the next map must show
it: bookings, confirmations, cancellations, a hold running out with no write at all,
seats put under maintenance or added (the catalog's ETag), and a given-back day written
straight into the table, as no service route writes it (the trigger, not the code path,
moves the counter). A map asked twice with nothing between is made once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from studyspot.services.booking.service import queries
from studyspot.services.booking.service.map_cache import KeptMap, MapCache, MapKey
from studyspot.services.library.client import LibraryCatalog, LibraryClient
from tests.conftest import Apps
from tests.fixtures.bookings import (
    Clock,
    ReadyLibrary,
    add_plan,
    add_seats,
    book,
    booked,
    booking_body,
    ready_library,
    set_seat_status,
    tomorrow,
)


class Made:
    """How many maps were computed rather than answered from the kept ones."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = queries._seat_map

        async def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await real(*args, **kwargs)

        monkeypatch.setattr(queries, "_seat_map", counting)


async def states(apps: Apps, ready: ReadyLibrary) -> dict[str, str]:
    resp = await apps.client("booking").get(
        "/api/v1/bookings/availability",
        params={
            "library_id": str(ready.library_id),
            "start_date": tomorrow().isoformat(),
            "shift_id": str(ready.shifts["morning"]),
        },
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200, resp.text
    return {s["label"]: s["state"] for s in resp.json()["seats"]}


async def test_a_kept_map_is_answered_only_while_nothing_it_shows_changed(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = await ready_library(apps, seats=3, students=2)
    made = Made(monkeypatch)
    clock = Clock(apps)

    assert await states(apps, ready) == {"A1": "free", "A2": "free", "A3": "free"}
    assert await states(apps, ready) == {"A1": "free", "A2": "free", "A3": "free"}
    assert made.count == 1  # the second came from the kept map

    held = await booked(apps, ready.owner, booking_body(ready))
    assert (await states(apps, ready))["A1"] == "held"
    assert made.count == 2

    # The hold runs out with the clock: no row changes, the map must change anyway.
    clock.advance(minutes=16)
    assert (await states(apps, ready))["A1"] == "free"
    assert made.count == 3

    second = await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[1], seat=ready.seats[1])
    )
    confirmed = await apps.client("booking").post(
        f"/api/v1/bookings/{second['id']}/confirm", headers=ready.owner.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    assert await states(apps, ready) == {"A1": "free", "A2": "booked", "A3": "free"}

    # Library changes: the catalog's ETag moves, the kept catalog and map are not used.
    await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[2], "maintenance")
    assert (await states(apps, ready))["A3"] == "maintenance"
    await add_seats(apps, ready.owner, ready.library_id, 1, prefix="B")
    assert (await states(apps, ready))["B1"] == "free"

    # A day given back, written straight into the table (no service code path).
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(
                text("SELECT set_config('app.tenant_id', :t, true)"),
                {"t": str(ready.tenant_id)},
            )
        await conn.execute(
            text(
                "INSERT INTO booking_day_releases "
                "(id, tenant_id, booking_id, library_id, day, reason, created_at) "
                "VALUES (:id, :tenant, :booking, :library, :day, 'no_show', :at)"
            ),
            {
                "id": uuid.uuid4() if conn.dialect.name == "postgresql" else uuid.uuid4().hex,
                "tenant": ready.tenant_id
                if conn.dialect.name == "postgresql"
                else ready.tenant_id.hex,
                "booking": uuid.UUID(second["id"])
                if conn.dialect.name == "postgresql"
                else uuid.UUID(second["id"]).hex,
                "library": ready.library_id
                if conn.dialect.name == "postgresql"
                else ready.library_id.hex,
                "day": tomorrow(),
                "at": clock.now,
            },
        )
    assert (await states(apps, ready))["A2"] == "free"

    cancelled = await apps.client("booking").post(
        f"/api/v1/bookings/{held['id']}/cancel",
        json={"reason": "changed plans"},
        headers=ready.owner.headers,
    )
    assert cancelled.status_code in (200, 409), cancelled.text  # it had already expired
    made_before = made.count
    await states(apps, ready)
    await states(apps, ready)
    assert made.count - made_before <= 1


async def test_the_catalog_is_kept_and_asked_again_with_its_etag(apps: Apps) -> None:
    ready = await ready_library(apps, seats=2, students=0)
    client = LibraryClient(apps.app("booking").state.kit.settings, caller="booking")
    try:
        first = await client.get_catalog(ready.tenant_id, ready.library_id)
        again = await client.get_catalog(ready.tenant_id, ready.library_id)
        assert first is not None and again is first  # 304: the kept object
        await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[0], "maintenance")
        changed = await client.get_catalog(ready.tenant_id, ready.library_id)
        assert changed is not None and changed is not first
        assert changed.seats[0].status == "maintenance"
        # The catalog carries the plans offered there; a plan's change moves it too.
        plan_id = uuid.UUID(ready.plans["full"]["id"])
        assert changed.fee_plan(plan_id) is not None
        assert changed.fee_plan(plan_id).price_paise == 250_000  # type: ignore[union-attr]
        repriced = await apps.client("library").patch(
            f"/api/fee-plans/{plan_id}", json={"price_paise": 260_000}, headers=ready.owner.headers
        )
        assert repriced.status_code == 200, repriced.text
        after_plan = await client.get_catalog(ready.tenant_id, ready.library_id)
        assert after_plan is not None and after_plan is not changed
        assert after_plan.fee_plan(plan_id).price_paise == 260_000  # type: ignore[union-attr]
        # A plan offered at every library (none named) is in every library's catalog.
        everywhere = await add_plan(apps, ready.owner, None, name="Anywhere day")
        with_it = await client.get_catalog(ready.tenant_id, ready.library_id)
        assert with_it is not None
        assert with_it.fee_plan(uuid.UUID(everywhere["id"])) is not None
        # Another tenant's client asking for this library's id finds nothing.
        assert await client.get_catalog(uuid.uuid4(), ready.library_id) is None
    finally:
        await client.close()


def test_a_kept_map_is_dropped_when_its_version_catalog_or_hold_no_longer_hold() -> None:
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    catalog = LibraryCatalog(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        name="L",
        status="active",
        timezone="Asia/Kolkata",
        state="Maharashtra",
        seats=[],
        shifts=[],
        seat_counts=[],
    )
    same_content = catalog.model_copy()
    cache = MapCache(size=2)
    key: MapKey = ("db", catalog.tenant_id, catalog.id, now.date(), now.date(), None)
    cache.put(key, KeptMap(7, catalog, now + timedelta(minutes=5), b"map"))
    assert cache.get(key, 7, catalog, now) == b"map"
    assert cache.get(key, 7, same_content, now) is None  # another catalog object: dropped
    cache.put(key, KeptMap(7, catalog, now + timedelta(minutes=5), b"map"))
    assert cache.get(key, 8, catalog, now) is None  # the counter moved
    cache.put(key, KeptMap(7, catalog, now + timedelta(minutes=5), b"map"))
    assert cache.get(key, 7, catalog, now + timedelta(minutes=5)) is None  # the hold ran out
    # Bounded: the least recently used goes first.
    keys = [(f"db{i}", *key[1:]) for i in range(3)]
    for k in keys:
        cache.put(k, KeptMap(1, catalog, None, b"x"))
    assert cache.get(keys[0], 1, catalog, now) is None
    assert cache.get(keys[2], 1, catalog, now) == b"x"


async def test_a_kept_catalog_is_checked_in_the_database_and_asked_for_only_when_changed(
    apps: Apps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Booking create and the map read the catalog's counters themselves: no library
    request while nothing changed, and a change is seen by the very next request."""
    ready = await ready_library(apps, seats=3, students=3)
    asked: list[uuid.UUID] = []
    real = LibraryClient.get_catalog

    async def counting(self: LibraryClient, tenant_id: uuid.UUID, library_id: uuid.UUID) -> Any:
        asked.append(library_id)
        return await real(self, tenant_id, library_id)

    monkeypatch.setattr(LibraryClient, "get_catalog", counting)

    await states(apps, ready)
    # The plan's first sale marks it used in the library: that moves the catalog once.
    await booked(apps, ready.owner, booking_body(ready))
    await states(apps, ready)
    first = len(asked)
    assert first <= 3
    await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[1], seat=ready.seats[1])
    )
    await states(apps, ready)
    assert len(asked) == first  # bookings move no catalog counter

    await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[2], "maintenance")
    refused = await book(
        apps, ready.owner, booking_body(ready, student=ready.students[2], seat=ready.seats[2])
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "seat_under_maintenance"
    assert len(asked) == first + 1
    assert (await states(apps, ready))["A3"] == "maintenance"
    assert len(asked) == first + 1  # asked once, then kept again

    # A plan's price moves the tenant's plan counter: the next hold is priced anew.
    plan_id = ready.plans["shifts"]["id"]
    repriced = await apps.client("library").patch(
        f"/api/fee-plans/{plan_id}", json={"price_paise": 123_400}, headers=ready.owner.headers
    )
    assert repriced.status_code == 200, repriced.text
    await set_seat_status(apps, ready.owner, ready.library_id, ready.seats[2], "active")
    hold = await booked(
        apps, ready.owner, booking_body(ready, student=ready.students[2], seat=ready.seats[2])
    )
    assert hold["price_paise"] == 123_400
    assert len(asked) == first + 2
