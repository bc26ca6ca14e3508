"""The payment service's internal API, through its own client, as the student service calls it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from studyspot.kit.errors import AppError
from studyspot.kit.service_auth import issue_service_token
from studyspot.services.payment.client import PaymentClient
from tests.conftest import Apps
from tests.fixtures.payments import Fakes, Tenant, created, make_tenant


@pytest.fixture
async def client(apps: Apps) -> AsyncIterator[PaymentClient]:
    made = PaymentClient(apps.app("payment").state.kit.settings, caller="student")
    yield made
    await made.close()


async def test_a_students_payments_come_newest_first_with_their_invoices(
    apps: Apps, fakes: Fakes, tenant: Tenant, client: PaymentClient
) -> None:
    first = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    second = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    older = await created(apps, tenant.owner, first, "cash", amount_paise=40_000)
    newer = await created(apps, tenant.owner, second, "card", reference="SLIP-7")

    page = await client.student_payments(tenant.tenant_id, tenant.student_id, page_size=1)
    assert (page.total, page.page, page.page_size) == (2, 1, 1)
    [top] = page.items
    assert (str(top.id), str(top.booking_id), top.method, top.status) == (
        newer["id"],
        str(second),
        "card",
        "captured",
    )
    assert (top.amount_paise, top.refunded_paise, top.currency) == (150_000, 0, "INR")
    assert top.invoice_number == newer["invoice_number"]
    assert top.captured_at is not None
    rest = await client.student_payments(tenant.tenant_id, tenant.student_id, page=2, page_size=1)
    assert [str(p.id) for p in rest.items] == [older["id"]]


async def test_a_students_balance_sums_its_dues(
    apps: Apps, fakes: Fakes, tenant: Tenant, client: PaymentClient
) -> None:
    empty = await client.student_balance(tenant.tenant_id, tenant.student_id)
    assert (empty.charged_paise, empty.balance_paise, empty.open_dues) == (0, 0, 0)

    partly = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    settled = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    await created(apps, tenant.owner, partly, "cash", amount_paise=50_000)
    await created(apps, tenant.owner, settled, "cash")

    balance = await client.student_balance(tenant.tenant_id, tenant.student_id)
    assert balance.student_id == tenant.student_id
    assert (balance.charged_paise, balance.paid_paise, balance.refunded_paise) == (
        300_000,
        200_000,
        0,
    )
    assert (balance.balance_paise, balance.open_dues) == (100_000, 1)


async def test_students_with_dues_are_those_with_something_left_to_pay(
    apps: Apps, fakes: Fakes, tenant: Tenant, client: PaymentClient
) -> None:
    owing = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    await created(apps, tenant.owner, owing, "cash", amount_paise=1_000)

    found = await client.students_with_dues(tenant.tenant_id)
    assert (found.student_ids, found.count) == ([tenant.student_id], 1)
    in_branch = await client.students_with_dues(tenant.tenant_id, tenant.library_id)
    assert in_branch.student_ids == [tenant.student_id]
    elsewhere = await client.students_with_dues(tenant.tenant_id, uuid.uuid4())
    assert (elsewhere.student_ids, elsewhere.count) == ([], 0)

    await created(apps, tenant.owner, owing, "cash")  # the rest
    assert (await client.students_with_dues(tenant.tenant_id)).count == 0


async def test_internal_routes_answer_only_the_named_tenants_rows(
    apps: Apps, fakes: Fakes, tenant: Tenant, client: PaymentClient
) -> None:
    other = await make_tenant(apps)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    await created(apps, tenant.owner, booking, "cash", amount_paise=1_000)

    # Tenant A's student asked about under tenant B: nothing of A's shows.
    assert (await client.student_payments(other.tenant_id, tenant.student_id)).total == 0
    balance = await client.student_balance(other.tenant_id, tenant.student_id)
    assert (balance.charged_paise, balance.paid_paise, balance.balance_paise) == (0, 0, 0)
    assert (await client.students_with_dues(other.tenant_id)).count == 0


async def test_a_service_token_for_one_tenant_cannot_read_another(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    other = await make_tenant(apps)
    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    await created(apps, tenant.owner, booking, "cash", amount_paise=1_000)
    settings = apps.app("payment").state.kit.settings
    token = issue_service_token(settings, "student", other.tenant_id)
    http = apps.client("payment")
    for path in (
        f"/internal/students/{tenant.student_id}/payments",
        f"/internal/students/{tenant.student_id}/dues",
        "/internal/dues/students",
    ):
        resp = await http.get(
            path,
            params={"tenant_id": str(tenant.tenant_id)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status_code == 403, (path, resp.text)
        assert resp.json()["code"] == "tenant_mismatch"
    # A user's own access token is no service token.
    resp = await http.get(
        "/internal/dues/students",
        params={"tenant_id": str(tenant.tenant_id)},
        headers=tenant.owner.headers,
    )
    assert resp.status_code == 401


async def test_the_internal_routes_are_not_in_the_public_api_document(apps: Apps) -> None:
    spec = (await apps.client("payment").get("/openapi.json")).json()
    assert not [p for p in spec["paths"] if p.startswith("/internal")]


async def test_a_bad_page_size_is_refused_not_crashed(
    apps: Apps, tenant: Tenant, client: PaymentClient
) -> None:
    with pytest.raises(AppError) as refused:
        await client.student_payments(tenant.tenant_id, tenant.student_id, page_size=500)
    assert refused.value.status == 422
