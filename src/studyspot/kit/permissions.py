"""Roles and the permissions they grant: the one table in code (docs/roles.md shows it).

Permissions are `resource:action` strings. `*` grants everything; `resource:*`
grants every action on one resource. Tenant roles act only inside their own
tenant; branch roles (manager, staff) further only in their assigned branches,
which the owning service checks against its assignments.
"""

from __future__ import annotations

from enum import StrEnum


class UserType(StrEnum):
    student = "student"
    library_owner = "library_owner"
    library_staff = "library_staff"
    platform_admin = "platform_admin"
    platform_staff = "platform_staff"


class Role(StrEnum):
    library_owner = "library_owner"
    manager = "manager"
    staff = "staff"
    student = "student"
    platform_admin = "platform_admin"
    platform_staff = "platform_staff"


# Table named by a token's userTable claim for each user type.
USER_TABLES: dict[UserType, str] = {
    UserType.student: "students",
    UserType.library_owner: "library_owners",
    UserType.library_staff: "library_staff",
    UserType.platform_admin: "platform_admins",
    UserType.platform_staff: "platform_staff",
}

_TENANT_RESOURCES = (
    "tenant",
    "users",
    "libraries",
    "seats",
    "shifts",
    "fee_plans",
    "staff",
    "students",
    "bookings",
    "payments",
    "invoices",
    "attendance",
    "messages",
    "communities",
    "inbox",
    "analytics",
    "subscriptions",
    "audit",
)

_DESK = [
    "libraries:read",
    "seats:read",
    "shifts:read",
    "fee_plans:read",
    "students:create",
    "students:read",
    "students:update",
    "students:invite",
    "bookings:create",
    "bookings:read",
    "bookings:update",
    "bookings:cancel",
    "payments:create",
    "payments:read",
    "payments:verify",
    "invoices:read",
    "attendance:create",
    "attendance:read",
    "messages:create",
    "messages:read",
    "communities:read",
    "communities:create",
    "communities:moderate",
    "inbox:read",
    "inbox:reply",
]

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.platform_admin: frozenset({"*"}),
    Role.platform_staff: frozenset(
        {
            "tenants:read",
            "platform_users:read",
            "subscriptions:read",
            "audit:read",
            "analytics:read",
            "support:write",
        }
    ),
    Role.library_owner: frozenset(f"{r}:*" for r in _TENANT_RESOURCES),
    Role.manager: frozenset(
        _DESK
        + [
            "libraries:update",
            "seats:create",
            "seats:update",
            "shifts:create",
            "shifts:update",
            "fee_plans:create",
            "fee_plans:update",
            "students:import",
            "students:export",
            "payments:refund",
            "staff:read",
            "analytics:read",
            "communities:update",
            "messages:send",
        ]
    ),
    Role.staff: frozenset(_DESK),
    Role.student: frozenset(
        {
            "profile:read",
            "profile:update",
            "libraries:read",
            "seats:read",
            "shifts:read",
            "fee_plans:read",
            "bookings:create:self",
            "bookings:read:self",
            "bookings:cancel:self",
            "payments:create:self",
            "payments:read:self",
            "invoices:read:self",
            "attendance:create:self",
            "attendance:read:self",
            "messages:read:self",
            "communities:read",
            "communities:post",
            "inbox:read:self",
            "inbox:write:self",
        }
    ),
}


def permissions_for(roles: list[str] | tuple[str, ...]) -> list[str]:
    granted: set[str] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return sorted(granted)


def allows(granted: list[str] | tuple[str, ...] | frozenset[str], needed: str) -> bool:
    """True when `granted` covers `needed` (exact, `resource:*` or `*`)."""
    if "*" in granted or needed in granted:
        return True
    resource = needed.split(":", 1)[0]
    return f"{resource}:*" in granted
