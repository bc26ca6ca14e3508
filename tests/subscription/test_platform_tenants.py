"""The platform's console reads: the tenants with their subscriptions (paged, filtered,
searched), one tenant's credit notes and the history of its subscription changes.
Platform users only; another tenant's documents never show."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Apps
from tests.fixtures.subscriptions import CURRENT, SUBSCRIPTIONS, Clock, pay_manually
from tests.fixtures.users import create_platform_user, register_owner
from tests.subscription.test_upgrade_charge import upgraded

TENANTS = f"{SUBSCRIPTIONS}/tenants"


async def test_platform_staff_list_tenants_with_plan_status_and_unpaid_invoices(
    apps: Apps,
) -> None:
    admin = await create_platform_user(apps)
    staff = await create_platform_user(apps, staff=True)
    api = apps.client("subscription")
    Clock(apps, datetime(2026, 4, 1, 6, tzinfo=UTC)).install()
    paying = await register_owner(apps, business_name="Saraswati Reading Room")
    trying = await register_owner(apps, business_name="Lakshya 100% Library")
    chosen = await api.post(
        f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=paying.headers
    )
    assert chosen.status_code == 200, chosen.text
    assert (await pay_manually(apps, admin, paying.tenant_id, 99_900)).status_code == 200
    await upgraded(apps, paying, "professional")  # no autopay: an unpaid invoice

    listed = await api.get(TENANTS, headers=staff.headers)
    assert listed.status_code == 200, listed.text
    rows = {r["tenant_id"]: r for r in listed.json()["items"]}
    assert listed.json()["total"] == 2
    row = rows[str(paying.tenant_id)]
    assert row["tenant_name"] == "Saraswati Reading Room"
    assert (row["plan_code"], row["status"], row["past_due"], row["unpaid_invoices"]) == (
        "starter",
        "active",
        False,
        1,
    )
    assert row["current_period_end"].startswith("2026-05-01")
    # Not opened yet (nobody looked since the signup): no subscription fields, no guess.
    assert rows[str(trying.tenant_id)]["status"] in (None, "trial")

    active = await api.get(TENANTS, params={"status": "active"}, headers=admin.headers)
    assert [r["tenant_id"] for r in active.json()["items"]] == [str(paying.tenant_id)]
    # LIKE's wildcards are taken literally: "100%" matches one tenant, "a%r" none (as a
    # wildcard it would match both names).
    found = await api.get(TENANTS, params={"q": "100%"}, headers=admin.headers)
    assert [r["tenant_id"] for r in found.json()["items"]] == [str(trying.tenant_id)]
    assert (await api.get(TENANTS, params={"q": "a%r"}, headers=admin.headers)).json()["total"] == 0
    owing = await api.get(TENANTS, params={"past_due": "true"}, headers=admin.headers)
    assert owing.json()["total"] == 0
    paged = await api.get(TENANTS, params={"page_size": 1, "page": 2}, headers=admin.headers)
    assert (paged.json()["total"], len(paged.json()["items"])) == (2, 1)

    for bad in ({"page_size": 201}, {"status": "sleeping"}, {"q": "x" * 101}):
        refused = await api.get(TENANTS, params=bad, headers=admin.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    # An owner is no platform user, even with subscriptions:read.
    denied = await api.get(TENANTS, headers=paying.headers)
    assert denied.status_code == 403 and denied.json()["code"] == "platform_only"
    assert (await api.get(TENANTS)).status_code == 401


async def test_a_tenants_credit_notes_and_history_for_the_platform_only(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    Clock(apps, datetime(2026, 4, 1, 6, tzinfo=UTC)).install()
    owner = await register_owner(apps)
    other = await register_owner(apps)
    await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200
    await upgraded(apps, owner, "professional")
    await upgraded(apps, owner, "enterprise")  # supersedes the unpaid one: void, credited

    notes = await api.get(f"{TENANTS}/{owner.tenant_id}/credit-notes", headers=admin.headers)
    assert notes.status_code == 200, notes.text
    (note,) = notes.json()["items"]
    mine = (await api.get(f"{CURRENT}/credit-notes", headers=owner.headers)).json()["items"]
    assert [n["credit_note_number"] for n in mine] == [note["credit_note_number"]]
    theirs = await api.get(f"{TENANTS}/{other.tenant_id}/credit-notes", headers=admin.headers)
    assert theirs.json()["total"] == 0

    listed = await api.get(f"{TENANTS}/{owner.tenant_id}/invoices", headers=admin.headers)
    by_status = {i["status"]: i["payment_reference"] for i in listed.json()["items"]}
    assert by_status == {"paid": "UTR123456", "void": None, "unpaid": None}

    history = await api.get(f"{TENANTS}/{owner.tenant_id}/history", headers=admin.headers)
    assert history.status_code == 200, history.text
    actions = [h["action"] for h in history.json()["items"]]
    # Newest first, every change with who made it.
    assert actions[:2] == ["subscription.upgrade_invoiced", "subscription.upgrade_superseded"]
    assert "subscription.activated" in actions and "subscription.opened" in actions
    paid = next(h for h in history.json()["items"] if h["action"] == "subscription.activated")
    assert (paid["actor_type"], paid["actor_id"]) == ("platform_admin", str(admin.user_id))
    assert paid["details"]["reference"] == "UTR123456"
    assert paid["details"]["amount_paise"] == 99_900
    elsewhere = await api.get(f"{TENANTS}/{other.tenant_id}/history", headers=admin.headers)
    assert all(h["details"]["tenant_id"] == str(other.tenant_id) for h in elsewhere.json()["items"])
    for path in ("credit-notes", "history"):
        denied = await api.get(f"{TENANTS}/{owner.tenant_id}/{path}", headers=owner.headers)
        assert denied.status_code == 403, path


async def test_a_bank_transfer_is_recorded_with_the_day_it_arrived(apps: Apps) -> None:
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    clock = Clock(apps, datetime(2026, 4, 1, 6, tzinfo=UTC)).install()  # 11:30 in India
    owner = await register_owner(apps)
    await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    payments = f"{TENANTS}/{owner.tenant_id}/payments"
    body = {"amount_paise": 99_900, "reference": "UTR9"}
    for day, why in (("2026-04-02", "after today"), ("2025-12-31", "before 2026-01-01")):
        refused = await api.post(payments, json={**body, "received_on": day}, headers=admin.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "body.received_on"
        assert why in refused.json()["detail"]
    paid = await api.post(
        payments, json={**body, "received_on": "2026-03-30"}, headers=admin.headers
    )
    assert paid.status_code == 200, paid.text
    (first,) = (await api.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
    assert (first["payment_received_on"], first["payment_reference"]) == ("2026-03-30", "UTR9")

    clock.now = datetime(2026, 4, 10, 6, tzinfo=UTC)
    await upgraded(apps, owner, "professional")
    unpaid = next(
        i
        for i in (await api.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
        if i["status"] == "unpaid"
    )
    url = f"{TENANTS}/{owner.tenant_id}/invoices/{unpaid['id']}/payment"
    pay = {"amount_paise": unpaid["total_paise"], "reference": "UTR10"}
    early = await api.post(url, json={**pay, "received_on": "2026-04-09"}, headers=admin.headers)
    assert early.status_code == 422 and "before 2026-04-10" in early.json()["detail"]
    settled = await api.post(url, json=pay, headers=admin.headers)  # today, India
    assert settled.status_code == 200, settled.text
    assert settled.json()["payment_received_on"] == "2026-04-10"
    history = await api.get(f"{TENANTS}/{owner.tenant_id}/history", headers=admin.headers)
    paid_rows = [h for h in history.json()["items"] if h["action"] == "subscription.invoice_paid"]
    assert [h["details"]["received_on"] for h in paid_rows] == ["2026-04-10"]
