"""The auth service's client: the only module other services import.

The student and library services manage their users' logins through it. It
also holds the contract types of the internal routes (docs/internal-api.md),
so caller and callee validate the same shapes.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from studyspot.kit.permissions import Role
from studyspot.kit.service_client import ServiceClient
from studyspot.services.auth.fields import Email, Name, Phone

CredentialTable = Literal["students", "library_staff"]


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_roles(table: object, roles: list[Role]) -> list[Role]:
    """Students have exactly the role student; staff have manager and/or staff."""
    if table == "students" and roles != [Role.student]:
        raise ValueError("a student login has exactly the role student")
    if table == "library_staff" and (
        not roles or any(r not in (Role.manager, Role.staff) for r in roles)
    ):
        raise ValueError("a staff login has the role manager and/or staff")
    return sorted(set(roles))


class CredentialCreate(_Write):
    """Body of `POST /internal/credentials`."""

    tenant_id: uuid.UUID
    user_table: CredentialTable
    user_id: uuid.UUID
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    roles: list[Role] = Field(min_length=1, max_length=2)
    is_active: bool = True

    @field_validator("roles")
    @classmethod
    def _roles_fit_table(cls, value: list[Role], info: ValidationInfo) -> list[Role]:
        return check_roles(info.data.get("user_table"), value)


class CredentialUpdate(_Write):
    """Body of `PATCH /internal/credentials/{user_table}/{user_id}`.

    Fields left out stay as they are; `email` and `phone` may be null to remove them.
    """

    tenant_id: uuid.UUID
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=2)
    is_active: bool | None = None


class CredentialCreated(BaseModel):
    user_id: uuid.UUID
    user_table: CredentialTable


class CredentialRead(BaseModel):
    user_id: uuid.UUID
    user_table: CredentialTable
    tenant_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    roles: list[Role]
    is_active: bool
    has_password: bool


class SetPasswordLink(_Write):
    """Body of `POST /internal/credentials/{user_table}/{user_id}/set-password-link`."""

    tenant_id: uuid.UUID


class _Unset:
    """Marks an argument left out, so that None can mean "remove"."""


UNSET: Any = _Unset()


class AuthClient(ServiceClient):
    service = "auth"

    async def create_credential(
        self,
        *,
        tenant_id: uuid.UUID,
        user_table: CredentialTable,
        user_id: uuid.UUID,
        name: str,
        roles: list[str],
        email: str | None = None,
        phone: str | None = None,
        is_active: bool = True,
    ) -> CredentialCreated:
        """A login for a student or staff member (no password until the invite is used).

        AppError 409 `credentials_exist` (this user has one) or `login_taken`
        (another login of the tenant uses the e-mail or phone) passes through.
        """
        body = CredentialCreate(
            tenant_id=tenant_id,
            user_table=user_table,
            user_id=user_id,
            name=name,
            email=email,
            phone=phone,
            roles=[Role(r) for r in roles],
            is_active=is_active,
        )
        reply = await self.call(
            "POST", "/internal/credentials", json=body.model_dump(mode="json"), tenant_id=tenant_id
        )
        self.raise_for_problem(reply, self.service)
        return CredentialCreated.model_validate(reply.json())

    async def update_credential(
        self,
        *,
        tenant_id: uuid.UUID,
        user_table: CredentialTable,
        user_id: uuid.UUID,
        name: str = UNSET,
        email: str | None = UNSET,
        phone: str | None = UNSET,
        roles: list[str] = UNSET,
        is_active: bool = UNSET,
    ) -> CredentialRead:
        """Change the arguments given (None removes an e-mail or phone).

        `is_active=False` ends every session of the user. AppError 404
        `credentials_not_found` and 409 `login_taken` pass through.
        """
        given: dict[str, Any] = {
            k: v
            for k, v in {
                "name": name,
                "email": email,
                "phone": phone,
                "roles": roles,
                "is_active": is_active,
            }.items()
            if v is not UNSET
        }
        body = CredentialUpdate(tenant_id=tenant_id, **given)
        reply = await self.call(
            "PATCH",
            f"/internal/credentials/{user_table}/{user_id}",
            json=body.model_dump(mode="json", include=body.model_fields_set),
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
        return CredentialRead.model_validate(reply.json())

    async def send_set_password_link(
        self, *, tenant_id: uuid.UUID, user_table: CredentialTable, user_id: uuid.UUID
    ) -> None:
        """Send the user a single-use link to choose a password (through the message service).

        AppError 404 `credentials_not_found` and 409 `account_inactive` pass through.
        """
        reply = await self.call(
            "POST",
            f"/internal/credentials/{user_table}/{user_id}/set-password-link",
            json=SetPasswordLink(tenant_id=tenant_id).model_dump(mode="json"),
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)

    async def delete_credential(
        self, *, tenant_id: uuid.UUID, user_table: CredentialTable, user_id: uuid.UUID
    ) -> None:
        """Erase the login, its sessions and its links; erasing an absent login is fine."""
        reply = await self.call(
            "DELETE",
            f"/internal/credentials/{user_table}/{user_id}",
            params={"tenant_id": str(tenant_id)},
            tenant_id=tenant_id,
        )
        self.raise_for_problem(reply, self.service)
