"""The auth service's client: the only module other services import.

The student and library services manage their users' logins through it. It
also holds the contract types of the internal routes (docs/internal-api.md),
so caller and callee validate the same shapes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from studyspot.kit.crypto import DecryptionError
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


class OwnerContact(BaseModel):
    """An answer item of `GET /internal/owners?tenant_id=`: an active owner of the tenant."""

    id: uuid.UUID
    name: str
    email: str
    phone: str | None = None


class AuthClient(ServiceClient):
    service = "auth"

    async def tenant_owners(self, tenant_id: uuid.UUID) -> list[OwnerContact]:
        """The tenant's active owners (their user id is the one in their access token), oldest
        first; an empty list for a tenant with none."""
        reply = await self.call(
            "GET", "/internal/owners", params={"tenant_id": str(tenant_id)}, tenant_id=tenant_id
        )
        self.raise_for_problem(reply, self.service)
        return [OwnerContact.model_validate(item) for item in reply.json()]

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


# --- Reset and invite links, sealed for their one consumer --------------------------------

# Events whose payload carries a sealed link secret (`token_sealed`), for the message service.
LINK_TOPICS = ("auth.password_reset_requested", "auth.set_password_requested")
_LINK_FORMAT = "v1"
_NONCE_BYTES = 12
DEV_LINK_KEY = (
    "dev:"
    + base64.b64encode(hashlib.sha256(b"studyspot-development-only:auth-links").digest()).decode()
)


class LinkBox:
    """Seals the secret of a reset or invite link into its outbox event, for the message
    service that delivers it; nobody else holds the key (AUTH_LINK_ENCRYPTION_KEY).

    The raw secret is never written to the outbox, NATS or a log: a database dump or
    a subscriber to the stream learns no working link. AES-256-GCM, bound (associated
    data) to the link's purpose and user, so a sealed secret copied into another
    user's event does not open. `kid:<base64 of 32 bytes>` keys, the current one
    first; older ones (comma-separated after it) still open events written before
    a rotation.
    """

    def __init__(self, keys: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._kid = ""
        for entry in (part.strip() for part in keys.split(",")):
            if not entry:
                continue
            kid, _, body = entry.partition(":")
            try:
                raw = base64.b64decode(body, validate=True)
            except ValueError as exc:
                raise ValueError("AUTH_LINK_ENCRYPTION_KEY: the key is not base64") from exc
            if not kid or len(raw) != 32:
                raise ValueError("AUTH_LINK_ENCRYPTION_KEY must read kid:<base64 of 32 bytes>")
            self._keys.setdefault(kid, AESGCM(raw))
            self._kid = self._kid or kid
        if not self._kid:
            raise ValueError("AUTH_LINK_ENCRYPTION_KEY is required")

    @staticmethod
    def _context(purpose: str, user_id: str) -> bytes:
        return f"auth-link:{purpose}:{user_id}".encode()

    def seal(self, secret: str, *, purpose: str, user_id: uuid.UUID) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self._kid].encrypt(
            nonce, secret.encode(), self._context(purpose, str(user_id))
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{_LINK_FORMAT}:{self._kid}:{body}"

    def open(self, payload: dict[str, Any]) -> str:
        """The link secret of a link event's payload; DecryptionError if it does not open."""
        parts = str(payload.get("token_sealed", "")).split(":", 2)
        version, kid, body = parts if len(parts) == 3 else ("", "", "")
        aead = self._keys.get(kid)
        if version != _LINK_FORMAT or aead is None:
            raise DecryptionError("unknown link format or key")
        context = self._context(str(payload.get("purpose")), str(payload.get("user_id")))
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context)
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("cannot open this link") from exc
        return plain.decode()
