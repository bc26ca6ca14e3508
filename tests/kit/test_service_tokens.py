"""Service tokens name their caller, each signed with its own service's key, and every
`/internal` route accepts only the callers it names."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import jwt
import pytest
from fastapi import APIRouter, FastAPI

from studyspot.kit import keys
from studyspot.kit.app import create_service_app
from studyspot.kit.service_auth import InternalCaller, internal_callers, issue_service_token
from studyspot.kit.service_tokens import ServiceTokens
from tests.conftest import Apps
from tests.fixtures.users import register_owner

SERVICES = (
    "auth",
    "tenant",
    "student",
    "library",
    "booking",
    "payment",
    "attendance",
    "message",
    "subscription",
)
# Callers only (no /internal route of their own).
CALLERS = (*SERVICES, "analytics", "community")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_service_token_from_a_caller_the_route_does_not_name_is_403(apps: Apps) -> None:
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    settings = apps.app("tenant").state.kit.settings
    path = f"/internal/tenants/{owner.tenant_id}"
    tenant = apps.client("tenant")

    accepted = await tenant.get(
        path, headers=bearer(issue_service_token(settings, "payment", None))
    )
    refused = await tenant.get(path, headers=bearer(issue_service_token(settings, "booking", None)))
    # Making tenants is auth's alone: a student-service token cannot, whatever it sends.
    made = await tenant.post(
        "/internal/tenants",
        json={"name": "Rogue", "contact_email": "r@example.com"},
        headers=bearer(issue_service_token(settings, "student", None)),
    )

    assert accepted.status_code == 200
    assert refused.status_code == 403 and refused.json()["code"] == "caller_not_accepted"
    assert made.status_code == 403 and made.json()["code"] == "caller_not_accepted"


async def test_a_service_cannot_speak_as_another_service(apps: Apps) -> None:
    """A leaked booking key signs booking's tokens only: naming auth gets it nothing."""
    settings = apps.app("tenant").state.kit.settings
    booking_key = settings.service_signing_key("booking")
    body = {"name": "Rogue", "contact_email": "r@example.com"}
    claims = jwt.decode(
        issue_service_token(settings, "auth", None), options={"verify_signature": False}
    )
    forgeries = {
        "kid auth, booking's signature": issue_service_token(settings, "auth", None, booking_key),
        "kid booking, sub auth": jwt.encode(
            claims, booking_key, algorithm="EdDSA", headers={"kid": "booking"}
        ),
        "HS256 with the old shared secret": jwt.encode(
            claims,
            "dev-only-insecure-jwt-secret-change-me-0123456789",
            algorithm="HS256",
            headers={"kid": "auth"},
        ),
        "unknown service": issue_service_token(
            settings, "analytics-x", None, settings.service_signing_key("booking")
        ),
    }
    for name, token in forgeries.items():
        resp = await apps.client("tenant").post(
            "/internal/tenants", json=body, headers=bearer(token)
        )
        assert resp.status_code == 401, name
        assert resp.json()["code"] == "invalid_token"


async def test_a_user_access_token_opens_no_internal_route(apps: Apps) -> None:
    owner = await register_owner(apps)
    resp = await apps.client("tenant").get(
        f"/internal/tenants/{owner.tenant_id}", headers=owner.headers
    )
    assert resp.status_code == 401


async def test_student_service_cannot_manage_staff_logins(apps: Apps) -> None:
    owner = await register_owner(apps)
    settings = apps.app("auth").state.kit.settings
    body = {
        "tenant_id": str(owner.tenant_id),
        "user_table": "library_staff",
        "user_id": str(uuid.uuid4()),
        "name": "Desk Manager",
        "email": "desk@example.com",
        "roles": ["manager"],
    }
    as_student = await apps.client("auth").post(
        "/internal/credentials",
        json=body,
        headers=bearer(issue_service_token(settings, "student", owner.tenant_id)),
    )
    as_library = await apps.client("auth").post(
        "/internal/credentials",
        json=body,
        headers=bearer(issue_service_token(settings, "library", owner.tenant_id)),
    )
    assert as_student.status_code == 403 and as_student.json()["code"] == "caller_not_accepted"
    assert as_library.status_code == 201


def _documented() -> dict[tuple[str, str], frozenset[str]]:
    """The caller table of docs/internal-api.md: | `METHOD /path` | callers |."""
    text = (Path(__file__).parents[2] / "docs" / "internal-api.md").read_text()
    section = text.split("## Who may call what", 1)[1].split("\n## ", 1)[0]
    table = {}
    for method, path, callers in re.findall(
        r"^\| `(\w+) (/internal\S*)` \| ([^|]+) \|", section, re.M
    ):
        table[(method, path)] = frozenset(c.strip() for c in callers.split(","))
    return table


async def test_every_internal_route_names_its_callers_as_documented(apps: Apps) -> None:
    found: dict[tuple[str, str], frozenset[str]] = {}
    for service in SERVICES:
        found.update(internal_callers(apps.app(service)))
    documented = _documented()
    assert found == documented
    assert all(callers <= set(CALLERS) for callers in found.values())


async def test_an_internal_route_that_names_no_callers_stops_the_service(apps: Apps) -> None:
    router = APIRouter(prefix="/internal/things")

    @router.get("")
    async def open_to_any_service(caller: InternalCaller) -> dict[str, str]:
        return {"caller": caller.service}

    app: FastAPI = create_service_app(
        "tenant", [router], settings=apps.dbs.settings(), uses_tenant_db=False
    )
    with pytest.raises(RuntimeError, match="names no accepted callers"):
        async with app.router.lifespan_context(app):
            pass


def test_development_service_keys_differ_per_service() -> None:
    publics = {keys.public_text(keys.development_key(f"service:{s}")) for s in SERVICES}
    assert len(publics) == len(SERVICES)


async def test_a_reused_token_still_carries_its_tenant_and_a_tampered_copy_is_refused(
    apps: Apps,
) -> None:
    """Callers send one signed token per tenant for a while and callees remember it
    verified: the memo is by the exact token, so a byte changed is checked anew."""
    owner = await register_owner(apps)
    assert owner.tenant_id is not None
    settings = apps.app("tenant").state.kit.settings
    tokens = ServiceTokens(settings, "payment")
    first, again = tokens.token(owner.tenant_id), tokens.token(owner.tenant_id)
    other = tokens.token(uuid.uuid4())
    assert first == again and other != first

    tenant = apps.client("tenant")
    path = f"/internal/tenants/{owner.tenant_id}"
    for _ in range(2):
        assert (await tenant.get(path, headers=bearer(first))).status_code == 200
    head, payload, signature = first.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    tampered = await tenant.get(path, headers=bearer(f"{head}.{payload}.{flipped}"))
    assert tampered.status_code == 401 and tampered.json()["code"] == "invalid_token"
