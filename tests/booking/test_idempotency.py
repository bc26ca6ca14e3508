"""`Idempotency-Key` on booking creation (kit.idempotency): replay, reuse, in progress."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyspot.kit.idempotency import IdempotentRequest, fingerprint, idempotency_keys
from studyspot.services.booking.models import Booking
from studyspot.services.booking.schemas.bookings import BookingCreate
from tests.conftest import Apps
from tests.fixtures.bookings import ReadyLibrary, book, booking_body, ready_library


async def bookings_made(apps: Apps) -> int:
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Booking)) or 0)


def claim_for(
    apps: Apps, ready: ReadyLibrary, key: str, body: dict[str, object]
) -> IdempotentRequest:
    """The claim the booking service makes for this owner, key and body."""
    assert ready.owner.tenant_id is not None
    return IdempotentRequest(
        apps.app("booking").state.kit.tenants.shared,
        ready.owner.tenant_id,
        ready.owner.user_id,
        key,
        # The service hashes the validated body, so spelling and defaults do not matter.
        fingerprint(
            "POST", "/api/v1/bookings", BookingCreate.model_validate(body).model_dump(mode="json")
        ),
    )


async def test_same_key_and_body_replays_the_first_answer_without_booking_twice(
    apps: Apps,
) -> None:
    ready = await ready_library(apps)
    body = booking_body(ready)
    first = await book(apps, ready.owner, body, **{"Idempotency-Key": "order-1"})
    again = await book(apps, ready.owner, body, **{"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await bookings_made(apps) == 1


async def test_same_key_with_another_body_is_refused(apps: Apps) -> None:
    ready = await ready_library(apps)
    first = await book(apps, ready.owner, booking_body(ready), **{"Idempotency-Key": "k-2"})
    assert first.status_code == 201
    other = await book(
        apps, ready.owner, booking_body(ready, shift="night"), **{"Idempotency-Key": "k-2"}
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert await bookings_made(apps) == 1


async def test_same_key_while_the_first_request_runs_is_a_conflict(apps: Apps) -> None:
    ready = await ready_library(apps)
    body = booking_body(ready)
    running = claim_for(apps, ready, "k-3", body)
    assert await running.claim() is None  # the "first request", still at work
    resp = await book(apps, ready.owner, body, **{"Idempotency-Key": "k-3"})
    assert resp.status_code == 409
    assert resp.json()["code"] == "idempotency_in_progress"
    assert await bookings_made(apps) == 0


async def test_a_key_whose_first_request_died_is_taken_over_after_its_lease(apps: Apps) -> None:
    ready = await ready_library(apps)
    body = booking_body(ready)
    crashed = claim_for(apps, ready, "k-4", body)
    crashed.lease = timedelta(seconds=-1)
    assert await crashed.claim() is None
    resp = await book(apps, ready.owner, body, **{"Idempotency-Key": "k-4"})
    assert resp.status_code == 201, resp.text
    assert await bookings_made(apps) == 1


async def test_a_refusal_is_replayed_too(apps: Apps) -> None:
    ready = await ready_library(apps)
    taken = await book(apps, ready.owner, booking_body(ready))
    body = booking_body(ready, student=ready.students[1])
    refused = await book(apps, ready.owner, body, **{"Idempotency-Key": "k-5"})
    assert refused.status_code == 409
    # The seat frees up, but this key's answer was given: the retry gets it again.
    resp = await apps.client("booking").post(
        f"/api/v1/bookings/{taken.json()['id']}/cancel",
        json={"reason": "changed plans"},
        headers=ready.owner.headers,
    )
    assert resp.status_code == 200
    again = await book(apps, ready.owner, body, **{"Idempotency-Key": "k-5"})
    assert again.status_code == 409
    assert again.json() == refused.json()


async def test_keys_belong_to_one_caller(apps: Apps) -> None:
    ready = await ready_library(apps)
    other = await ready_library(apps, name="Another business")
    assert (
        await book(apps, ready.owner, booking_body(ready), **{"Idempotency-Key": "k-6"})
    ).status_code == 201
    resp = await book(apps, other.owner, booking_body(other), **{"Idempotency-Key": "k-6"})
    assert resp.status_code == 201
    db = apps.app("booking").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        keys = await conn.scalar(select(func.count()).select_from(idempotency_keys))
    assert keys == 2
