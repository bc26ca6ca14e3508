"""Errors of the tenant service, each with a stable code."""

from __future__ import annotations

from studyspot.kit.errors import AppError, Conflict, NotFound


class TenantNotFound(NotFound):
    code = "tenant_not_found"

    def __init__(self) -> None:
        super().__init__("No such tenant")


class TenantStateConflict(Conflict):
    """A state change that does not apply to the tenant's current status (or lost a race)."""


def already_suspended() -> TenantStateConflict:
    return TenantStateConflict("The tenant is already suspended", code="already_suspended")


def not_suspended() -> TenantStateConflict:
    return TenantStateConflict("The tenant is not suspended", code="not_suspended")


def tenant_migrating() -> TenantStateConflict:
    return TenantStateConflict(
        "The tenant is being moved to its own database; try again shortly",
        code="tenant_migrating",
    )


def tenant_closed() -> TenantStateConflict:
    return TenantStateConflict("The tenant is closed", code="tenant_closed")


def already_dedicated() -> TenantStateConflict:
    return TenantStateConflict("The tenant already has its own database", code="already_dedicated")


class SlugUnavailable(Conflict):
    code = "slug_unavailable"

    def __init__(self) -> None:
        super().__init__("Could not find a free slug for this name; try again")


class TenantInUse(Conflict):
    code = "tenant_in_use"

    def __init__(self) -> None:
        super().__init__("The tenant still has users or data and cannot be deleted")


class MoveFailed(AppError):
    """The move to a dedicated database failed and was undone: the data stays shared."""

    status, code = 500, "dedicated_database_failed"

    def __init__(self) -> None:
        super().__init__(
            "The tenant could not be moved to its own database; "
            "it stays in the shared database and nothing was changed"
        )
