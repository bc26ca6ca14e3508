"""GET /api/v1/payments/reconciliation/status: what the reconciler's last pass did.

The reconciler (periodic job or `studyspot payments reconcile`) records each
tenant's pass; the owner sees it, a branch clerk sees only their branches'
counts, another tenant sees nothing of it, a student may not ask.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from studyspot.services.payment.reconcile import reconcile
from studyspot.services.payment.tasks import reconcile_round
from tests.conftest import Apps
from tests.fixtures.library import create_library, hire_staff
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    connect_razorpay,
    created,
    make_tenant,
)
from tests.fixtures.users import LoggedIn

STATUS = f"{PAYMENTS}/reconciliation/status"


async def _status(apps: Apps, who: LoggedIn, **params: str) -> dict[str, Any]:
    resp = await apps.client("payment").get(STATUS, headers=who.headers, params=params)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _run(apps: Apps, **kwargs: Any) -> None:
    app = apps.app("payment")
    await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0, **kwargs
    )


async def _two_branches(apps: Apps, fakes: Fakes, tenant: Tenant) -> tuple[uuid.UUID, str]:
    """Branch A: a Razorpay payment the student paid (webhook lost). Branch B: a Cashfree
    payment the student has not paid yet. Returns branch B's id and A's payment id."""
    await connect_razorpay(apps, tenant, fakes)
    await connect_cashfree(apps, tenant, fakes)
    branch_b = uuid.UUID((await create_library(apps, tenant.owner, name="Vidya Sadan Baner"))["id"])
    in_a = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    in_b = fakes.bookings.add(tenant.tenant_id, tenant.student_id, branch_b)
    paid = await created(apps, tenant.student, in_a, "razorpay")
    fakes.razorpay.checkout(paid["checkout"]["order_id"])
    await created(apps, tenant.student, in_b, "cashfree")
    return branch_b, paid["id"]


async def test_status_says_never_run_before_the_first_pass(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    body = await _status(apps, tenant.owner)
    assert body["last_run"] is None
    assert body["next_run_due_at"] is None
    assert body["periodic_interval_seconds"] == 300
    assert body["after_minutes"] == 15


async def test_owner_sees_what_the_last_pass_settled_and_left_pending(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await _two_branches(apps, fakes, tenant)
    before = datetime.now().astimezone()
    await _run(apps)

    run = (await _status(apps, tenant.owner))["last_run"]
    assert run["trigger"] == "command"
    assert run["outcome"] == "succeeded"
    started = datetime.fromisoformat(run["started_at"])
    finished = datetime.fromisoformat(run["finished_at"])
    assert before - timedelta(seconds=1) <= started <= finished
    assert run["counts"] == {
        "checked": 2,
        "settled": 1,
        "failed": 0,
        "still_pending": 1,
        "refunds_processed": 0,
        "refunds_failed": 0,
        "errors": 0,
    }
    # A run by hand schedules nothing.
    assert (await _status(apps, tenant.owner))["next_run_due_at"] is None

    # The next pass finds only the Cashfree payment still open; it replaces the last one.
    await _run(apps)
    counts = (await _status(apps, tenant.owner))["last_run"]["counts"]
    assert (counts["checked"], counts["settled"], counts["still_pending"]) == (1, 0, 1)


async def test_a_branch_clerk_sees_only_the_counts_of_their_branch(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    branch_b, _ = await _two_branches(apps, fakes, tenant)
    _, clerk = await hire_staff(apps, tenant.owner, [tenant.library_id])
    await _run(apps)

    mine = (await _status(apps, clerk))["last_run"]["counts"]
    assert (mine["checked"], mine["settled"], mine["still_pending"]) == (1, 1, 0)
    # Asking for branch B by id reveals nothing of it either.
    other = (await _status(apps, clerk, library_id=str(branch_b)))["last_run"]["counts"]
    assert other["checked"] == other["still_pending"] == 0
    # The owner can narrow to one branch.
    only_b = (await _status(apps, tenant.owner, library_id=str(branch_b)))["last_run"]["counts"]
    assert (only_b["checked"], only_b["settled"], only_b["still_pending"]) == (1, 0, 1)


async def test_another_tenant_sees_nothing_of_the_pass_and_a_student_may_not_ask(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await _two_branches(apps, fakes, tenant)
    other = await make_tenant(apps)
    await _run(apps)

    theirs = (await _status(apps, other.owner))["last_run"]
    # The pass went over the other tenant too (it has nothing open), with its own counts.
    assert theirs is not None and theirs["counts"]["checked"] == 0
    refused = await apps.client("payment").get(STATUS, headers=tenant.student.headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await apps.client("payment").get(STATUS)).status_code == 401


async def test_a_provider_that_cannot_be_asked_makes_the_pass_partial(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await _two_branches(apps, fakes, tenant)
    # The owner's Razorpay keys stop working at Razorpay (revoked there).
    fakes.razorpay.accounts.clear()
    await _run(apps)

    run = (await _status(apps, tenant.owner))["last_run"]
    assert run["outcome"] == "partial"
    assert (run["counts"]["errors"], run["counts"]["still_pending"]) == (1, 1)


async def test_the_periodic_job_records_when_it_runs_next_and_a_run_by_hand_keeps_it(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    app = apps.app("payment")
    ctx = app.state.payment
    await reconcile_round(app.state.kit.core, app.state.kit.tenants, ctx)

    body = await _status(apps, tenant.owner)
    run = body["last_run"]
    assert run["trigger"] == "periodic"
    due = datetime.fromisoformat(body["next_run_due_at"])
    interval = timedelta(seconds=ctx.settings.reconcile_interval_seconds)
    assert due == datetime.fromisoformat(run["finished_at"]) + interval

    await _run(apps)
    after = await _status(apps, tenant.owner)
    assert after["last_run"]["trigger"] == "command"
    assert datetime.fromisoformat(after["next_run_due_at"]) == due


async def test_payments_list_takes_several_statuses_and_methods_at_once(
    apps: Apps, fakes: Fakes, tenant: Tenant
) -> None:
    await _two_branches(apps, fakes, tenant)
    client = apps.client("payment")
    query = {"method": ["razorpay", "cashfree"], "status": ["created", "pending"]}
    both = await client.get(PAYMENTS, params=query, headers=tenant.owner.headers)
    assert both.status_code == 200, both.text
    assert sorted(p["method"] for p in both.json()["items"]) == ["cashfree", "razorpay"]
    one = await client.get(PAYMENTS, params={"method": "cashfree"}, headers=tenant.owner.headers)
    assert [p["method"] for p in one.json()["items"]] == ["cashfree"]
    # At most six values of one filter (there are six statuses).
    six = ["created", "pending", "captured", "failed", "refunded", "partially_refunded"]
    ok = await client.get(PAYMENTS, params={"status": six}, headers=tenant.owner.headers)
    assert ok.status_code == 200
    seven = {"status": [*six, "created"]}
    refused = await client.get(PAYMENTS, params=seven, headers=tenant.owner.headers)
    assert refused.status_code == 422
    bad = await client.get(PAYMENTS, params={"status": "paid"}, headers=tenant.owner.headers)
    assert bad.status_code == 422


async def test_a_pass_that_breaks_for_one_tenant_is_recorded_failed_and_the_next_goes_on(
    apps: Apps, fakes: Fakes, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    broken = await created(
        apps,
        tenant.student,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "razorpay",
    )
    other = await make_tenant(apps)
    await connect_razorpay(apps, other, fakes)
    fine = await created(
        apps,
        other.student,
        fakes.bookings.add(other.tenant_id, other.student_id, other.library_id),
        "razorpay",
    )
    fakes.razorpay.checkout(fine["checkout"]["order_id"])
    # Not a refusal the reconciler expects (those are AppErrors, counted as errors) but a
    # crash inside the provider's client for one tenant's order.
    provider = apps.app("payment").state.payment.providers.named("razorpay")
    real = provider.fetch_status

    async def crashing(credentials: Any, order_id: str) -> Any:
        if order_id == broken["checkout"]["order_id"]:
            raise RuntimeError("the SDK crashed")
        return await real(credentials, order_id)

    monkeypatch.setattr(provider, "fetch_status", crashing)
    await _run(apps)

    assert (await _status(apps, tenant.owner))["last_run"]["outcome"] == "failed"
    theirs = (await _status(apps, other.owner))["last_run"]
    assert theirs["outcome"] == "succeeded" and theirs["counts"]["settled"] == 1
