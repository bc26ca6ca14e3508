"""UPI to the library's own VPA: intent link and QR, the student's UTR, staff verification."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.conftest import Apps
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant, connect_upi, created, get_payment


async def test_upi_link_carries_the_exact_amount_and_a_unique_reference(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_upi(apps, tenant)
    booking = fakes.bookings.add(
        tenant.tenant_id, tenant.student_id, tenant.library_id, total_paise=118_005
    )
    payment = await created(apps, tenant.student, booking, "upi")
    link = urlsplit(payment["checkout"]["upi_link"])
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert (link.scheme, link.netloc) == ("upi", "pay")
    assert params["pa"] == "lakshya.library@okaxis"
    assert params["pn"] == "Lakshya Library"
    assert (params["am"], params["cu"]) == ("1180.05", "INR")
    assert params["tr"] == payment["upi_reference"]

    client = apps.client("payment")
    png = await client.get(f"{PAYMENTS}/{payment['id']}/upi-qr", headers=tenant.student.headers)
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await client.get(
        f"{PAYMENTS}/{payment['id']}/upi-qr?format=svg", headers=tenant.student.headers
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content


async def test_staff_verify_the_students_utr_and_a_utr_is_used_once(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await connect_upi(apps, tenant)
    client = apps.client("payment")
    first = await created(
        apps,
        tenant.student,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "upi",
    )
    second = await created(
        apps,
        tenant.student,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "upi",
    )
    bad = await client.post(
        f"{PAYMENTS}/{first['id']}/utr", json={"utr": "12345"}, headers=tenant.student.headers
    )
    assert bad.status_code == 422
    submitted = await client.post(
        f"{PAYMENTS}/{first['id']}/utr",
        json={"utr": "412345678901"},
        headers=tenant.student.headers,
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "pending"
    reused = await client.post(
        f"{PAYMENTS}/{second['id']}/utr",
        json={"utr": "412345678901"},
        headers=tenant.student.headers,
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "utr_already_used"

    student_verifies = await client.post(
        f"{PAYMENTS}/{first['id']}/verify", json={}, headers=tenant.student.headers
    )
    assert student_verifies.status_code == 403
    verified = await client.post(
        f"{PAYMENTS}/{first['id']}/verify", json={}, headers=tenant.owner.headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "captured"
    assert verified.json()["invoice_number"].startswith("INV/")

    rejected = await client.post(
        f"{PAYMENTS}/{second['id']}/reject",
        json={"reason": "Not on the statement"},
        headers=tenant.owner.headers,
    )
    assert rejected.json()["status"] == "failed"
    assert (await get_payment(apps, tenant.student, second["id"]))[
        "failure_reason"
    ] == "Not on the statement"
