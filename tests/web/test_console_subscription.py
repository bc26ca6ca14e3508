"""The owner's Subscription page and the platform admin pages in a real browser.

The owner (on its trial) and a platform admin are made through the API; web/e2e/
subscription.mjs then runs three scenarios against the real system, and between the
first two the admin records the owner's payment for Starter through the API (the test
system has no Razorpay account, so the page's checkout shows the API's 503 problem):
trial with days left and usage → Starter chosen, ₹999.00 due → active, invoice listed
→ the upgrade quote to Professional, shown to the paisa as the API computed it, then
confirmed: the plan stays Starter, the upgrade waits for its unpaid invoice (shown as
such) → the invoice's PDF (number, GSTIN, amounts); the admin records the bank transfer
for the upgrade's invoice through the API and the plan is Professional → the admin sees
MRR and the months and revises Starter (version 2). axe-core on each page. Screenshots:
var/artefacts/web/sub-*.png.
"""

from __future__ import annotations

import json

from tests.conftest import Apps
from tests.fixtures.subscriptions import CURRENT, SUBSCRIPTIONS, pay_manually
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD, create_platform_user, register_owner
from tests.web.test_console_flow import ARTEFACTS, _browser, console_system

__all__ = ["console_system"]


def _results(scenario: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((ARTEFACTS / f"{scenario}-results.json").read_text())
    return loaded


async def test_owner_on_trial_chooses_pays_upgrades_and_downloads_the_invoice_and_admin_revises_a_plan(
    console_system: System, apps: Apps
) -> None:
    owner = await register_owner(apps)
    admin = await create_platform_user(apps)
    env = {"ADMIN_EMAIL": admin.email}

    out = await _browser(
        console_system,
        "sub-trial",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/subscription.mjs",
        extra_env=env,
    )
    assert "sub-trial: passed" in out
    assert "not configured" in str(_results("sub-trial")["checkout_problem"])
    api = apps.client("subscription")
    chosen = (await api.get(CURRENT, headers=owner.headers)).json()
    assert (chosen["pending_plan_code"], chosen["amount_due_paise"]) == ("starter", 99_900)

    # The payment Razorpay would report, recorded by the admin (as for a bank transfer).
    paid = await pay_manually(apps, admin, owner.tenant_id, 99_900)
    assert paid.status_code == 200, paid.text

    out = await _browser(
        console_system,
        "sub-upgrade",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/subscription.mjs",
        extra_env=env,
    )
    assert "sub-upgrade: passed" in out
    waiting = (await api.get(CURRENT, headers=owner.headers)).json()
    assert (waiting["status"], waiting["plan_code"]) == ("active", "starter")
    quoted = _results("sub-upgrade")["quote"]
    assert isinstance(quoted, dict)
    assert waiting["pending_upgrade"]["amount_paise"] == quoted["amount_due_paise"]
    # The Starter invoice the browser downloaded, and the upgrade's, issued at once for the
    # quoted amount, unpaid (this tenant pays by invoice: no Razorpay autopay).
    invoices = (await api.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
    assert len(invoices) == 2
    numbers = {i["invoice_number"] for i in invoices}
    assert _results("sub-upgrade")["invoice"] in numbers
    assert list(ARTEFACTS.glob("sub-invoice-*.pdf"))
    unpaid = next(i for i in invoices if i["status"] == "unpaid")
    assert unpaid["total_paise"] == quoted["amount_due_paise"]
    # The bank transfer arrives: the admin records it and the upgrade applies.
    settled = await api.post(
        f"{SUBSCRIPTIONS}/tenants/{owner.tenant_id}/invoices/{unpaid['id']}/payment",
        json={"amount_paise": unpaid["total_paise"], "reference": "UTR778899"},
        headers=admin.headers,
    )
    assert settled.status_code == 200, settled.text
    now = (await api.get(CURRENT, headers=owner.headers)).json()
    assert (now["plan_code"], now["pending_upgrade"]) == ("professional", None)

    out = await _browser(
        console_system,
        "sub-admin",
        owner.email,
        DEFAULT_PASSWORD,
        script="e2e/subscription.mjs",
        extra_env=env,
    )
    assert "sub-admin: passed" in out
    revenue = (await api.get(f"{SUBSCRIPTIONS}/revenue", headers=admin.headers)).json()
    rupees = f"{revenue['mrr_paise'] // 100:,}"  # below a lakh Indian and Western grouping agree
    assert revenue["mrr_paise"] < 10_000_000 and rupees in str(_results("sub-admin")["mrr"])
    versions = await api.get(f"{SUBSCRIPTIONS}/plans/starter/versions", headers=admin.headers)
    assert [v["monthly_price_paise"] for v in versions.json()["items"] if v["is_current"]] == [
        109_900
    ]
