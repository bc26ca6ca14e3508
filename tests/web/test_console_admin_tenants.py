"""The platform admin's tenant pages in a real browser, and what the owner then sees.

The tenant is made through the API: on Starter (paid by bank transfer), it confirms an
upgrade to Enterprise and then one to Professional, which supersedes the first (its invoice
void, with a GST credit note), so the Professional invoice waits for its bank transfer.
web/e2e/admin-tenants.mjs then: the admin finds the tenant, records that invoice's payment
(a wrong amount first: the API's problem, nothing recorded) and overrides its student limit;
the owner's page shows the new limit, this month's message credits used and the credit note
with its PDF. Screenshots: var/artefacts/web/admin-tenant-*.png, owner-after-*.png.
"""

from __future__ import annotations

import json

from tests.conftest import Apps
from tests.fixtures.subscriptions import CURRENT, SUBSCRIPTIONS, pay_manually
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD, create_platform_user, register_owner
from tests.subscription.test_upgrade_charge import upgraded
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system

__all__ = ["console_system"]


async def test_admin_records_an_invoices_bank_transfer_and_overrides_a_limit_the_owner_sees(
    console_system: System, apps: Apps
) -> None:
    owner = await register_owner(apps, business_name="Gyan Deep Study Centre")
    admin = await create_platform_user(apps)
    api = apps.client("subscription")
    chosen = await api.post(f"{CURRENT}/plan", json={"plan_code": "starter"}, headers=owner.headers)
    assert chosen.status_code == 200, chosen.text
    assert (await pay_manually(apps, admin, owner.tenant_id, 99_900)).status_code == 200
    await upgraded(apps, owner, "enterprise")
    quote = await upgraded(apps, owner, "professional")  # the Enterprise invoice is void
    env = {"ADMIN_EMAIL": admin.email, "TENANT_NAME": "Gyan Deep Study Centre"}

    out = await _browser(
        console_system,
        "admin-tenant",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/admin-tenants.mjs",
        extra_env=env,
    )
    assert "admin-tenant: passed" in out
    now = (await api.get(CURRENT, headers=owner.headers)).json()
    assert (now["status"], now["plan_code"], now["pending_upgrade"]) == (
        "active",
        "professional",
        None,
    )
    assert now["max_students"] == 450
    invoices = (await api.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
    paid = next(i for i in invoices if i["total_paise"] == quote["amount_due_paise"])
    assert (paid["status"], paid["payment_reference"]) == ("paid", "UTR55501")
    admin_run = json.loads((ARTEFACTS / "admin-tenant-results.json").read_text())
    assert paid["payment_received_on"] == admin_run["received_on"]
    assert str(admin_run["credits_admin"]).startswith("0 of 500 (")  # nothing sent yet
    history = await api.get(
        f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/history", headers=admin.headers
    )
    paid_rows = [h for h in history.json()["items"] if h["action"] == "subscription.invoice_paid"]
    # One payment recorded: the wrong amount the page tried first changed nothing.
    assert [h["details"]["reference"] for h in paid_rows] == ["UTR55501"]

    out = await _browser(
        console_system,
        "owner-after",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/admin-tenants.mjs",
        extra_env=env,
    )
    assert "owner-after: passed" in out
    results = json.loads((ARTEFACTS / "owner-after-results.json").read_text())
    notes = (await api.get(f"{CURRENT}/credit-notes", headers=owner.headers)).json()["items"]
    assert [n["credit_note_number"] for n in notes] == [results["credit_note"]]
    used = await apps.client("message").get("/api/messages/credits/month", headers=owner.headers)
    assert (used.json()["used"], used.json()["limit"]) == (results["credits_used"], 3000)
