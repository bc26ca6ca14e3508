"""`Idempotency-Key` for POSTs that create a booking or move money (API-CONVENTIONS).

A key is remembered per (tenant, principal, key) in the tenant database's
`idempotency_keys` table, with a hash of method, path and body:

- same key, same request, first one finished → its answer again (status and body);
- same key, another request → 422 `idempotency_key_reused`;
- same key while the first is still running → 409 `idempotency_in_progress`.

How it stays exact without holding a lock across the request: the key is
*claimed* in a short transaction of its own (committed at once, so a
concurrent retry sees it), and the answer is stored by the caller's own unit
of work, in the same commit as the booking or payment it describes — a crash
can never leave a booking without its stored answer, or an answer without its
booking. A claim carries a token and a lease: if the process died mid-request,
a retry after the lease takes the key over, and the late original (if it was
only slow) finds its token gone and rolls back instead of answering twice.

Answers with a 4xx problem are stored too (a retry gets the same refusal);
unexpected failures release the key so that the client may retry.

On SQLite the claim must come before the request's unit of work touches the
database (its first statement takes the single write lock); `run_idempotent`
is meant to be the first thing a handler does.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.auth import Principal
from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.errors import PROBLEM_JSON, AppError, Conflict, Unprocessable, problem_body
from studyspot.kit.models import TenantBase, UTCDateTime, utcnow
from studyspot.kit.state import kit_state

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_RETENTION = timedelta(hours=24)

idempotency_keys = Table(
    "idempotency_keys",
    TenantBase.metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("principal_id", Uuid, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running | done
    Column("claim_token", Uuid, nullable=False),
    Column("locked_until", UTCDateTime(), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_type", String(64), nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        pattern=KEY_PATTERN,
        description=(
            "Makes the POST safe to retry: the same key with the same body replays the first "
            "answer; with another body → 422 `idempotency_key_reused`; while the first is "
            "still running → 409 `idempotency_in_progress`. Keys are kept 24 hours."
        ),
    ),
]


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request",
            errors=[{"field": f"header.{HEADER}", "message": "already used for another request"}],
        )


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly",
            headers={"Retry-After": "1"},
        )


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of method, path and the body as canonical JSON (key order and spacing ignored)."""
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\0")
    digest.update(path.encode())
    digest.update(b"\0")
    digest.update(canonical)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    media_type: str
    body: bytes

    def response(self) -> Response:
        return Response(
            content=self.body,
            status_code=self.status,
            media_type=self.media_type,
            headers={REPLAYED_HEADER: "true"},
        )


@dataclass
class IdempotentRequest:
    """One claimed (or replayed) key. `claim` first; then `complete`, `fail` or `release`."""

    db: Database
    tenant_id: uuid.UUID
    principal_id: uuid.UUID
    key: str
    request_hash: str
    lease: timedelta = DEFAULT_LEASE
    retention: timedelta = DEFAULT_RETENTION
    token: uuid.UUID | None = None

    def _pk(self) -> Any:
        t = idempotency_keys.c
        return and_(
            t.tenant_id == self.tenant_id, t.principal_id == self.principal_id, t.key == self.key
        )

    async def claim(self) -> StoredAnswer | None:
        """Own the key (None) or get the stored answer; raises on reuse or in-progress."""
        now = utcnow()
        token = uuid.uuid4()
        t = idempotency_keys.c
        async with unit_of_work(self.db, tenant_id=self.tenant_id) as session:
            # A key past its retention is forgotten, as if it had never been used.
            await session.execute(delete(idempotency_keys).where(self._pk(), t.expires_at <= now))
            row = (
                await session.execute(
                    select(
                        t.request_hash,
                        t.status,
                        t.locked_until,
                        t.response_status,
                        t.response_type,
                        t.response_body,
                    ).where(self._pk())
                )
            ).first()
            if row is None:
                try:
                    async with session.begin_nested():
                        await session.execute(
                            insert(idempotency_keys).values(
                                tenant_id=self.tenant_id,
                                principal_id=self.principal_id,
                                key=self.key,
                                request_hash=self.request_hash,
                                status="running",
                                claim_token=token,
                                locked_until=now + self.lease,
                                created_at=now,
                                expires_at=now + self.retention,
                            )
                        )
                except IntegrityError:
                    # A concurrent first use committed between our read and insert.
                    raise IdempotencyInProgress() from None
                self.token = token
                return None
            if row.request_hash != self.request_hash:
                raise IdempotencyKeyReused()
            if row.status == "done":
                return StoredAnswer(
                    int(row.response_status),
                    str(row.response_type),
                    str(row.response_body).encode(),
                )
            if row.locked_until > now:
                raise IdempotencyInProgress()
            # The first attempt died without an answer: take the key over.
            taken = await session.execute(
                update(idempotency_keys)
                .where(self._pk(), t.status == "running", t.locked_until == row.locked_until)
                .values(claim_token=token, locked_until=now + self.lease)
            )
            if not getattr(taken, "rowcount", 0):
                raise IdempotencyInProgress()
            self.token = token
            return None

    async def complete(
        self, session: AsyncSession, status: int, media_type: str, body: bytes
    ) -> None:
        """Store the answer in the caller's transaction; raises if the claim was taken over."""
        t = idempotency_keys.c
        result = await session.execute(
            update(idempotency_keys)
            .where(self._pk(), t.status == "running", t.claim_token == self.token)
            .values(
                status="done",
                response_status=status,
                response_type=media_type,
                response_body=body.decode(),
            )
        )
        if not getattr(result, "rowcount", 0):
            raise IdempotencyInProgress()

    async def fail(self, status: int, media_type: str, body: bytes) -> None:
        """Store a refusal (4xx) in a transaction of its own: the request's work rolled back."""
        async with unit_of_work(self.db, tenant_id=self.tenant_id) as session:
            await self.complete(session, status, media_type, body)

    async def release(self) -> None:
        """Forget the claim after an unexpected failure, so that a retry runs again."""
        t = idempotency_keys.c
        async with unit_of_work(self.db, tenant_id=self.tenant_id) as session:
            await session.execute(
                delete(idempotency_keys).where(
                    self._pk(), t.status == "running", t.claim_token == self.token
                )
            )


async def run_idempotent(
    request: Request,
    key: str | None,
    *,
    principal: Principal,
    session: AsyncSession,
    payload: BaseModel | None,
    status_code: int,
    action: Callable[[], Awaitable[BaseModel]],
    lease: timedelta = DEFAULT_LEASE,
) -> Response:
    """Run `action` once per key and answer with its result as JSON (`status_code`).

    Without a key the action simply runs. Call this before anything else
    touches `session` (see the module docstring about SQLite).
    """
    if key is None:
        result = await action()
        return Response(
            result.model_dump_json().encode(), status_code, media_type="application/json"
        )
    tenant_id = principal.require_tenant()
    db = await kit_state(request.app).tenants.get(principal.db_key)
    body = payload.model_dump(mode="json") if payload is not None else None
    claim = IdempotentRequest(
        db,
        tenant_id,
        principal.user_id,
        key,
        fingerprint(request.method, request.url.path, body),
        lease=lease,
    )
    stored = await claim.claim()
    if stored is not None:
        return stored.response()
    try:
        result = await action()
    except AppError as exc:
        # The work is undone first: on SQLite the refusal's own transaction needs the write lock.
        await session.rollback()
        if exc.status >= 500:
            await claim.release()
        else:
            problem = problem_body(
                exc.status, exc.code, exc.detail, title=exc.title, errors=exc.errors
            )
            await claim.fail(exc.status, PROBLEM_JSON, orjson.dumps(problem))
        raise
    except BaseException:
        await session.rollback()
        await claim.release()
        raise
    content = result.model_dump_json().encode()
    await claim.complete(session, status_code, "application/json", content)
    return Response(content, status_code, media_type="application/json")


async def prune_expired(db: Database, tenant_id: uuid.UUID, now: datetime | None = None) -> int:
    """Delete one tenant's keys past their retention (housekeeping for a periodic job).

    Scoped to the tenant like every tenant unit of work: with row-level
    security forced on the table, an unscoped DELETE would see no rows.
    """
    async with unit_of_work(db, tenant_id=tenant_id) as session:
        result = await session.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.tenant_id == tenant_id,
                idempotency_keys.c.expires_at <= (now or utcnow()),
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)
