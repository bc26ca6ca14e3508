"""Provider keys: encrypted at rest, bound to their tenant, never in a response or a log line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyspot.kit.crypto import DecryptionError, SecretBox
from studyspot.services.payment.models import ProviderAccount
from tests.conftest import Apps
from tests.fixtures.payments import (
    PAYMENTS,
    Fakes,
    Tenant,
    connect_cashfree,
    connect_razorpay,
    created,
    deliver,
)


def test_a_ciphertext_does_not_open_in_another_context() -> None:
    box = SecretBox("v1", {"v1": b"k" * 32})
    sealed = box.encrypt("rzp-secret", context="payment:tenant-a:razorpay:secret")
    assert box.decrypt(sealed, context="payment:tenant-a:razorpay:secret") == "rzp-secret"
    with pytest.raises(DecryptionError):
        box.decrypt(sealed, context="payment:tenant-b:razorpay:secret")
    with pytest.raises(DecryptionError):
        SecretBox("v1", {"v1": b"o" * 32}).decrypt(
            sealed, context="payment:tenant-a:razorpay:secret"
        )


async def test_provider_secrets_never_leave_the_service(
    apps: Apps, fakes: Fakes, tenant: Tenant, capfd: pytest.CaptureFixture[str]
) -> None:
    await connect_razorpay(apps, tenant, fakes)
    await connect_cashfree(apps, tenant, fakes)
    secrets = [tenant.keys[k] for k in ("razorpay_secret", "razorpay_webhook", "cashfree_secret")]
    client = apps.client("payment")
    answers = [await client.get(f"{PAYMENTS}/accounts", headers=tenant.owner.headers)]
    listed = {a["provider"]: a for a in answers[0].json()}
    assert listed["razorpay"]["has_secret"] and listed["razorpay"]["has_webhook_secret"]

    booking = fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id)
    payment = await created(apps, tenant.student, booking, "razorpay")
    answer = fakes.razorpay.checkout(payment["checkout"]["order_id"])
    answers.append(
        await client.post(
            f"{PAYMENTS}/{payment['id']}/checkout", json=answer, headers=tenant.student.headers
        )
    )
    forged = fakes.razorpay.webhook(
        "payment.captured", payment_id=answer["razorpay_payment_id"], secret="x" * 20
    )
    answers.append(await deliver(apps, "razorpay", *forged))
    answers.append(
        await deliver(
            apps,
            "razorpay",
            *fakes.razorpay.webhook("payment.captured", payment_id=answer["razorpay_payment_id"]),
        )
    )
    answers.append(await client.get(f"{PAYMENTS}/{payment['id']}", headers=tenant.owner.headers))
    answers.append(
        await client.get(f"{PAYMENTS}/{payment['id']}/invoice", headers=tenant.owner.headers)
    )
    answers.append(await client.get(PAYMENTS, headers=tenant.owner.headers))
    answers.append(await client.get("/openapi.json"))

    # A provider that refuses our keys makes the reconciliation log a warning: the
    # log is not empty, and still holds no secret.
    from studyspot.services.payment.reconcile import reconcile

    other = await created(
        apps,
        tenant.student,
        fakes.bookings.add(tenant.tenant_id, tenant.student_id, tenant.library_id),
        "razorpay",
    )
    fakes.razorpay.accounts[tenant.keys["razorpay_key_id"]].key_secret = "rotated-elsewhere"
    app = apps.app("payment")
    report = await reconcile(
        app.state.kit.core, app.state.kit.tenants, app.state.payment, older_than_minutes=0
    )
    assert report.errors == 1 and other["status"] == "created"

    logged = capfd.readouterr()
    assert "reconcile_payment_failed" in logged.out
    for secret in secrets:
        for resp in answers:
            assert secret not in resp.text
        assert secret not in logged.out and secret not in logged.err

    db = apps.app("payment").state.kit.tenants.shared
    async with db.engine.connect() as conn:
        stored = [
            tuple(r)
            for r in await conn.execute(
                select(ProviderAccount.secret_ciphertext, ProviderAccount.webhook_secret_ciphertext)
            )
        ]
    flat = " ".join(str(v) for row in stored for v in row)
    assert flat and all(secret not in flat for secret in secrets)
