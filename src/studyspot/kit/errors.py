"""RFC 9457 problem details: the one error shape every service answers with."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from studyspot.kit.context import request_id_var

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("studyspot.errors")

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.email`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details with a stable machine `code`."""

    type: str = Field(description="URI reference naming the problem type.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    code: str = Field(description="Stable snake_case machine code, e.g. `seat_unavailable`.")
    request_id: str
    errors: list[FieldProblem] = Field(default_factory=list)


class AppError(Exception):
    """Base of every domain error; subclasses set status and code."""

    status: int = 400
    code: str = "bad_request"
    title: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: Sequence[FieldProblem | dict[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.detail = detail or HTTPStatus(self.status).phrase
        self.errors = [e if isinstance(e, FieldProblem) else FieldProblem(**e) for e in errors]
        self.headers = headers or {}
        super().__init__(self.detail)


class Unauthorized(AppError):
    status, code = 401, "unauthorized"

    def __init__(self, detail: str = "Authentication required", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class Unprocessable(AppError):
    status, code = 422, "validation_error"


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[FieldProblem] = (),
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return {
        "type": f"https://docs.studyspot.app/problems/{code.replace('_', '-')}",
        "title": title or phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id_var.get(),
        "errors": [e.model_dump() for e in errors],
    }


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, code, detail, title=title, errors=errors),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _validation_message(err: dict[str, Any]) -> str:
    if err.get("type") == "extra_forbidden":
        return "Unknown field"
    msg = str(err.get("msg", "Invalid value"))
    return msg.removeprefix("Value error, ")


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        exc.status, exc.code, exc.detail, title=exc.title, errors=exc.errors, headers=exc.headers
    )


def _without_null_branches(raw: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One problem per field for optional fields written `X | SkipJsonSchema[None]`.

    Pydantic reports such a union member by member: `body.name.constrained-str`
    (the real problem) and `body.name.none` ("Input should be None", which the
    document never offered). Keep the first under the field's own path.
    """
    nullable = {
        tuple(e["loc"][:-1]) for e in raw if e.get("type") == "none_required" and e.get("loc")
    }
    kept = []
    for e in raw:
        loc = tuple(e.get("loc", ()))
        union = next((p for p in nullable if len(loc) > len(p) and loc[: len(p)] == p), None)
        if union is not None:
            if e.get("type") == "none_required" and len(loc) == len(union) + 1:
                continue
            # Drop the member's tag (`constrained-str`, `list[str]`, ...) after the field.
            e = {**e, "loc": union + loc[len(union) + 1 :]}
        kept.append(e)
    return kept


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=_field_path(e.get("loc", ())), message=_validation_message(e))
        for e in _without_null_branches(exc.errors())
    ]
    return problem_response(422, "validation_error", "The request is not valid", errors=errors)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path.

    Starlette's own `Allow` names only the first route whose path matched, and
    FastAPI makes one route per method, so `GET` and `POST` on one path would
    show up as just one of them.
    """
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(exc.status_code, code, detail, headers=headers)


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    # Logged with the traceback for operators; the client learns nothing internal.
    log.error("unhandled_error", exc_info=exc)
    return problem_response(500, "internal_error", "An unexpected error occurred")


# SQLSTATE classes that mean "not now" rather than "wrong": insufficient resources (53,
# e.g. 53300 too many clients), connection exceptions (08) and a server that is starting
# or shutting down (57P03).
_BUSY_SQLSTATES = ("53", "08", "57P03")


def _is_busy(exc: Exception) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_BUSY_SQLSTATES)


async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
    # SQLite's write lock or a full connection pool stayed taken past its timeout, or
    # PostgreSQL refused one more client: the work was not done and may be tried again,
    # which a 500 would not tell the client.
    if not _is_busy(exc):
        return await _unhandled(request, exc)
    log.warning("database_busy", error=type(exc).__name__)
    return problem_response(
        503,
        "database_busy",
        "The database is busy; try again shortly",
        headers={"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(DBAPIError, _database_busy)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route can answer with."""
    return {
        s: {
            "model": Problem,
            "description": HTTPStatus(s).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
