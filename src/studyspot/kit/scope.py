"""Who is asking, which branches they may see, which student they are; and who did a thing.

Every tenant service answers the first question the same way: the owner sees every
branch, staff the branches the library service assigns them, a student no branch but
itself. `Scope` holds that answer and `scope_dependencies` builds a service's FastAPI
dependencies from it, one per permission set. A service keeps its own rules (what a
student may book, which branch answers 403 and which 404) in a subclass named in its
own words (`Viewer`, `Caller`) and aliases the dependencies in its `dependencies.py`.

`Actor` is who did something, as an audit row or an event names it: a user, a job
(`system`, `system:<job>`), a payment provider (`provider:<name>`) or a service.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Depends

from studyspot.kit.auth import Principal, require_any_permission
from studyspot.kit.permissions import UserType


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID | None
    type: str  # a user type, `system`, `system:<job>`, `provider:<name>`, `service`
    tenant_id: uuid.UUID | None = None
    ip: str | None = None
    # For `service`: which one (the tenant service's audit rows name it in their details).
    service: str | None = None

    @classmethod
    def of(cls, principal: Principal, ip: str | None = None) -> Actor:
        return cls(principal.user_id, principal.user_type, principal.tenant_id, ip)

    @classmethod
    def system(cls, what: str = "system", *, tenant_id: uuid.UUID | None = None) -> Actor:
        return cls(None, what, tenant_id)

    @classmethod
    def of_service(cls, service: str) -> Actor:
        return cls(None, "service", service=service)

    def audit_kwargs(self) -> dict[str, Any]:
        """The actor's columns of an audit row (`kit.audit.record`), tenant aside."""
        return {"actor_id": self.id, "actor_type": self.type, "ip": self.ip}


@dataclass(frozen=True)
class Scope:
    principal: Principal
    tenant_id: uuid.UUID
    # None: every branch of the tenant (the owner). Staff: the branches they are assigned to.
    library_ids: frozenset[uuid.UUID] | None
    # Set for a student, who acts and reads only for itself.
    student_id: uuid.UUID | None = field(default=None, kw_only=True)

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def is_owner(self) -> bool:
        return self.principal.user_type == UserType.library_owner

    @property
    def is_student(self) -> bool:
        return self.student_id is not None

    @property
    def every_branch(self) -> bool:
        return self.library_ids is None

    def in_branches(self, library_id: uuid.UUID) -> bool:
        """Whether `library_id` is one of the branches this scope reaches as staff."""
        return self.library_ids is None or library_id in self.library_ids

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.user_id, self.principal.user_type, self.tenant_id)

    def audit_actor(self) -> dict[str, Any]:
        """Keyword arguments of `kit.audit.record` naming this caller in its tenant."""
        return {
            "tenant_id": self.tenant_id,
            "actor_id": self.principal.user_id,
            "actor_type": self.principal.user_type,
        }


S = TypeVar("S", bound=Scope)

# (tenant id, staff user id) → the branches the library service assigns that staff member
# (none when the member is unknown or inactive).
StaffBranches = Callable[[uuid.UUID, uuid.UUID], Awaitable[frozenset[uuid.UUID]]]


async def resolve(
    cls: type[S], principal: Principal, staff_branches: StaffBranches, **fields: Any
) -> S:
    """The scope of `principal` in its tenant (403 `tenant_required` without one);
    `fields` are the subclass's own (keyword-only) fields."""
    tenant_id = principal.require_tenant()
    if principal.user_type == UserType.library_owner:
        return cls(principal, tenant_id, None, **fields)
    if principal.user_type == UserType.student:
        return cls(principal, tenant_id, frozenset(), student_id=principal.user_id, **fields)
    if principal.user_type == UserType.library_staff:
        branches = await staff_branches(tenant_id, principal.user_id)
        return cls(principal, tenant_id, branches, **fields)
    # Platform users act on tenants through the tenant service: inside one, no branch.
    return cls(principal, tenant_id, frozenset(), **fields)


ScopeDependency = Callable[..., Coroutine[Any, Any, S]]


def scope_dependencies(
    cls: type[S], staff_branches: Callable[..., Awaitable[StaffBranches]]
) -> Callable[..., ScopeDependency[S]]:
    """A factory of dependencies: `scope_with("x:read", "x:read:self")` is the caller as a
    `cls`, if it holds one of those permissions (403 otherwise).

    `staff_branches` is itself a dependency (it may take the service's runtime or
    session) answering the lookup, which runs only for staff.
    """

    def scope_with(*permissions: str) -> ScopeDependency[S]:
        checked = require_any_permission(*permissions)

        # Defaults rather than Annotated: FastAPI resolves postponed annotations in this
        # module's globals, where the closure's `checked` is not.
        async def _scope(
            branches: StaffBranches = Depends(staff_branches),
            principal: Principal = Depends(checked),
        ) -> S:
            return await resolve(cls, principal, branches)

        _scope.__name__ = "scope_" + "_or_".join(p.replace(":", "_") for p in permissions)
        return _scope

    return scope_with
