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
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Apps
from tests.fakes.razorpay import FakeRazorpay, key_pair
from tests.fixtures.databases import DbSet
from tests.fixtures.subscriptions import CURRENT, SUBSCRIPTIONS, pay_manually
from tests.fixtures.system import System
from tests.fixtures.users import DEFAULT_PASSWORD, create_platform_user, register_owner
from tests.web.test_console_flow import (
    ARTEFACTS,
    _browser,
    console_system,
    started_console_system,
)

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


@pytest.fixture
async def billed_system(dbs: DbSet, tmp_path: Path) -> AsyncIterator[tuple[System, FakeRazorpay]]:
    """The system with StudySpot's own Razorpay account on a local fake, whose checkout.js
    the console loads (`RAZORPAY_CHECKOUT_URL`, allowed by the console's CSP)."""
    fake = FakeRazorpay()
    await fake.start()
    key_id, secret = key_pair()
    fake.add_account(key_id, secret, "whsec-platform")
    env = {
        "SUBSCRIPTION_RAZORPAY_KEY_ID": key_id,
        "SUBSCRIPTION_RAZORPAY_KEY_SECRET": secret,
        "SUBSCRIPTION_RAZORPAY_WEBHOOK_SECRET": "whsec-platform",
        "SUBSCRIPTION_RAZORPAY_BASE_URL": fake.url,
        "RAZORPAY_CHECKOUT_URL": f"{fake.url}/v1/checkout.js",
    }
    try:
        async with started_console_system(dbs, tmp_path, env) as system:
            yield system, fake
    finally:
        await fake.stop()


async def test_owner_on_autopay_pays_an_upgrade_in_razorpay_checkout_and_has_the_plan_at_once(
    billed_system: tuple[System, FakeRazorpay], apps: Apps
) -> None:
    system, razorpay = billed_system
    owner = await register_owner(apps)
    async with system.client() as http:
        chosen = await http.post(
            f"{CURRENT}/plan",
            json={"plan_code": "starter", "billing_cycle": "monthly"},
            headers=owner.headers,
        )
        assert chosen.status_code == 200, chosen.text
        made = await http.post(f"{CURRENT}/checkout", headers=owner.headers)
        assert made.status_code == 200, made.text
        sub_id = made.json()["provider_subscription_id"]
        # The mandate's first charge, as Razorpay reports it.
        payment = razorpay.charge_subscription(sub_id)
        raw, headers = razorpay.subscription_webhook(
            "subscription.charged", sub_id, payment_id=payment
        )
        told = await http.post(f"{SUBSCRIPTIONS}/razorpay/webhook", content=raw, headers=headers)
        assert told.json()["outcome"] == "charged", told.text

        out = await _browser(
            system, "sub-online", owner.email, DEFAULT_PASSWORD, script="e2e/subscription.mjs"
        )
        assert "sub-online: passed" in out
        assert _results("sub-online")["outcome"] == "upgrade_paid"
        now = (await http.get(CURRENT, headers=owner.headers)).json()
        assert (now["plan_code"], now["pending_upgrade"]) == ("professional", None)
        quoted = _results("sub-online")["quote"]
        assert isinstance(quoted, dict)
        # Razorpay captured exactly the quoted amount on the upgrade's order.
        paid = [p for p in razorpay.payments.values() if p.get("order_id")]
        assert [p["amount"] for p in paid] == [quoted["amount_due_paise"]]
        invoices = (await http.get(f"{CURRENT}/invoices", headers=owner.headers)).json()["items"]
        assert sorted(i["status"] for i in invoices) == ["paid", "paid"]
