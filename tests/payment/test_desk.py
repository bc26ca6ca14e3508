"""Money taken at the desk: full and partial payments, the balance due, receipts and invoices."""

from __future__ import annotations

import uuid

from tests.conftest import Apps
from tests.fixtures.payments import PAYMENTS, Fakes, Tenant, created, make_tenant, pay


async def test_cash_at_the_desk_is_captured_with_a_gst_invoice(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.owner, booking, "cash")

    assert payment["status"] == "captured"
    assert payment["amount_paise"] == 150_000
    assert payment["invoice_number"].startswith("INV/")
    resp = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers
    )
    assert resp.status_code == 200, resp.text
    invoice = resp.json()
    assert invoice["kind"] == "tax_invoice"
    assert invoice["supplier"]["gstin"] == "27AAPFU0939F1ZV"
    assert invoice["place_of_supply"]["state_code"] == "27"
    assert invoice["taxable_paise"] == 127_119
    assert (invoice["cgst_paise"], invoice["sgst_paise"], invoice["igst_paise"]) == (
        11_441,
        11_440,
        0,
    )
    assert invoice["taxable_paise"] + invoice["cgst_paise"] + invoice["sgst_paise"] == 150_000
    assert invoice["sac_code"] == "998451"


async def test_partial_desk_payments_leave_a_balance_until_paid(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    first = await created(apps, tenant.owner, booking, "cash", amount_paise=50_000)
    assert first["status"] == "captured"

    dues = await apps.client("payment").get(f"{PAYMENTS}/dues", headers=tenant.owner.headers)
    assert dues.status_code == 200, dues.text
    [due] = dues.json()["items"]
    assert (due["charged_paise"], due["paid_paise"], due["balance_paise"]) == (
        150_000,
        50_000,
        100_000,
    )

    too_much = await pay(apps, tenant.owner, booking, "card", amount_paise=100_001)
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "amount_exceeds_balance"

    rest = await created(apps, tenant.owner, booking, "card", reference="SLIP-0042")
    assert rest["amount_paise"] == 100_000
    settled = await apps.client("payment").get(f"{PAYMENTS}/dues", headers=tenant.owner.headers)
    assert settled.json()["items"] == []
    again = await pay(apps, tenant.owner, booking, "cash")
    assert again.status_code == 409
    assert again.json()["code"] == "nothing_due"


async def test_a_library_without_gstin_issues_receipts(apps: Apps, fakes: Fakes) -> None:
    tenant = await make_tenant(apps, gstin=None)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.owner, booking, "bank_transfer")
    assert payment["invoice_number"].startswith("RCP/")
    invoice = (
        await apps.client("payment").get(
            f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers
        )
    ).json()
    assert invoice["kind"] == "receipt"
    assert invoice["taxable_paise"] is None
    assert invoice["total_paise"] == 150_000


async def test_students_cannot_record_cash_for_themselves(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    resp = await pay(apps, tenant.student, booking, "cash")
    assert resp.status_code == 403
    assert resp.json()["code"] == "method_not_allowed_for_caller"


async def test_online_payments_refuse_an_amount_from_the_body(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    resp = await pay(apps, tenant.student, booking, "upi", amount_paise=1)
    assert resp.status_code == 422
    other_currency = await pay(apps, tenant.owner, booking, "cash", currency="USD")
    assert other_currency.status_code == 422


async def test_owner_cannot_pay_another_tenants_booking(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    other = await make_tenant(apps)
    booking = fakes.bookings.add(other.tenant_id, other.student_id, other.library_id)
    resp = await pay(apps, tenant.owner, booking, "cash")
    assert resp.status_code == 404
    mine = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.owner, mine, "cash")
    seen = await apps.client("payment").get(
        f"{PAYMENTS}/{payment['id']}", headers=other.owner.headers
    )
    assert seen.status_code == 404


async def test_daily_summary_counts_collections_by_method(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    for method, amount in (("cash", 40_000), ("cash", 10_000), ("card", 100_000)):
        booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
        await created(apps, tenant.owner, booking, method, amount_paise=amount)
    resp = await apps.client("payment").get(
        f"{PAYMENTS}/summary/daily", headers=tenant.owner.headers
    )
    assert resp.status_code == 200, resp.text
    summary = resp.json()
    by_method = {m["method"]: (m["count"], m["amount_paise"]) for m in summary["methods"]}
    assert by_method == {"cash": (2, 50_000), "card": (1, 100_000)}
    assert summary["collected_paise"] == 150_000
    assert uuid.UUID(str(tenant.library_id))
