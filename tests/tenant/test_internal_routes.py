"""The internal API other services use: create, read and (as compensation) delete tenants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from studyspot.kit.entitlements import entitlements_of
from studyspot.kit.errors import AppError
from studyspot.kit.models import tenant_audit_logs, utcnow
from studyspot.kit.service_auth import issue_service_token
from studyspot.services.subscription.models import Subscription
from studyspot.services.tenant.client import TenantClient
from studyspot.services.tenant.models import Tenant
from tests.conftest import Apps
from tests.fixtures.users import create_platform_user


@pytest.fixture
async def tenants(apps: Apps):
    """As auth, the one caller that makes (and, on a failed signup, removes) tenants."""
    client = TenantClient(apps.app("tenant").state.kit.settings, caller="auth")
    yield client
    await client.close()


@pytest.fixture
async def reader(apps: Apps):
    """As a service that reads tenants (library limits), which may not make them."""
    client = TenantClient(apps.app("tenant").state.kit.settings, caller="library")
    yield client
    await client.close()


async def test_signup_tenant_starts_on_a_fourteen_day_trial(
    apps: Apps, tenants: TenantClient, reader: TenantClient
) -> None:
    before = datetime.now(UTC)
    tenant = await tenants.create_tenant(
        name="Lakshya Library", contact_email="Asha@Example.com", phone="+91 98765-43210"
    )
    assert tenant.status == "active"
    assert not {"plan_code", "trial_ends_at", "max_seats"} & tenant.model_dump().keys()
    # Before its subscription is opened, every service's check answers the trial ...
    ent = await entitlements_of(apps.app("library").state.kit.core, tenant.id)
    assert (ent.plan_code, ent.status, ent.opened) == ("trial", "trial", False)
    assert (ent.limits["libraries"], ent.limits["seats"], ent.limits["students"]) == (1, 100, 200)
    # ... which the subscription service opens from the tenant's creation.
    admin = await create_platform_user(apps)
    opened = await apps.client("subscription").get(
        f"/api/v1/subscriptions/tenants/{tenant.id}", headers=admin.headers
    )
    sub = opened.json()
    assert (sub["plan_code"], sub["status"], sub["max_students"]) == ("trial", "trial", 200)
    assert datetime.fromisoformat(sub["trial_ends_at"]) == tenant.created_at + timedelta(days=14)
    assert before <= tenant.created_at <= datetime.now(UTC)
    assert tenant.slug.startswith("lakshya-library-")
    assert len(tenant.slug) == len("lakshya-library-") + 6
    assert tenant.contact_email == "asha@example.com"
    assert tenant.phone == "+919876543210"
    assert await reader.get_tenant(tenant.id) == tenant


async def test_two_tenants_with_one_name_get_different_slugs(tenants: TenantClient) -> None:
    first = await tenants.create_tenant(name="Gyan Kendra", contact_email="a@example.com")
    second = await tenants.create_tenant(name="Gyan Kendra", contact_email="b@example.com")
    assert first.slug != second.slug


async def test_a_name_without_latin_letters_still_gets_a_readable_slug(
    tenants: TenantClient,
) -> None:
    tenant = await tenants.create_tenant(name="लक्ष्य पुस्तकालय", contact_email="a@example.com")
    assert tenant.slug.startswith("library-")


async def test_tenant_is_found_by_its_slug(tenants: TenantClient) -> None:
    tenant = await tenants.create_tenant(name="Vidya Hall", contact_email="v@example.com")
    assert await tenants.find_tenant_by_slug(tenant.slug) == tenant
    assert await tenants.find_tenant_by_slug("no-such-tenant-abc123") is None


async def test_unknown_tenant_is_a_404(reader: TenantClient) -> None:
    with pytest.raises(AppError) as caught:
        await reader.get_tenant(uuid.uuid4())
    assert caught.value.status == 404
    assert caught.value.code == "tenant_not_found"


async def _tenant_count(apps: Apps) -> int:
    async with apps.app("tenant").state.kit.core.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Tenant)) or 0)


async def test_bad_signup_data_is_refused_with_field_errors(
    apps: Apps, tenants: TenantClient
) -> None:
    reply = await tenants.call(
        "POST",
        "/internal/tenants",
        json={"name": "", "contact_email": "not-an-email", "status": "active"},
    )
    assert reply.status == 422
    fields = {e["field"] for e in reply.json()["errors"]}
    assert fields == {"body.name", "body.contact_email", "body.status"}
    assert await _tenant_count(apps) == 0


async def test_compensating_delete_removes_a_fresh_tenant_and_can_be_repeated(
    tenants: TenantClient, reader: TenantClient
) -> None:
    tenant = await tenants.create_tenant(name="Short Lived", contact_email="s@example.com")
    await tenants.delete_tenant(tenant.id)
    await tenants.delete_tenant(tenant.id)
    with pytest.raises(AppError) as caught:
        await reader.get_tenant(tenant.id)
    assert caught.value.status == 404


async def test_compensating_delete_refuses_a_tenant_that_already_holds_data(
    apps: Apps, tenants: TenantClient, reader: TenantClient
) -> None:
    tenant = await tenants.create_tenant(name="Busy Library", contact_email="b@example.com")
    shared = apps.app("tenant").state.kit.tenants.shared
    async with shared.engine.begin() as conn:
        await conn.execute(
            insert(tenant_audit_logs).values(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                action="booking.confirmed",
                resource_type="booking",
                outcome="success",
                details={},
                created_at=utcnow(),
            )
        )
    with pytest.raises(AppError) as caught:
        await tenants.delete_tenant(tenant.id)
    assert (caught.value.status, caught.value.code) == (409, "tenant_in_use")
    assert (await reader.get_tenant(tenant.id)).id == tenant.id


async def test_compensating_delete_refuses_a_tenant_no_longer_on_its_trial(
    apps: Apps, tenants: TenantClient, reader: TenantClient
) -> None:
    """Only a signup is undone: a tenant whose subscription has left its trial (here: paid)
    is in use even with no data yet."""
    tenant = await tenants.create_tenant(name="Paid Library", contact_email="p@example.com")
    admin = await create_platform_user(apps)
    opened = await apps.client("subscription").get(
        f"/api/v1/subscriptions/tenants/{tenant.id}", headers=admin.headers
    )
    assert opened.status_code == 200, opened.text
    async with apps.app("subscription").state.kit.core.engine.begin() as conn:
        await conn.execute(
            update(Subscription)
            .where(Subscription.tenant_id == tenant.id)
            .values(status="active", plan_code="starter")
        )
    with pytest.raises(AppError) as caught:
        await tenants.delete_tenant(tenant.id)
    assert (caught.value.status, caught.value.code) == (409, "tenant_in_use")
    assert (await reader.get_tenant(tenant.id)).id == tenant.id


async def test_internal_routes_refuse_a_user_access_token(apps: Apps) -> None:
    client = apps.client("tenant")
    resp = await client.get(f"/internal/tenants/{uuid.uuid4()}")
    assert resp.status_code == 401
    settings = apps.app("tenant").state.kit.settings
    # Signed with another service's key while claiming to be auth.
    token = issue_service_token(settings, "auth", None, settings.service_signing_key("booking"))
    resp = await client.get(
        f"/internal/tenants/{uuid.uuid4()}", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 401
