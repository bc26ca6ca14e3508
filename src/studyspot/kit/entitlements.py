"""What a tenant may use: the one entitlement check every service makes (issue 15).

The subscription service owns the numbers (`subscriptions` and `plans` of the core
database); like the identity check (kit/auth.py) the kit reads them straight from the
core database, because the library and student services ask on every creation and a
network hop there would double their latency.

- **Cached per process** and **invalidated by `subscription.*` events**: at most once a
  second (`SYNC_SECONDS`) a check reads the core outbox for `subscription.*` events
  past the last one it saw and drops the cached entitlements of the tenants they name,
  so a plan change reaches every process within a second, for one indexed range read
  of the outbox, not one read of the subscription per request.
- A tenant whose subscription has not been opened yet (signed up moments ago, before the
  subscription service's job or its first visit opened it) is entitled to the trial
  plan's current version (`TRIAL_DEFAULTS` while the catalogue has not been seeded), the
  values its subscription is then opened with (same rule, same numbers). The tenant row
  holds no plan or limits (migration core_tenant_0002).
- **Soft limits**: a warning at 80 % and at 100 % of a limit (the `X-Plan-Limit-Warning`
  header of the response, kit/middleware.py), then the plan's overage allowance
  (`overage_percent` more), then 403 `plan_limit_reached` naming the limit, the usage
  and the plan that would allow it. What costs the platform money (message credits)
  has no overage: a hard limit.
- **Access** follows the subscription's status: `read_only` (and `cancelled`) tenants
  can read, export and pay, every other write is 403 `tenant_read_only`; `suspended`
  tenants only reach their subscription (to pay). Enforced in kit/auth.py for every
  service.
"""

from __future__ import annotations

import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from cachetools import LRUCache
from sqlalchemy import JSON, Integer, String, Uuid, bindparam, column, text

from studyspot.kit.db import Database
from studyspot.kit.errors import Forbidden

LimitName = Literal["libraries", "seats", "students", "staff", "message_credits"]
LIMIT_NAMES: tuple[LimitName, ...] = ("libraries", "seats", "students", "staff", "message_credits")
HARD_LIMITS: frozenset[str] = frozenset({"message_credits"})
WARN_AT_PERCENT: tuple[int, ...] = (80, 100)
SYNC_SECONDS = 1.0

# Where every new tenant starts: the subscription service seeds its `trial` plan with these
# (services/subscription/catalog.py) and opens a new tenant's subscription on it for
# TRIAL_DAYS from the tenant's creation; until then the check answers these numbers.
TRIAL_PLAN = "trial"
TRIAL_DAYS = 14
TRIAL_DEFAULTS: Mapping[str, int] = {
    "libraries": 1,
    "seats": 100,
    "students": 200,
    "staff": 3,
    "message_credits": 100,
}
TRIAL_FEATURES: tuple[str, ...] = ("email_reminders",)

Access = Literal["full", "read_only", "suspended"]
_ACCESS_OF_STATUS: dict[str, Access] = {
    "read_only": "read_only",
    "cancelled": "read_only",
    "suspended": "suspended",
}
# Paths a read-only or suspended tenant still reaches with any method: its subscription
# (to pay, change plan, reactivate) and its sessions (log in and out, change a password).
WRITE_EXEMPT_PREFIXES: tuple[str, ...] = (
    "/api/v1/subscriptions",
    "/api/auth/",
    "/api/v1/auth/",
    "/api/users/",
)


def access_of(subscription_status: str | None) -> Access:
    """`full`, `read_only` or `suspended` for a subscription status (None: not opened yet)."""
    return _ACCESS_OF_STATUS.get(subscription_status or "", "full")


def exempt_from_access_rules(path: str) -> bool:
    return path.startswith(WRITE_EXEMPT_PREFIXES) or path == "/api/v1/subscriptions"


class PlanLimitReached(Forbidden):
    code = "plan_limit_reached"


class TenantReadOnly(Forbidden):
    code = "tenant_read_only"

    def __init__(self) -> None:
        super().__init__(
            "This tenant's subscription is read-only (trial over or payment overdue): "
            "everything can be read and exported, nothing changed until it is paid"
        )


class TenantSubscriptionSuspended(Forbidden):
    code = "tenant_suspended"

    def __init__(self) -> None:
        super().__init__("This tenant's subscription is suspended; the owner can pay to restore it")


@dataclass(frozen=True)
class PlanOffer:
    """A plan a tenant could move to, for naming the upgrade in a refusal."""

    code: str
    name: str
    limits: Mapping[str, int | None]


@dataclass(frozen=True)
class Entitlements:
    tenant_id: uuid.UUID
    plan_code: str
    status: str
    limits: Mapping[str, int | None]  # None: not limited
    features: frozenset[str]
    overage_percent: int
    opened: bool  # False: no subscription row yet, the trial plan's values
    offers: tuple[PlanOffer, ...] = ()

    @property
    def access(self) -> Access:
        return access_of(self.status)

    def has(self, feature: str) -> bool:
        return feature in self.features

    def allowance(self, name: LimitName) -> int | None:
        """The most that may be used: the limit plus the overage, none for hard limits."""
        limit = self.limits.get(name)
        if limit is None or name in HARD_LIMITS:
            return limit
        return limit + limit * self.overage_percent // 100

    def upgrade_for(self, name: LimitName, needed: int) -> PlanOffer | None:
        for offer in self.offers:
            limit = offer.limits.get(name)
            if offer.code != self.plan_code and (limit is None or limit >= needed):
                return offer
        return None


@dataclass(frozen=True)
class LimitCheck:
    name: LimitName
    limit: int | None
    used: int  # after the addition
    warning: int | None  # the highest of WARN_AT_PERCENT reached, if any

    def header(self) -> str | None:
        if self.warning is None or self.limit is None:
            return None
        return f"{self.name}; used={self.used}; limit={self.limit}; reached={self.warning}%"


# The warnings of the request in hand; the middleware puts them in a response header.
plan_warnings_var: ContextVar[list[str] | None] = ContextVar("plan_warnings", default=None)


def check_limit(ent: Entitlements, name: LimitName, used: int, adding: int) -> LimitCheck:
    """Allow `adding` more of `name` on top of `used`, or raise 403 `plan_limit_reached`.

    Call it where the count is race-free (under the caller's quota lock)."""
    limit = ent.limits.get(name)
    after = used + adding
    allowance = ent.allowance(name)
    if allowance is not None and after > allowance:
        offer = ent.upgrade_for(name, after)
        upgrade = (
            f"; the {offer.name} plan ({offer.code}) allows "
            f"{'unlimited' if offer.limits.get(name) is None else offer.limits.get(name)}"
            if offer
            else "; no plan allows more, contact us"
        )
        over = (
            ""
            if allowance == limit
            else f" (with the {ent.overage_percent} % overage, {allowance})"
        )
        raise PlanLimitReached(
            f"Limit {name}: your plan ({ent.plan_code}) allows {limit}{over} and you use {used}; "
            f"adding {adding} would pass it{upgrade}",
            errors=[
                {
                    "field": f"limit.{name}",
                    "message": f"limit={limit}; used={used}; adding={adding}",
                }
            ]
            + ([{"field": "upgrade", "message": offer.code}] if offer else []),
        )
    warning = None
    if limit:
        reached = [p for p in WARN_AT_PERCENT if after * 100 >= limit * p]
        warning = max(reached) if reached else None
    check = LimitCheck(name, limit, after, warning)
    header = check.header()
    warnings = plan_warnings_var.get()
    if header and warnings is not None:
        warnings.append(header)
    return check


_ENTITLEMENT_SQL = text(
    "SELECT t.id, s.plan_code, s.status, s.max_libraries, s.max_seats, s.max_students, "
    "s.max_staff, s.monthly_message_credits, s.overage_percent, s.features "
    "FROM tenants t LEFT JOIN subscriptions s ON s.tenant_id = t.id WHERE t.id = :tid"
).bindparams(bindparam("tid", type_=Uuid()))
_ENTITLEMENT_QUERY = _ENTITLEMENT_SQL.columns(
    column("id", Uuid()),
    column("plan_code", String()),
    column("status", String()),
    column("max_libraries", Integer()),
    column("max_seats", Integer()),
    column("max_students", Integer()),
    column("max_staff", Integer()),
    column("monthly_message_credits", Integer()),
    column("overage_percent", Integer()),
    column("features", JSON()),
)
_PLANS_QUERY = text(
    "SELECT code, name, max_libraries, max_seats, max_students, max_staff, "
    "monthly_message_credits, features, overage_percent FROM plans "
    "WHERE is_current AND is_public ORDER BY monthly_price_paise, code"
).columns(
    column("code", String()),
    column("name", String()),
    column("max_libraries", Integer()),
    column("max_seats", Integer()),
    column("max_students", Integer()),
    column("max_staff", Integer()),
    column("monthly_message_credits", Integer()),
    column("features", JSON()),
    column("overage_percent", Integer()),
)
_TRIAL_PLAN_QUERY = text(
    "SELECT max_libraries, max_seats, max_students, max_staff, monthly_message_credits, "
    "features FROM plans WHERE code = :code AND is_current"
).columns(
    column("max_libraries", Integer()),
    column("max_seats", Integer()),
    column("max_students", Integer()),
    column("max_staff", Integer()),
    column("monthly_message_credits", Integer()),
    column("features", JSON()),
)
_EVENTS_SQL = text(
    "SELECT seq, tenant_id FROM outbox_events WHERE seq > :after "
    "AND topic LIKE 'subscription.%' ORDER BY seq"
).columns(column("seq", Integer()), column("tenant_id", Uuid()))
_LAST_SEQ_SQL = text("SELECT max(seq) FROM outbox_events").columns(column("seq", Integer()))


class EntitlementNotFound(Forbidden):
    code = "tenant_not_found"


def _limits(row: Any) -> dict[str, int | None]:
    """The limits of a subscription or plan row, by limit name."""
    return {
        "libraries": row.max_libraries,
        "seats": row.max_seats,
        "students": row.max_students,
        "staff": row.max_staff,
        "message_credits": row.monthly_message_credits,
    }


@dataclass
class EntitlementCache:
    """Entitlements of the tenants this process asked about, until an event says otherwise."""

    core: Database
    clock: Callable[[], float] = time.monotonic
    sync_seconds: float = SYNC_SECONDS
    _entries: LRUCache[uuid.UUID, Entitlements] = field(
        default_factory=lambda: LRUCache(maxsize=50_000)
    )
    _offers: tuple[PlanOffer, ...] | None = None
    _cursor: int | None = None
    _synced_at: float = float("-inf")

    def forget(self, tenant_id: uuid.UUID | None = None) -> None:
        """Drop one tenant's entitlements (all when None), e.g. after a change made here."""
        if tenant_id is None:
            self._entries.clear()
        else:
            self._entries.pop(tenant_id, None)
        self._offers = None

    async def sync(self) -> None:
        """Drop what `subscription.*` events since the last sync name."""
        async with self.core.reader.connect() as conn:
            if self._cursor is None:
                self._cursor = (await conn.execute(_LAST_SEQ_SQL)).scalar() or 0
                self._entries.clear()
                self._offers = None
            else:
                rows = (await conn.execute(_EVENTS_SQL, {"after": self._cursor})).all()
                if rows:
                    self._offers = None
                for seq, tenant_id in rows:
                    self._cursor = max(self._cursor, seq)
                    if tenant_id is None:
                        self._entries.clear()
                    else:
                        self._entries.pop(tenant_id, None)
        self._synced_at = self.clock()

    async def get(self, tenant_id: uuid.UUID) -> Entitlements:
        if self.clock() - self._synced_at >= self.sync_seconds:
            await self.sync()
        found = self._entries.get(tenant_id)
        if found is not None:
            return found
        found = await self._load(tenant_id)
        # An unopened tenant is read each time: that state lasts only until the subscription
        # service opens it (its lifecycle job, or the first visit or change, such as a
        # platform admin's override), and such a change then applies at once here.
        if found.opened:
            self._entries[tenant_id] = found
        return found

    async def _load(self, tenant_id: uuid.UUID) -> Entitlements:
        async with self.core.reader.connect() as conn:
            row = (await conn.execute(_ENTITLEMENT_QUERY, {"tid": tenant_id})).first()
            if row is None:
                raise EntitlementNotFound("Unknown tenant")
            if self._offers is None:
                self._offers = tuple(
                    PlanOffer(p.code, p.name, _limits(p))
                    for p in (await conn.execute(_PLANS_QUERY)).all()
                )
            if row.status is not None:
                return Entitlements(
                    tenant_id,
                    row.plan_code,
                    row.status,
                    _limits(row),
                    frozenset(row.features or ()),
                    row.overage_percent or 0,
                    True,
                    self._offers,
                )
            # Not opened yet: the trial plan's current version, as the subscription will be
            # opened with (the built-in trial numbers while the catalogue is not seeded).
            plan = (await conn.execute(_TRIAL_PLAN_QUERY, {"code": TRIAL_PLAN})).first()
        if plan is None:
            return Entitlements(
                tenant_id,
                TRIAL_PLAN,
                "trial",
                TRIAL_DEFAULTS,
                frozenset(TRIAL_FEATURES),
                0,
                False,
                self._offers,
            )
        return Entitlements(
            tenant_id,
            TRIAL_PLAN,
            "trial",
            _limits(plan),
            frozenset(plan.features or ()),
            0,
            False,
            self._offers,
        )


# Keyed by the Database object's identity (a dataclass, not hashable); the weak reference
# tells a live database from a new one that reuses a dead one's id.
_caches: dict[int, tuple[weakref.ref[Database], EntitlementCache]] = {}


def entitlement_cache(core: Database) -> EntitlementCache:
    """The process's cache over this core database."""
    found = _caches.get(id(core))
    if found is not None and found[0]() is core:
        return found[1]
    for key in [k for k, (ref, _) in _caches.items() if ref() is None]:
        del _caches[key]
    cache = EntitlementCache(core)
    _caches[id(core)] = (weakref.ref(core), cache)
    return cache


async def entitlements_of(core: Database, tenant_id: uuid.UUID) -> Entitlements:
    return await entitlement_cache(core).get(tenant_id)
