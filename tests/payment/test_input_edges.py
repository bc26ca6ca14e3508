"""Inputs a generated client or a fuzzer sends that a hand-written one would not: each is a
clear 4xx problem (or accepted when the document allows it), never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import Apps
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant, created


async def test_explicit_null_for_an_optional_field_is_taken_as_absent(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.owner, booking, "cash", note=None, reference=None)
    assert payment["status"] == "captured"
    assert payment["note"] is None


async def test_an_empty_note_is_one_problem_named_after_the_field(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    resp = await apps.client("payment").post(
        PAYMENTS,
        json={"booking_id": str(booking), "method": "cash", "note": "", "amount_paise": 0},
        headers=tenant.owner.headers,
    )
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert problem["code"] == "validation_error"
    assert sorted(e["field"] for e in problem["errors"]) == ["body.amount_paise", "body.note"]


async def test_upi_verification_with_a_null_utr_is_not_a_server_error(
    apps: Apps, tenant: Tenant
) -> None:
    resp = await apps.client("payment").post(
        f"{PAYMENTS}/{tenant.student_id}/verify", json={"utr": None}, headers=tenant.owner.headers
    )
    assert resp.status_code == 404, resp.text


async def test_provider_account_with_a_null_display_name_is_saved(
    apps: Apps, tenant: Tenant
) -> None:
    resp = await apps.client("payment").put(
        f"{PAYMENTS}/accounts/razorpay",
        json={
            "key_id": "rzp_test_ABCDEFGHIJKLMN",
            "key_secret": "s3cretS3cretS3cret",
            "webhook_secret": "whsec-12345",
            "display_name": None,
        },
        headers=tenant.owner.headers,
    )
    assert resp.status_code in (200, 201), resp.text
    assert "s3cretS3cretS3cret" not in resp.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31"])
async def test_daily_summary_for_a_day_outside_the_books_is_a_422(
    apps: Apps, tenant: Tenant, day: str
) -> None:
    resp = await apps.client("payment").get(
        f"{PAYMENTS}/summary/daily", params={"date": day}, headers=tenant.owner.headers
    )
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == ["query.date"]


async def test_payment_list_with_a_created_from_far_in_the_past_is_a_422(
    apps: Apps, tenant: Tenant
) -> None:
    resp = await apps.client("payment").get(
        PAYMENTS, params={"created_from": "0001-01-01"}, headers=tenant.owner.headers
    )
    assert resp.status_code == 422, resp.text
