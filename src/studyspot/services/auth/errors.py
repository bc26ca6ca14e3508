"""Errors of the auth service, each with a stable code."""

from __future__ import annotations

from typing import Any

from studyspot.kit.errors import AppError, Conflict, Forbidden, NotFound


class Refusal(AppError):
    """An error answer whose bookkeeping must survive it.

    A failed login is audited and counted, a reused refresh token revokes its
    family: the auth unit of work commits those rows before answering with the
    error (see `dependencies.auth_session`). Raise a refusal only after writing
    nothing but that bookkeeping.
    """


class InvalidCredentials(Refusal):
    status, code = 401, "invalid_credentials"

    def __init__(self) -> None:
        # One message for unknown account, wrong password and unknown tenant: no enumeration.
        super().__init__(
            "The login or the password is not correct", headers={"WWW-Authenticate": "Bearer"}
        )


class LoginThrottled(Refusal):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(
            "Too many failed logins; try again later",
            headers={
                "Retry-After": str(retry_after),
                "RateLimit-Limit": str(limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(retry_after),
            },
        )


class AccountInactive(Refusal):
    status, code = 403, "account_inactive"

    def __init__(self, detail: str = "This account is deactivated", **kw: Any) -> None:
        super().__init__(detail, **kw)


class TenantSuspended(Refusal):
    status, code = 403, "tenant_suspended"

    def __init__(self, detail: str = "This library's account is suspended", **kw: Any) -> None:
        super().__init__(detail, **kw)


class InvalidRefreshToken(Refusal):
    status, code = 401, "invalid_refresh_token"

    def __init__(self, detail: str = "The refresh token is invalid or expired", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class WrongPassword(Refusal):
    status, code = 403, "wrong_password"

    def __init__(self) -> None:
        super().__init__("The current password is not correct")


class InvalidOneTimeToken(AppError):
    status, code = 422, "invalid_or_expired_token"

    def __init__(self) -> None:
        super().__init__(
            "This link is invalid, expired or already used",
            errors=[{"field": "body.token", "message": "is invalid, expired or already used"}],
        )


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self) -> None:
        super().__init__("An account with this e-mail already exists")


class LoginTaken(Conflict):
    code = "login_taken"

    def __init__(self, field: str) -> None:
        super().__init__(f"This {field} is already used by another login in this library")


class CredentialsExist(Conflict):
    code = "credentials_exist"

    def __init__(self) -> None:
        super().__init__("This user already has a login")


class CredentialsNotFound(NotFound):
    code = "credentials_not_found"

    def __init__(self) -> None:
        super().__init__("No login for this user")


class TenantMismatch(Forbidden):
    code = "tenant_mismatch"

    def __init__(self) -> None:
        super().__init__("The service token acts for another tenant")


class PlatformOnly(Forbidden):
    code = "platform_only"

    def __init__(self) -> None:
        super().__init__("This endpoint is for platform users")
