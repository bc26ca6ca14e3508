"""The principal behind a request, and the permission checks every endpoint declares.

Order of checks (ARCHITECTURE §4): token valid → user still active in the
table its `userTable` claim names, and the token issued after the identity's
last security change (`sessions_valid_after`) → tenant active → permission. Identity and
tenant come only from the verified token, never from a header or a body.

The "still active" check reads the identity tables of the core database in one
indexed query (joined with the tenant row, which also says which database the
tenant lives in). These tables belong to the auth and tenant services; the kit
reads three columns of them because every service must make this check and a
network hop to the auth service on every request would double latency.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from cachetools import LRUCache
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Boolean, String, TextualSelect, Uuid, bindparam, column, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from studyspot.kit.context import tenant_id_var, user_id_var
from studyspot.kit.db import SAFE_METHODS, unit_of_work
from studyspot.kit.entitlements import (
    TenantReadOnly,
    TenantSubscriptionSuspended,
    access_of,
    exempt_from_access_rules,
)
from studyspot.kit.errors import AppError, Forbidden, Unauthorized
from studyspot.kit.models import UTCDateTime
from studyspot.kit.permissions import allows
from studyspot.kit.state import KitState, kit_state
from studyspot.kit.tokens import InvalidToken

# A tenant that serves its users (its trial, past due and so on are its subscription's status).
ACTIVE_TENANT_STATUSES = frozenset({"active"})

_IDENTITY_SQL = {
    "library_owners": (
        "SELECT u.is_active, t.status, t.database_key, u.sessions_valid_after, s.status "
        "FROM library_owners u "
        "JOIN tenants t ON t.id = u.tenant_id "
        "LEFT JOIN subscriptions s ON s.tenant_id = t.id WHERE u.id = :uid AND u.tenant_id = :tid"
    ),
    "students": (
        "SELECT c.is_active, t.status, t.database_key, c.sessions_valid_after, s.status "
        "FROM user_credentials c "
        "JOIN tenants t ON t.id = c.tenant_id "
        "LEFT JOIN subscriptions s ON s.tenant_id = t.id "
        "WHERE c.user_id = :uid AND c.user_table = 'students' AND c.tenant_id = :tid"
    ),
    "library_staff": (
        "SELECT c.is_active, t.status, t.database_key, c.sessions_valid_after, s.status "
        "FROM user_credentials c "
        "JOIN tenants t ON t.id = c.tenant_id "
        "LEFT JOIN subscriptions s ON s.tenant_id = t.id "
        "WHERE c.user_id = :uid AND c.user_table = 'library_staff' AND c.tenant_id = :tid"
    ),
    "platform_admins": (
        "SELECT is_active, NULL, NULL, sessions_valid_after, NULL FROM platform_admins WHERE id = :uid"
    ),
    "platform_staff": (
        "SELECT is_active, NULL, NULL, sessions_valid_after, NULL FROM platform_staff WHERE id = :uid"
    ),
}


def _identity_query(sql: str) -> TextualSelect:
    # Typed parameters: SQLite stores UUIDs as 32 hex digits and cannot bind uuid.UUID itself.
    names = [n for n in ("uid", "tid") if f":{n}" in sql]
    # Typed result too: SQLite hands a timestamp back as text unless told what it is.
    return (
        text(sql)
        .bindparams(*(bindparam(n, type_=Uuid()) for n in names))
        .columns(
            column("is_active", Boolean()),
            column("status", String()),
            column("database_key", String()),
            column("sessions_valid_after", UTCDateTime()),
            column("subscription_status", String()),
        )
    )


_IDENTITY_QUERIES = {table: _identity_query(sql) for table, sql in _IDENTITY_SQL.items()}
# The same SQL for asyncpg itself: the per-request check runs on the driver, which costs
# about half the CPU of SQLAlchemy's execute for one row (bench/request_path.py).
_IDENTITY_DRIVER_SQL = {
    table: sql.replace(":uid", "$1").replace(":tid", "$2") for table, sql in _IDENTITY_SQL.items()
}


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    user_type: str
    user_table: str
    email: str
    tenant_id: uuid.UUID | None
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    db_key: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.user_type in ("platform_admin", "platform_staff")

    def can(self, permission: str) -> bool:
        return allows(self.permissions, permission)

    def require_tenant(self) -> uuid.UUID:
        if self.tenant_id is None:
            raise Forbidden("This endpoint acts inside a tenant", code="tenant_required")
        return self.tenant_id


@dataclass
class _Status:
    active: bool
    tenant_status: str | None
    db_key: str | None
    sessions_valid_after: datetime | None
    at: float
    subscription_status: str | None = None


# Past its size the least recently used identities go, not every one at once.
_cache: LRUCache[tuple[str, uuid.UUID], _Status] = LRUCache(maxsize=50_000)
# Moves on every invalidation: a read that began before a change and ended after its
# notification must not be stored.
_generation = 0


@dataclass(frozen=True)
class IdentityStatus:
    """Whether a user may act: still active in its table, and its tenant's status.

    `sessions_valid_after` is the identity's last security change (sessions ended,
    password set, roles or standing changed): access tokens issued before it are refused.
    """

    active: bool
    tenant_status: str | None
    db_key: str | None
    sessions_valid_after: datetime | None = None
    # The tenant's subscription (kit/entitlements.py): decides read-only and suspended access.
    subscription_status: str | None = None


def issued_before(issued_at: datetime, moment: datetime | None) -> bool:
    """Whether a token issued at `issued_at` predates `moment`, to the millisecond tokens
    carry (a token issued in the same millisecond as the change counts as after it)."""
    if moment is None:
        return False
    return round(issued_at.timestamp() * 1000) < math.floor(moment.timestamp() * 1000)


async def read_identity_status(
    conn: AsyncConnection | AsyncSession, table: str, uid: uuid.UUID, tid: uuid.UUID | None
) -> IdentityStatus:
    """The check every request makes, on a connection the caller already holds.

    The auth service runs it inside its own transaction at login and refresh,
    so those answer exactly as the next request with the token would.
    """
    query = _IDENTITY_QUERIES.get(table)
    if query is None:
        raise Unauthorized("Unknown user table", code="invalid_token")
    params = {"uid": uid, "tid": tid} if ":tid" in _IDENTITY_SQL[table] else {"uid": uid}
    row = (await conn.execute(query, params)).first()
    if row is None:
        return IdentityStatus(False, None, None)
    return IdentityStatus(bool(row[0]), row[1], row[2], row[3], row[4])


async def _load_status(
    state: KitState, table: str, uid: uuid.UUID, tid: uuid.UUID | None
) -> _Status:
    # Cached only while this process hears every change (kit/identity_changes.py); the
    # time limit is a second line of defence, not what makes revocation prompt.
    ttl = state.settings.identity_cache_seconds if state.identity_changes.listening else 0
    key = (table, uid)
    now = time.monotonic()
    cached = _cache.get(key)
    if ttl and cached and now - cached.at < ttl:
        return cached
    generation = _generation
    found = await _read_identity_now(state, table, uid, tid)
    status = _Status(
        found.active,
        found.tenant_status,
        found.db_key,
        found.sessions_valid_after,
        now,
        found.subscription_status,
    )
    # A refusal is not kept: it costs only the refused, and an account that is made
    # active again must work at once.
    if ttl and found.active and generation == _generation:
        _cache[key] = status
    return status


async def _read_identity_now(
    state: KitState, table: str, uid: uuid.UUID, tid: uuid.UUID | None
) -> IdentityStatus:
    """`read_identity_status` on a connection of its own (autocommit), on the driver where
    the core database is PostgreSQL."""
    sql = _IDENTITY_DRIVER_SQL.get(table)
    if sql is None:
        raise Unauthorized("Unknown user table", code="invalid_token")
    async with state.core.reader.connect() as conn:
        if conn.dialect.name != "postgresql":
            return await read_identity_status(conn, table, uid, tid)
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        args = (uid, tid) if "$2" in sql else (uid,)
        row = await driver.fetchrow(sql, *args)
    if row is None:
        return IdentityStatus(False, None, None)
    return IdentityStatus(bool(row[0]), row[1], row[2], row[3], row[4])


def forget_identity(user_id: uuid.UUID) -> None:
    """Drop a user's cached status: a change made in this process, or heard of."""
    global _generation
    _generation += 1
    for key in [k for k in _cache if k[1] == user_id]:
        _cache.pop(key, None)


def forget_all_identities() -> None:
    global _generation
    _generation += 1
    _cache.clear()


_bearer = HTTPBearer(auto_error=False, description="Access token from a login")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required", code="missing_token")
    state = kit_state(request.app)
    try:
        claims = state.tokens.claims(credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized("The access token is invalid or expired", code="invalid_token") from exc
    status = await _load_status(state, claims.user_table, claims.user_id, claims.tenant_id)
    if not status.active:
        raise Unauthorized("This account is not active", code="account_inactive")
    if issued_before(claims.issued_at, status.sessions_valid_after):
        raise Unauthorized(
            "This session was ended (log out everywhere, new password or changed roles)",
            code="session_ended",
        )
    if claims.tenant_id is not None:
        if status.tenant_status == "migrating":
            raise AppError(
                "This tenant is being moved to its own database; try again shortly",
                status=503,
                code="tenant_migrating",
                headers={"Retry-After": "5"},
            )
        if status.tenant_status not in ACTIVE_TENANT_STATUSES:
            raise Unauthorized("This tenant is suspended", code="tenant_suspended")
        check_access(status.subscription_status, request.method, request.url.path)
    principal = Principal(
        user_id=claims.user_id,
        user_type=claims.user_type,
        user_table=claims.user_table,
        email=claims.email,
        tenant_id=claims.tenant_id,
        roles=claims.roles,
        permissions=claims.permissions,
        db_key=status.db_key,
    )
    user_id_var.set(str(principal.user_id))
    if principal.tenant_id:
        tenant_id_var.set(str(principal.tenant_id))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def check_access(subscription_status: str | None, method: str, path: str) -> None:
    """The subscription's word on this request (kit/entitlements.py): a read-only tenant
    reads, exports and pays; a suspended one reaches only its subscription."""
    access = access_of(subscription_status)
    if access == "full" or exempt_from_access_rules(path):
        return
    if access == "suspended":
        raise TenantSubscriptionSuspended()
    if method not in SAFE_METHODS:
        raise TenantReadOnly()


def require_permission(
    permission: str,
) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Dependency factory: the principal, if it holds `permission` (403 otherwise)."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"Missing permission {permission}", code="permission_denied")
        return principal

    _check.__name__ = f"require_{permission.replace(':', '_').replace('*', 'all')}"
    return _check


def require_any_permission(
    *permissions: str,
) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """Like require_permission, for endpoints a student may call on itself (`x:read:self`)."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not any(principal.can(p) for p in permissions):
            raise Forbidden(f"Missing permission {permissions[0]}", code="permission_denied")
        return principal

    return _check


async def core_session(request: Request) -> AsyncIterator[AsyncSession]:
    read_only = request.method in SAFE_METHODS
    async with unit_of_work(kit_state(request.app).core, read_only=read_only) as session:
        yield session


async def tenant_session(
    request: Request, principal: CurrentPrincipal
) -> AsyncIterator[AsyncSession]:
    """The unit of work in the principal's tenant database, scoped to its tenant."""
    tenant_id = principal.require_tenant()
    db = await kit_state(request.app).tenants.get(principal.db_key)
    read_only = request.method in SAFE_METHODS
    async with unit_of_work(db, tenant_id=tenant_id, read_only=read_only) as session:
        yield session


CoreSession = Annotated[AsyncSession, Depends(core_session, scope="function")]
TenantSession = Annotated[AsyncSession, Depends(tenant_session, scope="function")]
