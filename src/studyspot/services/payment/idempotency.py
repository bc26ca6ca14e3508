"""`Idempotency-Key` for money-creating POSTs, with the semantics of API-CONVENTIONS.

Same key and same body → the first answer replayed; same key, other body →
422 `idempotency_key_reused`; same key while the first is still running → 409
`idempotency_in_progress`. Keys are per (tenant, caller).

The key is claimed in its own short transaction (so a concurrent repeat sees
it), and the answer is stored in the request's own transaction, together with
the payment it describes: either both commit or neither does. A claim whose
request died is taken over after its lease.

Interim: the booking engineer is building `studyspot.kit.idempotency` with the
same semantics; once it lands this module should delegate to it and the
`payment_idempotency_keys` table should go.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from studyspot.kit.db import Database, unit_of_work
from studyspot.kit.errors import Conflict, Unprocessable
from studyspot.kit.models import utcnow
from studyspot.services.payment.models import IdempotencyRecord

LEASE = timedelta(seconds=60)
KEY_PATTERN = r"^[A-Za-z0-9_\-:.]{1,255}$"


@dataclass(frozen=True)
class Claim:
    tenant_id: uuid.UUID
    principal_id: uuid.UUID
    key: str


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = jsonable_encoder(body)
    import orjson

    payload = orjson.dumps([method.upper(), path, canonical], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


def _where(claim: Claim) -> Any:
    return (
        (IdempotencyRecord.tenant_id == claim.tenant_id)
        & (IdempotencyRecord.principal_id == claim.principal_id)
        & (IdempotencyRecord.key == claim.key)
    )


async def _inspect(session: AsyncSession, claim: Claim, digest: str) -> JSONResponse | bool:
    """A replay, True when the claim is ours now, or an error."""
    row = (
        await session.scalars(select(IdempotencyRecord).where(_where(claim)).with_for_update())
    ).first()
    now = utcnow()
    if row is None:
        session.add(
            IdempotencyRecord(
                tenant_id=claim.tenant_id,
                principal_id=claim.principal_id,
                key=claim.key,
                request_hash=digest,
                state="in_progress",
                locked_until=now + LEASE,
                created_at=now,
            )
        )
        await session.flush()
        return True
    if row.request_hash != digest:
        raise Unprocessable(
            "This Idempotency-Key was used with another request body",
            code="idempotency_key_reused",
            errors=[{"field": "header.idempotency-key", "message": "already used for another request"}],
        )
    if row.state == "done" and row.status_code is not None:
        return JSONResponse(row.response, status_code=row.status_code, headers={"Idempotent-Replayed": "true"})
    if row.locked_until > now:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed",
            code="idempotency_in_progress",
            headers={"Retry-After": "1"},
        )
    row.locked_until = now + LEASE
    return True


async def claim(db: Database, claim: Claim, digest: str) -> JSONResponse | None:
    """Claim the key (None), or the stored answer to replay; raises 409/422."""
    for attempt in range(2):
        try:
            async with unit_of_work(db, tenant_id=claim.tenant_id) as session:
                found = await _inspect(session, claim, digest)
            return None if found is True else found  # type: ignore[return-value]
        except IntegrityError:
            # A concurrent request inserted the same key first; look again.
            if attempt == 1:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed",
                    code="idempotency_in_progress",
                ) from None
    return None


async def complete(session: AsyncSession, claim: Claim, status_code: int, body: Any) -> None:
    """Store the answer in the request's transaction (commits with the payment)."""
    await session.execute(
        update(IdempotencyRecord)
        .where(_where(claim))
        .values(state="done", status_code=status_code, response=jsonable_encoder(body))
    )


async def release(db: Database, claim: Claim) -> None:
    """The request failed before committing: free the key for a retry."""
    async with unit_of_work(db, tenant_id=claim.tenant_id) as session:
        await session.execute(
            delete(IdempotencyRecord).where(_where(claim), IdempotencyRecord.state == "in_progress")
        )


async def run(
    db: Database,
    session: AsyncSession,
    key: str | None,
    *,
    tenant_id: uuid.UUID,
    principal_id: uuid.UUID,
    digest: str,
    work: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run `work` at most once per key; answer its (status, body) or the stored replay."""
    if key is None:
        status_code, body = await work()
        return JSONResponse(jsonable_encoder(body), status_code=status_code)
    this = Claim(tenant_id, principal_id, key)
    replay = await claim(db, this, digest)
    if replay is not None:
        return replay
    try:
        status_code, body = await work()
        await complete(session, this, status_code, body)
    except BaseException:
        await release(db, this)
        raise
    return JSONResponse(jsonable_encoder(body), status_code=status_code)
